//! The entry list: its filters, sort orders and pages. A page costs the
//! rows it shows: counts stop at a cap, deep pages are reached by keyset,
//! and a search is ranked over a bounded number of candidates (search.rs).

use crate::db::{Backend, Db};
use crate::dialect;
use crate::entries::{bind_all, summary_from_row, EntrySummary, Param, SUMMARY_COLS};
use crate::error::StoreError;
use dvk_domain::entry::{Kind, Subject};
use dvk_domain::search::SearchQuery;
use dvk_domain::state::EntryState;
use dvk_domain::unit::UnitPath;
use sqlx::Row;

/// How many matches a list counts before it says "more than".
pub const COUNT_CAP: i64 = 1_000;

/// How many matches a search ranks; beyond them a reader narrows the search.
pub const RANKED_CANDIDATES: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Updated,
    Title,
    Year,
    /// Title matches first (by how well the title matches), then the
    /// newest, over the most recent `RANKED_CANDIDATES` matches. Only with
    /// a search.
    Relevance,
}

impl Sort {
    /// The sort asked for; with a search and none asked, relevance.
    pub fn parse(s: &str, searching: bool) -> Sort {
        match s {
            "title" => Sort::Title,
            "year" => Sort::Year,
            "updated" => Sort::Updated,
            _ if searching => Sort::Relevance,
            _ => Sort::Updated,
        }
    }
    /// Lists that sort by year when not ranking a search (public pages).
    pub fn or_year(self) -> Sort {
        match self {
            Sort::Relevance => Sort::Relevance,
            _ => Sort::Year,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sort::Updated => "updated",
            Sort::Title => "title",
            Sort::Year => "year",
            Sort::Relevance => "relevance",
        }
    }
    pub(crate) fn order_by(self, backend: crate::db::Backend, reversed: bool) -> String {
        let title = dialect::title_order(backend);
        let (asc, desc) = if reversed {
            ("DESC", "ASC")
        } else {
            ("ASC", "DESC")
        };
        match self {
            Sort::Updated | Sort::Relevance => format!("e.updated_at {desc}, e.id {desc}"),
            Sort::Title => format!("{title} {asc}, e.id {asc}"),
            Sort::Year => format!("e.year {desc}, {title} {asc}, e.id {asc}"),
        }
    }
}

/// A place in the list: the sort values of the row a page ends (or
/// starts) at. It carries values, not just an id, so a cursor never reveals
/// where an entry the reader cannot see would sort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub id: i64,
    pub updated_at: i64,
    pub year: i64,
    pub title: String,
}

impl Cursor {
    pub fn of(e: &EntrySummary) -> Cursor {
        Cursor {
            id: e.id,
            updated_at: e.updated_at,
            year: e.year as i64,
            title: e.title.clone(),
        }
    }

    /// `id.updated.year.title-as-hex`: opaque to readers, safe in a URL.
    pub fn encode(&self) -> String {
        let title = hex::encode(self.title.as_bytes());
        format!("{}.{}.{}.{title}", self.id, self.updated_at, self.year)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let mut parts = s.trim().splitn(4, '.');
        let id = parts.next()?.parse().ok()?;
        let updated_at = parts.next()?.parse().ok()?;
        let year = parts.next()?.parse().ok()?;
        let title = parts.next()?;
        if title.len() > 4_000 {
            return None;
        }
        let bytes = hex::decode(title).ok()?;
        Some(Cursor {
            id,
            updated_at,
            year,
            title: String::from_utf8(bytes).ok()?,
        })
    }
}

/// Which way a keyset page goes from its cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyset {
    After(Cursor),
    Before(Cursor),
}

/// How many entries matched: exact up to a cap, else "more than".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Total {
    pub count: i64,
    /// More matched than `count`; the list stopped counting.
    pub more: bool,
}

/// A page of the list and where the next and previous pages start.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub items: Vec<EntrySummary>,
    pub page: PageInfo,
}

/// What a page of a list knows about the rest of it.
#[derive(Debug, Clone, Default)]
pub struct PageInfo {
    pub total: Total,
    /// Rows follow this page (the next page starts after its last row).
    pub has_next: bool,
    /// Rows precede this page.
    pub has_prev: bool,
    /// The search as it was run when the words typed found nothing and
    /// other spellings did ("nhac thaii/thai").
    pub searched_as: Option<String>,
}

/// Filters of the entry list; `visible` limits to what the reader may see.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub visible: Vec<UnitPath>,
    pub unit: Option<UnitPath>,
    pub field_ids: Vec<i64>,
    pub kind: Option<Kind>,
    pub subject: Option<Subject>,
    pub state: Option<EntryState>,
    pub year: Option<i32>,
    pub level: Option<String>,
    pub search: SearchQuery,
    /// Only recognised entries (public pages).
    pub public_only: bool,
    pub sort: Sort,
    /// A numbered page (offset), used when no keyset is given.
    pub page: i64,
    pub per_page: i64,
    /// A page next to a row seen before (deep pages).
    pub keyset: Option<Keyset>,
    /// What a figure of the summary table counts (its links open the list).
    pub counted: Counted,
}

/// Filters behind the summary table's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counted {
    /// Sent onward: not drafts or withdrawn.
    pub sent_only: bool,
    /// A phase code instead of (or with) a year.
    pub phase: Option<String>,
    /// Only entries the filter's unit registered itself (not its subtree).
    pub own_unit: bool,
    /// The filter's unit also answers for these (the units it was formed
    /// from in 2025).
    pub unit_also: Vec<UnitPath>,
    /// Carried over from an earlier phase (true) or new (false).
    pub carried: Option<bool>,
    /// Any of these states.
    pub states: Vec<EntryState>,
    /// Recognised by a decision at this level.
    pub recognised_level: Option<String>,
    /// Given this form of reward (not revoked).
    pub reward_form: Option<i64>,
    /// Kept on the register by a review held in these years.
    pub kept_in: Option<(i32, i32)>,
    /// Replicating this model (the dashboard's spread figures).
    pub replicates: Option<i64>,
}

impl Db {
    /// WHERE clause and parameters of a filter. `for_listing` writes the
    /// subtree tests as `+e.unit_path` so SQLite walks a sort-ordered
    /// covering index instead of sorting the whole subtree; counting keeps
    /// the plain form, which uses the subtree index.
    pub(crate) fn entry_where(&self, f: &EntryFilter, for_listing: bool) -> (String, Vec<Param>) {
        self.entry_conditions(f, for_listing, true)
    }

    /// The filter's conditions; the search's own only when `with_search`
    /// (ranked search joins the index itself).
    pub(crate) fn entry_conditions(
        &self,
        f: &EntryFilter,
        for_listing: bool,
        with_search: bool,
    ) -> (String, Vec<Param>) {
        // Public readers see the whole tree: the subtree test keeps nothing
        // out, so it must not steer the plan away from the index of public
        // entries.
        let col = dialect::subtree_column(self.backend, for_listing || f.public_only);
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let push = |params: &mut Vec<Param>, p: Param| {
            params.push(p);
            params.len()
        };
        let mut vis = Vec::new();
        for root in &f.visible {
            let a = push(&mut params, Param::S(root.as_str().to_owned()));
            let b = push(&mut params, Param::S(root.subtree_upper_bound()));
            vis.push(format!("({col} >= ${a} AND {col} < ${b})"));
        }
        conds.push(format!("({})", vis.join(" OR ")));
        if let Some(unit) = &f.unit {
            let c = &f.counted;
            let mut any = Vec::new();
            if c.own_unit {
                let a = push(&mut params, Param::S(unit.as_str().to_owned()));
                any.push(format!("e.unit_path = ${a}"));
            } else {
                for u in std::iter::once(unit).chain(c.unit_also.iter()) {
                    let a = push(&mut params, Param::S(u.as_str().to_owned()));
                    let b = push(&mut params, Param::S(u.subtree_upper_bound()));
                    any.push(format!("({col} >= ${a} AND {col} < ${b})"));
                }
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        let c = &f.counted;
        if c.sent_only {
            conds.push("e.state NOT IN ('draft', 'withdrawn')".to_owned());
        }
        if let Some(p) = &c.phase {
            conds.push(format!(
                "e.phase = ${}",
                push(&mut params, Param::S(p.clone()))
            ));
        }
        if let Some(carried) = c.carried {
            conds.push(if carried {
                "e.carried_from_id IS NOT NULL".to_owned()
            } else {
                "e.carried_from_id IS NULL".to_owned()
            });
        }
        if !c.states.is_empty() {
            let list: Vec<String> = c
                .states
                .iter()
                .map(|s| format!("${}", push(&mut params, Param::S(s.code().into()))))
                .collect();
            conds.push(format!("e.state IN ({})", list.join(",")));
        }
        if let Some(l) = &c.recognised_level {
            conds.push(format!(
                "EXISTS (SELECT 1 FROM decision_entries x JOIN decisions d ON d.id = x.decision_id \
                 WHERE x.entry_id = e.id AND d.level_code = ${})",
                push(&mut params, Param::S(l.clone()))
            ));
        }
        if let Some(model) = c.replicates {
            conds.push(format!(
                "e.replicates_id = ${}",
                push(&mut params, Param::I(model))
            ));
        }
        if let Some(form) = c.reward_form {
            conds.push(format!(
                "EXISTS (SELECT 1 FROM rewards w WHERE w.entry_id = e.id AND w.revoked = 0 AND w.form_id = ${})",
                push(&mut params, Param::I(form))
            ));
        }
        if let Some((from, to)) = c.kept_in {
            let a = push(&mut params, Param::I(from as i64));
            let b = push(&mut params, Param::I(to as i64));
            conds.push(format!(
                "EXISTS (SELECT 1 FROM yearly_reports r WHERE r.entry_id = e.id AND r.outcome = 'continuing' \
                 AND r.year >= ${a} AND r.year <= ${b})"
            ));
        }
        if !f.field_ids.is_empty() {
            let list: Vec<String> = f
                .field_ids
                .iter()
                .map(|id| format!("${}", push(&mut params, Param::I(*id))))
                .collect();
            conds.push(format!("e.field_id IN ({})", list.join(",")));
        }
        if let Some(k) = f.kind {
            conds.push(format!(
                "e.kind = ${}",
                push(&mut params, Param::S(k.code().into()))
            ));
        }
        if let Some(s) = f.subject {
            conds.push(format!(
                "e.subject = ${}",
                push(&mut params, Param::S(s.code().into()))
            ));
        }
        if f.public_only {
            conds.push("e.state IN ('recognised', 'outstanding', 'rewarded')".to_owned());
        }
        if let Some(s) = f.state {
            conds.push(format!(
                "e.state = ${}",
                push(&mut params, Param::S(s.code().into()))
            ));
        }
        if let Some(y) = f.year {
            conds.push(format!(
                "e.year = ${}",
                push(&mut params, Param::I(y as i64))
            ));
        }
        if let Some(l) = &f.level {
            conds.push(format!(
                "e.target_level = ${}",
                push(&mut params, Param::S(l.clone()))
            ));
        }
        if with_search && !f.search.is_empty() {
            let (cond, values) = dialect::entry_search(
                self.backend,
                &f.search,
                params.len() + 1,
                for_listing,
                f.public_only,
            );
            for v in values {
                params.push(Param::S(v));
            }
            conds.push(cond);
        }
        (conds.join(" AND "), params)
    }

    /// Number of entries matching a filter: one statement.
    pub async fn count_entries(&self, f: &EntryFilter) -> Result<i64, StoreError> {
        if f.visible.is_empty() {
            return Ok(0);
        }
        let (where_sql, params) = self.entry_where(f, false);
        let sql = format!("SELECT COUNT(*) FROM entries e WHERE {where_sql}");
        Ok(bind_all(&sql, &params)
            .fetch_one(&self.read)
            .await?
            .try_get(0)?)
    }

    /// Entries matching a filter, counted up to `COUNT_CAP`: one statement
    /// that stops reading at the cap.
    pub async fn count_entries_capped(&self, f: &EntryFilter) -> Result<Total, StoreError> {
        if f.visible.is_empty() {
            return Ok(Total::default());
        }
        let (where_sql, params) = self.entry_where(f, false);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM entries e WHERE {where_sql} LIMIT {}) c",
            COUNT_CAP + 1
        );
        // A search is planned for its own words (see `ranked_search`).
        let n: i64 = bind_all(&sql, &params)
            .persistent(f.search.is_empty())
            .fetch_one(&self.read)
            .await?
            .try_get(0)?;
        Ok(Total {
            count: n.min(COUNT_CAP),
            more: n > COUNT_CAP,
        })
    }

    /// One page of entries with the count of matches (capped): two
    /// statements. A search that finds nothing tries other spellings of
    /// its words once (two more).
    pub async fn list_entries(&self, f: &EntryFilter) -> Result<Listed, StoreError> {
        if f.visible.is_empty() {
            return Ok(Listed::default());
        }
        let listed = self.list_once(f).await?;
        if listed.page.total.count > 0 || f.search.is_empty() || f.keyset.is_some() {
            return Ok(listed);
        }
        let Some(helped) = self.spelling_help(f, &f.search).await? else {
            return Ok(listed);
        };
        let again = EntryFilter {
            search: helped.clone(),
            ..f.clone()
        };
        let mut listed = self.list_once(&again).await?;
        if listed.page.total.count > 0 {
            // Spellings come from every title, the reader's or not: name
            // only those in titles the reader is shown.
            let shown: Vec<&str> = listed.items.iter().map(|e| e.title.as_str()).collect();
            listed.page.searched_as = Some(helped.shown_in(&shown).display());
        }
        Ok(listed)
    }

    async fn list_once(&self, f: &EntryFilter) -> Result<Listed, StoreError> {
        if f.sort == Sort::Relevance && !f.search.is_empty() {
            return self.ranked_search(f, &f.search).await;
        }
        let per_page = f.per_page.clamp(1, 200);
        let (list_sql, params, reversed, offset) = self.page_statement(f);
        let rows = bind_all(&list_sql, &params)
            .persistent(f.search.is_empty())
            .fetch_all(&self.read)
            .await?;
        let mut items = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let extra = items.len() as i64 > per_page;
        items.truncate(per_page as usize);
        if reversed {
            items.reverse();
        }
        let (has_prev, has_next) = match &f.keyset {
            Some(Keyset::After(_)) => (true, extra),
            Some(Keyset::Before(_)) => (extra, true),
            None => (offset > 0, extra),
        };
        let total = self.count_entries_capped(f).await?;
        Ok(Listed {
            items,
            page: PageInfo {
                total,
                has_next,
                has_prev,
                searched_as: None,
            },
        })
    }

    /// The statement reading one page (one row more than shown, to know
    /// whether a next page exists): SQL, values, whether it reads
    /// backwards, and the offset.
    fn page_statement(&self, f: &EntryFilter) -> (String, Vec<Param>, bool, i64) {
        let sort = match f.sort {
            Sort::Relevance => Sort::Updated,
            s => s,
        };
        let (mut where_sql, mut params) = self.entry_where(f, true);
        let per_page = f.per_page.clamp(1, 200);
        let (reversed, offset) = match &f.keyset {
            Some(k) => {
                let (cond, reversed) = keyset_condition(self.backend, sort, k, &mut params);
                where_sql = format!("{where_sql} AND {cond}");
                (reversed, 0)
            }
            None => (false, (f.page.max(1) - 1) * per_page),
        };
        let sql = format!(
            "SELECT {SUMMARY_COLS} FROM entries e JOIN units u ON u.id = e.unit_id WHERE {where_sql} ORDER BY {} LIMIT {} OFFSET {offset}",
            sort.order_by(self.backend, reversed),
            per_page + 1
        );
        (sql, params, reversed, offset)
    }

    /// The query plans of the statements a list page runs (its page, its
    /// count, or a search's candidates), one text per statement: what the
    /// tests and `dvk bench` check for full scans of entries.
    pub async fn list_plans(&self, f: &EntryFilter) -> Result<Vec<String>, StoreError> {
        let mut statements = Vec::new();
        if f.sort == Sort::Relevance && !f.search.is_empty() {
            statements.extend(self.ranked_statements(f, &f.search));
        } else {
            let (sql, params, _, _) = self.page_statement(f);
            statements.push((sql, params));
            let (where_sql, params) = self.entry_where(f, false);
            statements.push((
                format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM entries e WHERE {where_sql} LIMIT {}) c",
                    COUNT_CAP + 1
                ),
                params,
            ));
        }
        let mut plans = Vec::new();
        for (sql, params) in statements {
            let explain = match self.backend {
                Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
                Backend::Postgres => format!("EXPLAIN {sql}"),
            };
            let rows = bind_all(&explain, &params).fetch_all(&self.read).await?;
            let lines = rows
                .iter()
                .map(|r| match self.backend {
                    Backend::Sqlite => r.try_get::<String, _>("detail"),
                    Backend::Postgres => r.try_get::<String, _>(0),
                })
                .collect::<Result<Vec<_>, _>>()?;
            plans.push(lines.join("\n"));
        }
        Ok(plans)
    }
}

/// The condition keeping rows past a cursor in the list's order (or before
/// it, read backwards: then the order is reversed and the caller flips the
/// rows). Written with a plain range on the sort's first column so each
/// backend seeks its sort index.
fn keyset_condition(
    backend: Backend,
    sort: Sort,
    keyset: &Keyset,
    params: &mut Vec<Param>,
) -> (String, bool) {
    let (c, reversed) = match keyset {
        Keyset::After(c) => (c, false),
        Keyset::Before(c) => (c, true),
    };
    let mut push = |p: Param| {
        params.push(p);
        params.len()
    };
    // Ascending columns move forward with ">", descending ones with "<".
    let (fwd, back) = if reversed { ("<", ">") } else { (">", "<") };
    let id = push(Param::I(c.id));
    let title_key = |push: &mut dyn FnMut(Param) -> usize| match backend {
        Backend::Sqlite => (
            "e.title_sort",
            push(Param::B(dvk_domain::text::sort_key(&c.title))),
        ),
        Backend::Postgres => ("e.title", push(Param::S(c.title.clone()))),
    };
    let cond = match sort {
        Sort::Updated | Sort::Relevance => {
            let u = push(Param::I(c.updated_at));
            format!("e.updated_at {back}= ${u} AND (e.updated_at {back} ${u} OR e.id {back} ${id})")
        }
        Sort::Title => {
            let (col, t) = title_key(&mut push);
            format!("{col} {fwd}= ${t} AND ({col} {fwd} ${t} OR e.id {fwd} ${id})")
        }
        Sort::Year => {
            let y = push(Param::I(c.year));
            let (col, t) = title_key(&mut push);
            format!(
                "e.year {back}= ${y} AND (e.year {back} ${y} OR ({col} {fwd}= ${t} AND ({col} {fwd} ${t} OR e.id {fwd} ${id})))"
            )
        }
    };
    (cond, reversed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            id: 42,
            updated_at: 1_780_000_000,
            year: 2026,
            title: "Dân vận khéo “xóa nhà tạm”. 100%".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in [
            "",
            "abc",
            "1.2.3",
            "1.2.3.zz",
            "1.2.3.c3",
            "x.2.3.61",
            &format!("1.2.3.{}", "61".repeat(3_000)),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }
}
