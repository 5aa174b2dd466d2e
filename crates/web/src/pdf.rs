//! PDF by LibreOffice, when the server has it: one conversion at a time per
//! process, a short queue, a time limit that ends the whole LibreOffice
//! process group, and a small cache keyed by the DOCX's SHA-256 so the
//! same stored decision is converted once. Anonymous visitors never queue:
//! they get a cached PDF or the free converter, else "busy".
//! Without LibreOffice, pages show no PDF link and a PDF request is told so.

use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How many requests may wait for the converter before others are told
/// it is busy.
const QUEUE: usize = 4;
/// How long a request waits for its turn, and how long one conversion may
/// take: together well inside the default 60 s request timeout, so the
/// user hears "busy" or "too long" rather than a bare timeout.
const WAIT: Duration = Duration::from_secs(15);
const LIMIT: Duration = Duration::from_secs(40);
/// The cache keeps the latest PDFs up to this many bytes in all.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("Máy chủ chưa cài LibreOffice nên không chuyển được sang PDF; hãy tải bản DOCX.")]
    Unavailable,
    #[error("Máy chủ đang chuyển đổi các văn bản khác. Vui lòng thử lại sau ít giây.")]
    Busy,
    #[error("Chuyển đổi sang PDF quá thời gian cho phép; hãy tải bản DOCX.")]
    TimedOut,
    #[error("Không chuyển được văn bản sang PDF; hãy tải bản DOCX.")]
    Failed(String),
}

/// Who asks: a signed-in user may wait in the queue, the public may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    SignedIn,
    Public,
}

/// The caller of a route whose user is optional.
pub fn caller(signed_in: bool) -> Caller {
    if signed_in {
        Caller::SignedIn
    } else {
        Caller::Public
    }
}

type Key = [u8; 32];

/// The latest PDFs by their DOCX's hash, oldest evicted first.
#[derive(Default)]
struct Cache {
    items: VecDeque<(Key, Arc<Vec<u8>>)>,
    bytes: usize,
}

impl Cache {
    fn get(&self, key: &Key) -> Option<Arc<Vec<u8>>> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn put(&mut self, key: Key, pdf: Arc<Vec<u8>>) {
        if pdf.len() > CACHE_BYTES / 4 || self.get(&key).is_some() {
            return;
        }
        self.bytes += pdf.len();
        self.items.push_back((key, pdf));
        while self.bytes > CACHE_BYTES {
            match self.items.pop_front() {
                Some((_, old)) => self.bytes -= old.len(),
                None => break,
            }
        }
    }
}

pub struct PdfConverter {
    program: Option<PathBuf>,
    gate: Semaphore,
    waiting: AtomicUsize,
    cache: Mutex<Cache>,
    /// Conversions actually run (the cache's effect shows in tests).
    runs: AtomicUsize,
    /// LibreOffice's profile, made once per process (conversions share it,
    /// one at a time).
    profile: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for PdfConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfConverter")
            .field("program", &self.program)
            .finish()
    }
}

/// `soffice` on the PATH, if any.
fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Ends the converter's whole process group when dropped: `soffice` is a
/// script that starts `soffice.bin`, which killing the script alone leaves
/// running. Dropped on success, timeout, or when the request goes away.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0.filter(|p| *p > 0) {
            // SAFETY: killpg only sends a signal; the group is the child's own
            // (process_group(0)), so no other process is touched.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

/// A place in the queue, given back when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PdfConverter {
    /// The configured program (an empty path turns PDF off), else
    /// LibreOffice found on the PATH.
    pub fn new(configured: Option<&Path>) -> PdfConverter {
        let program = match configured {
            Some(p) if p.as_os_str().is_empty() => None,
            Some(p) => p.is_file().then(|| p.to_owned()),
            None => on_path(),
        };
        PdfConverter {
            profile: program.as_ref().and_then(|_| tempfile::tempdir().ok()),
            program,
            gate: Semaphore::new(1),
            waiting: AtomicUsize::new(0),
            cache: Mutex::new(Cache::default()),
            runs: AtomicUsize::new(0),
        }
    }

    pub fn available(&self) -> bool {
        self.program.is_some() && self.profile.is_some()
    }

    /// How many conversions LibreOffice has run in this process.
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    fn cached(&self, key: &Key) -> Option<Arc<Vec<u8>>> {
        self.cache.lock().ok()?.get(key)
    }

    /// Converts a DOCX file to PDF.
    pub async fn convert(&self, docx: &[u8], caller: Caller) -> Result<Arc<Vec<u8>>, PdfError> {
        if !self.available() {
            return Err(PdfError::Unavailable);
        }
        let key: Key = Sha256::digest(docx).into();
        if let Some(pdf) = self.cached(&key) {
            return Ok(pdf);
        }
        let _permit = match caller {
            Caller::Public => self.gate.try_acquire().map_err(|_| PdfError::Busy)?,
            Caller::SignedIn => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= QUEUE {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(PdfError::Busy);
                }
                // Leaves the queue however the wait ends, a request that
                // goes away included.
                let _waiting = Waiting(&self.waiting);
                let permit = tokio::time::timeout(WAIT, self.gate.acquire()).await;
                drop(_waiting);
                match permit {
                    Ok(Ok(p)) => p,
                    _ => return Err(PdfError::Busy),
                }
            }
        };
        // Someone may have converted the same file while we waited.
        if let Some(pdf) = self.cached(&key) {
            return Ok(pdf);
        }
        let pdf = Arc::new(self.run(docx).await?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(key, pdf.clone());
        }
        Ok(pdf)
    }

    async fn run(&self, docx: &[u8]) -> Result<Vec<u8>, PdfError> {
        let (Some(program), Some(profile)) = (&self.program, &self.profile) else {
            return Err(PdfError::Unavailable);
        };
        self.runs.fetch_add(1, Ordering::Relaxed);
        let work = tempfile::tempdir().map_err(|e| PdfError::Failed(e.to_string()))?;
        let input = work.path().join("van-ban.docx");
        tokio::fs::write(&input, docx)
            .await
            .map_err(|e| PdfError::Failed(e.to_string()))?;
        let mut cmd = tokio::process::Command::new(program);
        cmd.arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(work.path())
        .arg(&input)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| PdfError::Failed(e.to_string()))?;
        let mut group = GroupGuard(child.id().map(|id| id as i32));
        let out = match tokio::time::timeout(LIMIT, child.wait_with_output()).await {
            Err(_) => return Err(PdfError::TimedOut),
            Ok(Err(e)) => return Err(PdfError::Failed(e.to_string())),
            Ok(Ok(out)) => out,
        };
        // soffice waits for soffice.bin: once it has exited the group is
        // gone, and its id may soon name another group — leave it be.
        group.0 = None;
        let pdf = work.path().join("van-ban.pdf");
        match tokio::fs::read(&pdf).await {
            Ok(bytes) if out.status.success() && bytes.starts_with(b"%PDF") => Ok(bytes),
            _ => Err(PdfError::Failed(
                String::from_utf8_lossy(&out.stderr)
                    .chars()
                    .take(500)
                    .collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for soffice: a shell script with `body`.
    fn script(dir: &tempfile::TempDir, body: &str) -> PathBuf {
        let path = dir.path().join("soffice");
        std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    #[test]
    fn the_cache_keeps_the_latest_within_its_budget() {
        let mut cache = Cache::default();
        let big = Arc::new(vec![0u8; CACHE_BYTES / 4]);
        for i in 0..6u8 {
            cache.put([i; 32], big.clone());
        }
        assert!(cache.bytes <= CACHE_BYTES);
        assert!(cache.get(&[0; 32]).is_none(), "the oldest goes first");
        assert!(cache.get(&[5; 32]).is_some());
        cache.put([9; 32], Arc::new(vec![0u8; CACHE_BYTES / 4 + 1]));
        assert!(cache.get(&[9; 32]).is_none(), "too big to keep");
    }

    /// A converter that hangs and leaves a grandchild behind, as soffice
    /// leaves soffice.bin: the time limit must end both.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_hung_converter_is_ended_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pid");
        let body = format!("sleep 600 &\necho $! > {}\nwait\n", marker.display());
        let converter = PdfConverter::new(Some(&script(&dir, &body)));
        let run = converter.convert(b"not really a docx", Caller::SignedIn);
        // Drop the request after a moment, as a client that goes away would.
        let _ = tokio::time::timeout(Duration::from_millis(1500), run).await;
        let pid: i32 = std::fs::read_to_string(&marker)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let mut gone = false;
        for _ in 0..50 {
            // SAFETY: signal 0 only checks that the process exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                gone = true;
                break;
            }
            // A killed child stays a zombie until reaped by init; check its state.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if stat.split_whitespace().nth(2) == Some("Z") {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(gone, "the grandchild {pid} outlived the converter");
    }

    /// Requests that go away while waiting give their place back.
    #[tokio::test]
    async fn dropped_waiters_leave_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let converter = PdfConverter::new(Some(&script(&dir, "exit 1\n")));
        let held = converter.gate.acquire().await.unwrap();
        for i in 0..QUEUE * 2 {
            let doc = format!("d{i}");
            let _ = tokio::time::timeout(
                Duration::from_millis(20),
                converter.convert(doc.as_bytes(), Caller::SignedIn),
            )
            .await;
        }
        assert_eq!(converter.waiting.load(Ordering::SeqCst), 0);
        drop(held);
        // The converter answers again (this script fails: not "busy").
        assert!(matches!(
            converter.convert(b"again", Caller::SignedIn).await,
            Err(PdfError::Failed(_))
        ));
    }

    #[tokio::test]
    async fn the_public_does_not_queue() {
        let dir = tempfile::tempdir().unwrap();
        let converter = PdfConverter::new(Some(&script(&dir, "exit 1\n")));
        let _held = converter.gate.acquire().await.unwrap();
        assert!(matches!(
            converter.convert(b"x", Caller::Public).await,
            Err(PdfError::Busy)
        ));
    }
}
