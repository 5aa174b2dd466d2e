//! The benchmark's bulk writer: planned entries (demo_plan.rs) written in
//! batches of multi-row inserts through the real tables — entries, their
//! contents, the search index and vocabulary, and a history of audit
//! records chained exactly as `audit::append` chains them — so a million
//! entries take minutes instead of hours. Each move was checked against
//! the state table when it was planned. Notifications are not written
//! (nobody reads a benchmark's inbox).

use crate::audit::{sealed, AuditEvent};
use crate::db::{q, Backend, Db};
use crate::demo_plan::{EntryPlanner, PlannedEntry};
use crate::dialect;
use crate::entries::diff;
use crate::error::StoreError;
use dvk_domain::state::{EntryState, Transition};
use dvk_domain::text::sort_key;
use rand::rngs::StdRng;
use sqlx::Row;
use std::collections::HashSet;

/// Entries per transaction: small enough for SQLite's and PostgreSQL's
/// limits on bound values (the audit insert binds 11 per record).
const BATCH: usize = 200;

/// One value bound to a multi-row insert.
enum V {
    I(Option<i64>),
    S(Option<String>),
    B(Vec<u8>),
}

/// A multi-row INSERT being built: one `(…)` group per row, each value a
/// `$n` placeholder, or an expression over placeholders.
struct Rows {
    head: String,
    groups: Vec<String>,
    values: Vec<V>,
}

impl Rows {
    fn new(head: &str) -> Rows {
        Rows {
            head: head.to_owned(),
            groups: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Adds a row; `shape` is the group with `?` for each value in order.
    fn row(&mut self, shape: &str, values: Vec<V>) {
        let mut group = String::with_capacity(shape.len() + 8 * values.len());
        let mut n = self.values.len();
        for c in shape.chars() {
            if c == '?' {
                n += 1;
                group.push_str(&format!("${n}"));
            } else {
                group.push(c);
            }
        }
        self.groups.push(group);
        self.values.extend(values);
    }

    async fn run(self, conn: &mut sqlx::AnyConnection, tail: &str) -> Result<(), sqlx::Error> {
        if self.groups.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {} {tail}", self.head, self.groups.join(","));
        let mut query = q(&sql);
        for v in self.values {
            query = match v {
                V::I(i) => query.bind(i),
                V::S(s) => query.bind(s),
                V::B(b) => query.bind(b),
            };
        }
        query.execute(conn).await?;
        Ok(())
    }
}

/// Writes `total` planned entries after those already there; `progress`
/// hears how many are written.
pub(crate) async fn write_planned(
    db: &Db,
    planner: &EntryPlanner,
    rng: &mut StdRng,
    total: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), StoreError> {
    let mut next_id: i64 = q("SELECT COALESCE(MAX(id), 0) + 1 FROM entries")
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    let mut words_seen: HashSet<String> = HashSet::new();
    let mut n = 0;
    while n < total {
        let batch: Vec<PlannedEntry> = (n..total.min(n + BATCH))
            .map(|i| planner.plan(rng, i))
            .collect();
        write_batch(db, &batch, next_id, planner.officer, &mut words_seen).await?;
        next_id += batch.len() as i64;
        n += batch.len();
        progress(n);
    }
    if db.backend == Backend::Postgres {
        // Ids were given explicitly; the identity goes on after them.
        q("SELECT setval(pg_get_serial_sequence('entries', 'id'), (SELECT MAX(id) FROM entries))")
            .fetch_one(&db.pool)
            .await?;
    }
    Ok(())
}

async fn write_batch(
    db: &Db,
    batch: &[PlannedEntry],
    first_id: i64,
    creator: i64,
    words_seen: &mut HashSet<String>,
) -> Result<(), StoreError> {
    let pg = db.backend == Backend::Postgres;
    let mut entries = Rows::new(&format!(
        "INSERT INTO entries (id, kind, subject, field_id, target_level, phase, year, unit_id, unit_path, \
         confirming_unit_id, confirming_path, title, title_sort, person_name, state, state_reason, version, \
         created_by, created_at, updated_at, submitted_at{})",
        if pg { ", public_tsv, search_tsv" } else { "" }
    ));
    // The vectors as the index writes them (dialect.rs).
    let entry_shape = if pg {
        format!(
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,{},{})",
            dialect::public_vector("?", "?"),
            dialect::search_vector_of("?", "?", "?")
        )
    } else {
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)".to_owned()
    };
    let mut contents = Rows::new(
        "INSERT INTO entry_contents (entry_id, situation, objectives, content, area, forces, resources, timeline, \
         outputs, sustainability, birth_year, gender, ethnicity, position, party_member, example)",
    );
    let mut fts = Rows::new("INSERT INTO entries_fts (rowid, title, body, personal)");
    let mut title_fts = Rows::new("INSERT INTO entries_title_fts (rowid, title)");
    let mut words = Rows::new("INSERT INTO search_words (word)");
    let mut bands = Rows::new("INSERT INTO entry_bands (band, entry_id)");
    let mut audit = Rows::new(
        "INSERT INTO audit_log (id, at, actor_id, action, record_type, record_id, from_state, to_state, changes, prev_hash, hash)",
    );

    let mut tx = db.pool.begin().await?;
    // The chain's head, locked as `audit::append` locks it.
    q("UPDATE audit_head SET last_id = last_id WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    let head = q("SELECT last_id, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let mut last_id: i64 = head.try_get(0)?;
    let mut prev_hash: String = head.try_get(1)?;
    let mut chain = |ev: AuditEvent<'_>| {
        last_id += 1;
        let at = ev.at.unwrap_or_default();
        let rec = sealed(last_id, std::mem::take(&mut prev_hash), at, ev);
        prev_hash = rec.hash.clone();
        rec
    };
    let mut records = Vec::new();

    for (i, p) in batch.iter().enumerate() {
        let id = first_id + i as i64;
        let r = &p.registration;
        records.push(chain(AuditEvent {
            actor_id: Some(creator),
            action: "entry.create",
            record_type: "entry",
            record_id: id,
            from_state: None,
            to_state: Some(EntryState::Draft.code()),
            changes: diff(None, r),
            at: Some(p.at),
        }));
        let mut state = EntryState::Draft;
        let (mut updated, mut submitted, mut reason) = (p.at, None, "");
        for mv in &p.moves {
            records.push(chain(AuditEvent {
                actor_id: Some(mv.actor.user_id),
                action: &format!("entry.{}", mv.transition.code()),
                record_type: "entry",
                record_id: id,
                from_state: Some(state.code()),
                to_state: Some(mv.to.code()),
                changes: crate::transitions::move_changes(mv.reason, None),
                at: Some(mv.at),
            }));
            if mv.transition == Transition::Submit {
                submitted = Some(mv.at);
            }
            (state, updated, reason) = (mv.to, mv.at, mv.reason);
        }
        let [title, body, personal] = crate::search::index_texts(r);
        let mut values = vec![
            V::I(Some(id)),
            V::S(Some(r.kind.code().into())),
            V::S(Some(r.subject.code().into())),
            V::I(Some(r.field_id)),
            V::S(Some(r.target_level.clone())),
            V::S(Some(r.phase.clone())),
            V::I(Some(r.year as i64)),
            V::I(Some(r.unit_id)),
            V::S(Some(p.unit.path.as_str().to_owned())),
            V::I(Some(p.confirming.id)),
            V::S(Some(p.confirming.path.as_str().to_owned())),
            V::S(Some(r.items[0].clone())),
            V::B(sort_key(&r.items[0])),
            V::S(Some(r.person.name.clone())),
            V::S(Some(state.code().into())),
            V::S(Some(reason.into())),
            V::I(Some(1 + p.moves.len() as i64)),
            V::I(Some(creator)),
            V::I(Some(p.at)),
            V::I(Some(updated)),
            V::I(submitted),
        ];
        if pg {
            values.extend([
                V::S(Some(title.clone())),
                V::S(Some(body.clone())),
                V::S(Some(title.clone())),
                V::S(Some(body.clone())),
                V::S(Some(personal.clone())),
            ]);
        } else {
            title_fts.row("(?,?)", vec![V::I(Some(id)), V::S(Some(title.clone()))]);
            fts.row(
                "(?,?,?,?)",
                vec![
                    V::I(Some(id)),
                    V::S(Some(title.clone())),
                    V::S(Some(body)),
                    V::S(Some(personal)),
                ],
            );
        }
        entries.row(&entry_shape, values);
        let mut c = vec![V::I(Some(id))];
        c.extend(r.items[1..].iter().map(|t| V::S(Some(t.clone()))));
        c.extend([
            V::I(r.person.birth_year.map(|y| y as i64)),
            V::S(r.person.gender.map(|g| g.code().to_owned())),
            V::S(Some(r.person.ethnicity.clone())),
            V::S(Some(r.person.position.clone())),
            V::I(Some(r.person.party_member as i64)),
            V::S(Some(r.person.example.clone())),
        ]);
        contents.row("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", c);
        let mut keys = dvk_domain::similarity::Shingles::of(r.title(), &r.published_body()).bands();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            bands.row("(?,?)", vec![V::I(Some(k)), V::I(Some(id))]);
        }
        for w in title.split(' ').filter(|w| !w.is_empty()) {
            if words_seen.insert(w.to_owned()) {
                words.row("(?)", vec![V::S(Some(w.to_owned()))]);
            }
        }
    }
    let head_id = last_id;
    let head_hash = prev_hash.clone();
    for rec in records {
        audit.row(
            "(?,?,?,?,?,?,?,?,?,?,?)",
            vec![
                V::I(Some(rec.id)),
                V::I(Some(rec.at)),
                V::I(rec.actor_id),
                V::S(Some(rec.action)),
                V::S(Some(rec.record_type)),
                V::I(Some(rec.record_id)),
                V::S(rec.from_state),
                V::S(rec.to_state),
                V::S(Some(rec.changes)),
                V::S(Some(rec.prev_hash)),
                V::S(Some(rec.hash)),
            ],
        );
    }
    entries.run(&mut tx, "").await?;
    contents.run(&mut tx, "").await?;
    fts.run(&mut tx, "").await?;
    title_fts.run(&mut tx, "").await?;
    words.run(&mut tx, "ON CONFLICT DO NOTHING").await?;
    audit.run(&mut tx, "").await?;
    // Filed among similar models here; pairs of alike entries are not
    // recorded for bulk data (the lookup by bands is what it measures).
    bands.run(&mut tx, "").await?;
    q("UPDATE meta SET value = $1 WHERE key = 'similar_filed_upto' AND value < $1")
        .bind(first_id + batch.len() as i64 - 1)
        .execute(&mut *tx)
        .await?;
    q("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
        .bind(head_id)
        .bind(&head_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
