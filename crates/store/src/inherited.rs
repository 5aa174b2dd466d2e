//! The subtrees a reader inherits through the 2025 merges, kept in memory
//! per process while the units do not change.
//!
//! Units (and the merge map, written in the same transaction) change only
//! by insertion, and every insertion moves `units_version`. Each request's
//! session or token statement reads that version and notes it here, so a
//! cached answer is used only while it was read at the version the current
//! request saw: never staler than the request's own sign-in check. A
//! process that has read no session (the CLI) caches nothing. Units and
//! merges are never deleted, so even an answer older than the database can
//! only grant less than it should, never more.

use dvk_domain::unit::UnitPath;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// Distinct sets of roots kept at most; grants are few, so this bounds a
/// cache that would otherwise grow with hostile variety only.
const KEPT: usize = 4096;

#[derive(Default)]
pub struct InheritedRoots {
    /// The newest `units_version` a session or token statement returned;
    /// 0 while none has.
    seen: AtomicI64,
    cached: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    version: i64,
    by_roots: HashMap<Vec<UnitPath>, Vec<UnitPath>>,
}

impl InheritedRoots {
    /// Notes the units version a session or token statement read.
    pub fn note_version(&self, version: i64) {
        self.seen.fetch_max(version, Ordering::AcqRel);
    }

    /// The version answers read now are filed under (read it before the
    /// statement, so a change that lands meanwhile only makes the answer
    /// newer than its tag).
    pub fn version(&self) -> i64 {
        self.seen.load(Ordering::Acquire)
    }

    /// The readable roots of a reader whose own roots are `visible`, when
    /// read at the version last noted.
    pub fn get(&self, visible: &[UnitPath]) -> Option<Vec<UnitPath>> {
        let version = self.version();
        if version <= 0 {
            return None;
        }
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.version != version {
            return None;
        }
        cached.by_roots.get(visible).cloned()
    }

    /// Keeps `readable`, read at `version`, for readers whose own roots are
    /// `visible`; an answer older than what is kept is dropped.
    pub fn put(&self, version: i64, visible: Vec<UnitPath>, readable: Vec<UnitPath>) {
        if version <= 0 {
            return;
        }
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if version < cached.version {
            return;
        }
        if version > cached.version || cached.by_roots.len() >= KEPT {
            cached.by_roots.clear();
            cached.version = version;
        }
        cached.by_roots.insert(visible, readable);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> UnitPath {
        UnitPath::parse(s).unwrap()
    }

    #[test]
    fn nothing_is_served_before_a_version_is_seen() {
        let c = InheritedRoots::default();
        c.put(c.version(), vec![p("/1/")], vec![p("/1/"), p("/9/")]);
        assert_eq!(c.get(&[p("/1/")]), None);
    }

    #[test]
    fn an_answer_serves_only_its_own_version() {
        let c = InheritedRoots::default();
        c.note_version(3);
        c.put(c.version(), vec![p("/1/")], vec![p("/1/"), p("/9/")]);
        assert_eq!(c.get(&[p("/1/")]), Some(vec![p("/1/"), p("/9/")]));
        assert_eq!(c.get(&[p("/2/")]), None);
        // A unit was added (a merge, say): the next request sees 4.
        c.note_version(4);
        assert_eq!(c.get(&[p("/1/")]), None);
        // An answer read at 3 that arrives late is not kept under 4.
        c.put(3, vec![p("/1/")], vec![p("/1/")]);
        assert_eq!(c.get(&[p("/1/")]), None);
        // A request that read the older version does not move it back.
        c.note_version(3);
        assert_eq!(c.version(), 4);
    }
}
