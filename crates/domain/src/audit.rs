//! The audit chain: every change is a record whose hash covers the record
//! and the previous hash, so an edited, deleted or reordered record breaks
//! the chain at a point `verify` can name.

use sha2_free::sha256_hex;

/// One audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub record_type: String,
    pub record_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// JSON object of changed fields: {"field": [old, new]}.
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical text a record's hash covers. Fields are length-prefixed
/// so no two different records share one text.
pub fn canonical(r: &AuditRecord) -> String {
    let parts: [String; 10] = [
        r.id.to_string(),
        r.at.to_string(),
        r.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        r.action.clone(),
        r.record_type.clone(),
        r.record_id.to_string(),
        r.from_state.clone().unwrap_or_default(),
        r.to_state.clone().unwrap_or_default(),
        r.changes.clone(),
        r.prev_hash.clone(),
    ];
    let mut s = String::new();
    for p in parts {
        s.push_str(&p.len().to_string());
        s.push(':');
        s.push_str(&p);
        s.push('|');
    }
    s
}

pub fn record_hash(r: &AuditRecord) -> String {
    sha256_hex(canonical(r).as_bytes())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// The record's content does not match its hash: edited.
    Edited { id: i64 },
    /// The record does not follow the one before it: a deletion or reordering.
    Broken { id: i64, expected_prev: String },
    /// Ids are not consecutive: records were removed.
    Gap { after: i64, next: i64 },
    /// The chain's recorded head does not match the last record: the tail was cut.
    Truncated { last_id: i64 },
    /// An anchor taken earlier names a record the chain no longer reaches:
    /// the tail was cut and the head moved.
    AnchorMissing { length: i64, last_id: i64 },
    /// The record an anchor names has another hash now: the chain was
    /// rewritten (edited and re-hashed).
    AnchorMismatch { length: i64 },
}

/// A chain's length and head hash at some moment, kept outside the
/// database ("length:hash"); a later chain must extend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub length: i64,
    pub hash: String,
}

impl Anchor {
    pub fn parse(raw: &str) -> Option<Anchor> {
        let (length, hash) = raw.trim().split_once(':')?;
        let length: i64 = length.parse().ok().filter(|n| *n >= 0)?;
        let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Anchor {
            length,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.length, self.hash)
    }
}

impl ChainFault {
    pub fn describe(&self) -> String {
        match self {
            Self::Edited { id } => format!("Bản ghi #{id} đã bị sửa (nội dung không khớp mã băm)."),
            Self::Broken { id, .. } => {
                format!("Bản ghi #{id} không nối tiếp bản ghi trước (bị xóa hoặc đổi thứ tự).")
            }
            Self::Gap { after, next } => {
                format!("Thiếu bản ghi giữa #{after} và #{next} (bị xóa).")
            }
            Self::Truncated { last_id } => format!("Chuỗi nhật ký bị cắt sau bản ghi #{last_id}."),
            Self::AnchorMissing { length, last_id } => format!(
                "Mốc đã lưu có {length} bản ghi nhưng chuỗi nay chỉ còn {last_id}: phần cuối đã bị cắt."
            ),
            Self::AnchorMismatch { length } => format!(
                "Bản ghi #{length} không còn khớp mốc đã lưu: chuỗi đã bị viết lại."
            ),
        }
    }
}

/// Incremental verifier, fed records in id order (so a store can stream).
#[derive(Debug)]
pub struct Verifier {
    prev_hash: String,
    last_id: Option<i64>,
    pub checked: u64,
    anchor: Option<Anchor>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            prev_hash: GENESIS.to_owned(),
            last_id: None,
            checked: 0,
            anchor: None,
        }
    }
}

impl Verifier {
    /// A verifier that also holds the chain to an anchor kept elsewhere.
    pub fn expecting(anchor: Anchor) -> Verifier {
        Verifier {
            anchor: Some(anchor),
            ..Verifier::default()
        }
    }

    pub fn feed(&mut self, r: &AuditRecord) -> Result<(), ChainFault> {
        if let Some(last) = self.last_id {
            if r.id != last + 1 {
                return Err(ChainFault::Gap {
                    after: last,
                    next: r.id,
                });
            }
        }
        if record_hash(r) != r.hash {
            return Err(ChainFault::Edited { id: r.id });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainFault::Broken {
                id: r.id,
                expected_prev: self.prev_hash.clone(),
            });
        }
        if let Some(a) = &self.anchor {
            if a.length == r.id && a.hash != r.hash {
                return Err(ChainFault::AnchorMismatch { length: a.length });
            }
        }
        self.prev_hash = r.hash.clone();
        self.last_id = Some(r.id);
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the chain with the head the store keeps.
    pub fn finish(&self, head_hash: &str) -> Result<(), ChainFault> {
        if head_hash != self.prev_hash {
            return Err(ChainFault::Truncated {
                last_id: self.last_id.unwrap_or(0),
            });
        }
        if let Some(a) = &self.anchor {
            let last_id = self.last_id.unwrap_or(0);
            if a.length > last_id {
                return Err(ChainFault::AnchorMissing {
                    length: a.length,
                    last_id,
                });
            }
            if a.length == 0 && a.hash != GENESIS {
                return Err(ChainFault::AnchorMismatch { length: 0 });
            }
        }
        Ok(())
    }
}

/// Tiny wrapper so the domain names one hash function in one place.
mod sha2_free {
    use sha2::{Digest, Sha256};
    pub fn sha256_hex(bytes: &[u8]) -> String {
        let digest = Sha256::digest(bytes);
        let mut s = String::with_capacity(64);
        for b in digest {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

pub use sha2_free::sha256_hex as hash_hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_parse_and_print() {
        let a = Anchor::parse(&format!("12:{}", "AB".repeat(32))).unwrap();
        assert_eq!(a.length, 12);
        assert_eq!(a.to_string(), format!("12:{}", "ab".repeat(32)));
        assert!(Anchor::parse("12").is_none());
        assert!(Anchor::parse("-1:00").is_none());
        assert!(Anchor::parse(&format!("x:{}", "a".repeat(64))).is_none());
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let mut r = AuditRecord {
                    id,
                    at: 1_700_000_000 + id,
                    actor_id: Some(3),
                    action: "submit".into(),
                    record_type: "entry".into(),
                    record_id: 10 + id,
                    from_state: Some("draft".into()),
                    to_state: Some("submitted".into()),
                    changes: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = record_hash(&r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord]) -> Result<(), ChainFault> {
        let mut v = Verifier::default();
        for r in records {
            v.feed(r)?;
        }
        v.finish(
            &records
                .last()
                .map(|r| r.hash.clone())
                .unwrap_or(GENESIS.to_owned()),
        )
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(()));
        assert_eq!(verify(&[]), Ok(()));
    }

    #[test]
    fn edit_is_found() {
        let mut c = chain(5);
        c[2].to_state = Some("accepted".into());
        assert_eq!(verify(&c), Err(ChainFault::Edited { id: 3 }));
    }

    #[test]
    fn edit_with_rehash_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].changes = "{\"x\":1}".into();
        c[2].hash = record_hash(&c[2]);
        assert!(matches!(verify(&c), Err(ChainFault::Broken { id: 4, .. })));
    }

    #[test]
    fn deletion_and_reorder_are_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(&c), Err(ChainFault::Gap { after: 1, next: 3 }));
        let mut c = chain(5);
        c.swap(1, 2);
        assert!(verify(&c).is_err());
    }

    #[test]
    fn truncation_is_found() {
        let c = chain(5);
        let mut v = Verifier::default();
        for r in &c[..4] {
            v.feed(r).unwrap();
        }
        assert_eq!(
            v.finish(&c[4].hash),
            Err(ChainFault::Truncated { last_id: 4 })
        );
    }
}
