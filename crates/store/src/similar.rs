//! Similar models: entries alike in title or text, found through the
//! MinHash bands each entry is filed under (`dvk_domain::similarity`) and
//! then compared word by word. A lookup reads a bounded number of band
//! rows, whatever the number of entries: each band's most recent
//! `PER_BAND_READ`, of which `PER_BAND_KEPT` within the reader's reach, and
//! the texts of the `COMPARED` candidates sharing most bands.

use crate::db::{q, Db};
use crate::entries::EntryDetail;
use crate::entries::{bind_all, Param};
use crate::error::{ServiceError, StoreError};
use crate::service::{readable_roots, view_entry};
use dvk_domain::auth::Actor;
use dvk_domain::entry::{Registration, TITLE_MAX};
use dvk_domain::similarity::{Likeness, Shingles};
use dvk_domain::state::EntryState;
use dvk_domain::unit::UnitPath;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

const PER_BAND_READ: usize = 400;
const PER_BAND_KEPT: usize = 40;
const COMPARED: usize = 30;
/// Models listed for one entry or text.
pub const LISTED: usize = 10;
/// Pairs kept per entry, the most alike: an entry copied by many keeps
/// its best pairs, never an unbounded list.
const KEPT_PER_ENTRY: usize = 50;

/// Entries a reader is shown as similar: sent ones (not drafts or
/// withdrawn registrations).
const SHOWN_STATES: &str = "e.state NOT IN ('draft', 'withdrawn')";
/// Entries anyone may see: recognised models are public.
pub(crate) const PUBLIC_STATES: &str = "e.state IN ('recognised', 'outstanding', 'rewarded')";

/// An existing model alike to the one at hand, as its reader may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimilarModel {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub year: i32,
    pub state: String,
    pub state_label: String,
    /// One figure (`Likeness::score_pct`), then its parts.
    pub score_pct: u8,
    pub title_pct: u8,
    pub text_pct: Option<u8>,
    /// Outside the reader's units, seen as a published model: its link is
    /// the public page.
    pub public_only: bool,
}

/// Whose entries a lookup may return.
#[derive(Clone, Copy)]
pub enum Reach<'a> {
    /// Every entry (pairs kept for later readers, who are filtered then).
    All,
    /// A reader's readable subtrees, and recognised models anywhere.
    Reader(&'a [UnitPath]),
}

impl Reach<'_> {
    /// The condition on `e` (entries) and its parameters, numbered from
    /// `first`.
    fn condition(&self, first: usize) -> (String, Vec<Param>) {
        match self {
            Reach::All => ("e.state <> 'withdrawn'".to_owned(), Vec::new()),
            Reach::Reader(roots) => {
                let mut params = Vec::new();
                let mut any = vec![PUBLIC_STATES.to_owned()];
                for r in roots.iter() {
                    let a = first + params.len();
                    any.push(format!(
                        "(e.unit_path >= ${a} AND e.unit_path < ${})",
                        a + 1
                    ));
                    params.push(Param::S(r.as_str().to_owned()));
                    params.push(Param::S(r.subtree_upper_bound()));
                }
                (format!("{SHOWN_STATES} AND ({})", any.join(" OR ")), params)
            }
        }
    }

    fn public_only(&self, unit_path: &str) -> bool {
        match self {
            Reach::All => false,
            Reach::Reader(roots) => {
                UnitPath::parse(unit_path).is_none_or(|p| !roots.iter().any(|r| r.covers(&p)))
            }
        }
    }
}

/// The text an entry is compared by: its title and other published items.
fn shingles_of(r: &Registration) -> Shingles {
    Shingles::of(r.title(), &r.published_body())
}

/// The published items after the title, in `ITEMS` order.
const TEXT_COLUMNS: [&str; 9] = [
    "situation",
    "objectives",
    "content",
    "area",
    "forces",
    "resources",
    "timeline",
    "outputs",
    "sustainability",
];

fn text_cols() -> String {
    TEXT_COLUMNS.map(|c| format!("c.{c}")).join(", ")
}

/// The shingles of a row holding `title` and `TEXT_COLS`.
fn stored_shingles(r: &sqlx::any::AnyRow, title: &str) -> Result<Shingles, sqlx::Error> {
    let mut items: Vec<String> = Vec::with_capacity(9);
    for col in TEXT_COLUMNS {
        items.push(r.try_get::<Option<String>, _>(col)?.unwrap_or_default());
    }
    Ok(Shingles::of(title, &items.join("\n")))
}

/// The candidates sharing most bands with `bands`, within `reach`: one
/// statement.
async fn candidates(
    conn: &mut AnyConnection,
    bands: &[i64],
    reach: Reach<'_>,
    exclude: Option<i64>,
) -> Result<Vec<i64>, sqlx::Error> {
    if bands.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<Param> = vec![Param::I(exclude.unwrap_or(0))];
    let (cond, values) = reach.condition(2);
    params.extend(values);
    let mut parts = Vec::new();
    for (i, band) in bands.iter().enumerate() {
        params.push(Param::I(*band));
        let b = params.len();
        // Each band's newest rows first; a common band is read only so
        // far, and alike entries meet in other bands too.
        parts.push(format!(
            "SELECT * FROM (SELECT x.entry_id FROM (SELECT entry_id FROM entry_bands WHERE band = ${b} \
             ORDER BY entry_id DESC LIMIT {PER_BAND_READ}) x JOIN entries e ON e.id = x.entry_id \
             WHERE e.id <> $1 AND {cond} ORDER BY x.entry_id DESC LIMIT {PER_BAND_KEPT}) s{i}"
        ));
    }
    let sql = format!(
        "SELECT c.entry_id, COUNT(*) AS shared FROM ({}) c GROUP BY c.entry_id \
         ORDER BY shared DESC, c.entry_id DESC LIMIT {COMPARED}",
        parts.join(" UNION ALL ")
    );
    let rows = bind_all(&sql, &params)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| r.try_get::<i64, _>(0)).collect()
}

/// Compares `with` against these entries; the alike ones, most alike
/// first.
async fn compare(
    conn: &mut AnyConnection,
    with: &Shingles,
    ids: &[i64],
    reach: Reach<'_>,
) -> Result<Vec<SimilarModel>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT e.id, e.title, e.year, e.state, e.unit_path, u.name AS unit_name, {} \
         FROM entries e JOIN units u ON u.id = e.unit_id JOIN entry_contents c ON c.entry_id = e.id \
         WHERE e.id IN ({})",
        text_cols(),
        marks.join(",")
    );
    let params: Vec<Param> = ids.iter().map(|id| Param::I(*id)).collect();
    let rows = bind_all(&sql, &params).fetch_all(&mut *conn).await?;
    let mut compared = Vec::with_capacity(rows.len());
    for r in &rows {
        let title: String = r.try_get("title")?;
        compared.push(stored_shingles(r, &title)?);
    }
    // Weighed among the candidates: what they all repeat counts little.
    let likeness = with.likeness_among(&compared);
    let mut found = Vec::new();
    for (r, likeness) in rows.iter().zip(likeness) {
        if !likeness.shown() {
            continue;
        }
        let unit_path: String = r.try_get("unit_path")?;
        found.push(model(
            r,
            r.try_get("title")?,
            likeness,
            reach.public_only(&unit_path),
        )?);
    }
    found.sort_by(|a, b| b.score_pct.cmp(&a.score_pct).then(b.id.cmp(&a.id)));
    Ok(found)
}

fn model(
    r: &sqlx::any::AnyRow,
    title: String,
    likeness: Likeness,
    public_only: bool,
) -> Result<SimilarModel, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(SimilarModel {
        id: r.try_get("id")?,
        title,
        unit_name: r.try_get("unit_name")?,
        year: r.try_get::<i64, _>("year")? as i32,
        state_label: EntryState::parse(&state)
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        state,
        score_pct: likeness.score_pct(),
        title_pct: likeness.title_pct,
        text_pct: likeness.text_pct,
        public_only,
    })
}

/// Files an entry under its bands and records, both ways, the entries it
/// is alike to: in the writing transaction, so what is written is found.
pub(crate) async fn file_entry(
    conn: &mut AnyConnection,
    id: i64,
    r: &Registration,
) -> Result<(), sqlx::Error> {
    file(conn, id, &shingles_of(r)).await
}

async fn file(conn: &mut AnyConnection, id: i64, shingles: &Shingles) -> Result<(), sqlx::Error> {
    let mut bands = shingles.bands();
    // Sorted, so concurrent writers take the keys in one order.
    bands.sort_unstable();
    bands.dedup();
    q("DELETE FROM entry_bands WHERE entry_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if !bands.is_empty() {
        let values: Vec<String> = (0..bands.len())
            .map(|i| format!("(${}, $1)", i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO entry_bands (band, entry_id) VALUES {}",
            values.join(",")
        );
        let mut stmt = q(&sql).bind(id);
        for b in &bands {
            stmt = stmt.bind(*b);
        }
        stmt.execute(&mut *conn).await?;
    }
    q("DELETE FROM similar_entries WHERE entry_id = $1 OR other_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // Every alike candidate is kept, not only the first `LISTED`: readers
    // see those within their reach, which hidden entries must not crowd
    // out.
    let ids = candidates(&mut *conn, &bands, Reach::All, Some(id)).await?;
    let alike = compare(&mut *conn, shingles, &ids, Reach::All).await?;
    if alike.is_empty() {
        return Ok(());
    }
    let mut pairs: Vec<(i64, i64, &SimilarModel)> = alike
        .iter()
        .flat_map(|m| [(id, m.id, m), (m.id, id, m)])
        .collect();
    // In key order, so concurrent writers take the keys in one order.
    pairs.sort_by_key(|(a, b, _)| (*a, *b));
    let mut values = Vec::new();
    let mut params = Vec::new();
    for (a, b, m) in pairs {
        let n = params.len();
        values.push(format!(
            "(${}, ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5
        ));
        params.extend([
            Param::I(a),
            Param::I(b),
            Param::I(m.score_pct.into()),
            Param::I(m.title_pct.into()),
        ]);
        params.push(m.text_pct.map_or(Param::N, |p| Param::I(p.into())));
    }
    // A pair another writer has just recorded (both entries written at
    // once) takes the latest figures.
    let sql = format!(
        "INSERT INTO similar_entries (entry_id, other_id, score_pct, title_pct, text_pct) VALUES {} \
         ON CONFLICT (entry_id, other_id) DO UPDATE SET score_pct = excluded.score_pct, \
         title_pct = excluded.title_pct, text_pct = excluded.text_pct",
        values.join(",")
    );
    bind_all(&sql, &params).execute(&mut *conn).await?;
    // The others' lists grew by one: each keeps its best `KEPT_PER_ENTRY`.
    let marks: Vec<String> = (1..=alike.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "DELETE FROM similar_entries WHERE (entry_id, other_id) IN (SELECT entry_id, other_id FROM \
         (SELECT entry_id, other_id, ROW_NUMBER() OVER (PARTITION BY entry_id \
         ORDER BY score_pct DESC, other_id DESC) AS place FROM similar_entries WHERE entry_id IN ({})) r \
         WHERE r.place > {KEPT_PER_ENTRY})",
        marks.join(",")
    );
    let params: Vec<Param> = alike.iter().map(|m| Param::I(m.id)).collect();
    bind_all(&sql, &params).execute(&mut *conn).await?;
    Ok(())
}

impl Db {
    /// Models alike to a title and text not yet saved (a form, an import's
    /// row), within `reach`; `exclude` leaves out the entry being edited.
    /// Two statements.
    pub async fn similar_to_text(
        &self,
        title: &str,
        text: &str,
        reach: Reach<'_>,
        exclude: Option<i64>,
    ) -> Result<Vec<SimilarModel>, StoreError> {
        let shingles = Shingles::of(title, text);
        let mut conn = self.read.acquire().await?;
        let ids = candidates(&mut conn, &shingles.bands(), reach, exclude).await?;
        let mut found = compare(&mut conn, &shingles, &ids, reach).await?;
        found.truncate(LISTED);
        Ok(found)
    }

    /// The models found alike to saved entries when either was written,
    /// within `reach`, for each of `of` (an entry, or a round's entries
    /// when `round` is given): the `listed` most alike and how many there
    /// are, in one statement.
    pub async fn similar_recorded(
        &self,
        of: Recorded,
        reach: Reach<'_>,
        listed: usize,
    ) -> Result<HashMap<i64, RecordedSimilar>, StoreError> {
        let (cond, mut params) = reach.condition(2);
        // CROSS JOIN keeps SQLite's join order (PostgreSQL plans freely):
        // from the entry's or round's pairs out, never from the entries in
        // the reader's subtree in.
        let (from, by) = match of {
            Recorded::Entry(_) => ("similar_entries s", "s.entry_id = $1"),
            Recorded::Round(_) => (
                "proposals p CROSS JOIN similar_entries s",
                "p.round_id = $1 AND s.entry_id = p.entry_id",
            ),
        };
        params.insert(
            0,
            Param::I(match of {
                Recorded::Entry(id) | Recorded::Round(id) => id,
            }),
        );
        let sql = format!(
            "SELECT * FROM (SELECT s.entry_id AS of_id, s.score_pct, s.title_pct, s.text_pct, e.id, \
             e.title, e.year, e.state, e.unit_path, u.name AS unit_name, \
             ROW_NUMBER() OVER (PARTITION BY s.entry_id ORDER BY s.score_pct DESC, e.id DESC) AS place, \
             COUNT(*) OVER (PARTITION BY s.entry_id) AS total \
             FROM {from} CROSS JOIN entries e CROSS JOIN units u \
             WHERE {by} AND e.id = s.other_id AND u.id = e.unit_id AND {cond}) r \
             WHERE r.place <= {listed} ORDER BY r.of_id, r.place"
        );
        let rows = bind_all(&sql, &params).fetch_all(&self.read).await?;
        let mut out: HashMap<i64, RecordedSimilar> = HashMap::new();
        for r in &rows {
            let of_id: i64 = r.try_get("of_id")?;
            let pct = |col: &str| -> Result<Option<u8>, sqlx::Error> {
                Ok(r.try_get::<Option<i64>, _>(col)?
                    .map(|v| v.clamp(0, 100) as u8))
            };
            let likeness = Likeness {
                title_pct: pct("title_pct")?.unwrap_or(0),
                text_pct: pct("text_pct")?,
            };
            let unit_path: String = r.try_get("unit_path")?;
            let title: String = r.try_get("title")?;
            let mut m = model(r, title, likeness, reach.public_only(&unit_path))?;
            m.score_pct = pct("score_pct")?.unwrap_or(0);
            let found = out.entry(of_id).or_default();
            found.total = r.try_get::<i64, _>("total")?.max(0) as usize;
            found.models.push(m);
        }
        Ok(out)
    }

    /// Files up to `batch` entries written before similar models were
    /// kept, in id order; how many were filed (0: none left).
    pub async fn file_similar_backlog(&self, batch: i64) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Write first: takes the writer's lock before reading, so SQLite
        // never finds its snapshot stale when the batch comes to write.
        q("UPDATE meta SET value = value WHERE key = 'similar_filed_upto'")
            .execute(&mut *tx)
            .await?;
        let upto: i64 = q("SELECT value FROM meta WHERE key = 'similar_filed_upto'")
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(i64::MAX);
        // PostgreSQL: the rows are locked as they are read, so an edit
        // saved meanwhile is either waited for (and its text read) or
        // waits, and files its own text after this batch. SQLite holds
        // the one writer's lock already.
        let sql = format!(
            "SELECT e.id, e.title, {} FROM entries e JOIN entry_contents c ON c.entry_id = e.id \
             WHERE e.id > $1 ORDER BY e.id LIMIT $2{}",
            text_cols(),
            if self.backend == crate::db::Backend::Postgres {
                " FOR UPDATE"
            } else {
                ""
            }
        );
        let rows = q(&sql).bind(upto).bind(batch).fetch_all(&mut *tx).await?;
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let title: String = r.try_get("title")?;
            file(&mut tx, id, &stored_shingles(r, &title)?).await?;
            ids.push(id);
        }
        if let Some(last) = ids.last() {
            q("UPDATE meta SET value = $1 WHERE key = 'similar_filed_upto'")
                .bind(*last)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }
}

/// The most alike of an entry's recorded models, and how many there are
/// within the reader's reach.
#[derive(Debug, Clone, Default)]
pub struct RecordedSimilar {
    pub models: Vec<SimilarModel>,
    pub total: usize,
}

/// Whose recorded pairs to read.
#[derive(Clone, Copy)]
pub enum Recorded {
    Entry(i64),
    Round(i64),
}

// Guarded reads, for pages and the API alike: the reader's units and
// recognised models, nothing else.

/// Models alike to entry `id`, if `actor` may read it.
pub async fn similar_to_entry(
    db: &Db,
    actor: &Actor,
    id: i64,
) -> Result<Vec<SimilarModel>, ServiceError> {
    let e = view_entry(db, actor, id).await?;
    similar_to_viewed(db, actor, &e).await
}

/// Models alike to an entry `actor` has just read through `view_entry`
/// (the entry page, which holds it already): two statements.
pub async fn similar_to_viewed(
    db: &Db,
    actor: &Actor,
    e: &EntryDetail,
) -> Result<Vec<SimilarModel>, ServiceError> {
    let roots = readable_roots(db, actor).await?;
    Ok(db
        .similar_recorded(Recorded::Entry(e.id), Reach::Reader(&roots), LISTED)
        .await?
        .remove(&e.id)
        .unwrap_or_default()
        .models)
}

/// The most text a draft is compared by (a registration's items together
/// stay well under it).
const DRAFT_TEXT_MAX: usize = 100_000;

/// Models alike to a title and text being written; `editing` leaves out
/// the entry being edited (which `actor` must be able to read).
pub async fn similar_to_draft(
    db: &Db,
    actor: &Actor,
    title: &str,
    text: &str,
    editing: Option<i64>,
) -> Result<Vec<SimilarModel>, ServiceError> {
    if title.trim().is_empty() {
        return Err(ServiceError::invalid(
            "title",
            "Cần nhập tên mô hình, điển hình để tìm mô hình tương tự.",
        ));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(ServiceError::invalid(
            "title",
            format!("Tên mô hình, điển hình tối đa {TITLE_MAX} ký tự."),
        ));
    }
    if text.chars().count() > DRAFT_TEXT_MAX {
        return Err(ServiceError::invalid(
            "text",
            "Nội dung dài quá 100.000 ký tự; hãy gửi phần chính của bản đăng ký.",
        ));
    }
    if let Some(id) = editing {
        view_entry(db, actor, id).await?;
    }
    let roots = readable_roots(db, actor).await?;
    Ok(db
        .similar_to_text(title, text, Reach::Reader(&roots), editing)
        .await?)
}
