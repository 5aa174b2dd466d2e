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
use std::collections::{HashMap, HashSet};

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
        // Not kept prepared: each batch's shape differs (its number of
        // audit records, proposals), and a connection's cache of such
        // statements — thousands of values each — would hold hundreds of MB.
        let mut query = q(&sql).persistent(false);
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

/// A year's recognition: its round and numbered decision.
pub(crate) struct Decided {
    round_id: i64,
    decision_id: i64,
    /// The decision as the audit record of a recognition names it.
    reference: String,
}

/// One decided round per year 2021–2025, at the province, each with one
/// recognition decision, for the bulk entries planned to be recognised:
/// the rounds are opened through the service and closed as decided (their
/// councils' work is not part of the benchmark's data).
pub(crate) async fn recognition_rounds(
    db: &Db,
    organiser: &dvk_domain::auth::Actor,
    province: &crate::units::Unit,
) -> Result<HashMap<i32, Decided>, crate::error::ServiceError> {
    let mut out = HashMap::new();
    for year in 2021..=2025 {
        let form = crate::appraisal::RoundForm {
            unit_id: province.id.to_string(),
            title: format!(
                "Xét công nhận mô hình, điển hình “Dân vận khéo” năm {year} (dữ liệu đo tải)"
            ),
            level: "xa".into(),
            year: year.to_string(),
            phase: "2021-2025".into(),
            kind: "annual".into(),
            mode: "score".into(),
            ..Default::default()
        };
        let round_id = crate::appraisal::create_round(db, organiser, &form).await?;
        let signed = format!("{year}-12-15");
        q("UPDATE rounds SET state = 'decided', notice_starts = $1, notice_ends = $2, minutes_date = $3 WHERE id = $4")
            .bind(format!("{year}-11-20"))
            .bind(format!("{year}-11-30"))
            .bind(format!("{year}-11-15"))
            .bind(round_id)
            .execute(&db.pool)
            .await?;
        let number = format!("{}/QĐ-BTGDVTU", 100 + year - 2021);
        let body = "Ban Tuyên giáo và Dân vận Tỉnh ủy Sơn La";
        let decision_id: i64 = q("INSERT INTO decisions (round_id, number, signed_on, signer, signer_title, issuing_body, \
                     issuer_type, level_code, created_by, created_at, issuer_unit_id, issuer_parent, place) \
                     VALUES ($1,$2,$3,$4,$5,$6,'dang','xa',$7,$8,$9,'Tỉnh ủy Sơn La','Sơn La') RETURNING id")
            .bind(round_id)
            .bind(&number)
            .bind(&signed)
            .bind("Trần Quốc Khánh")
            .bind("TRƯỞNG BAN")
            .bind(body)
            .bind(organiser.user_id)
            .bind(crate::db::now())
            .bind(province.id)
            .fetch_one(&db.pool)
            .await?
            .try_get(0)?;
        out.insert(
            year,
            Decided {
                round_id,
                decision_id,
                reference: format!("Quyết định số {number} ngày 15/12/{year} của {body}"),
            },
        );
    }
    Ok(out)
}

/// Writes `total` planned entries after those already there; `progress`
/// hears how many are written. Entries planned to be recognised are
/// proposed to their year's round and listed in its decision.
pub(crate) async fn write_planned(
    db: &Db,
    planner: &EntryPlanner,
    decided: &HashMap<i32, Decided>,
    rng: &mut StdRng,
    total: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), StoreError> {
    let mut next_id: i64 = q("SELECT COALESCE(MAX(id), 0) + 1 FROM entries")
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    let mut words_seen: HashSet<String> = HashSet::new();
    let pg = db.backend == Backend::Postgres;
    // PostgreSQL writes two batches at once (the planning and chaining in
    // Rust keep ahead of them). The entry counters are recounted once at
    // the end instead of by each row's trigger, whose few hot rows would
    // make the two writers wait on each other: each batch's transaction
    // runs as a replica, without triggers, which needs a superuser; the
    // setting ends with the transaction, so nothing stays switched off if
    // the load is stopped. Without a superuser, one writer with triggers.
    let unchecked = pg
        && q("SELECT current_setting('is_superuser')")
            .fetch_one(&db.pool)
            .await?
            .try_get::<String, _>(0)?
            == "on";
    let writers = if unchecked { 2 } else { 1 };
    let head = q("SELECT last_id, hash FROM audit_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    let mut chain = Chain {
        last_id: head.try_get(0)?,
        prev_hash: head.try_get(1)?,
    };
    let mut running: tokio::task::JoinSet<Result<(), sqlx::Error>> = tokio::task::JoinSet::new();
    let mut n = 0;
    let written = async {
        while n < total {
            let batch: Vec<PlannedEntry> = (n..total.min(n + BATCH))
                .map(|i| planner.plan(rng, i))
                .collect();
            let prepared = prepare(
                pg,
                unchecked,
                &batch,
                next_id,
                planner.officer,
                decided,
                &mut words_seen,
                &mut chain,
            );
            while running.len() >= writers {
                joined(running.join_next().await)?;
            }
            let db = db.clone();
            running.spawn(async move { prepared.run(&db).await });
            next_id += batch.len() as i64;
            n += batch.len();
            progress(n);
        }
        while let Some(done) = running.join_next().await {
            joined(Some(done))?;
        }
        Ok::<(), StoreError>(())
    }
    .await;
    written?;
    if unchecked {
        db.check_counters(true).await?;
    }
    if db.backend == Backend::Postgres {
        // Ids were given explicitly; the identity goes on after them.
        q("SELECT setval(pg_get_serial_sequence('entries', 'id'), (SELECT MAX(id) FROM entries))")
            .fetch_one(&db.pool)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Marks the bench data as loaded in full (`dvk bench` reuses only
    /// such a database).
    pub async fn mark_bench_loaded(&self, entries: i64) -> Result<(), StoreError> {
        q(
            "INSERT INTO meta (key, value) VALUES ('bench_loaded_entries', $1) \
           ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(entries)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The entries of a finished bench load, if this database holds one.
    pub async fn bench_loaded(&self) -> Result<Option<i64>, StoreError> {
        Ok(
            q("SELECT value FROM meta WHERE key = 'bench_loaded_entries'")
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
        )
    }
}

/// A finished writer's outcome as the store's error.
fn joined(
    done: Option<Result<Result<(), sqlx::Error>, tokio::task::JoinError>>,
) -> Result<(), StoreError> {
    match done {
        Some(Ok(result)) => Ok(result?),
        Some(Err(e)) => Err(StoreError::Config(format!("bulk writer stopped: {e}"))),
        None => Ok(()),
    }
}

/// The audit chain as the batches extend it, in order.
struct Chain {
    last_id: i64,
    prev_hash: String,
}

/// A batch's statements, ready to run in one transaction.
struct Prepared {
    pg: bool,
    /// Run without triggers (see `write_planned`).
    unchecked: bool,
    statements: Vec<(Rows, &'static str)>,
    last_entry: i64,
    head_id: i64,
    head_hash: String,
}

impl Prepared {
    async fn run(self, db: &Db) -> Result<(), sqlx::Error> {
        let mut tx = db.pool.begin().await?;
        if self.pg {
            // Benchmark data: a batch need not wait for its WAL to reach
            // the disk (a crash loses the last batches, never consistency).
            q("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        if self.unchecked {
            q("SET LOCAL session_replication_role = replica")
                .execute(&mut *tx)
                .await?;
        }
        for (rows, tail) in self.statements {
            rows.run(&mut tx, tail).await?;
        }
        q("UPDATE meta SET value = $1 WHERE key = 'similar_filed_upto' AND value < $1")
            .bind(self.last_entry)
            .execute(&mut *tx)
            .await?;
        // Batches may commit out of order: the head only moves forward.
        q("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1 AND last_id < $1")
            .bind(self.head_id)
            .bind(&self.head_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}

/// Builds a batch's rows, chaining its audit records after `chain`.
#[allow(clippy::too_many_arguments)]
fn prepare(
    pg: bool,
    unchecked: bool,
    batch: &[PlannedEntry],
    first_id: i64,
    creator: i64,
    decided: &HashMap<i32, Decided>,
    words_seen: &mut HashSet<String>,
    chain_at: &mut Chain,
) -> Prepared {
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
    let mut proposals =
        Rows::new("INSERT INTO proposals (round_id, entry_id, proposed_by, proposed_at)");
    let mut listed = Rows::new("INSERT INTO decision_entries (decision_id, entry_id)");
    let mut audit = Rows::new(
        "INSERT INTO audit_log (id, at, actor_id, action, record_type, record_id, from_state, to_state, changes, prev_hash, hash)",
    );

    let mut last_id = chain_at.last_id;
    let mut prev_hash = std::mem::take(&mut chain_at.prev_hash);
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
        let recognition = decided.get(&r.year);
        for mv in &p.moves {
            let decision = match (mv.transition, recognition) {
                (Transition::Propose, Some(d)) => {
                    proposals.row(
                        "(?,?,?,?)",
                        vec![
                            V::I(Some(d.round_id)),
                            V::I(Some(id)),
                            V::I(Some(mv.actor.user_id)),
                            V::I(Some(mv.at)),
                        ],
                    );
                    None
                }
                (Transition::Recognise, Some(d)) => {
                    listed.row("(?,?)", vec![V::I(Some(d.decision_id)), V::I(Some(id))]);
                    Some(d.reference.as_str())
                }
                _ => None,
            };
            records.push(chain(AuditEvent {
                actor_id: Some(mv.actor.user_id),
                action: &format!("entry.{}", mv.transition.code()),
                record_type: "entry",
                record_id: id,
                from_state: Some(state.code()),
                to_state: Some(mv.to.code()),
                changes: crate::transitions::move_changes(mv.reason, decision),
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
    chain_at.last_id = last_id;
    chain_at.prev_hash = prev_hash.clone();
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
    Prepared {
        pg,
        unchecked,
        // Filed among similar models here; pairs of alike entries are not
        // recorded for bulk data (the lookup by bands is what it measures).
        statements: vec![
            (entries, ""),
            (contents, ""),
            (fts, ""),
            (title_fts, ""),
            (words, "ON CONFLICT DO NOTHING"),
            (audit, ""),
            (bands, ""),
            (proposals, ""),
            (listed, ""),
        ],
        last_entry: first_id + batch.len() as i64 - 1,
        head_id: last_id,
        head_hash: prev_hash,
    }
}
