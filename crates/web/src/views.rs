//! View models and formatting: everything a template shows is prepared
//! here as plain strings, so templates stay simple and always escaped.

use askama::Template;
use askama_web::WebTemplate;
use dvk_domain::auth::Role;
use dvk_domain::calendar;
use dvk_store::accounts::SessionInfo;
use std::collections::HashMap;

/// dd/mm/yyyy in Vietnam time.
pub fn fmt_date(ts: i64) -> String {
    calendar::show(calendar::vn_day(ts))
}

/// dd/mm/yyyy HH:MM in Vietnam time.
pub fn fmt_datetime(ts: i64) -> String {
    calendar::show_datetime(ts)
}

/// Formats 'YYYY-MM-DD' as dd/mm/yyyy.
pub fn fmt_iso_date(d: &str) -> String {
    calendar::parse_iso(d).map_or_else(|| d.to_owned(), calendar::show)
}

pub fn fmt_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// 1000000 → "1.000.000" (Vietnamese thousands separator).
pub fn fmt_money(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// "123 hồ sơ", or "hơn 10.000 hồ sơ" when the list stopped counting.
pub fn fmt_total(total: dvk_store::entries::Total, noun: &str) -> String {
    if total.more {
        format!("hơn {} {noun}", fmt_money(total.count))
    } else {
        format!("{} {noun}", fmt_money(total.count))
    }
}

pub use dvk_domain::text::truncate;

pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// What every page's frame shows.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub title: String,
    pub user: Option<String>,
    pub csrf: String,
    /// A fresh idempotency key for creation forms on this page: a form
    /// sent twice (double click, retry) creates once.
    pub form_key: String,
    pub registers: bool,
    pub reviews: bool,
    pub admin: bool,
    /// Writes the public portal's news and library.
    pub writes: bool,
    pub active: &'static str,
}

impl Layout {
    pub fn new(
        title: impl Into<String>,
        info: Option<&SessionInfo>,
        csrf: &str,
        active: &'static str,
    ) -> Layout {
        let has = |r: Role| info.is_some_and(|i| i.grants.iter().any(|g| g.role == r));
        Layout {
            title: title.into(),
            user: info.map(|i| i.full_name.clone()),
            csrf: csrf.to_owned(),
            form_key: dvk_store::accounts::random_token(),
            registers: has(Role::UnitOfficer),
            reviews: has(Role::MovementOfficer) || has(Role::Admin) || has(Role::SigningLeader),
            admin: has(Role::Admin),
            writes: dvk_domain::news::WRITERS.iter().any(|r| has(*r)),
            active,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
        let value = value.into();
        let selected = value == current;
        Opt {
            value,
            label: label.into(),
            selected,
        }
    }
}

/// Field errors keyed by form field name.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub HashMap<String, Vec<String>>);

impl Errors {
    pub fn from_list(list: &[dvk_domain::entry::FieldError]) -> Errors {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for e in list {
            m.entry(e.field.clone())
                .or_default()
                .push(e.message.clone());
        }
        Errors(m)
    }
    pub fn get(&self, key: &str) -> String {
        self.0.get(key).map(|v| v.join(" ")).unwrap_or_default()
    }
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn all(&self) -> Vec<String> {
        let mut v: Vec<String> = self.0.values().flatten().cloned().collect();
        v.sort();
        v
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub messages: Vec<String>,
    pub status: u16,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub username: String,
    pub next: String,
    pub error: String,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub label: String,
    pub count: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub roles: Vec<String>,
    pub tasks: Vec<Link>,
    /// (message, link, when, resolved note)
    pub notes: Vec<(String, String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: i64,
    pub title: String,
    pub person: String,
    pub unit: String,
    pub year: i32,
    pub field: String,
    pub kind: String,
    pub state: String,
    pub state_css: String,
    pub updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "entries.html")]
pub struct EntriesPage {
    pub layout: Layout,
    pub q: String,
    pub units: Vec<Opt>,
    pub fields: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub subjects: Vec<Opt>,
    pub states: Vec<Opt>,
    pub years: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub rows: Vec<EntryRow>,
    pub total: i64,
    /// "hơn 10.000 hồ sơ"
    pub total_label: String,
    /// Shown when the words typed found nothing and other spellings did.
    pub searched_as: String,
    /// Ranked search results stop at the candidates ranked.
    pub ranked_note: String,
    /// The numbered page, 0 on a page reached by cursor.
    pub page: i64,
    /// The first pages by number: (number, link, current).
    pub page_links: Vec<(i64, String, bool)>,
    pub prev_href: String,
    pub next_href: String,
    pub notice: String,
    /// The list as filtered, as a spreadsheet.
    pub xlsx_href: String,
    pub csv_href: String,
}

#[derive(Debug, Clone)]
pub struct ItemField {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: String,
    pub long: bool,
    pub max: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "entry_form.html")]
pub struct EntryFormPage {
    pub layout: Layout,
    pub heading: String,
    /// Blank registration forms, for those who collect them on paper.
    pub documents: Vec<crate::documents::DocLink>,
    pub action: String,
    pub version: i64,
    pub errors: Errors,
    pub general_error: String,
    pub kinds: Vec<Opt>,
    pub subjects: Vec<Opt>,
    pub fields: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub phases: Vec<Opt>,
    pub units: Vec<Opt>,
    pub genders: Vec<Opt>,
    pub year: String,
    pub replicates: String,
    pub items: Vec<ItemField>,
    pub person_name: String,
    pub birth_year: String,
    pub ethnicity: String,
    pub position: String,
    pub party_member: bool,
    pub example: String,
    /// After "Kiểm tra mô hình tương tự": what was found (None: not asked).
    /// Models shown to choose from: (the search typed, or empty for the
    /// models alike to the form; the models).
    pub similar: Option<(String, Vec<SimilarView>)>,
    /// What happened, when nothing went wrong (a model chosen, a search run).
    pub notice: String,
}

#[derive(Debug, Clone)]
pub struct ActionView {
    pub code: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
    pub primary: bool,
}

#[derive(Debug, Clone)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct HistoryView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub states: String,
    pub details: Vec<String>,
}

/// A round an accepted entry can be proposed to, with its criteria.
#[derive(Debug, Clone)]
pub struct ProposeView {
    pub round_id: i64,
    pub round_title: String,
    pub criteria: Vec<(i64, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "entry.html")]
pub struct EntryPage {
    /// What a refused form on this page sent, shown again as typed.
    pub typed: crate::typed::Typed,
    pub proposable: Vec<ProposeView>,
    /// (year, text, pending review)
    pub reports: Vec<(i32, String, bool)>,
    pub can_report: bool,
    /// The current phase, when this entry may be carried into it.
    pub carry_to: String,
    pub can_review: bool,
    pub this_year: i32,
    /// (reward id, text, revoked)
    pub rewards: Vec<(i64, String, bool)>,
    pub revocations: Vec<String>,
    pub can_mark_outstanding: bool,
    pub can_revoke: bool,
    pub recognised: String,
    /// The recognition's certificate may be printed (not revoked, not removed).
    /// "Tải văn bản": the registration form and the certificates.
    pub documents: Vec<crate::documents::DocLink>,
    pub printable: bool,
    pub layout: Layout,
    pub id: i64,
    pub title: String,
    pub state: String,
    pub state_css: String,
    pub state_reason: String,
    pub facts: Vec<(String, String)>,
    pub items: Vec<(String, String)>,
    pub person: Vec<(String, String)>,
    pub attachments: Vec<AttachmentView>,
    pub can_upload: bool,
    pub can_edit: bool,
    pub actions: Vec<ActionView>,
    pub version: i64,
    pub history: Vec<HistoryView>,
    pub similar: Vec<SimilarView>,
    /// Where the model came from and where it spread (only when it has a lineage).
    pub lineage: Option<LineageView>,
    pub notice: String,
    pub errors: Vec<String>,
}

/// A model of a lineage as listed.
#[derive(Debug, Clone)]
pub struct LineageRow {
    pub href: String,
    pub title: String,
    pub meta: String,
    /// Depth below the model (0 for the ones above it).
    pub depth: i64,
}

/// A model's lineage: the chain above it, the replicas below, the spread.
#[derive(Debug, Clone)]
pub struct LineageView {
    pub ancestors: Vec<LineageRow>,
    pub replicas: Vec<LineageRow>,
    pub spread: String,
    /// "N more replicas outside what you may see", or empty.
    pub unlisted: String,
    /// The list of direct replicas (staff only), or empty.
    pub list_href: String,
}

impl LineageView {
    /// `link` makes a model's address (the entry page or the public page).
    pub fn of(
        l: &dvk_store::lineage::Lineage,
        link: impl Fn(i64) -> String,
        list_href: String,
    ) -> LineageView {
        let row = |m: &dvk_store::lineage::LineageModel| LineageRow {
            href: link(m.id),
            title: m.title.clone(),
            meta: format!("{} · năm {} · {}", m.unit_name, m.year, m.state.label()),
            depth: m.step.max(1) - 1,
        };
        LineageView {
            ancestors: l.ancestors.iter().map(row).collect(),
            replicas: l.replicas.iter().map(row).collect(),
            spread: l.spread.sentence(),
            unlisted: if l.unlisted > 0 {
                format!(
                    "Và {} mô hình, điển hình nhân rộng khác ở đơn vị ngoài phạm vi bạn được xem.",
                    l.unlisted
                )
            } else {
                String::new()
            },
            list_href,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusRow {
    pub unit: String,
    pub kind: String,
    pub status: String,
    pub css: String,
    pub drafts: i64,
    pub waiting: i64,
    pub returned: i64,
    pub accepted: i64,
    pub href: String,
    pub drill: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "status.html")]
pub struct StatusPage {
    pub layout: Layout,
    pub unit_name: String,
    pub unit_id: i64,
    pub year: String,
    pub roots: Vec<Opt>,
    pub years: Vec<Opt>,
    /// This page's units (the totals and counts cover them all).
    pub rows: Vec<StatusRow>,
    pub totals: [i64; 4],
    pub counts: [usize; 4],
    pub up_href: String,
    pub page_note: String,
    pub prev_href: String,
    pub next_href: String,
}

#[derive(Debug, Clone)]
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub code: String,
    pub validity: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_units.html")]
pub struct AdminUnitsPage {
    pub layout: Layout,
    pub parent_id: i64,
    pub parent_name: String,
    pub trail: Vec<(i64, String)>,
    pub rows: Vec<UnitRow>,
    pub kinds: Vec<Opt>,
    pub errors: Errors,
    pub name: String,
    pub notice: String,
    pub successors: Vec<String>,
    pub predecessors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GrantView {
    pub id: i64,
    pub role: String,
    pub unit: String,
}

#[derive(Debug, Clone)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub grants: Vec<GrantView>,
    pub active: bool,
    /// The admin looking at the page (who cannot lock or reset themselves here).
    pub is_self: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub layout: Layout,
    pub users: Vec<UserView>,
    pub roles: Vec<Opt>,
    pub units: Vec<Opt>,
    pub user_opts: Vec<Opt>,
    pub errors: Errors,
    pub username: String,
    pub full_name: String,
    pub notice: String,
    /// A one-time password just set: (whose, the password), shown once.
    pub one_time: Option<(String, String)>,
    pub policy: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub errors: Errors,
    pub policy: &'static str,
    /// A one-time password is in use and must be changed first.
    pub required: bool,
    pub notice: String,
}

/// A similar model as pages list it.
pub struct SimilarView {
    pub id: i64,
    pub href: String,
    pub title: String,
    /// Unit, year and state.
    pub note: String,
    /// "Giống 82%" and its parts.
    pub score: String,
    pub parts: String,
}

impl SimilarView {
    pub fn of(m: &dvk_store::similar::SimilarModel) -> SimilarView {
        let parts = match m.text_pct {
            Some(t) => format!("tên giống {}%, nội dung giống {t}%", m.title_pct),
            None => format!("tên giống {}%", m.title_pct),
        };
        SimilarView {
            id: m.id,
            // Outside the reader's units: the published model.
            href: if m.public_only {
                format!("/mo-hinh/{}", m.id)
            } else {
                format!("/entries/{}", m.id)
            },
            title: format!("#{} {}", m.id, m.title),
            note: format!("{} · năm {} · {}", m.unit_name, m.year, m.state_label),
            score: format!("Giống {}%", m.score_pct),
            parts,
        }
    }

    /// A model found by a search for the one to replicate.
    pub fn found(m: &dvk_store::lineage::FoundModel) -> SimilarView {
        SimilarView {
            id: m.id,
            href: if m.public_only {
                format!("/mo-hinh/{}", m.id)
            } else {
                format!("/entries/{}", m.id)
            },
            title: format!("#{} {}", m.id, m.title),
            note: format!("{} · năm {} · {}", m.unit_name, m.year, m.state.label()),
            score: String::new(),
            parts: String::new(),
        }
    }

    pub fn list(models: &[dvk_store::similar::SimilarModel]) -> Vec<SimilarView> {
        models.iter().map(SimilarView::of).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_vietnamese() {
        // 2026-01-04 18:30 UTC is 05/01/2026 01:30 in Vietnam.
        assert_eq!(fmt_date(1_767_551_400), "05/01/2026");
        assert_eq!(fmt_datetime(1_767_551_400), "05/01/2026 01:30");
        assert_eq!(fmt_iso_date("2025-06-30"), "30/06/2025");
        assert_eq!(fmt_size(1536), "2 KB");
        assert_eq!(fmt_size(3 * 1024 * 1024 + 512 * 1024), "3,5 MB");
    }
}
