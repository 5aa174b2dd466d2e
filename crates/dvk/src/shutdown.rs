//! Stopping cleanly. SIGTERM (systemd, Docker, Kubernetes) and Ctrl-C both
//! set one flag: the server stops accepting and lets in-flight requests
//! finish within the grace period, the mail loop ends after the message it
//! is sending, and the housekeeping loop ends.

use std::time::Duration;
use tokio::sync::watch;

/// Set once, when the process is asked to stop.
#[derive(Clone)]
pub struct Stopping {
    tx: std::sync::Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Stopping {
    fn new() -> Stopping {
        let (tx, rx) = watch::channel(false);
        Stopping {
            tx: std::sync::Arc::new(tx),
            rx,
        }
    }

    /// A flag set only by [`Stopping::set`] (benchmarks).
    pub fn manual() -> Stopping {
        Stopping::new()
    }

    pub fn set(&self) {
        let _ = self.tx.send(true);
    }

    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }

    /// For the server: a receiver that turns true on stop.
    pub fn receiver(&self) -> watch::Receiver<bool> {
        self.rx.clone()
    }

    /// Sleeps `d`, or less if asked to stop meanwhile.
    pub async fn sleep(&self, d: Duration) {
        let mut rx = self.rx.clone();
        let _ = tokio::time::timeout(d, rx.wait_for(|s| *s)).await;
    }
}

/// A flag set by SIGTERM or Ctrl-C.
pub fn on_signal() -> Stopping {
    let s = Stopping::new();
    let tx = s.tx.clone();
    tokio::spawn(async move {
        signal().await;
        tracing::info!("stopping: finishing requests in flight");
        let _ = tx.send(true);
    });
    s
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot watch SIGTERM: {e}");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
