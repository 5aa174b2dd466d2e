//! Rounds, proposals, councils, scoring, conclusion, public notice,
//! comments and recognition decisions: storage and the use cases over it.
//! Pages read a round with a fixed handful of statements, whatever its size.

use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::{ServiceError, StoreError};
use crate::issuers::{parse_head, HeadInput, IssueScope};
use crate::service::view_entry;
use crate::transitions::{self, Mover, Moving};
use dvk_domain::appraisal::{
    aggregate, conflict_of_interest, parse_points, tally, Aggregate, BallotTally, CouncilRole,
    Criterion, MemberScores, RoundState, ScoringMode, Thresholds, DEFAULT_COLLECTIVE_CRITERIA,
    DEFAULT_INDIVIDUAL_CRITERIA, ROUND_KINDS,
};
use dvk_domain::auth::{Actor, Denied};
use dvk_domain::calendar;
use dvk_domain::entry::{FieldError, Subject};
use dvk_domain::round_rules::{check_quorum, RoundAction, RoundSeat};
use dvk_domain::state::{EntryState, Inputs, Transition};
use dvk_domain::unit::UnitPath;
use dvk_domain::UserId;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct CriteriaSet {
    pub id: i64,
    pub name: String,
    pub subject: Subject,
    pub version: i64,
    pub thresholds: Thresholds,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone)]
pub struct Round {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: UnitPath,
    pub unit_name: String,
    pub level_code: String,
    pub year: i32,
    pub phase: String,
    pub kind: String,
    pub title: String,
    pub mode: ScoringMode,
    pub ballot_threshold_pct: f64,
    pub collective_set_id: i64,
    pub individual_set_id: i64,
    pub proposal_deadline: Option<String>,
    pub scoring_deadline: Option<String>,
    pub quota_per_unit: Option<i64>,
    pub state: RoundState,
    pub notice_starts: Option<String>,
    pub notice_ends: Option<String>,
    pub minutes_date: Option<String>,
    pub minutes_place: String,
    pub minutes_present: String,
    /// Minimum length of the public notice, in working days.
    pub notice_min_days: i64,
    /// Share of the council whose sheets each entry needs to conclude.
    pub quorum_pct: f64,
    /// When the notice was really published (not the date typed on it).
    pub notice_published_at: Option<i64>,
    pub concluded_at: Option<i64>,
    /// Sheets missing at the conclusion, as the minutes record them.
    pub minutes_missing: String,
    /// Members who left before the conclusion, as the minutes record them.
    pub minutes_former: String,
    /// The chair's written reason for concluding below the quorum.
    pub quorum_override: String,
}

#[derive(Debug, Clone)]
pub struct ProposedEntry {
    pub entry_id: i64,
    pub title: String,
    pub summary: String,
    pub kind: dvk_domain::entry::Kind,
    pub subject: Subject,
    pub field_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: UnitPath,
    pub confirming_path: UnitPath,
    pub created_by: i64,
    pub state: EntryState,
}

impl ProposedEntry {
    fn moving(&self) -> Moving<'_> {
        Moving {
            id: self.entry_id,
            registering: &self.unit_path,
            confirming: &self.confirming_path,
            state: self.state,
            version: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: i64,
    pub full_name: String,
    pub role: CouncilRole,
    pub units: Vec<UnitPath>,
}

/// Someone who sat on the council and no longer does: taken off by the
/// organiser, or no longer holding any role in the organising unit's
/// tree. Their sheets are not counted.
#[derive(Debug, Clone)]
pub struct FormerMember {
    pub user_id: i64,
    pub full_name: String,
    pub role: CouncilRole,
    /// When and why the organiser took them off (None: their roles ended).
    pub removed: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct StoredResult {
    pub entry_id: i64,
    pub passed: bool,
    pub rank: i64,
    pub mean_pct: Option<f64>,
    pub reasons: String,
}

/// Everything about a round that its pages show, read in a fixed number of
/// statements.
#[derive(Debug, Clone)]
pub struct RoundData {
    pub round: Round,
    pub collective: CriteriaSet,
    pub individual: CriteriaSet,
    pub entries: Vec<ProposedEntry>,
    pub members: Vec<Member>,
    /// Former members, whose seats ended before the conclusion.
    pub former: Vec<FormerMember>,
    /// entry id → assigned members (current members only)
    pub assignments: HashMap<i64, Vec<UserId>>,
    /// (entry, member) → points by criterion id
    pub scores: HashMap<(i64, UserId), Vec<(i64, f64)>>,
    /// (entry, member) → approve
    pub ballots: HashMap<(i64, UserId), bool>,
    pub results: HashMap<i64, StoredResult>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Score(Aggregate),
    Ballot(BallotTally),
}

impl Outcome {
    pub fn passes(&self) -> bool {
        match self {
            Outcome::Score(a) => a.passes,
            Outcome::Ballot(t) => t.passes,
        }
    }
    pub fn reasons(&self) -> &[String] {
        match self {
            Outcome::Score(a) => &a.reasons,
            Outcome::Ballot(t) => &t.reasons,
        }
    }
    pub fn missing(&self) -> &[UserId] {
        match self {
            Outcome::Score(a) => &a.missing,
            Outcome::Ballot(t) => &t.missing,
        }
    }
    /// Sort key: mean percentage, or approval percentage.
    pub fn level(&self) -> f64 {
        match self {
            Outcome::Score(a) => a.mean_pct.unwrap_or(-1.0),
            Outcome::Ballot(t) => t.approve_pct,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResultRow {
    pub entry: ProposedEntry,
    pub assigned: Vec<UserId>,
    pub outcome: Outcome,
    pub rank: usize,
}

impl RoundData {
    pub fn set_for(&self, subject: Subject) -> &CriteriaSet {
        match subject {
            Subject::Collective => &self.collective,
            Subject::Individual => &self.individual,
        }
    }

    pub fn member(&self, user: UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id == user)
    }

    /// Members assigned to an entry whose sheet is complete (every
    /// criterion) or whose ballot is cast. Needs the sheets loaded.
    pub fn scored_by(&self, entry_id: i64) -> Vec<UserId> {
        let Some(assigned) = self.assignments.get(&entry_id) else {
            return Vec::new();
        };
        let subject = self
            .entries
            .iter()
            .find(|e| e.entry_id == entry_id)
            .map(|e| e.subject)
            .unwrap_or(Subject::Collective);
        let criteria = self.set_for(subject).criteria.len();
        assigned
            .iter()
            .filter(|m| match self.round.mode {
                ScoringMode::Score => self
                    .scores
                    .get(&(entry_id, **m))
                    .is_some_and(|s| s.len() >= criteria),
                ScoringMode::Ballot => self.ballots.contains_key(&(entry_id, **m)),
            })
            .copied()
            .collect()
    }

    /// Whether a result row passes, why not, and its rank: the live
    /// outcome until the council concludes; after that, the stored
    /// conclusion is what counts.
    pub fn standing(&self, row: &ResultRow) -> (bool, String, usize) {
        match self.results.get(&row.entry.entry_id) {
            Some(s) => (s.passed, s.reasons.clone(), s.rank as usize),
            None => (
                row.outcome.passes(),
                row.outcome.reasons().join(" "),
                row.rank,
            ),
        }
    }

    /// Live results: aggregates per entry, ranked (passing first, then by level).
    pub fn results(&self) -> Vec<ResultRow> {
        let mut rows: Vec<ResultRow> = self
            .entries
            .iter()
            .map(|e| {
                let assigned = self
                    .assignments
                    .get(&e.entry_id)
                    .cloned()
                    .unwrap_or_default();
                let outcome = match self.round.mode {
                    ScoringMode::Score => {
                        let set = self.set_for(e.subject);
                        let sheets: Vec<MemberScores> = assigned
                            .iter()
                            .filter_map(|m| {
                                self.scores.get(&(e.entry_id, *m)).map(|pts| MemberScores {
                                    member: *m,
                                    points: set
                                        .criteria
                                        .iter()
                                        .map(|c| {
                                            pts.iter().find(|(id, _)| *id == c.id).map(|(_, p)| *p)
                                        })
                                        .collect(),
                                })
                            })
                            .collect();
                        Outcome::Score(aggregate(&set.criteria, set.thresholds, &assigned, &sheets))
                    }
                    ScoringMode::Ballot => {
                        let ballots: Vec<(UserId, bool)> = assigned
                            .iter()
                            .filter_map(|m| self.ballots.get(&(e.entry_id, *m)).map(|b| (*m, *b)))
                            .collect();
                        Outcome::Ballot(tally(&assigned, &ballots, self.round.ballot_threshold_pct))
                    }
                };
                ResultRow {
                    entry: e.clone(),
                    assigned,
                    outcome,
                    rank: 0,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.outcome
                .passes()
                .cmp(&a.outcome.passes())
                .then(b.outcome.level().total_cmp(&a.outcome.level()))
                .then(a.entry.entry_id.cmp(&b.entry.entry_id))
        });
        for (i, r) in rows.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        rows
    }
}

/// Items of a text packed by `dialect::string_agg`.
fn unpack(packed: &str) -> impl Iterator<Item = &str> {
    packed.split(',').filter(|p| !p.is_empty())
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what}").into())
}

fn round_from_row(r: &AnyRow) -> Result<Round, sqlx::Error> {
    Ok(Round {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        unit_path: UnitPath::parse(&r.try_get::<String, _>("unit_path")?)
            .ok_or_else(|| bad("path"))?,
        unit_name: r.try_get("unit_name")?,
        level_code: r.try_get("level_code")?,
        year: r.try_get::<i64, _>("year")? as i32,
        phase: r.try_get("phase")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        mode: ScoringMode::parse(&r.try_get::<String, _>("scoring_mode")?)
            .ok_or_else(|| bad("mode"))?,
        ballot_threshold_pct: r.try_get("ballot_threshold_pct")?,
        collective_set_id: r.try_get("collective_set_id")?,
        individual_set_id: r.try_get("individual_set_id")?,
        proposal_deadline: r.try_get("proposal_deadline")?,
        scoring_deadline: r.try_get("scoring_deadline")?,
        quota_per_unit: r.try_get("quota_per_unit")?,
        state: RoundState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| bad("round state"))?,
        notice_starts: r.try_get("notice_starts")?,
        notice_ends: r.try_get("notice_ends")?,
        minutes_date: r.try_get("minutes_date")?,
        minutes_place: r.try_get("minutes_place")?,
        minutes_present: r.try_get("minutes_present")?,
        notice_min_days: r.try_get("notice_min_days")?,
        quorum_pct: r.try_get("quorum_pct")?,
        notice_published_at: r.try_get("notice_published_at")?,
        concluded_at: r.try_get("concluded_at")?,
        minutes_missing: r.try_get("minutes_missing")?,
        minutes_former: r.try_get("minutes_former")?,
        quorum_override: r.try_get("quorum_override")?,
    })
}

const ROUND_SQL: &str =
    "SELECT r.*, u.name AS unit_name FROM rounds r JOIN units u ON u.id = r.unit_id";

/// Today in Vietnam as 'YYYY-MM-DD'.
pub fn today() -> String {
    vn_date(now())
}

/// Accepts dd/mm/yyyy (as shown) or yyyy-mm-dd (as date inputs send);
/// the date as stored ('YYYY-MM-DD').
pub fn parse_date(raw: &str) -> Option<String> {
    calendar::parse_input(raw).map(calendar::iso)
}

impl Db {
    /// Default criteria sets (DOMAIN.md §6) for every phase × active level ×
    /// subject, version 1; idempotent.
    pub async fn seed_criteria(&self) -> Result<(), StoreError> {
        let n: i64 = q("SELECT COUNT(*) FROM criteria_sets")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if n > 0 {
            return Ok(());
        }
        let cat = self.catalogue().await?;
        let mut tx = self.pool.begin().await?;
        for phase in &cat.phases {
            for level in cat.levels.iter().filter(|l| !l.historical) {
                for (subject, names) in [
                    (Subject::Collective, &DEFAULT_COLLECTIVE_CRITERIA[..]),
                    (Subject::Individual, &DEFAULT_INDIVIDUAL_CRITERIA[..]),
                ] {
                    let name = format!(
                        "Tiêu chí {} – {} – {}",
                        subject.label().to_lowercase(),
                        level.name.to_lowercase(),
                        phase.name.to_lowercase()
                    );
                    let id: i64 = q("INSERT INTO criteria_sets (phase, level_code, subject, version, name, pass_mean_pct, min_criterion_pct, created_at) \
                                     VALUES ($1, $2, $3, 1, $4, 70.0, 50.0, $5) RETURNING id")
                        .bind(&phase.code)
                        .bind(&level.code)
                        .bind(subject.code())
                        .bind(&name)
                        .bind(now())
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get(0)?;
                    for (i, c) in names.iter().enumerate() {
                        q("INSERT INTO criteria (set_id, position, name, weight, max_points) VALUES ($1, $2, $3, 1.0, 10.0)")
                            .bind(id)
                            .bind(i as i64)
                            .bind(*c)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn latest_set(
        &self,
        phase: &str,
        level: &str,
        subject: Subject,
    ) -> Result<Option<i64>, StoreError> {
        let row = q("SELECT id FROM criteria_sets WHERE phase = $1 AND level_code = $2 AND subject = $3 ORDER BY version DESC LIMIT 1")
            .bind(phase)
            .bind(level)
            .bind(subject.code())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn round(&self, id: i64) -> Result<Option<Round>, StoreError> {
        let row = q(&format!("{ROUND_SQL} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(round_from_row).transpose()?)
    }

    /// Rounds organised inside any of `roots` or above them (a commune's
    /// officers see the province's rounds that cover them).
    pub async fn rounds_for(&self, roots: &[UnitPath]) -> Result<Vec<Round>, StoreError> {
        let rows = q(&format!("{ROUND_SQL} ORDER BY r.year DESC, r.id DESC"))
            .fetch_all(&self.read)
            .await?;
        let all: Vec<Round> = rows.iter().map(round_from_row).collect::<Result<_, _>>()?;
        Ok(all
            .into_iter()
            .filter(|r| {
                roots
                    .iter()
                    .any(|u| r.unit_path.covers(u) || u.covers(&r.unit_path))
            })
            .collect())
    }

    /// Rounds open for proposals whose unit is above or below `unit`: one
    /// statement, reading open rounds only.
    pub async fn open_rounds_over(&self, unit: &UnitPath) -> Result<Vec<Round>, StoreError> {
        let rows = q(&format!(
            "{ROUND_SQL} WHERE r.state = 'open' ORDER BY r.year DESC, r.id DESC"
        ))
        .fetch_all(&self.read)
        .await?;
        let open: Vec<Round> = rows.iter().map(round_from_row).collect::<Result<_, _>>()?;
        Ok(open
            .into_iter()
            .filter(|r| r.unit_path.covers(unit) || unit.covers(&r.unit_path))
            .collect())
    }

    /// Ids of rounds judging entries registered inside any of `roots`.
    pub async fn rounds_judging(&self, roots: &[UnitPath]) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::new();
        for root in roots {
            let rows = q(
                "SELECT DISTINCT p.round_id FROM proposals p JOIN entries e ON e.id = p.entry_id \
                          WHERE e.unit_path >= $1 AND e.unit_path < $2",
            )
            .bind(root.as_str())
            .bind(root.subtree_upper_bound())
            .fetch_all(&self.read)
            .await?;
            for r in rows {
                let id: i64 = r.try_get(0)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// Ids of rounds whose council includes `user`.
    pub async fn rounds_of_member(&self, user: i64) -> Result<Vec<i64>, StoreError> {
        let rows = q("SELECT round_id FROM council_members WHERE user_id = $1")
            .bind(user)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    /// Rounds whose list is on public notice now or recently.
    pub async fn notice_rounds(&self) -> Result<Vec<Round>, StoreError> {
        let rows = q(&format!(
            "{ROUND_SQL} WHERE r.state = 'notice' ORDER BY r.notice_ends DESC, r.id DESC"
        ))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(round_from_row).collect::<Result<_, _>>()?)
    }

    /// The whole round for its pages: eight statements.
    pub async fn round_data(&self, id: i64) -> Result<Option<RoundData>, StoreError> {
        self.load_round(id, true, None).await
    }

    /// The round narrowed to one entry and one member (for scoring): the
    /// same statements, each reading a handful of rows.
    pub async fn round_for(
        &self,
        id: i64,
        entry_id: i64,
        user_id: i64,
    ) -> Result<Option<RoundData>, StoreError> {
        self.load_round(id, false, Some((entry_id, user_id))).await
    }

    /// The round without its score sheets and ballots: what checks and
    /// writes need, cheap however many sheets exist.
    pub async fn round_core(&self, id: i64) -> Result<Option<RoundData>, StoreError> {
        self.load_round(id, false, None).await
    }

    async fn load_round(
        &self,
        id: i64,
        with_sheets: bool,
        focus: Option<(i64, i64)>,
    ) -> Result<Option<RoundData>, StoreError> {
        // With a focus, the lists below read one entry's and one member's
        // rows (ids are positive, so 0 means no focus).
        let (fe, fu) = focus.unwrap_or((0, 0));
        let Some(round) = self.round(id).await? else {
            return Ok(None);
        };
        let set_rows = q("SELECT s.id AS set_id, s.name AS set_name, s.subject, s.version, s.pass_mean_pct, s.min_criterion_pct, \
                          c.id, c.name, c.weight, c.max_points FROM criteria_sets s JOIN criteria c ON c.set_id = s.id \
                          WHERE s.id = $1 OR s.id = $2 ORDER BY s.id, c.position")
            .bind(round.collective_set_id)
            .bind(round.individual_set_id)
            .fetch_all(&self.pool)
            .await?;
        let mut sets: HashMap<i64, CriteriaSet> = HashMap::new();
        for r in &set_rows {
            let sid: i64 = r.try_get("set_id")?;
            let set = match sets.entry(sid) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(CriteriaSet {
                    id: sid,
                    name: r.try_get("set_name")?,
                    subject: Subject::parse(&r.try_get::<String, _>("subject")?)
                        .ok_or_else(|| bad("subject"))?,
                    version: r.try_get("version")?,
                    thresholds: Thresholds {
                        pass_mean_pct: r.try_get("pass_mean_pct")?,
                        min_criterion_pct: r.try_get("min_criterion_pct")?,
                    },
                    criteria: Vec::new(),
                }),
            };
            set.criteria.push(Criterion {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                weight: r.try_get("weight")?,
                max_points: r.try_get("max_points")?,
            });
        }
        let collective = sets
            .remove(&round.collective_set_id)
            .ok_or_else(|| StoreError::Data("thiếu bộ tiêu chí".into()))?;
        let individual = sets
            .remove(&round.individual_set_id)
            .ok_or_else(|| StoreError::Data("thiếu bộ tiêu chí".into()))?;
        let entry_sql = "SELECT e.id, e.title, e.kind, e.subject, e.field_id, e.unit_id, e.unit_path, e.confirming_path, e.created_by, e.state, u.name AS unit_name, \
                            c.objectives FROM proposals p JOIN entries e ON e.id = p.entry_id JOIN units u ON u.id = e.unit_id \
                            JOIN entry_contents c ON c.entry_id = e.id WHERE p.round_id = $1 AND ($2 = 0 OR p.entry_id = $2) ORDER BY e.id";
        let entry_rows = q(entry_sql).bind(id).bind(fe).fetch_all(&self.pool).await?;
        let mut entries = Vec::with_capacity(entry_rows.len());
        for r in &entry_rows {
            entries.push(ProposedEntry {
                entry_id: r.try_get("id")?,
                title: r.try_get("title")?,
                summary: r.try_get("objectives")?,
                kind: dvk_domain::entry::Kind::parse(&r.try_get::<String, _>("kind")?)
                    .ok_or_else(|| bad("kind"))?,
                subject: Subject::parse(&r.try_get::<String, _>("subject")?)
                    .ok_or_else(|| bad("subject"))?,
                field_id: r.try_get("field_id")?,
                unit_id: r.try_get("unit_id")?,
                unit_name: r.try_get("unit_name")?,
                unit_path: UnitPath::parse(&r.try_get::<String, _>("unit_path")?)
                    .ok_or_else(|| bad("path"))?,
                confirming_path: UnitPath::parse(&r.try_get::<String, _>("confirming_path")?)
                    .ok_or_else(|| bad("path"))?,
                created_by: r.try_get("created_by")?,
                state: EntryState::parse(&r.try_get::<String, _>("state")?)
                    .ok_or_else(|| bad("state"))?,
            });
        }
        let member_sql = "SELECT m.user_id, m.role, m.removed_at, m.removed_reason, us.full_name, un.path \
                             FROM council_members m JOIN users us ON us.id = m.user_id \
                             LEFT JOIN role_grants g ON g.user_id = m.user_id LEFT JOIN units un ON un.id = g.unit_id \
                             WHERE m.round_id = $1 AND ($2 = 0 OR m.user_id = $2) ORDER BY m.user_id";
        let member_rows = q(member_sql)
            .bind(id)
            .bind(fu)
            .fetch_all(&self.pool)
            .await?;
        let mut seated: Vec<(Member, Option<(i64, String)>)> = Vec::new();
        for r in &member_rows {
            let uid: i64 = r.try_get("user_id")?;
            let path: Option<String> = r.try_get("path")?;
            if seated.last().map(|(m, _)| m.user_id) != Some(uid) {
                let removed_at: Option<i64> = r.try_get("removed_at")?;
                seated.push((
                    Member {
                        user_id: uid,
                        full_name: r.try_get("full_name")?,
                        role: CouncilRole::parse(&r.try_get::<String, _>("role")?)
                            .ok_or_else(|| bad("role"))?,
                        units: Vec::new(),
                    },
                    removed_at
                        .map(|at| Ok::<_, sqlx::Error>((at, r.try_get("removed_reason")?)))
                        .transpose()?,
                ));
            }
            if let (Some((m, _)), Some(p)) =
                (seated.last_mut(), path.as_deref().and_then(UnitPath::parse))
            {
                m.units.push(p);
            }
        }
        // A seat lasts while the person holds a role in the organising
        // unit's tree (above or below it) and was not taken off.
        let mut members: Vec<Member> = Vec::new();
        let mut former: Vec<FormerMember> = Vec::new();
        for (m, removed) in seated {
            let holds = m
                .units
                .iter()
                .any(|u| u.covers(&round.unit_path) || round.unit_path.covers(u));
            if removed.is_none() && holds {
                members.push(m);
            } else {
                former.push(FormerMember {
                    user_id: m.user_id,
                    full_name: m.full_name,
                    role: m.role,
                    removed,
                });
            }
        }
        let mut assignments: HashMap<i64, Vec<UserId>> = HashMap::new();
        // Sheets are read one row per entry, packed as text: row decoding,
        // not SQL, dominated large rounds (144,000 scores in one round).
        let agg = crate::dialect::string_agg;
        // Assignments and sheets arrive as one packed text each: handing
        // rows from SQLite's thread to the page, not SQL, dominated large
        // rounds (2,000 entries × 9 members × 8 criteria).
        let sql = format!(
            "SELECT {} AS packed FROM assignments WHERE round_id = $1 AND ($2 = 0 OR entry_id = $2)",
            agg(self.backend, "CAST(entry_id AS TEXT) || ':' || CAST(user_id AS TEXT)")
        );
        let packed: Option<String> = q(&sql)
            .bind(id)
            .bind(fe)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        for item in unpack(packed.as_deref().unwrap_or("")) {
            if let Some((e, u)) = item.split_once(':') {
                if let (Ok(e), Ok(u)) = (e.parse::<i64>(), u.parse::<i64>()) {
                    assignments.entry(e).or_default().push(u);
                }
            }
        }
        for assigned in assignments.values_mut() {
            // Former members' sheets are not counted (nor awaited).
            assigned.retain(|u| !former.iter().any(|f| f.user_id == *u));
            assigned.sort_unstable();
        }
        let mut scores: HashMap<(i64, UserId), Vec<(i64, f64)>> = HashMap::new();
        let mut ballots = HashMap::new();
        match round.mode {
            _ if !with_sheets => {}
            ScoringMode::Score => {
                let sql = format!(
                    "SELECT {} AS packed FROM scores WHERE round_id = $1",
                    // Points are whole or half (parse_points), so twice the points is an
                    // integer: integers turn into text far faster than floats.
                    agg(
                        self.backend,
                        "CAST(entry_id AS TEXT) || ':' || CAST(user_id AS TEXT) || ':' || CAST(criterion_id AS TEXT) || ':' || CAST(CAST(points * 2 AS INTEGER) AS TEXT)"
                    )
                );
                let packed: Option<String> =
                    q(&sql).bind(id).fetch_one(&self.pool).await?.try_get(0)?;
                for item in unpack(packed.as_deref().unwrap_or("")) {
                    let mut f = item.split(':').map(|x| x.parse::<i64>());
                    if let (Some(Ok(e)), Some(Ok(u)), Some(Ok(c)), Some(Ok(p2))) =
                        (f.next(), f.next(), f.next(), f.next())
                    {
                        scores.entry((e, u)).or_default().push((c, p2 as f64 / 2.0));
                    }
                }
            }
            ScoringMode::Ballot => {
                for r in q("SELECT entry_id, user_id, approve FROM ballots WHERE round_id = $1")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
                {
                    ballots.insert(
                        (r.try_get("entry_id")?, r.try_get("user_id")?),
                        r.try_get::<i64, _>("approve")? != 0,
                    );
                }
            }
        }
        let mut results = HashMap::new();
        for r in
            q("SELECT entry_id, passed, rank, mean_pct, reasons FROM results WHERE round_id = $1")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
        {
            let e: i64 = r.try_get("entry_id")?;
            results.insert(
                e,
                StoredResult {
                    entry_id: e,
                    passed: r.try_get::<i64, _>("passed")? != 0,
                    rank: r.try_get("rank")?,
                    mean_pct: r.try_get("mean_pct")?,
                    reasons: r.try_get("reasons")?,
                },
            );
        }
        Ok(Some(RoundData {
            round,
            collective,
            individual,
            entries,
            members,
            former,
            assignments,
            scores,
            ballots,
            results,
        }))
    }

    /// Self-assessment points of a proposal by criterion id.
    pub async fn self_assessment(
        &self,
        round_id: i64,
        entry_id: i64,
    ) -> Result<Vec<(i64, f64, String)>, StoreError> {
        let rows = q("SELECT s.criterion_id, s.points, s.comment FROM self_assessments s JOIN proposals p ON p.id = s.proposal_id \
                      WHERE p.round_id = $1 AND p.entry_id = $2")
            .bind(round_id)
            .bind(entry_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// One member's sheet for one entry: criterion id → (points, comment).
    pub async fn member_sheet(
        &self,
        round_id: i64,
        entry_id: i64,
        user: UserId,
    ) -> Result<HashMap<i64, (f64, String)>, StoreError> {
        let rows = q("SELECT criterion_id, points, comment FROM scores WHERE round_id = $1 AND entry_id = $2 AND user_id = $3")
            .bind(round_id)
            .bind(entry_id)
            .bind(user)
            .fetch_all(&self.pool)
            .await?;
        let mut m = HashMap::new();
        for r in &rows {
            m.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
        }
        Ok(m)
    }

    pub async fn member_ballot(
        &self,
        round_id: i64,
        entry_id: i64,
        user: UserId,
    ) -> Result<Option<(bool, String)>, StoreError> {
        let row = q("SELECT approve, comment FROM ballots WHERE round_id = $1 AND entry_id = $2 AND user_id = $3")
            .bind(round_id)
            .bind(entry_id)
            .bind(user)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| -> Result<(bool, String), sqlx::Error> {
                Ok((r.try_get::<i64, _>(0)? != 0, r.try_get(1)?))
            })
            .transpose()?)
    }
}

/// A criteria set with its phase and level, as the criteria page lists it.
#[derive(Debug, Clone)]
pub struct SetListing {
    pub phase: String,
    pub level_code: String,
    pub set: CriteriaSet,
}

impl Db {
    /// The latest version of every criteria set, with its criteria (two statements).
    pub async fn latest_criteria_sets(&self) -> Result<Vec<SetListing>, StoreError> {
        let sets = q("SELECT s.id, s.phase, s.level_code, s.subject, s.version, s.name, s.pass_mean_pct, s.min_criterion_pct FROM criteria_sets s \
                      WHERE s.version = (SELECT MAX(x.version) FROM criteria_sets x WHERE x.phase = s.phase AND x.level_code = s.level_code AND x.subject = s.subject) \
                      ORDER BY s.phase DESC, s.level_code, s.subject")
            .fetch_all(&self.pool)
            .await?;
        let crit = q("SELECT c.id, c.set_id, c.name, c.weight, c.max_points FROM criteria c ORDER BY c.set_id, c.position").fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in &sets {
            let id: i64 = r.try_get("id")?;
            let mut criteria = Vec::new();
            for c in crit.iter() {
                if c.try_get::<i64, _>("set_id")? == id {
                    criteria.push(Criterion {
                        id: c.try_get("id")?,
                        name: c.try_get("name")?,
                        weight: c.try_get("weight")?,
                        max_points: c.try_get("max_points")?,
                    });
                }
            }
            out.push(SetListing {
                phase: r.try_get("phase")?,
                level_code: r.try_get("level_code")?,
                set: CriteriaSet {
                    id,
                    name: r.try_get("name")?,
                    subject: Subject::parse(&r.try_get::<String, _>("subject")?)
                        .ok_or_else(|| bad("subject"))?,
                    version: r.try_get("version")?,
                    thresholds: Thresholds {
                        pass_mean_pct: r.try_get("pass_mean_pct")?,
                        min_criterion_pct: r.try_get("min_criterion_pct")?,
                    },
                    criteria,
                },
            });
        }
        Ok(out)
    }
}

/// An edited criteria set as typed: thresholds and rows of (name, weight, max).
#[derive(Debug, Clone, Default)]
pub struct CriteriaEdit {
    pub pass_mean_pct: String,
    pub min_criterion_pct: String,
    pub rows: Vec<(String, String, String)>,
}

fn parse_num(raw: &str) -> Option<f64> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Saves an edited criteria set as a new version; rounds already opened
/// keep the version they were opened with. The secretariat of a province
/// (a movement officer at a top-level unit) may edit.
pub async fn save_criteria_set(
    db: &Db,
    actor: &Actor,
    set_id: i64,
    edit: &CriteriaEdit,
) -> Result<i64, ServiceError> {
    dvk_domain::auth::check_catalogue(actor, "sửa bộ tiêu chí")?;
    let row = q("SELECT phase, level_code, subject, name FROM criteria_sets WHERE id = $1")
        .bind(set_id)
        .fetch_optional(&db.pool)
        .await?;
    let row = row.ok_or(ServiceError::NotFound("bộ tiêu chí"))?;
    let (phase, level, subject, name): (String, String, String, String) = (
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    );
    let mut errors = Vec::new();
    let pass = parse_num(&edit.pass_mean_pct).filter(|v| (0.0..=100.0).contains(v));
    if pass.is_none() {
        errors.push(FieldError::new(
            "pass_mean_pct",
            "Ngưỡng điểm bình quân là số từ 0 đến 100 (%).",
        ));
    }
    let min = parse_num(&edit.min_criterion_pct).filter(|v| (0.0..=100.0).contains(v));
    if min.is_none() {
        errors.push(FieldError::new(
            "min_criterion_pct",
            "Ngưỡng tối thiểu mỗi tiêu chí là số từ 0 đến 100 (%).",
        ));
    }
    let mut rows = Vec::new();
    for (i, (n, w, m)) in edit.rows.iter().enumerate() {
        let n = n.trim();
        if n.is_empty() {
            continue; // an emptied name removes the criterion
        }
        let (w, m) = (parse_num(w), parse_num(m));
        match (w, m) {
            (Some(w), Some(m)) if w > 0.0 && w <= 100.0 && m > 0.0 && m <= 100.0 && n.chars().count() <= 300 => rows.push((n.to_owned(), w, m)),
            _ => errors.push(FieldError::new(&format!("row{i}"), format!("Tiêu chí {}: trọng số và điểm tối đa là số dương đến 100, tên tối đa 300 ký tự.", i + 1))),
        }
    }
    if rows.is_empty() {
        errors.push(FieldError::new(
            "rows",
            "Bộ tiêu chí cần ít nhất một tiêu chí.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut tx = db.pool.begin().await?;
    crate::audit::lock_for_write(&mut tx).await?;
    let version: i64 = q("SELECT MAX(version) FROM criteria_sets WHERE phase = $1 AND level_code = $2 AND subject = $3")
        .bind(&phase)
        .bind(&level)
        .bind(&subject)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<Option<i64>, _>(0)?
        .unwrap_or(0)
        + 1;
    let id: i64 = q("INSERT INTO criteria_sets (phase, level_code, subject, version, name, pass_mean_pct, min_criterion_pct, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(&phase)
        .bind(&level)
        .bind(&subject)
        .bind(version)
        .bind(&name)
        .bind(pass)
        .bind(min)
        .bind(actor.user_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    for (i, (n, w, m)) in rows.iter().enumerate() {
        q("INSERT INTO criteria (set_id, position, name, weight, max_points) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(i as i64)
            .bind(n)
            .bind(*w)
            .bind(*m)
            .execute(&mut *tx)
            .await?;
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "criteria.version",
            record_type: "criteria_set",
            record_id: id,
            changes: json!({"previous": [null, set_id], "version": [null, version], "criteria": [null, rows.iter().map(|(n, w, m)| json!([n, w, m])).collect::<Vec<_>>()]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---- use cases ----

fn denied(what: &'static str) -> ServiceError {
    ServiceError::Denied(Denied::NoRole(what))
}

/// Where `actor` stands towards the round (organiser, council seat, a
/// judged unit), for the one rule of round-level authority.
pub fn seat(data: &RoundData, actor: &Actor) -> RoundSeat {
    let judged: Vec<&UnitPath> = data.entries.iter().map(|e| &e.unit_path).collect();
    RoundSeat::of(
        actor,
        &data.round.unit_path,
        data.member(actor.user_id).map(|m| m.role),
        &judged,
    )
}

/// Round-level actions that depend only on the organising unit.
fn organiser(actor: &Actor, unit: &UnitPath, action: RoundAction) -> Result<(), ServiceError> {
    Ok(RoundSeat::of(actor, unit, None, &[]).check(action)?)
}

fn need_state(round: &Round, state: RoundState) -> Result<(), ServiceError> {
    if round.state == state {
        Ok(())
    } else {
        Err(ServiceError::Conflict(format!(
            "Đợt xét đang ở bước “{}”, không thực hiện được thao tác này (cần bước “{}”).",
            round.state.label(),
            state.label()
        )))
    }
}

async fn load(db: &Db, id: i64) -> Result<RoundData, ServiceError> {
    db.round_core(id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))
}

/// Raw round form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RoundForm {
    pub unit_id: String,
    pub title: String,
    pub level: String,
    pub year: String,
    pub phase: String,
    pub kind: String,
    pub mode: String,
    pub ballot_threshold: String,
    pub proposal_deadline: String,
    pub scoring_deadline: String,
    pub quota: String,
    /// Minimum notice length in working days; empty takes the setting.
    pub notice_min_days: String,
    /// Quorum per entry as a percentage of the council; empty takes the setting.
    pub quorum_pct: String,
}

pub async fn create_round(db: &Db, actor: &Actor, form: &RoundForm) -> Result<i64, ServiceError> {
    let cat = db.catalogue().await?;
    let mut errors = Vec::new();
    let unit = match form.unit_id.trim().parse::<i64>() {
        Ok(id) => db.unit(id).await?,
        Err(_) => None,
    };
    let Some(unit) = unit else {
        return Err(ServiceError::invalid(
            "unit_id",
            "Chọn đơn vị tổ chức đợt xét.",
        ));
    };
    organiser(actor, &unit.path, RoundAction::Open)?;
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new(
            "title",
            "Cần nhập tên đợt xét (tối đa 300 ký tự).",
        ));
    }
    let level = cat
        .active_levels()
        .into_iter()
        .find(|l| l.code == form.level.trim())
        .map(|l| l.code.clone());
    if level.is_none() {
        errors.push(FieldError::new("level", "Chọn cấp công nhận."));
    }
    let phase = cat
        .phases
        .iter()
        .find(|p| p.code == form.phase.trim())
        .cloned();
    let year = form.year.trim().parse::<i32>().ok();
    match (&phase, year) {
        (None, _) => errors.push(FieldError::new("phase", "Chọn giai đoạn.")),
        (_, None) => errors.push(FieldError::new("year", "Năm phải là một số, ví dụ 2026.")),
        (Some(p), Some(y)) if y < p.first_year || y > p.last_year => errors.push(FieldError::new(
            "year",
            format!("Năm {y} không thuộc giai đoạn {}.", p.code),
        )),
        _ => {}
    }
    if !ROUND_KINDS.iter().any(|(c, _)| *c == form.kind.trim()) {
        errors.push(FieldError::new(
            "kind",
            "Chọn loại đợt: hằng năm, sơ kết hoặc tổng kết.",
        ));
    }
    let mode = ScoringMode::parse(form.mode.trim());
    if mode.is_none() {
        errors.push(FieldError::new(
            "mode",
            "Chọn hình thức: chấm điểm hoặc bỏ phiếu.",
        ));
    }
    let threshold = match form.ballot_threshold.trim() {
        "" => 50.0,
        raw => match raw.replace(',', ".").parse::<f64>() {
            Ok(v) if (0.0..100.0).contains(&v) => v,
            _ => {
                errors.push(FieldError::new(
                    "ballot_threshold",
                    "Tỷ lệ tán thành là số từ 0 đến dưới 100.",
                ));
                50.0
            }
        },
    };
    let mut date = |key: &str, raw: &str| -> Option<String> {
        if raw.trim().is_empty() {
            return None;
        }
        let d = parse_date(raw);
        if d.is_none() {
            errors.push(FieldError::new(key, "Ngày không hợp lệ (dd/mm/yyyy)."));
        }
        d
    };
    let proposal_deadline = date("proposal_deadline", &form.proposal_deadline);
    let scoring_deadline = date("scoring_deadline", &form.scoring_deadline);
    let quota = match form.quota.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(v) if (1..=100).contains(&v) => Some(v),
            _ => {
                errors.push(FieldError::new(
                    "quota",
                    "Chỉ tiêu là số nguyên từ 1 đến 100.",
                ));
                None
            }
        },
    };
    let notice_min_days = match form.notice_min_days.trim() {
        "" => db.setting_i64("notice_min_working_days", 5).await?,
        raw => match raw.parse::<i64>() {
            Ok(v) if (1..=60).contains(&v) => v,
            _ => {
                errors.push(FieldError::new(
                    "notice_min_days",
                    "Số ngày làm việc thông báo công khai là số nguyên từ 1 đến 60.",
                ));
                5
            }
        },
    };
    let quorum_pct = match form.quorum_pct.trim() {
        "" => db.setting_f64("quorum_pct", 66.67).await?,
        raw => match raw.replace(',', ".").parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 100.0 => v,
            _ => {
                errors.push(FieldError::new(
                    "quorum_pct",
                    "Tỷ lệ phiếu tối thiểu là số từ trên 0 đến 100 (%).",
                ));
                66.67
            }
        },
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let (level, phase, mode, year) = match (level, phase, mode, year) {
        (Some(l), Some(p), Some(m), Some(y)) => (l, p, m, y),
        _ => return Err(ServiceError::invalid("level", "Thiếu thông tin đợt xét.")),
    };
    let collective = db
        .latest_set(&phase.code, &level, Subject::Collective)
        .await?;
    let individual = db
        .latest_set(&phase.code, &level, Subject::Individual)
        .await?;
    let (Some(cs), Some(is)) = (collective, individual) else {
        return Err(ServiceError::invalid(
            "level",
            "Chưa có bộ tiêu chí cho cấp và giai đoạn này.",
        ));
    };
    let mut tx = db.pool.begin().await?;
    let id: i64 = q("INSERT INTO rounds (unit_id, unit_path, level_code, year, phase, kind, title, scoring_mode, ballot_threshold_pct, \
                     collective_set_id, individual_set_id, proposal_deadline, scoring_deadline, quota_per_unit, state, created_by, created_at, \
                     notice_min_days, quorum_pct) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'open',$15,$16,$17,$18) RETURNING id")
        .bind(unit.id)
        .bind(unit.path.as_str())
        .bind(&level)
        .bind(year as i64)
        .bind(&phase.code)
        .bind(form.kind.trim())
        .bind(title)
        .bind(mode.code())
        .bind(threshold)
        .bind(cs)
        .bind(is)
        .bind(proposal_deadline)
        .bind(scoring_deadline)
        .bind(quota)
        .bind(actor.user_id)
        .bind(now())
        .bind(notice_min_days)
        .bind(quorum_pct)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "round.create",
            record_type: "round",
            record_id: id,
            to_state: Some("open"),
            changes: json!({"title": [null, title], "level": [null, level], "year": [null, year], "mode": [null, mode.code()]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// How an entry may enter a round, if at all: an accepted entry of the
/// round's level and scope is proposed; one recognised at a lower level is
/// proposed to the higher level. Year (annual rounds) or phase must match.
pub fn proposal_kind(
    cat: &crate::reference::Catalogue,
    round: &Round,
    e: &crate::entries::EntryDetail,
) -> Option<Transition> {
    let r = &e.registration;
    let rank = |code: &str| {
        cat.levels
            .iter()
            .find(|l| l.code == code)
            .map(|l| l.rank)
            .unwrap_or(0)
    };
    if !round.unit_path.covers(&e.unit_path) {
        return None;
    }
    let same_period = if round.kind == "annual" {
        r.year == round.year
    } else {
        r.phase == round.phase
    };
    match e.state {
        EntryState::Accepted if same_period && r.target_level == round.level_code => {
            Some(Transition::Propose)
        }
        // Recognised below (and perhaps chosen outstanding or rewarded
        // there): a sơ kết or tổng kết round of the phase takes it too.
        EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
            if same_period && rank(&round.level_code) > rank(&r.target_level) =>
        {
            Some(Transition::ProposeToHigherLevel)
        }
        // Kept on the register by a later year's review: may be recognised
        // again in a later round of the same level (checked in `propose`).
        EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
            if round.year > r.year && r.target_level == round.level_code =>
        {
            Some(Transition::ProposeAgain)
        }
        _ => None,
    }
}

/// Proposes an accepted entry to an open round with a self-assessment of
/// every criterion. Returns a quota warning, if any (quotas warn, never block).
pub async fn propose(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    entry_id: i64,
    points: &HashMap<i64, String>,
) -> Result<Option<String>, ServiceError> {
    let e = view_entry(db, actor, entry_id).await?;
    let data = db
        .round_for(round_id, entry_id, actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    let round = &data.round;
    let scope = e.scope();
    let cat = db.catalogue().await?;
    let how = proposal_kind(&cat, round, &e).ok_or_else(|| {
        ServiceError::invalid(
            "round_id",
            "Hồ sơ không thuộc phạm vi, cấp hoặc năm của đợt xét này.",
        )
    })?;
    dvk_domain::auth::check_transition(actor, how, &scope)?;
    if how == Transition::ProposeAgain {
        let kept: i64 = q("SELECT COUNT(*) FROM yearly_reports WHERE entry_id = $1 AND outcome = 'continuing' AND year >= $2 AND year < $3")
            .bind(entry_id)
            .bind(e.registration.year as i64)
            .bind(round.year as i64)
            .fetch_one(&db.pool)
            .await?
            .try_get(0)?;
        if kept == 0 {
            return Err(ServiceError::invalid(
                "round_id",
                "Chỉ mô hình được rà soát “tiếp tục duy trì” ở năm trước mới được đề nghị công nhận lại.",
            ));
        }
    }
    need_state(round, RoundState::Open)?;
    if round
        .proposal_deadline
        .as_deref()
        .is_some_and(|d| today().as_str() > d)
    {
        return Err(ServiceError::Conflict(format!(
            "Đã hết hạn đề nghị của đợt xét (ngày {}).",
            show_date(round.proposal_deadline.as_deref().unwrap_or(""))
        )));
    }
    // Proposed to a higher level, the entry now targets that level and is
    // received by the unit at it (its earlier recognition stays on record).
    let higher = if how == Transition::ProposeToHigherLevel {
        let lineage = db.lineage(&e.unit_path).await?;
        let unit = lineage
            .into_iter()
            .rev()
            .find(|u| u.level_code.as_deref() == Some(round.level_code.as_str()));
        Some(unit.ok_or_else(|| {
            ServiceError::invalid(
                "round_id",
                "Không xác định được đơn vị tiếp nhận ở cấp của đợt xét.",
            )
        })?)
    } else {
        None
    };
    if higher
        .as_ref()
        .is_some_and(|u| !round.unit_path.covers(&u.path))
    {
        return Err(ServiceError::invalid(
            "round_id",
            "Đơn vị tiếp nhận ở cấp trên nằm ngoài phạm vi của đợt xét.",
        ));
    }
    let set = data.set_for(e.registration.subject);
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for c in &set.criteria {
        match points.get(&c.id).map(|raw| parse_points(raw, c.max_points)) {
            Some(Ok(p)) => parsed.push((c.id, p)),
            Some(Err(m)) => errors.push(FieldError::new(
                &format!("c{}", c.id),
                format!("{}: {m}", c.name),
            )),
            None => errors.push(FieldError::new(
                &format!("c{}", c.id),
                format!("Cần tự đánh giá tiêu chí “{}”.", c.name),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let warning = match round.quota_per_unit {
        Some(quota) => {
            let same_unit: i64 = q("SELECT COUNT(*) FROM proposals p JOIN entries e ON e.id = p.entry_id WHERE p.round_id = $1 AND e.unit_id = $2")
                .bind(round_id)
                .bind(e.registration.unit_id)
                .fetch_one(&db.pool)
                .await?
                .try_get(0)?;
            (same_unit >= quota).then(|| {
                format!("Lưu ý: {} đã có {same_unit} hồ sơ trong đợt, vượt chỉ tiêu {quota} (chỉ để cảnh báo).", e.unit_name)
            })
        }
        None => None,
    };
    let mut tx = db.pool.begin().await?;
    transitions::apply(
        &mut tx,
        Mover::person(actor),
        how,
        &Moving::from(&e),
        Inputs::default(),
    )
    .await?;
    if let Some(unit) = &higher {
        q("UPDATE entries SET target_level = $1, confirming_unit_id = $2, confirming_path = $3 WHERE id = $4")
            .bind(&round.level_code)
            .bind(unit.id)
            .bind(unit.path.as_str())
            .bind(entry_id)
            .execute(&mut *tx)
            .await?;
    }
    let pid: i64 = q("INSERT INTO proposals (round_id, entry_id, proposed_by, proposed_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(round_id)
        .bind(entry_id)
        .bind(actor.user_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    for (cid, p) in &parsed {
        q("INSERT INTO self_assessments (proposal_id, criterion_id, points) VALUES ($1, $2, $3)")
            .bind(pid)
            .bind(*cid)
            .bind(*p)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(warning)
}

pub async fn add_member(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    user_id: i64,
    role: CouncilRole,
) -> Result<(), ServiceError> {
    let data = load(db, round_id).await?;
    organiser(actor, &data.round.unit_path, RoundAction::ManageCouncil)?;
    if !matches!(data.round.state, RoundState::Open | RoundState::Appraisal) {
        return Err(ServiceError::Conflict(
            "Hội đồng đã kết luận, không thay đổi thành viên được nữa.".into(),
        ));
    }
    if !db.user_exists(user_id).await? {
        return Err(ServiceError::invalid(
            "user_id",
            "Người dùng không tồn tại.",
        ));
    }
    if data.member(user_id).is_some() {
        return Err(ServiceError::invalid(
            "user_id",
            "Người này đã là thành viên Hội đồng.",
        ));
    }
    if data.former.iter().any(|f| f.user_id == user_id) {
        return Err(ServiceError::invalid(
            "user_id",
            "Người này đã rời Hội đồng của đợt xét này; không thêm lại được.",
        ));
    }
    let roles = db.grants_of(user_id).await?;
    let unit = &data.round.unit_path;
    if !roles
        .iter()
        .any(|g| g.unit_path.covers(unit) || unit.covers(&g.unit_path))
    {
        return Err(ServiceError::invalid(
            "user_id",
            "Người này không giữ vai trò nào trong đơn vị tổ chức đợt xét hoặc các đơn vị trên, dưới nó.",
        ));
    }
    let mut tx = db.pool.begin().await?;
    q("INSERT INTO council_members (round_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(round_id)
        .bind(user_id)
        .bind(role.code())
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "council.add",
            record_type: "round",
            record_id: round_id,
            changes: json!({"member": [null, {"user_id": user_id, "role": role.code()}]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organiser takes a member off the council before it concludes, with
/// the reason: their sheets are no longer counted, and the round's minutes
/// say so.
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    user_id: i64,
    reason: &str,
) -> Result<(), ServiceError> {
    let data = load(db, round_id).await?;
    organiser(actor, &data.round.unit_path, RoundAction::ManageCouncil)?;
    if !matches!(data.round.state, RoundState::Open | RoundState::Appraisal) {
        return Err(ServiceError::Conflict(
            "Hội đồng đã kết luận, không thay đổi thành viên được nữa.".into(),
        ));
    }
    let Some(member) = data.member(user_id) else {
        return Err(ServiceError::NotFound("thành viên Hội đồng"));
    };
    let reason = reason.trim();
    if reason.chars().count() < 5 || reason.chars().count() > 500 {
        return Err(ServiceError::invalid(
            "reason",
            "Ghi lý do rút khỏi Hội đồng (5 đến 500 ký tự); lý do được ghi vào biên bản.",
        ));
    }
    let mut tx = db.pool.begin().await?;
    q("UPDATE council_members SET removed_at = $1, removed_reason = $2 WHERE round_id = $3 AND user_id = $4")
        .bind(now())
        .bind(reason)
        .bind(round_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "council.remove",
            record_type: "round",
            record_id: round_id,
            changes: json!({"member": [{"user_id": user_id, "role": member.role.code()}, null], "reason": [null, reason]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the minutes say of those who left the council before it concluded.
pub fn former_members_note(data: &RoundData) -> String {
    data.former
        .iter()
        .map(|f| match &f.removed {
            Some((at, why)) => format!(
                "{} rút khỏi Hội đồng ngày {} ({why}); phiếu của thành viên này không được tính.",
                f.full_name,
                calendar::show(calendar::vn_day(*at))
            ),
            None => format!(
                "{} không còn giữ vai trò trong đơn vị tổ chức nên không còn là thành viên; phiếu không được tính.",
                f.full_name
            ),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How entries are assigned to members.
#[derive(Debug, Clone)]
pub enum Assignment {
    /// Every entry to every member (conflicts skipped).
    All,
    /// Entries of these fields to every member.
    Fields(Vec<i64>),
    /// These entries to these members; a conflict is refused.
    ByHand {
        entries: Vec<i64>,
        members: Vec<i64>,
    },
}

/// Assigns entries to members; returns (added, skipped for conflicts of interest).
pub async fn assign(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    how: Assignment,
) -> Result<(usize, usize), ServiceError> {
    let data = load(db, round_id).await?;
    organiser(actor, &data.round.unit_path, RoundAction::Assign)?;
    if !matches!(data.round.state, RoundState::Open | RoundState::Appraisal) {
        return Err(ServiceError::Conflict(
            "Hội đồng đã kết luận, không phân công thêm được.".into(),
        ));
    }
    let (entries, members, strict): (Vec<&ProposedEntry>, Vec<&Member>, bool) = match &how {
        Assignment::All => (
            data.entries.iter().collect(),
            data.members.iter().collect(),
            false,
        ),
        Assignment::Fields(f) => (
            data.entries
                .iter()
                .filter(|e| f.contains(&e.field_id))
                .collect(),
            data.members.iter().collect(),
            false,
        ),
        Assignment::ByHand { entries, members } => {
            let es: Vec<&ProposedEntry> = data
                .entries
                .iter()
                .filter(|e| entries.contains(&e.entry_id))
                .collect();
            let ms: Vec<&Member> = data
                .members
                .iter()
                .filter(|m| members.contains(&m.user_id))
                .collect();
            if es.len() != entries.len()
                || ms.len() != members.len()
                || es.is_empty()
                || ms.is_empty()
            {
                return Err(ServiceError::invalid(
                    "entries",
                    "Chọn hồ sơ trong đợt và thành viên của Hội đồng.",
                ));
            }
            (es, ms, true)
        }
    };
    let mut pairs = Vec::new();
    let mut skipped = 0;
    for e in &entries {
        for m in &members {
            if conflict_of_interest(m.user_id, &m.units, &e.unit_path, e.created_by) {
                if strict {
                    return Err(ServiceError::Denied(Denied::NoRole(
                        "phân công thành viên có xung đột lợi ích với hồ sơ",
                    )));
                }
                skipped += 1;
                continue;
            }
            if !data
                .assignments
                .get(&e.entry_id)
                .is_some_and(|a| a.contains(&m.user_id))
            {
                pairs.push((e.entry_id, m.user_id));
            }
        }
    }
    let mut tx = db.pool.begin().await?;
    for (e, m) in &pairs {
        q("INSERT INTO assignments (round_id, entry_id, user_id) VALUES ($1, $2, $3)")
            .bind(round_id)
            .bind(*e)
            .bind(*m)
            .execute(&mut *tx)
            .await?;
    }
    // Each member newly given entries hears of it once per round.
    let mut members: Vec<i64> = pairs.iter().map(|(_, m)| *m).collect();
    members.sort_unstable();
    members.dedup();
    for m in members {
        let n = pairs.iter().filter(|(_, x)| *x == m).count();
        crate::notify::send(
            &mut tx,
            &[m],
            &format!(
                "round:{round_id}:assigned:{m}:{}",
                data.assignments.values().filter(|a| a.contains(&m)).count() + n
            ),
            &format!("round:{round_id}:scoring"),
            &format!(
                "Bạn được phân công chấm {n} hồ sơ trong “{}”.",
                data.round.title
            ),
            &format!("/rounds/{round_id}"),
            now(),
        )
        .await?;
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "council.assign",
            record_type: "round",
            record_id: round_id,
            changes: json!({"assigned": [null, pairs.len()], "skipped_conflicts": [null, skipped]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((pairs.len(), skipped))
}

async fn set_round_state(
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    round: &Round,
    to: RoundState,
) -> Result<(), ServiceError> {
    let n = q("UPDATE rounds SET state = $1, version = version + 1 WHERE id = $2 AND state = $3")
        .bind(to.code())
        .bind(round.id)
        .bind(round.state.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ServiceError::Conflict(
            "Đợt xét vừa được người khác chuyển bước. Hãy tải lại trang.".into(),
        ));
    }
    append(
        tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "round.state",
            record_type: "round",
            record_id: round.id,
            from_state: Some(round.state.code()),
            to_state: Some(to.code()),
            changes: json!({}),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Closes proposals and opens scoring: every proposed entry goes into appraisal.
pub async fn start_appraisal(db: &Db, actor: &Actor, round_id: i64) -> Result<(), ServiceError> {
    let data = load(db, round_id).await?;
    organiser(actor, &data.round.unit_path, RoundAction::StartAppraisal)?;
    need_state(&data.round, RoundState::Open)?;
    if data.entries.is_empty() {
        return Err(ServiceError::Conflict(
            "Chưa có hồ sơ nào được đề nghị.".into(),
        ));
    }
    if data.members.is_empty() {
        return Err(ServiceError::Conflict(
            "Chưa có thành viên Hội đồng.".into(),
        ));
    }
    let mut tx = db.pool.begin().await?;
    set_round_state(&mut tx, actor, &data.round, RoundState::Appraisal).await?;
    for e in data
        .entries
        .iter()
        .filter(|e| e.state == EntryState::Proposed)
    {
        transitions::apply(
            &mut tx,
            Mover::person(actor),
            Transition::StartAppraisal,
            &e.moving(),
            Inputs::default(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Checks that `actor` may score `entry` in this round: a member, assigned,
/// with no conflict of interest, while the council has not concluded.
fn check_scorer<'a>(
    data: &'a RoundData,
    actor: &Actor,
    entry_id: i64,
) -> Result<&'a ProposedEntry, ServiceError> {
    let member = data
        .member(actor.user_id)
        .ok_or_else(|| denied("chấm hồ sơ của đợt xét này"))?;
    let entry = data
        .entries
        .iter()
        .find(|e| e.entry_id == entry_id)
        .ok_or(ServiceError::NotFound("hồ sơ trong đợt xét"))?;
    if conflict_of_interest(
        member.user_id,
        &member.units,
        &entry.unit_path,
        entry.created_by,
    ) {
        return Err(denied("chấm hồ sơ của đơn vị mình (xung đột lợi ích)"));
    }
    if !data
        .assignments
        .get(&entry_id)
        .is_some_and(|a| a.contains(&actor.user_id))
    {
        return Err(denied("chấm hồ sơ không được phân công"));
    }
    if data.round.state != RoundState::Appraisal {
        return Err(ServiceError::Conflict(
            "Hội đồng đã kết luận hoặc chưa mở chấm: phiếu chấm đã khóa.".into(),
        ));
    }
    Ok(entry)
}

/// The member may read the scoring page of an entry (also after the lock).
pub fn may_score(data: &RoundData, actor: &Actor, entry_id: i64) -> Result<(), ServiceError> {
    match check_scorer(data, actor, entry_id) {
        Ok(_) | Err(ServiceError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Re-checks the lock inside the writing transaction: a conclusion that
/// landed meanwhile wins.
async fn sheets_still_open(
    tx: &mut sqlx::AnyConnection,
    round_id: i64,
) -> Result<(), ServiceError> {
    let state: String = q("SELECT state FROM rounds WHERE id = $1")
        .bind(round_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if state != RoundState::Appraisal.code() {
        return Err(ServiceError::Conflict(
            "Hội đồng đã kết luận: phiếu đã khóa.".into(),
        ));
    }
    Ok(())
}

/// Saves (or revises) a member's score sheet for one entry.
pub async fn save_scores(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    entry_id: i64,
    points: &HashMap<i64, (String, String)>,
) -> Result<(), ServiceError> {
    let data = db
        .round_for(round_id, entry_id, actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    if data.round.mode != ScoringMode::Score {
        return Err(ServiceError::Conflict(
            "Đợt xét này bỏ phiếu, không chấm điểm.".into(),
        ));
    }
    let entry = check_scorer(&data, actor, entry_id)?;
    let set = data.set_for(entry.subject);
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for c in &set.criteria {
        let (raw, comment) = points.get(&c.id).cloned().unwrap_or_default();
        if raw.trim().is_empty() {
            errors.push(FieldError::new(
                &format!("c{}", c.id),
                format!("Chưa chấm tiêu chí “{}”.", c.name),
            ));
            continue;
        }
        match parse_points(&raw, c.max_points) {
            Ok(p) => {
                let comment: String = comment.trim().chars().take(1000).collect();
                parsed.push((c.id, p, comment));
            }
            Err(m) => errors.push(FieldError::new(
                &format!("c{}", c.id),
                format!("{}: {m}", c.name),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    for (cid, p, comment) in &parsed {
        q("INSERT INTO scores (round_id, entry_id, user_id, criterion_id, points, comment, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
           ON CONFLICT (round_id, entry_id, user_id, criterion_id) DO UPDATE SET points = excluded.points, comment = excluded.comment, \
           updated_at = excluded.updated_at")
            .bind(round_id)
            .bind(entry_id)
            .bind(actor.user_id)
            .bind(*cid)
            .bind(*p)
            .bind(comment)
            .bind(t)
            .execute(&mut *tx)
            .await?;
    }
    sheets_still_open(&mut tx, round_id).await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "score.save",
            // Kept with the round: a member's points are the council's
            // business, never part of the entry's history.
            record_type: "round",
            record_id: round_id,
            changes: json!({"entry": [null, entry_id], "points": [null, parsed.iter().map(|(c, p, _)| json!([c, p])).collect::<Vec<_>>()]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_ballot(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    entry_id: i64,
    approve: Option<bool>,
    comment: &str,
) -> Result<(), ServiceError> {
    let data = db
        .round_for(round_id, entry_id, actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    if data.round.mode != ScoringMode::Ballot {
        return Err(ServiceError::Conflict(
            "Đợt xét này chấm điểm, không bỏ phiếu.".into(),
        ));
    }
    check_scorer(&data, actor, entry_id)?;
    let Some(approve) = approve else {
        return Err(ServiceError::invalid(
            "approve",
            "Chọn tán thành hoặc không tán thành.",
        ));
    };
    let comment: String = comment.trim().chars().take(1000).collect();
    let mut tx = db.pool.begin().await?;
    q("INSERT INTO ballots (round_id, entry_id, user_id, approve, comment, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
       ON CONFLICT (round_id, entry_id, user_id) DO UPDATE SET approve = excluded.approve, comment = excluded.comment, updated_at = excluded.updated_at")
        .bind(round_id)
        .bind(entry_id)
        .bind(actor.user_id)
        .bind(approve as i64)
        .bind(&comment)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    sheets_still_open(&mut tx, round_id).await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "ballot.save",
            record_type: "round",
            record_id: round_id,
            changes: json!({"entry": [null, entry_id], "approve": [null, approve]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Minutes of the concluding meeting.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MinutesForm {
    pub date: String,
    pub place: String,
    pub present: String,
    /// The chair's written reason for concluding below the quorum.
    pub override_reason: String,
}

/// "Nguyễn Văn A chưa chấm hồ sơ #12, #15; …": missing sheets by member.
fn describe_missing(
    data: &RoundData,
    missing: &[dvk_domain::round_rules::MissingSheets],
) -> String {
    let mut by_member: Vec<(i64, Vec<i64>)> = Vec::new();
    for m in missing {
        for u in &m.missing {
            match by_member.iter_mut().find(|(x, _)| x == u) {
                Some((_, es)) => es.push(m.entry_id),
                None => by_member.push((*u, vec![m.entry_id])),
            }
        }
    }
    by_member
        .iter()
        .map(|(u, es)| {
            let name = data
                .member(*u)
                .map(|m| m.full_name.clone())
                .unwrap_or_else(|| format!("thành viên #{u}"));
            let list: Vec<String> = es.iter().map(|e| format!("#{e}")).collect();
            format!("{name} chưa chấm hồ sơ {}", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The council concludes (its chair): every assigned sheet must be in, or
/// each entry must have the round's quorum — otherwise it is refused with
/// the missing sheets listed, unless the chair overrides with a written
/// reason kept in the minutes and the audit trail. Sheets lock; results
/// with ranks and reasons are fixed; entries that did not pass are not
/// recognised, with the council's reasons.
pub async fn conclude(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    minutes: &MinutesForm,
) -> Result<(), ServiceError> {
    let data = db
        .round_data(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    let seat = seat(&data, actor);
    seat.check(RoundAction::Conclude)?;
    need_state(&data.round, RoundState::Appraisal)?;
    let mut errors = Vec::new();
    let date = parse_date(&minutes.date);
    if date.is_none() {
        errors.push(FieldError::new(
            "date",
            "Ngày họp không hợp lệ (dd/mm/yyyy).",
        ));
    }
    if date.as_deref().is_some_and(|d| d > today().as_str()) {
        errors.push(FieldError::new(
            "date",
            "Ngày họp không thể sau hôm nay: Hội đồng kết luận sau khi đã họp.",
        ));
    }
    let place = minutes.place.trim();
    if place.is_empty() || place.chars().count() > 300 {
        errors.push(FieldError::new("place", "Cần ghi địa điểm họp."));
    }
    let present = minutes.present.trim();
    if present.is_empty() || present.chars().count() > 3000 {
        errors.push(FieldError::new("present", "Cần ghi thành phần dự họp."));
    }
    let override_reason = minutes.override_reason.trim();
    if override_reason.chars().count() > 2000 {
        errors.push(FieldError::new(
            "override_reason",
            "Lý do kết luận khi thiếu phiếu tối đa 2.000 ký tự.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let sheets: Vec<(i64, Vec<UserId>, Vec<UserId>)> = data
        .entries
        .iter()
        .map(|e| {
            let assigned = data
                .assignments
                .get(&e.entry_id)
                .cloned()
                .unwrap_or_default();
            let scored = data.scored_by(e.entry_id);
            (e.entry_id, assigned, scored)
        })
        .collect();
    let (short, missing) = check_quorum(data.members.len(), data.round.quorum_pct, &sheets);
    if !short.is_empty() && override_reason.is_empty() {
        let detail = short
            .iter()
            .map(|m| format!("#{} có {}/{} phiếu", m.entry_id, m.have, m.needed))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ServiceError::invalid(
            "override_reason",
            format!(
                "Chưa đủ phiếu để kết luận ({detail}). Còn thiếu: {}. Chờ các thành viên chấm, hoặc Chủ tịch Hội đồng ghi lý do kết luận khi thiếu phiếu.",
                describe_missing(&data, &missing)
            ),
        ));
    }
    if !short.is_empty() {
        seat.check(RoundAction::OverrideQuorum)?;
    }
    let missing_text = describe_missing(&data, &missing);
    let kept_override = if short.is_empty() {
        ""
    } else {
        override_reason
    };
    let results = data.results();
    let mut tx = db.pool.begin().await?;
    set_round_state(&mut tx, actor, &data.round, RoundState::Concluded).await?;
    q("UPDATE rounds SET minutes_date = $1, minutes_place = $2, minutes_present = $3, concluded_at = $4, \
       minutes_missing = $5, quorum_override = $6, minutes_former = $7 WHERE id = $8")
        .bind(date)
        .bind(place)
        .bind(present)
        .bind(now())
        .bind(&missing_text)
        .bind(kept_override)
        .bind(former_members_note(&data))
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    if !missing_text.is_empty() {
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor.user_id),
                action: "round.conclude_missing",
                record_type: "round",
                record_id: round_id,
                changes: json!({"missing": [null, missing_text], "override_reason": [null, kept_override]}),
                ..Default::default()
            },
        )
        .await?;
    }
    let chair = Mover {
        actor,
        seat: data.member(actor.user_id).map(|m| m.role),
        at: None,
    };
    for r in &results {
        let mean = match &r.outcome {
            Outcome::Score(a) => a.mean_pct,
            Outcome::Ballot(t) => Some(t.approve_pct),
        };
        let reasons = r.outcome.reasons().join(" ");
        q("INSERT INTO results (round_id, entry_id, passed, rank, mean_pct, reasons) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(round_id)
            .bind(r.entry.entry_id)
            .bind(r.outcome.passes() as i64)
            .bind(r.rank as i64)
            .bind(mean)
            .bind(&reasons)
            .execute(&mut *tx)
            .await?;
        if !r.outcome.passes() && r.entry.state == EntryState::InAppraisal {
            let reason = if reasons.trim().is_empty() {
                "Không đạt theo kết luận của Hội đồng.".to_owned()
            } else {
                reasons
            };
            transitions::apply(
                &mut tx,
                chair,
                Transition::FailAppraisal,
                &r.entry.moving(),
                Inputs {
                    reason: &reason,
                    decision: None,
                },
            )
            .await?;
        }
    }
    crate::notify::resolve(
        &mut tx,
        &format!("round:{round_id}:scoring"),
        "Hội đồng đã kết luận.",
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the list of entries the council passed for public comment.
/// The notice starts no earlier than the conclusion and the day it is
/// really published, and runs at least the round's minimum working days.
pub async fn publish_notice(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    starts: &str,
    ends: &str,
) -> Result<(), ServiceError> {
    publish_notice_at(db, actor, round_id, starts, ends, now()).await
}

/// As [`publish_notice`], published at `at`: for replaying past records
/// (demo data, imports, tests); every rule holds as of `at`.
pub async fn publish_notice_at(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    starts: &str,
    ends: &str,
    at: i64,
) -> Result<(), ServiceError> {
    let data = load(db, round_id).await?;
    let seat = seat(&data, actor);
    seat.check(RoundAction::PublishNotice)?;
    need_state(&data.round, RoundState::Concluded)?;
    let (s, e) = (parse_date(starts), parse_date(ends));
    let (Some(s), Some(e)) = (s, e) else {
        return Err(ServiceError::invalid(
            "notice",
            "Ngày bắt đầu và kết thúc thông báo không hợp lệ (dd/mm/yyyy).",
        ));
    };
    let day = |iso: &str| calendar::parse_iso(iso);
    let published_on = day(&vn_date(at));
    let (Some(sd), Some(ed), Some(published_on)) = (day(&s), day(&e), published_on) else {
        return Err(ServiceError::invalid("notice", "Ngày không hợp lệ."));
    };
    let concluded_on = data.round.minutes_date.as_deref().and_then(day);
    calendar::check_notice_period(
        sd,
        ed,
        concluded_on,
        published_on,
        data.round.notice_min_days,
    )
    .map_err(|err| ServiceError::invalid("notice", err.to_string()))?;
    let mover = Mover {
        actor,
        seat: data.member(actor.user_id).map(|m| m.role),
        at: Some(at),
    };
    let mut tx = db.pool.begin().await?;
    set_round_state(&mut tx, actor, &data.round, RoundState::Notice).await?;
    q("UPDATE rounds SET notice_starts = $1, notice_ends = $2, notice_published_at = $3 WHERE id = $4")
        .bind(&s)
        .bind(&e)
        .bind(at)
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    for entry in data
        .entries
        .iter()
        .filter(|x| x.state == EntryState::InAppraisal)
    {
        let passed = data.results.get(&entry.entry_id).is_some_and(|r| r.passed);
        let (t, reason) = if passed {
            (Transition::PublishNotice, String::new())
        } else {
            // Concluded before failing entries moved at the conclusion:
            // the move is the chair's conclusion, recorded now.
            (
                Transition::FailAppraisal,
                data.results
                    .get(&entry.entry_id)
                    .map(|r| r.reasons.clone())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "Không đạt theo kết luận của Hội đồng.".into()),
            )
        };
        let chair = data
            .members
            .iter()
            .find(|m| m.role == CouncilRole::Chair)
            .map(|m| Actor {
                user_id: m.user_id,
                grants: Vec::new(),
            });
        let by = match (t, &chair) {
            (Transition::FailAppraisal, Some(c)) => Mover {
                actor: c,
                seat: Some(CouncilRole::Chair),
                at: Some(at),
            },
            _ => mover,
        };
        transitions::apply(
            &mut tx,
            by,
            t,
            &entry.moving(),
            Inputs {
                reason: &reason,
                decision: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The Vietnamese calendar day of a timestamp, as 'YYYY-MM-DD'.
pub fn vn_date(ts: i64) -> String {
    calendar::iso(calendar::vn_day(ts))
}

/// The first day a decision may be signed for a round on notice.
pub fn first_decision_day(round: &Round) -> Option<String> {
    let ends = calendar::parse_iso(round.notice_ends.as_deref()?)?;
    let published = calendar::parse_iso(&vn_date(round.notice_published_at?))?;
    Some(calendar::iso(calendar::first_decision_day(
        ends,
        published,
        round.notice_min_days,
    )))
}

// ---- public comments ----

pub const COMMENTS_PER_CLIENT: i64 = 3;
pub const COMMENT_WINDOW_SECS: i64 = 10 * 60;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CommentForm {
    pub entry_id: String,
    pub name: String,
    pub contact: String,
    pub body: String,
    /// A field hidden from people; bots fill it.
    pub website: String,
    /// The form's signed issue time (checked by the web layer: people take
    /// a few seconds to write; scripts post at once).
    pub started: String,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub entry_id: i64,
    pub author_name: String,
    pub contact: String,
    pub body: String,
    pub created_at: i64,
    pub hidden: bool,
    pub answer: String,
}

/// A citizen comments on an entry on public notice. Anonymous; throttled
/// per client in the database; a honeypot field stops simple bots.
pub async fn add_comment(
    db: &Db,
    round_id: i64,
    form: &CommentForm,
    client: &str,
) -> Result<i64, ServiceError> {
    let data = load(db, round_id).await?;
    let today = today();
    let open = data.round.state == RoundState::Notice
        && data
            .round
            .notice_starts
            .as_deref()
            .is_some_and(|s| s <= today.as_str())
        && data
            .round
            .notice_ends
            .as_deref()
            .is_some_and(|e| today.as_str() <= e);
    if !open {
        return Err(ServiceError::Conflict(
            "Đợt thông báo công khai này không còn nhận ý kiến.".into(),
        ));
    }
    if !form.website.is_empty() {
        return Err(ServiceError::invalid("body", "Không gửi được ý kiến."));
    }
    let entry_id = form.entry_id.trim().parse::<i64>().ok();
    let entry = entry_id.and_then(|id| {
        data.entries
            .iter()
            .find(|e| e.entry_id == id && e.state == EntryState::InPublicNotice)
    });
    let Some(entry) = entry else {
        return Err(ServiceError::invalid(
            "entry_id",
            "Chọn một mô hình, điển hình trong danh sách công khai.",
        ));
    };
    let body = form.body.trim();
    let name: String = form.name.trim().chars().take(100).collect();
    let contact: String = form.contact.trim().chars().take(100).collect();
    if body.chars().count() < 5 || body.chars().count() > 2000 || body.contains('\u{FFFD}') {
        return Err(ServiceError::invalid(
            "body",
            "Ý kiến cần từ 5 đến 2.000 ký tự.",
        ));
    }
    let key = format!("comment:{client}");
    // Counted in one statement before the insert, so concurrent comments
    // from one address cannot all see room under the limit.
    let recent = db.count_attempt(&key, COMMENT_WINDOW_SECS).await?;
    if recent > COMMENTS_PER_CLIENT {
        return Err(ServiceError::TooMany(
            "Bạn đã gửi nhiều ý kiến liên tiếp. Vui lòng thử lại sau ít phút.".into(),
        ));
    }
    let mut tx = db.pool.begin().await?;
    let id: i64 = q("INSERT INTO comments (round_id, entry_id, author_name, contact, body, client_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(round_id)
        .bind(entry.entry_id)
        .bind(&name)
        .bind(&contact)
        .bind(body)
        .bind(&key)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    append(
        &mut tx,
        AuditEvent {
            action: "comment.create",
            record_type: "entry",
            record_id: entry.entry_id,
            changes: json!({"comment": [null, id]}),
            ..Default::default()
        },
    )
    .await?;
    let organisers =
        crate::notify::holders(&mut tx, "movement_officer", data.round.unit_path.as_str()).await?;
    crate::notify::send(
        &mut tx,
        &organisers,
        &format!("comment:{id}"),
        &format!("comment:{id}"),
        &format!(
            "Có ý kiến mới của nhân dân về hồ sơ #{} trong “{}”.",
            entry.entry_id, data.round.title
        ),
        &format!("/rounds/{round_id}"),
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

impl Db {
    /// Comments of a round, oldest first; `include_hidden` for moderators.
    pub async fn comments(
        &self,
        round_id: i64,
        include_hidden: bool,
    ) -> Result<Vec<Comment>, StoreError> {
        let filter = if include_hidden {
            ""
        } else {
            " AND hidden = 0"
        };
        let rows = q(&format!(
            "SELECT id, entry_id, author_name, contact, body, created_at, hidden, answer FROM comments WHERE round_id = $1{filter} ORDER BY id"
        ))
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: r.try_get("id")?,
                    entry_id: r.try_get("entry_id")?,
                    author_name: r.try_get("author_name")?,
                    contact: r.try_get("contact")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                    hidden: r.try_get::<i64, _>("hidden")? != 0,
                    answer: r.try_get("answer")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// The rounds a person may look at, newest first: those they run or sit
/// on, and (outcome only) those judging their units' entries.
pub async fn rounds_visible(db: &Db, actor: &Actor) -> Result<Vec<Round>, ServiceError> {
    let mine = db.rounds_of_member(actor.user_id).await?;
    let roots = actor.visible_roots();
    let judging = db.rounds_judging(&roots).await?;
    Ok(db
        .rounds_for(&roots)
        .await?
        .into_iter()
        .filter(|r| {
            let council = mine
                .contains(&r.id)
                .then_some(dvk_domain::appraisal::CouncilRole::Member);
            let mut seat = RoundSeat::of(actor, &r.unit_path, council, &[]);
            seat.judged = judging.contains(&r.id);
            seat.sight() != dvk_domain::round_rules::RoundSight::None
        })
        .collect())
}

/// What the public sees of a round on notice: the entries on notice (and,
/// after the decision, the recognised ones), visible comments, and whether
/// comments are open today.
pub struct PublicNotice {
    pub round: Round,
    pub open: bool,
    pub entries: Vec<ProposedEntry>,
    pub comments: Vec<Comment>,
    /// The recognition decisions, once the round is decided.
    pub decisions: Vec<Decision>,
}

/// A round's public notice; unknown unless the round is on notice or
/// decided.
pub async fn public_notice(db: &Db, round_id: i64) -> Result<PublicNotice, ServiceError> {
    let data = db
        .round_core(round_id)
        .await?
        .ok_or(ServiceError::NotFound("thông báo"))?;
    let round = data.round;
    if !matches!(round.state, RoundState::Notice | RoundState::Decided) {
        return Err(ServiceError::NotFound("thông báo"));
    }
    let today = today();
    let open = round.state == RoundState::Notice
        && round
            .notice_starts
            .as_deref()
            .is_some_and(|s| s <= today.as_str())
        && round
            .notice_ends
            .as_deref()
            .is_some_and(|e| today.as_str() <= e);
    let comments = db.comments(round_id, false).await?;
    let entries = data
        .entries
        .into_iter()
        .filter(|e| matches!(e.state, EntryState::InPublicNotice | EntryState::Recognised))
        .collect();
    let decisions = if round.state == RoundState::Decided {
        db.decisions_of_round(round_id).await?
    } else {
        Vec::new()
    };
    Ok(PublicNotice {
        round,
        open,
        entries,
        comments,
        decisions,
    })
}

/// Every comment of a round, hidden ones included, for its organisers.
pub async fn comments_to_moderate(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<Comment>, ServiceError> {
    let round = db
        .round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    organiser(actor, &round.unit_path, RoundAction::ModerateComments)?;
    Ok(db.comments(round_id, true).await?)
}

/// Hides (never deletes) or shows a comment, and/or answers it.
pub async fn moderate(
    db: &Db,
    actor: &Actor,
    comment_id: i64,
    hide: Option<bool>,
    answer: Option<&str>,
) -> Result<i64, ServiceError> {
    let row = q("SELECT round_id FROM comments WHERE id = $1")
        .bind(comment_id)
        .fetch_optional(&db.pool)
        .await?;
    let round_id: i64 = row.ok_or(ServiceError::NotFound("ý kiến"))?.try_get(0)?;
    let round = db
        .round(round_id)
        .await?
        .ok_or(ServiceError::NotFound("đợt xét"))?;
    organiser(actor, &round.unit_path, RoundAction::ModerateComments)?;
    let mut tx = db.pool.begin().await?;
    if let Some(h) = hide {
        q("UPDATE comments SET hidden = $1 WHERE id = $2")
            .bind(h as i64)
            .bind(comment_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(a) = answer {
        let a = a.trim();
        if a.is_empty() || a.chars().count() > 2000 {
            return Err(ServiceError::invalid(
                "answer",
                "Câu trả lời cần từ 1 đến 2.000 ký tự.",
            ));
        }
        q("UPDATE comments SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4")
            .bind(a)
            .bind(actor.user_id)
            .bind(now())
            .bind(comment_id)
            .execute(&mut *tx)
            .await?;
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: "comment.moderate",
            record_type: "round",
            record_id: round_id,
            changes: json!({"comment": [null, comment_id], "hidden": [null, hide], "answer": [null, answer]}),
            ..Default::default()
        },
    )
    .await?;
    let note = if answer.is_some() {
        "Đã trả lời."
    } else {
        "Đã ẩn hoặc hiện lại."
    };
    crate::notify::resolve(&mut tx, &format!("comment:{comment_id}"), note, now()).await?;
    tx.commit().await?;
    Ok(round_id)
}

// ---- decisions ----

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub number: String,
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    /// The issuing unit, picked from the tree.
    pub issuer_unit_id: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Decision {
    pub id: i64,
    pub round_id: i64,
    pub number: String,
    pub signed_on: String,
    pub signer: String,
    pub signer_title: String,
    pub issuing_body: String,
    pub issuer_type: String,
    pub level_code: String,
    pub issuer_unit_id: Option<i64>,
    /// The body above the issuer on the letterhead, as signed.
    pub issuer_parent: String,
    /// The dateline's place, as signed.
    pub place: String,
}

impl Decision {
    pub fn letterhead(&self) -> dvk_domain::issuer::Letterhead {
        crate::certificates::letterhead_of(&self.issuer_type)
    }
}

fn decision_from_row(r: &AnyRow) -> Result<Decision, sqlx::Error> {
    Ok(Decision {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        number: r.try_get("number")?,
        signed_on: r.try_get("signed_on")?,
        signer: r.try_get("signer")?,
        signer_title: r.try_get("signer_title")?,
        issuing_body: r.try_get("issuing_body")?,
        issuer_type: r.try_get("issuer_type")?,
        level_code: r.try_get("level_code")?,
        issuer_unit_id: r.try_get("issuer_unit_id")?,
        issuer_parent: r.try_get("issuer_parent")?,
        place: r.try_get("place")?,
    })
}

/// The bodies `actor` may sign this round's recognition decision for.
pub async fn decision_issuers(
    db: &Db,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<crate::issuers::IssuingUnit>, ServiceError> {
    let data = load(db, round_id).await?;
    let s = seat(&data, actor);
    if s.sight() == dvk_domain::round_rules::RoundSight::None {
        return Err(ServiceError::NotFound("đợt xét"));
    }
    s.check(RoundAction::Decide)?;
    let units: Vec<&UnitPath> = data
        .entries
        .iter()
        .filter(|e| e.state == EntryState::InPublicNotice)
        .map(|e| &e.unit_path)
        .collect();
    crate::issuers::issuers_for_signer(db, actor, &units, &data.round.level_code, None, None).await
}

/// Issues the numbered decision recognising `entry_ids` (entries on notice
/// in this round). Refused before the notice period has ended. Entries on
/// notice in the issuer's territory left out of the decision are not
/// recognised; those of other territories wait for their own decision.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    form: &DecisionForm,
    entry_ids: &[i64],
) -> Result<i64, ServiceError> {
    decide_at(db, actor, round_id, form, entry_ids, now()).await
}

/// As [`decide`], signed at `at`: for replaying past records; every rule
/// holds as of `at`.
pub async fn decide_at(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    form: &DecisionForm,
    entry_ids: &[i64],
    at: i64,
) -> Result<i64, ServiceError> {
    let data = load(db, round_id).await?;
    seat(&data, actor).check(RoundAction::Decide)?;
    need_state(&data.round, RoundState::Notice)?;
    // Counted from the real publication, not the dates typed on the notice.
    let first_day = first_decision_day(&data.round);
    if first_day
        .as_deref()
        .is_none_or(|d| vn_date(at).as_str() < d)
    {
        return Err(ServiceError::Conflict(format!(
            "Chưa hết thời gian thông báo công khai (tối thiểu {} ngày làm việc kể từ ngày đăng, đến hết ngày {}): chưa thể công nhận. Có thể ký từ ngày {}.",
            data.round.notice_min_days,
            data.round
                .notice_ends
                .as_deref()
                .map(crate::appraisal::show_date)
                .unwrap_or_default(),
            first_day.as_deref().map(show_date).unwrap_or_default()
        )));
    }
    let mut errors = Vec::new();
    let on_notice: Vec<&ProposedEntry> = data
        .entries
        .iter()
        .filter(|e| e.state == EntryState::InPublicNotice)
        .collect();
    if entry_ids.is_empty()
        || entry_ids
            .iter()
            .any(|id| !on_notice.iter().any(|e| e.entry_id == *id))
    {
        errors.push(FieldError::new(
            "entries",
            "Chọn các hồ sơ đang thông báo công khai trong đợt này.",
        ));
    }
    let covered: Vec<(i64, &UnitPath)> = on_notice
        .iter()
        .filter(|e| entry_ids.contains(&e.entry_id))
        .map(|e| (e.entry_id, &e.unit_path))
        .collect();
    let cat = db.catalogue().await?;
    let head = parse_head(
        db,
        actor,
        HeadInput {
            number: &form.number,
            signed_on: &form.signed_on,
            signer: &form.signer,
            signer_title: &form.signer_title,
            issuer_unit_id: &form.issuer_unit_id,
        },
        IssueScope {
            level: (
                &data.round.level_code,
                cat.level_name(&data.round.level_code),
            ),
            kind: None,
            entries: &covered,
            not_before: first_day.as_deref(),
            not_after: &vn_date(at),
        },
        &mut errors,
    )
    .await?;
    let head = match head {
        Some(h) if errors.is_empty() => h,
        _ => return Err(ServiceError::Invalid(errors)),
    };
    let number = head.number.as_str();
    let issuer = &head.issuer.issuer;
    let bases = crate::documents::bases(db, &issuer.body).await?;
    let leader = Mover {
        actor,
        seat: None,
        at: Some(at),
    };
    let mut tx = db.pool.begin().await?;
    // Decisions of one round are made one at a time: this write, the
    // transaction's first statement, holds the round until the commit, and
    // what is still on notice is read after it.
    let held = q("UPDATE rounds SET version = version + 1 WHERE id = $1 AND state = 'notice'")
        .bind(round_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let still: Vec<i64> = q(
        "SELECT e.id FROM proposals p JOIN entries e ON e.id = p.entry_id \
                             WHERE p.round_id = $1 AND e.state = 'in_public_notice'",
    )
    .bind(round_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>(0))
    .collect::<Result<_, _>>()?;
    if held == 0 || entry_ids.iter().any(|id| !still.contains(id)) {
        return Err(ServiceError::Conflict(
            "Đợt xét vừa có quyết định khác cho các hồ sơ này. Hãy tải lại trang.".into(),
        ));
    }
    let dup = q(
        "SELECT id FROM decisions WHERE (issuer_unit_id = $1 OR issuing_body = $2) AND number = $3",
    )
    .bind(head.issuer.unit_id)
    .bind(&issuer.body)
    .bind(number)
    .fetch_optional(&mut *tx)
    .await?;
    if dup.is_some() {
        return Err(ServiceError::invalid(
            "number",
            "Cơ quan này đã có quyết định mang số này.",
        ));
    }
    // A round above its level (the province running commune-level
    // recognition) gets one decision per territory: this one settles the
    // entries of its issuer's territory still on notice; the round is
    // decided with the last.
    let on_notice: Vec<&ProposedEntry> = on_notice
        .into_iter()
        .filter(|e| still.contains(&e.entry_id))
        .collect();
    let settled = |e: &&ProposedEntry| issuer.territory.covers(&e.unit_path);
    if on_notice.iter().all(settled) {
        set_round_state(&mut tx, actor, &data.round, RoundState::Decided).await?;
    }
    let id: i64 = q("INSERT INTO decisions (round_id, number, signed_on, signer, signer_title, issuing_body, issuer_type, level_code, created_by, created_at, issuer_unit_id, issuer_parent, place) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id")
        .bind(round_id)
        .bind(number)
        .bind(&head.signed_on)
        .bind(&head.signer)
        .bind(&head.signer_title)
        .bind(&issuer.body)
        .bind(issuer.kind.code())
        .bind(&data.round.level_code)
        .bind(actor.user_id)
        .bind(at)
        .bind(head.issuer.unit_id)
        .bind(&issuer.parent)
        .bind(&issuer.place)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let decision_ref = format!("Quyết định số {number}");
    // The decision's file, generated and kept as it is issued: the file
    // signed is the file kept, its SHA-256 in the trail.
    let signed = Decision {
        id,
        round_id,
        number: number.to_owned(),
        signed_on: head.signed_on.clone(),
        signer: head.signer.clone(),
        signer_title: head.signer_title.clone(),
        issuing_body: issuer.body.clone(),
        issuer_type: issuer.kind.code().to_owned(),
        level_code: data.round.level_code.clone(),
        issuer_unit_id: Some(head.issuer.unit_id),
        issuer_parent: issuer.parent.clone(),
        place: issuer.place.clone(),
    };
    let lines = on_notice
        .iter()
        .filter(|e| settled(e) && entry_ids.contains(&e.entry_id))
        .map(|e| {
            crate::documents::listed(&cat, &e.title, &e.unit_name, e.field_id, e.kind, e.subject)
        })
        .collect();
    let document = crate::documents::recognition_document(
        &signed,
        dvk_domain::issuer::place_name(&data.round.unit_name),
        crate::documents::level_words(&cat, &data.round.level_code),
        data.round.year,
        bases,
        lines,
    );
    let file = crate::documents::recognition_file(db, &signed, &document).await?;
    crate::documents::store_issued(
        &mut tx,
        actor.user_id,
        ("decision", id),
        ("round", round_id),
        "decision.recognition",
        number,
        &file,
    )
    .await?;
    for e in on_notice.iter().filter(|e| settled(e)) {
        if entry_ids.contains(&e.entry_id) {
            q("INSERT INTO decision_entries (decision_id, entry_id) VALUES ($1, $2)")
                .bind(id)
                .bind(e.entry_id)
                .execute(&mut *tx)
                .await?;
            transitions::apply(
                &mut tx,
                leader,
                Transition::Recognise,
                &e.moving(),
                Inputs {
                    reason: &decision_ref,
                    decision: Some(&decision_ref),
                },
            )
            .await?;
        } else {
            transitions::apply(
                &mut tx,
                leader,
                Transition::NotRecognise,
                &e.moving(),
                Inputs {
                    reason: "Không có trong quyết định công nhận.",
                    decision: Some(&decision_ref),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(id)
}

impl Db {
    pub async fn decisions_of_round(&self, round_id: i64) -> Result<Vec<Decision>, StoreError> {
        let rows = q("SELECT * FROM decisions WHERE round_id = $1 ORDER BY id")
            .bind(round_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(decision_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The latest recognition decision of an entry.
    pub async fn decision_of_entry(&self, entry_id: i64) -> Result<Option<Decision>, StoreError> {
        let row = q(&format!(
            "SELECT d.* FROM decisions d WHERE {}",
            latest_decision_of("$1")
        ))
        .bind(entry_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(decision_from_row).transpose()?)
    }
}

/// The condition on `decisions d` choosing the latest recognition decision
/// of the entry whose id is `entry` (a recognition stays on the record
/// whatever came after it, so it is read by key, not by state).
pub(crate) fn latest_decision_of(entry: &str) -> String {
    format!("d.id = (SELECT MAX(x.decision_id) FROM decision_entries x WHERE x.entry_id = {entry})")
}

/// 'YYYY-MM-DD' → dd/mm/yyyy.
pub fn show_date(d: &str) -> String {
    calendar::parse_iso(d).map_or_else(|| d.to_owned(), calendar::show)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(vn_date(0), "1970-01-01");
        assert_eq!(vn_date(20_454 * 86_400), "2026-01-01");
        assert_eq!(parse_date("05/01/2026").as_deref(), Some("2026-01-05"));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("31/04/2026"), None);
        assert_eq!(parse_date("hôm nay"), None);
        assert_eq!(show_date("2026-01-05"), "05/01/2026");
    }
}
