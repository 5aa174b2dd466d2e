//! Spreadsheets into DVK: registrations a unit collected on paper, and the
//! accounts of many communes at once. An upload is read and checked row by
//! row into a preview; it waits (and nothing else is written) until its
//! uploader confirms, when it is checked again and written in one
//! transaction with one audit record per row.

pub mod accounts;
pub mod registrations;

use crate::db::{now, q, Db};
use crate::error::{ServiceError, StoreError};
use dvk_domain::text::fold;
use dvk_sheets::read::{Grid, ReadError, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;

/// Largest upload accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// A pending upload not confirmed within a day is dropped.
const PENDING_SECS: i64 = 24 * 3600;

/// One problem of one row, where a user finds it in their file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowIssue {
    /// The column's header as the file has it; empty for the whole row.
    pub column: String,
    pub message: String,
}

/// One data row as checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewRow {
    /// The row number Excel shows.
    pub row: usize,
    /// What the row is about (a title, a username), to recognise it.
    pub label: String,
    pub issues: Vec<RowIssue>,
    /// Existing models alike to the row's (registrations only), within
    /// what the importing officer may read.
    pub similar: Vec<crate::similar::SimilarModel>,
}

impl PreviewRow {
    pub fn ok(&self) -> bool {
        self.issues.is_empty()
    }
}

/// What an upload would do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    /// The pending upload to confirm.
    pub id: i64,
    pub file_name: String,
    pub rows: Vec<PreviewRow>,
    /// Valid rows not looked up for similar models (a long file): they
    /// are compared when imported.
    pub similar_unchecked: usize,
}

impl Preview {
    pub fn valid(&self) -> usize {
        self.rows.iter().filter(|r| r.ok()).count()
    }
}

/// How a confirmed import treats rows with errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every row or none.
    AllOrNothing,
    /// The valid rows; the others are left out.
    ValidOnly,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim() {
            "all" | "" => Some(Mode::AllOrNothing),
            "valid" => Some(Mode::ValidOnly),
            _ => None,
        }
    }
}

/// Reading a workbook is CPU- and memory-heavy: two at a time per process,
/// the others wait their turn.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Reads an upload off the async threads, two at a time.
pub(crate) async fn read_upload<T: Send + 'static>(
    bytes: &[u8],
    read: impl FnOnce(&[u8]) -> Result<T, ReadError> + Send + 'static,
) -> Result<T, ServiceError> {
    let _turn = READING
        .acquire()
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?;
    let owned = bytes.to_vec();
    tokio::task::spawn_blocking(move || read(&owned))
        .await
        .map_err(|e| StoreError::Config(e.to_string()))?
        .map_err(file_error)
}

pub(crate) fn file_error(e: ReadError) -> ServiceError {
    ServiceError::invalid("file", e.to_string())
}

/// The header of a table in a grid: where each known column is, and the
/// first data row. Header cells are matched by their folded text, in the
/// row holding `key` and (for two-level headers such as DVK's exports) the
/// row below it.
pub(crate) struct Header {
    pub columns: HashMap<String, usize>,
    pub labels: HashMap<usize, String>,
    pub data_from: usize,
}

impl Header {
    pub fn find(grid: &Grid, key: &str, known: &[&str]) -> Option<Header> {
        let key = fold(key);
        let known: Vec<String> = known.iter().map(|k| fold(k)).collect();
        let top = (0..grid.rows.len().min(30))
            .find(|r| grid.rows[*r].iter().any(|v| fold(&v.text()) == key))?;
        let mut h = Header {
            columns: HashMap::new(),
            labels: HashMap::new(),
            data_from: top + 1,
        };
        for r in [top, top + 1] {
            let Some(row) = grid.rows.get(r) else {
                continue;
            };
            for (c, v) in row.iter().enumerate() {
                let text = v.text();
                let f = fold(&text);
                if known.contains(&f) && !h.columns.contains_key(&f) {
                    h.columns.insert(f, c);
                    h.labels.insert(c, text);
                    h.data_from = h.data_from.max(r + 1);
                }
            }
        }
        Some(h)
    }

    pub fn col(&self, label: &str) -> Option<usize> {
        self.columns.get(&fold(label)).copied()
    }

    pub fn value<'a>(&self, grid: &'a Grid, row: usize, label: &str) -> &'a Value {
        match self.col(label) {
            Some(c) => grid.cell(row, c),
            None => &Value::Empty,
        }
    }

    /// Merged cells reaching into the data rows hide which row a value
    /// belongs to: refused, naming the range.
    pub fn check_merges(&self, grid: &Grid) -> Result<(), ServiceError> {
        if let Some((r0, c0, r1, c1)) = grid
            .merged
            .iter()
            .find(|(_, _, r1, _)| *r1 as usize >= self.data_from)
        {
            return Err(ServiceError::invalid(
                "file",
                format!(
                    "Vùng dữ liệu có ô gộp ({}{}:{}{}). Hãy bỏ gộp ô để mỗi dòng là một bản ghi, rồi tải lên lại.",
                    column_name(*c0 as usize),
                    r0 + 1,
                    column_name(*c1 as usize),
                    r1 + 1
                ),
            ));
        }
        Ok(())
    }

    /// Data rows with anything in them, as (index in the grid, Excel's row
    /// number).
    pub fn rows(&self, grid: &Grid) -> Vec<(usize, usize)> {
        (self.data_from..grid.rows.len())
            .filter(|r| grid.rows[*r].iter().any(|v| !v.is_empty()))
            .map(|r| (r, r + 1))
            .collect()
    }
}

/// "A", "B", … "AA": a column as Excel names it.
pub fn column_name(col: usize) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        s.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keeps an upload until its uploader confirms it; drops day-old ones.
pub(crate) async fn keep_pending(
    db: &Db,
    kind: &str,
    user_id: i64,
    unit_id: Option<i64>,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, StoreError> {
    // Day-old uploads go, and so does the uploader's earlier upload of the
    // same kind: only the latest preview can be confirmed, and nobody can
    // pile files up here.
    q("DELETE FROM pending_imports WHERE created_at < $1 OR (user_id = $2 AND kind = $3)")
        .bind(now() - PENDING_SECS)
        .bind(user_id)
        .bind(kind)
        .execute(&db.pool)
        .await?;
    let id: i64 = q("INSERT INTO pending_imports (kind, user_id, unit_id, file_name, sha256, content, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(kind)
        .bind(user_id)
        .bind(unit_id)
        .bind(file_name)
        .bind(sha256_hex(bytes))
        .bind(bytes)
        .bind(now())
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    Ok(id)
}

/// A pending upload of `kind` by `user_id`: (unit, file name, content).
/// Anyone else's is "not found".
pub(crate) async fn pending(
    db: &Db,
    kind: &str,
    user_id: i64,
    id: i64,
) -> Result<(Option<i64>, String, Vec<u8>), ServiceError> {
    let row = q("SELECT unit_id, file_name, content FROM pending_imports \
                 WHERE id = $1 AND kind = $2 AND user_id = $3 AND created_at >= $4")
    .bind(id)
    .bind(kind)
    .bind(user_id)
    .bind(now() - PENDING_SECS)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServiceError::NotFound(
        "tệp chờ nhập (có thể đã nhập hoặc đã quá một ngày)",
    ))?;
    Ok((
        row.try_get("unit_id")?,
        row.try_get("file_name")?,
        row.try_get("content")?,
    ))
}

/// The rows of `select` (ending in `… IN `) for every value of `values`,
/// a few hundred at a time (databases limit a statement's parameters).
pub(crate) async fn rows_in(
    db: &Db,
    select: &str,
    values: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in values.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{select}({})", marks.join(","));
        let mut query = q(&sql);
        for v in chunk {
            query = query.bind(v);
        }
        out.extend(query.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// A value from the file as a message quotes it: at most 100 characters.
pub(crate) fn shown(value: &str) -> String {
    dvk_domain::text::truncate(value, 100)
}

/// Clean file names for messages and the audit trail.
pub(crate) fn clean_name(name: &str) -> String {
    let n: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && !dvk_domain::text::is_unfit_char(*c))
        .take(120)
        .collect();
    match n.trim() {
        "" => "tep-nhap".into(),
        t => t.to_owned(),
    }
}
