//! Spreadsheet downloads: a service streams rows into a channel, a
//! blocking task writes them (XLSX in constant memory, or CSV) to a
//! temporary file, and the file is streamed to the client and removed.
//! Memory stays that of a few hundred rows, whatever the size.

use crate::AppState;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dvk_sheets::Format;
use dvk_store::error::StoreError;
use dvk_store::exports::{Plan, Rows};
use dvk_store::ServiceError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Exports written or being downloaded at once per process (each holds a
/// file on disk until its download ends); others wait a little, then are
/// told to retry. One at a time per person.
pub const AT_ONCE: usize = 3;
const WAIT: Duration = Duration::from_secs(20);
/// A download that takes longer than this is cut off and its file removed.
const DEADLINE: Duration = Duration::from_secs(600);

/// The slots for exports, and who holds one.
pub struct ExportGate {
    slots: Arc<tokio::sync::Semaphore>,
    people: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl Default for ExportGate {
    fn default() -> Self {
        ExportGate {
            slots: Arc::new(tokio::sync::Semaphore::new(AT_ONCE)),
            people: Arc::default(),
        }
    }
}

/// A held slot: given back (and the person freed) when dropped, that is
/// when the download ends, fails or goes away.
struct Slot {
    _permit: tokio::sync::OwnedSemaphorePermit,
    person: i64,
    people: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut p) = self.people.lock() {
            p.remove(&self.person);
        }
    }
}

impl ExportGate {
    async fn enter(&self, person: i64) -> Result<Slot, ExportError> {
        {
            let mut p = self.people.lock().map_err(|_| ExportError::Busy)?;
            if !p.insert(person) {
                return Err(ExportError::Yours);
            }
        }
        // Freed again if the wait fails.
        let claim = Slot {
            _permit: match tokio::time::timeout(WAIT, self.slots.clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => {
                    if let Ok(mut p) = self.people.lock() {
                        p.remove(&person);
                    }
                    return Err(ExportError::Busy);
                }
            },
            person,
            people: self.people.clone(),
        };
        Ok(claim)
    }
}
/// Batches of rows in flight between the database and the writer.
const BUFFER: usize = 4;
const CHUNK: usize = 64 * 1024;

/// Why an export did not come.
#[derive(Debug)]
pub enum ExportError {
    Service(ServiceError),
    Busy,
    /// The person already has an export being made or downloaded.
    Yours,
}

impl From<ServiceError> for ExportError {
    fn from(e: ServiceError) -> Self {
        ExportError::Service(e)
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> ExportError {
    ExportError::Service(ServiceError::Store(StoreError::Data(format!(
        "{what}: {e}"
    ))))
}

/// `xlsx` (default) or `csv`, else a message naming the choices.
pub fn format_of(raw: &str) -> Result<Format, ServiceError> {
    Format::parse(raw)
        .ok_or_else(|| ServiceError::invalid("format", "Định dạng chỉ có thể là xlsx hoặc csv."))
}

/// Writes the rows `produce` sends as `format` and answers with the file.
pub async fn respond<F, Fut>(
    state: &AppState,
    person: i64,
    format: Format,
    plan: Plan,
    produce: F,
) -> Result<Response, ExportError>
where
    F: FnOnce(Rows) -> Fut,
    Fut: Future<Output = Result<u64, ServiceError>>,
{
    let slot = state.exports.enter(person).await?;
    let dir = tempfile::tempdir().map_err(|e| internal("thư mục tạm", e))?;
    let path = dir.path().join(format!("bang.{}", format.extension()));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<dvk_sheets::Cell>>>(BUFFER);
    let writer = {
        let path = path.clone();
        let (heading, columns) = (plan.heading.clone(), plan.columns.clone());
        tokio::task::spawn_blocking(move || -> Result<(), dvk_sheets::SheetError> {
            let mut sink = dvk_sheets::open(format, &heading, &columns, &path)?;
            while let Some(batch) = rx.blocking_recv() {
                for row in &batch {
                    sink.row(row)?;
                }
            }
            sink.finish()
        })
    };
    let produced = produce(Rows::new(tx)).await;
    let written = writer.await.map_err(|e| internal("ghi bảng tính", e))?;
    produced?;
    written.map_err(|e| internal("ghi bảng tính", e))?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| internal("mở bảng tính", e))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| internal("mở bảng tính", e))?
        .len();
    // The temporary directory and the slot go with the stream: the file
    // is removed and the slot given back when it ends, fails or is cut off.
    let until = std::time::Instant::now() + DEADLINE;
    let body =
        futures_util::stream::unfold(Some((file, dir, slot, size)), move |state| async move {
            use tokio::io::AsyncReadExt;
            let (mut file, dir, slot, left) = state?;
            if std::time::Instant::now() > until {
                let e = std::io::Error::other("download took too long");
                return Some((Err(e), None));
            }
            let mut buf = vec![0u8; CHUNK];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    let left = left.saturating_sub(n as u64);
                    // The last chunk frees the slot and the file before it
                    // is sent, so the next download can start at once.
                    let next = (left > 0).then_some((file, dir, slot, left));
                    Some((Ok::<_, std::io::Error>(buf), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        });
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime()),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    let name = format!("{}.{}", plan.file_name, format.extension());
    if let Ok(v) = HeaderValue::from_str(&crate::documents::disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// A table already in memory (a round, a status table…) as `format`.
pub async fn table(
    state: &AppState,
    person: i64,
    format: Format,
    (plan, rows): (dvk_store::exports::Plan, Vec<Vec<dvk_sheets::Cell>>),
) -> Result<Response, ExportError> {
    respond(state, person, format, plan, move |out| async move {
        Ok(dvk_store::exports::tracking::send_all(rows, out).await)
    })
    .await
}

/// The entry list as `format`, for `actor`, under `filter`: what the page
/// and the API both serve.
pub async fn entries(
    state: &AppState,
    actor: &dvk_domain::auth::Actor,
    format: Format,
    filter: dvk_store::entries::EntryFilter,
) -> Result<Response, ExportError> {
    let plan =
        dvk_store::exports::entries::plan(&state.db, &state.catalogue, actor, &filter).await?;
    let (db, cat, reader) = (state.db.clone(), state.catalogue.clone(), actor.clone());
    respond(state, actor.user_id, format, plan, move |rows| async move {
        dvk_store::exports::entries::rows(&db, &cat, &reader, filter, rows).await
    })
    .await
}

/// Busy, in the words of each layer.
pub const BUSY: &str = "Máy chủ đang xuất các bảng tính khác. Vui lòng thử lại sau ít giây.";
pub const YOURS: &str =
    "Bạn đang có một bảng tính đang xuất hoặc đang tải về; vui lòng chờ xong rồi tải tiếp.";
pub const BUSY_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;
