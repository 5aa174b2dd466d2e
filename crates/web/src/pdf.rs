//! PDF by LibreOffice, when the server has it: one conversion at a time per
//! process, a short queue, a time limit, and a clear answer when busy.
//! Without LibreOffice, pages show no PDF link and a PDF request is told so.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How many requests may wait for the converter before others are told
/// it is busy.
const QUEUE: usize = 4;
/// How long a request waits for its turn.
const WAIT: Duration = Duration::from_secs(30);
/// How long one conversion may take.
const LIMIT: Duration = Duration::from_secs(90);

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

pub struct PdfConverter {
    program: Option<PathBuf>,
    gate: Semaphore,
    waiting: AtomicUsize,
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
        }
    }

    pub fn available(&self) -> bool {
        self.program.is_some() && self.profile.is_some()
    }

    /// Converts a DOCX file to PDF.
    pub async fn convert(&self, docx: &[u8]) -> Result<Vec<u8>, PdfError> {
        let (Some(program), Some(profile)) = (&self.program, &self.profile) else {
            return Err(PdfError::Unavailable);
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= QUEUE {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(PdfError::Busy);
        }
        let permit = tokio::time::timeout(WAIT, self.gate.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = match permit {
            Ok(Ok(p)) => p,
            _ => return Err(PdfError::Busy),
        };
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
        .kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| PdfError::Failed(e.to_string()))?;
        let out = match tokio::time::timeout(LIMIT, child.wait_with_output()).await {
            Err(_) => return Err(PdfError::TimedOut),
            Ok(Err(e)) => return Err(PdfError::Failed(e.to_string())),
            Ok(Ok(out)) => out,
        };
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
