//! Entries: registrations, their state, attachments and the queries the
//! pages need (each page a fixed, small number of statements).

use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::dialect;
use crate::error::{ServiceError, StoreError};
use dvk_domain::entry::{Gender, Kind, Person, Registration, Subject, ITEMS};
use dvk_domain::state::EntryState;
use dvk_domain::text::sort_key;

pub use crate::listing::{Counted, Cursor, EntryFilter, Keyset, Listed, PageInfo, Sort, Total};
use dvk_domain::unit::UnitPath;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A line of the entry list.
#[derive(Debug, Clone)]
pub struct EntrySummary {
    pub id: i64,
    pub kind: Kind,
    pub subject: Subject,
    pub field_id: i64,
    pub target_level: String,
    pub year: i32,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub person_name: String,
    pub state: EntryState,
    pub updated_at: i64,
}

/// Everything the entry page shows.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    pub id: i64,
    pub registration: Registration,
    pub unit_name: String,
    pub unit_path: UnitPath,
    pub confirming_unit_id: i64,
    pub confirming_name: String,
    pub confirming_path: UnitPath,
    pub replicates_title: Option<String>,
    pub state: EntryState,
    pub state_reason: String,
    pub version: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

impl EntryDetail {
    /// What authorisation rules look at: where the entry sits and its state.
    pub fn scope(&self) -> dvk_domain::auth::EntryScope<'_> {
        dvk_domain::auth::EntryScope {
            registering: &self.unit_path,
            confirming: &self.confirming_path,
            state: self.state,
        }
    }
}

#[derive(Clone)]
pub(crate) enum Param {
    I(i64),
    S(String),
    B(Vec<u8>),
    /// NULL (as an integer column's).
    N,
}

pub(crate) fn bind_all<'a>(
    sql: &str,
    params: &[Param],
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = q(sql);
    for p in params {
        query = match p {
            Param::I(i) => query.bind(*i),
            Param::S(s) => query.bind(s.clone()),
            Param::B(b) => query.bind(b.clone()),
            Param::N => query.bind(None::<i64>),
        };
    }
    query
}

pub(crate) const SUMMARY_COLS: &str =
    "e.id, e.kind, e.subject, e.field_id, e.target_level, e.year, e.unit_id, u.name AS unit_name, \
                            e.title, e.person_name, e.state, e.updated_at";

pub(crate) fn summary_from_row(r: &AnyRow) -> Result<EntrySummary, sqlx::Error> {
    let bad = |what: &str, v: String| sqlx::Error::Decode(format!("bad {what}: {v}").into());
    let kind: String = r.try_get("kind")?;
    let subject: String = r.try_get("subject")?;
    let state: String = r.try_get("state")?;
    Ok(EntrySummary {
        id: r.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| bad("kind", kind.clone()))?,
        subject: Subject::parse(&subject).ok_or_else(|| bad("subject", subject.clone()))?,
        field_id: r.try_get("field_id")?,
        target_level: r.try_get("target_level")?,
        year: r.try_get::<i64, _>("year")? as i32,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        title: r.try_get("title")?,
        person_name: r.try_get("person_name")?,
        state: EntryState::parse(&state).ok_or_else(|| bad("state", state.clone()))?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) fn detail_from_row(r: &AnyRow) -> Result<EntryDetail, sqlx::Error> {
    let bad = |what: &str| sqlx::Error::Decode(format!("bad {what}").into());
    let items: [String; 10] = {
        let mut v = Vec::with_capacity(10);
        for (key, _) in ITEMS {
            v.push(r.try_get::<String, _>(key)?);
        }
        v.try_into().map_err(|_| bad("items"))?
    };
    let gender: Option<String> = r.try_get("gender")?;
    let registration = Registration {
        kind: Kind::parse(&r.try_get::<String, _>("kind")?).ok_or_else(|| bad("kind"))?,
        subject: Subject::parse(&r.try_get::<String, _>("subject")?)
            .ok_or_else(|| bad("subject"))?,
        field_id: r.try_get("field_id")?,
        target_level: r.try_get("target_level")?,
        phase: r.try_get("phase")?,
        year: r.try_get::<i64, _>("year")? as i32,
        unit_id: r.try_get("unit_id")?,
        replicates: r.try_get("replicates_id")?,
        items,
        person: Person {
            name: r.try_get("person_name")?,
            birth_year: r.try_get::<Option<i64>, _>("birth_year")?.map(|y| y as i32),
            gender: gender.as_deref().and_then(Gender::parse),
            ethnicity: r.try_get("ethnicity")?,
            position: r.try_get("position")?,
            party_member: r.try_get::<i64, _>("party_member")? != 0,
            example: r.try_get("example")?,
        },
    };
    let path = |col: &str| -> Result<UnitPath, sqlx::Error> {
        UnitPath::parse(&r.try_get::<String, _>(col)?).ok_or_else(|| bad("path"))
    };
    Ok(EntryDetail {
        id: r.try_get("id")?,
        registration,
        unit_name: r.try_get("unit_name")?,
        unit_path: path("unit_path")?,
        confirming_unit_id: r.try_get("confirming_unit_id")?,
        confirming_name: r.try_get("confirming_name")?,
        confirming_path: path("confirming_path")?,
        replicates_title: r.try_get("replicates_title")?,
        state: EntryState::parse(&r.try_get::<String, _>("state")?).ok_or_else(|| bad("state"))?,
        state_reason: r.try_get("state_reason")?,
        version: r.try_get("version")?,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

/// Field values of a registration as JSON, for audit diffs.
pub fn registration_json(r: &Registration) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("kind".into(), json!(r.kind.code()));
    m.insert("subject".into(), json!(r.subject.code()));
    m.insert("field_id".into(), json!(r.field_id));
    m.insert("target_level".into(), json!(r.target_level));
    m.insert("phase".into(), json!(r.phase));
    m.insert("year".into(), json!(r.year));
    m.insert("unit_id".into(), json!(r.unit_id));
    m.insert("replicates".into(), json!(r.replicates));
    for (i, (key, _)) in ITEMS.iter().enumerate() {
        m.insert((*key).into(), json!(r.items[i]));
    }
    if r.subject == Subject::Individual {
        let p = &r.person;
        m.insert("person_name".into(), json!(p.name));
        m.insert("birth_year".into(), json!(p.birth_year));
        m.insert("gender".into(), json!(p.gender.map(|g| g.code())));
        m.insert("ethnicity".into(), json!(p.ethnicity));
        m.insert("position".into(), json!(p.position));
        m.insert("party_member".into(), json!(p.party_member));
        m.insert("example".into(), json!(p.example));
    }
    m
}

/// {"field": [old, new]} for the fields that differ.
pub fn diff(old: Option<&Registration>, new: &Registration) -> Value {
    let new_m = registration_json(new);
    let old_m = old.map(registration_json).unwrap_or_default();
    let mut out = serde_json::Map::new();
    let keys: Vec<&String> = new_m
        .keys()
        .chain(old_m.keys().filter(|k| !new_m.contains_key(*k)))
        .collect();
    for k in keys {
        let a = old_m.get(k).cloned().unwrap_or(Value::Null);
        let b = new_m.get(k).cloned().unwrap_or(Value::Null);
        if a != b {
            out.insert(k.clone(), json!([a, b]));
        }
    }
    Value::Object(out)
}

/// Writes the long registration texts (insert for a new entry).
async fn write_contents(
    conn: &mut AnyConnection,
    id: i64,
    r: &Registration,
    new: bool,
) -> Result<(), sqlx::Error> {
    let sql = if new {
        "INSERT INTO entry_contents (situation, objectives, content, area, forces, resources, timeline, outputs, sustainability, \
         birth_year, gender, ethnicity, position, party_member, example, entry_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)"
    } else {
        "UPDATE entry_contents SET situation=$1, objectives=$2, content=$3, area=$4, forces=$5, resources=$6, timeline=$7, \
         outputs=$8, sustainability=$9, birth_year=$10, gender=$11, ethnicity=$12, position=$13, party_member=$14, example=$15 \
         WHERE entry_id = $16"
    };
    q(sql)
        .bind(&r.items[1])
        .bind(&r.items[2])
        .bind(&r.items[3])
        .bind(&r.items[4])
        .bind(&r.items[5])
        .bind(&r.items[6])
        .bind(&r.items[7])
        .bind(&r.items[8])
        .bind(&r.items[9])
        .bind(r.person.birth_year.map(|y| y as i64))
        .bind(r.person.gender.map(|g| g.code()))
        .bind(&r.person.ethnicity)
        .bind(&r.person.position)
        .bind(r.person.party_member as i64)
        .bind(&r.person.example)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Where an entry is placed in the tree (worked out by the service).
pub struct Placement<'a> {
    pub unit_path: &'a UnitPath,
    pub confirming_id: i64,
    pub confirming_path: &'a UnitPath,
}

/// Registration status counts of one lower unit for a year.
#[derive(Debug, Clone)]
pub struct UnitStatusRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_kind: String,
    pub drafts: i64,
    pub waiting: i64,
    pub returned: i64,
    pub accepted: i64,
}

/// A stored evidence file's description.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub entry_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

/// The statement reading one entry for its page, with `extra` columns.
/// Named columns: the PostgreSQL search vectors are not for reading.
pub(crate) fn entry_sql(extra: &str) -> String {
    format!(
        "SELECT e.id, e.kind, e.subject, e.field_id, e.target_level, e.phase, e.year, e.unit_id, e.unit_path, \
         e.confirming_unit_id, e.confirming_path, e.replicates_id, e.title, e.person_name, e.state, e.state_reason, \
         e.version, e.created_by, e.created_at, e.updated_at, e.submitted_at, t.*, u.name AS unit_name, c.name AS confirming_name, r.title AS replicates_title, \
         us.full_name AS created_by_name{extra} \
         FROM entries e JOIN entry_contents t ON t.entry_id = e.id JOIN units u ON u.id = e.unit_id \
         JOIN units c ON c.id = e.confirming_unit_id \
         LEFT JOIN entries r ON r.id = e.replicates_id JOIN users us ON us.id = e.created_by WHERE e.id = $1"
    )
}

fn attachment_from_row(r: &AnyRow) -> Result<Attachment, sqlx::Error> {
    Ok(Attachment {
        id: r.try_get("id")?,
        entry_id: r.try_get("entry_id")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Inserts a draft with its contents, search index and audit record on
/// `conn` (inside the caller's transaction). `source` notes where the
/// registration came from (an imported file's row) in the audit record.
pub(crate) async fn insert_entry_in(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    actor_id: i64,
    r: &Registration,
    place: &Placement<'_>,
    at: i64,
    source: Option<Value>,
) -> Result<i64, StoreError> {
    let id: i64 = q("INSERT INTO entries (kind, subject, field_id, target_level, phase, year, unit_id, unit_path, \
             confirming_unit_id, confirming_path, replicates_id, title, title_sort, person_name, state, version, created_by, \
             created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,1,$16,$17,$17) RETURNING id")
        .bind(r.kind.code())
        .bind(r.subject.code())
        .bind(r.field_id)
        .bind(&r.target_level)
        .bind(&r.phase)
        .bind(r.year as i64)
        .bind(r.unit_id)
        .bind(place.unit_path.as_str())
        .bind(place.confirming_id)
        .bind(place.confirming_path.as_str())
        .bind(r.replicates)
        .bind(&r.items[0])
        .bind(sort_key(&r.items[0]))
        .bind(&r.person.name)
        .bind(EntryState::Draft.code())
        .bind(actor_id)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    write_contents(&mut *conn, id, r, true).await?;
    crate::search::index_entry(&mut *conn, backend, id, r).await?;
    crate::similar::file_entry(&mut *conn, id, r).await?;
    let mut changes = diff(None, r);
    if let (Some(source), Value::Object(map)) = (source, &mut changes) {
        map.insert("import".into(), source);
    }
    append(
        &mut *conn,
        AuditEvent {
            actor_id: Some(actor_id),
            action: "entry.create",
            record_type: "entry",
            record_id: id,
            from_state: None,
            to_state: Some(EntryState::Draft.code()),
            changes,
            at: Some(at),
        },
    )
    .await?;
    Ok(id)
}

impl Db {
    pub async fn insert_entry(
        &self,
        actor_id: i64,
        r: &Registration,
        place: &Placement<'_>,
        at: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_entry_in(&mut tx, self.backend, actor_id, r, place, at, None).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves new registration items if nobody changed the entry since
    /// `version` was read and it is still in an editable state.
    pub async fn update_entry(
        &self,
        actor_id: i64,
        old: &EntryDetail,
        r: &Registration,
        place: &Placement<'_>,
        expected_version: i64,
    ) -> Result<(), ServiceError> {
        let mut tx = self.pool.begin().await?;
        let n = q("UPDATE entries SET kind=$1, subject=$2, field_id=$3, target_level=$4, phase=$5, year=$6, unit_id=$7, unit_path=$8, \
                 confirming_unit_id=$9, confirming_path=$10, replicates_id=$11, title=$12, title_sort=$13, person_name=$14, \
                 updated_at=$15, version = version + 1 WHERE id = $16 AND version = $17 AND state IN ('draft', 'returned')")
            .bind(r.kind.code())
            .bind(r.subject.code())
            .bind(r.field_id)
            .bind(&r.target_level)
            .bind(&r.phase)
            .bind(r.year as i64)
            .bind(r.unit_id)
            .bind(place.unit_path.as_str())
            .bind(place.confirming_id)
            .bind(place.confirming_path.as_str())
            .bind(r.replicates)
            .bind(&r.items[0])
            .bind(sort_key(&r.items[0]))
            .bind(&r.person.name)
            .bind(now())
            .bind(old.id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(ServiceError::Conflict(
                "Hồ sơ vừa được người khác thay đổi hoặc không còn ở trạng thái được sửa. Hãy tải lại trang và nhập lại.".into(),
            ));
        }
        write_contents(&mut tx, old.id, r, false).await?;
        crate::search::index_entry(&mut tx, self.backend, old.id, r).await?;
        crate::similar::file_entry(&mut tx, old.id, r).await?;
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor_id),
                action: "entry.update",
                record_type: "entry",
                record_id: old.id,
                from_state: Some(old.state.code()),
                to_state: Some(old.state.code()),
                changes: diff(Some(&old.registration), r),
                at: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn entry(&self, id: i64) -> Result<Option<EntryDetail>, StoreError> {
        let row = q(&entry_sql(""))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(detail_from_row).transpose()?)
    }

    /// Entry `id` and the models it replicates, each the one before
    /// replicated, up the lineage (at most 64 steps), in one statement.
    pub async fn replication_chain(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let rows = q("WITH RECURSIVE up(id, step) AS (SELECT CAST($1 AS BIGINT), 0 \
                      UNION ALL SELECT e.replicates_id, up.step + 1 FROM entries e JOIN up ON e.id = up.id \
                      WHERE e.replicates_id IS NOT NULL AND up.step < 64) SELECT id FROM up")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?)
    }

    /// Registration status of each lower unit of `parent` for `year`, one
    /// statement: units valid during the year, with counts over their subtrees.
    pub(crate) async fn registration_status(
        &self,
        parent: i64,
        year: i32,
    ) -> Result<Vec<UnitStatusRow>, StoreError> {
        // Counters, not entries: a few rows per unit whatever the size.
        let count = |cond: &str| {
            format!("CAST(COALESCE(SUM(CASE WHEN {cond} THEN c.n ELSE 0 END), 0) AS BIGINT)")
        };
        let sql = format!(
            "SELECT u.id, u.name, u.kind, {} AS drafts, {} AS waiting, {} AS returned, {} AS accepted \
             FROM units u LEFT JOIN entry_counts c ON c.unit_path >= u.path AND c.unit_path < u.path || '~' AND c.year = $2 \
             WHERE u.parent_id = $1 AND (u.valid_from IS NULL OR u.valid_from <= $3) AND (u.valid_to IS NULL OR u.valid_to >= $4) \
             GROUP BY u.id, u.name, u.kind, u.name_sort ORDER BY {order}",
            count("c.state = 'draft'"),
            count("c.state = 'submitted'"),
            count("c.state = 'returned'"),
            count("c.state NOT IN ('draft', 'submitted', 'returned', 'withdrawn')"),
            order = dialect::unit_name_order(self.backend)
        );
        let rows = q(&sql)
            .bind(parent)
            .bind(year as i64)
            .bind(format!("{year}-12-31"))
            .bind(format!("{year}-01-01"))
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitStatusRow {
                    unit_id: r.try_get("id")?,
                    unit_name: r.try_get("name")?,
                    unit_kind: r.try_get("kind")?,
                    drafts: r.try_get("drafts")?,
                    waiting: r.try_get("waiting")?,
                    returned: r.try_get("returned")?,
                    accepted: r.try_get("accepted")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    // ---- attachments ----

    /// Files an entry holds and their total size.
    pub async fn attachment_totals(&self, entry_id: i64) -> Result<(i64, i64), StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(attachment_totals(&mut conn, entry_id).await?)
    }

    pub async fn insert_attachment(
        &self,
        actor_id: i64,
        entry_id: i64,
        file_name: &str,
        content_type: &str,
        content: &[u8],
        sha256: &str,
    ) -> Result<Result<i64, String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Take the entry's row first (PostgreSQL: its row lock; SQLite: the
        // write lock), so concurrent uploads count one after another.
        q("UPDATE entries SET updated_at = updated_at WHERE id = $1")
            .bind(entry_id)
            .execute(&mut *tx)
            .await?;
        let (files, bytes) = attachment_totals(&mut tx, entry_id).await?;
        if let Err(refusal) = dvk_domain::evidence::room_for(files, bytes, content.len() as i64) {
            return Ok(Err(refusal));
        }
        let id: i64 = q("INSERT INTO attachments (entry_id, file_name, content_type, size, sha256, uploaded_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(entry_id)
            .bind(file_name)
            .bind(content_type)
            .bind(content.len() as i64)
            .bind(sha256)
            .bind(actor_id)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        q("INSERT INTO attachment_blobs (attachment_id, content) VALUES ($1, $2)")
            .bind(id)
            .bind(content.to_vec())
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor_id),
                action: "entry.attach",
                record_type: "entry",
                record_id: entry_id,
                changes: json!({"attachment": [null, {"id": id, "file_name": file_name, "size": content.len(), "sha256": sha256}]}),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn attachments(&self, entry_id: i64) -> Result<Vec<Attachment>, StoreError> {
        let rows = q("SELECT id, entry_id, file_name, content_type, size, sha256, created_at FROM attachments WHERE entry_id = $1 ORDER BY id")
            .bind(entry_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(attachment_from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<Attachment>, StoreError> {
        let row = q("SELECT id, entry_id, file_name, content_type, size, sha256, created_at FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(attachment_from_row).transpose()?)
    }

    pub async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = q("SELECT content FROM attachment_blobs WHERE attachment_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
    }

    /// A recognised entry for the public page; counts the view once per
    /// `visitor` (an opaque daily key, none when not counted) and day.
    pub async fn public_entry(
        &self,
        id: i64,
        visitor: Option<&str>,
    ) -> Result<Option<(EntryDetail, i64)>, StoreError> {
        let Some(e) = self.entry(id).await? else {
            return Ok(None);
        };
        if !matches!(
            e.state,
            EntryState::Recognised
                | EntryState::Outstanding
                | EntryState::Rewarded
                | EntryState::Revoked
        ) {
            return Ok(None);
        }
        if let Some(visitor) = visitor {
            let mut tx = self.pool.begin().await?;
            crate::views::count_view(&mut tx, crate::views::Viewed::Entry, id, visitor).await?;
            tx.commit().await?;
        }
        let views: i64 = q("SELECT views FROM entries WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(Some((e, views)))
    }

    pub async fn entry_count(&self) -> Result<i64, StoreError> {
        Ok(q("SELECT COUNT(*) FROM entries")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

async fn attachment_totals(
    conn: &mut sqlx::AnyConnection,
    entry_id: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let row = q("SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE entry_id = $1")
        .bind(entry_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
