use super::{notice, unit_options};
use crate::ctx::User;
use crate::error::{status_of, user_facing, AppError, AppResult};
use crate::form::{parse_id, Sent, VnForm};
use crate::typed::Typed;
use crate::views::*;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::auth;
use dvk_domain::entry::{EntryForm, Gender, Kind, Subject, ITEMS, ITEM_MAX, TITLE_MAX};
use dvk_domain::search::SearchQuery;
use dvk_domain::state::{EntryState, Transition};
use dvk_store::entries::{Cursor, EntryFilter, Keyset, Sort};
use dvk_store::listing::{COUNT_CAP, RANKED_CANDIDATES};
use dvk_store::service::{self, current_year};
use dvk_store::ServiceError;
use serde::Deserialize;

pub const PER_PAGE: i64 = 25;

pub use dvk_domain::state::REGISTRATION_TRANSITIONS;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    unit: String,
    field: String,
    kind: String,
    subject: String,
    state: String,
    year: String,
    level: String,
    sort: String,
    page: String,
    /// Cursors of the pages next to one seen (deep pages).
    after: String,
    before: String,
    msg: String,
    /// Export only: `xlsx` or `csv`.
    format: String,
    // What a figure of the summary table counts (its links carry these).
    sent: String,
    phase: String,
    own: String,
    carried: String,
    states: String,
    recognised: String,
    reward: String,
    /// Replicating this model (a dashboard's spread figure).
    replicates: String,
    kept: String,
    alone: String,
}

impl ListQuery {
    /// The spreadsheet of the list as filtered now.
    fn export_href(&self, format: &str) -> String {
        let href = self.href(1);
        let filters = href
            .trim_start_matches("/entries?")
            .trim_end_matches("page=1")
            .trim_end_matches('&');
        if filters.is_empty() {
            format!("/entries/export?format={format}")
        } else {
            format!("/entries/export?{filters}&format={format}")
        }
    }

    /// The list as filtered, at a keyset page.
    fn cursor_href(&self, keyset: &Keyset) -> String {
        let base = self.href(1);
        let base = base.trim_end_matches("page=1").trim_end_matches(['&', '?']);
        let (k, v) = match keyset {
            Keyset::After(c) => ("after", c.encode()),
            Keyset::Before(c) => ("before", c.encode()),
        };
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}{k}={v}")
    }

    fn href(&self, page: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("unit", &self.unit),
            ("field", &self.field),
            ("kind", &self.kind),
            ("subject", &self.subject),
            ("state", &self.state),
            ("year", &self.year),
            ("level", &self.level),
            ("sort", &self.sort),
            ("sent", &self.sent),
            ("phase", &self.phase),
            ("own", &self.own),
            ("carried", &self.carried),
            ("states", &self.states),
            ("recognised", &self.recognised),
            ("reward", &self.reward),
            ("kept", &self.kept),
            ("alone", &self.alone),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/entries?{}", s.finish())
    }
}

/// The list's filters as the store takes them: values are parsed, and
/// unknown ones are ignored rather than failing the page.
async fn filter_of(state: &AppState, user: &User, lq: &ListQuery) -> AppResult<EntryFilter> {
    let cat = &state.catalogue;
    let tree = state.units(user.info.units_version).await?;
    let unit = lq
        .unit
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| tree.units.iter().find(|u| u.id == id))
        .map(|u| u.path.clone());
    let field_ids: Vec<i64> = match lq.field.trim().parse::<i64>() {
        Ok(id) => cat.field_and_subfields(id),
        Err(_) => Vec::new(),
    };
    // Numbered pages reach the counted entries; beyond, cursors go on.
    let page = lq
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, COUNT_CAP / PER_PAGE);
    let keyset = if !lq.after.is_empty() {
        Cursor::decode(&lq.after).map(Keyset::After)
    } else if !lq.before.is_empty() {
        Cursor::decode(&lq.before).map(Keyset::Before)
    } else {
        None
    };
    let search = SearchQuery::parse(&lq.q);
    // A unit formed in 2025 answers for the units it was formed from.
    let unit_also = match (&unit, lq.unit.trim().parse::<i64>()) {
        (Some(_), Ok(id)) if lq.own != "1" && lq.alone != "1" => {
            dvk_store::units::predecessors_of(&state.db, id).await?
        }
        _ => Vec::new(),
    };
    let kept = lq.kept.split_once('-').map_or_else(
        || lq.kept.trim().parse::<i32>().ok().map(|y| (y, y)),
        |(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
    );
    let counted = dvk_store::entries::Counted {
        sent_only: lq.sent == "1",
        phase: cat
            .phases
            .iter()
            .find(|p| p.code == lq.phase)
            .map(|p| p.code.clone()),
        own_unit: lq.own == "1",
        unit_also,
        carried: match lq.carried.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        states: lq.states.split(',').filter_map(EntryState::parse).collect(),
        recognised_level: cat
            .levels
            .iter()
            .find(|l| l.code == lq.recognised)
            .map(|l| l.code.clone()),
        reward_form: lq.reward.trim().parse().ok(),
        kept_in: kept,
        replicates: lq.replicates.trim().parse().ok(),
    };
    Ok(EntryFilter {
        visible: user.actor.visible_roots(),
        unit,
        field_ids,
        kind: Kind::parse(&lq.kind),
        subject: Subject::parse(&lq.subject),
        state: EntryState::parse(&lq.state),
        year: lq.year.trim().parse().ok(),
        level: cat
            .levels
            .iter()
            .find(|l| l.code == lq.level)
            .map(|l| l.code.clone()),
        public_only: false,
        sort: Sort::parse(&lq.sort, !search.is_empty()),
        search,
        page,
        per_page: PER_PAGE,
        keyset,
        counted,
    })
}

/// The list as a spreadsheet (XLSX or CSV), with the same filters.
pub async fn export(
    State(state): State<AppState>,
    user: User,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    let format = crate::exports::format_of(&lq.format)?;
    let filter = filter_of(&state, &user, &lq).await?;
    crate::exports::entries(&state, &user.actor, format, filter)
        .await
        .map_err(AppError::from)
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let visible = user.actor.visible_roots();
    let tree = state.units(user.info.units_version).await?;
    let filter = filter_of(&state, &user, &lq).await?;
    let page = if filter.keyset.is_some() {
        0
    } else {
        filter.page
    };
    let ranked = filter.sort == Sort::Relevance;
    let listed = service::list_entries(&state.db, &user.actor, filter.clone()).await?;
    let info = listed.page.clone();
    let units = tree.within(&visible, 2);
    let pages = ((info.total.count + PER_PAGE - 1) / PER_PAGE).max(1);
    // Ranked results are numbered pages over the candidates; lists move on
    // by cursor from the rows shown, so a deep page costs a first page.
    let (prev_href, next_href) = if ranked {
        (
            if info.has_prev {
                lq.href(page - 1)
            } else {
                String::new()
            },
            if info.has_next {
                lq.href(page + 1)
            } else {
                String::new()
            },
        )
    } else {
        (
            match listed.items.first() {
                Some(_) if info.has_prev && page == 2 => lq.href(1),
                Some(e) if info.has_prev => lq.cursor_href(&Keyset::Before(Cursor::of(e))),
                _ => String::new(),
            },
            match listed.items.last() {
                Some(e) if info.has_next => lq.cursor_href(&Keyset::After(Cursor::of(e))),
                _ => String::new(),
            },
        )
    };
    let page_links = if pages > 1 {
        (1..=pages.min(7))
            .map(|n| (n, lq.href(n), n == page))
            .collect()
    } else {
        Vec::new()
    };
    let ranked_note = if ranked && info.total.more {
        format!(
            "Hiện {} kết quả phù hợp nhất trong các hồ sơ mới nhất; hãy thêm từ hoặc bộ lọc để thu hẹp.",
            crate::views::fmt_money(RANKED_CANDIDATES)
        )
    } else {
        String::new()
    };
    let rows = listed
        .items
        .into_iter()
        .map(|e| EntryRow {
            id: e.id,
            title: e.title,
            person: e.person_name,
            unit: e.unit_name,
            year: e.year,
            field: cat.field_name(e.field_id).to_owned(),
            kind: format!("{} · {}", e.kind.label(), e.subject.label()),
            state: e.state.label().to_owned(),
            state_css: e.state.code().to_owned(),
            updated: fmt_date(e.updated_at),
        })
        .collect();
    let this_year = current_year();
    let page_view = EntriesPage {
        xlsx_href: lq.export_href("xlsx"),
        csv_href: lq.export_href("csv"),
        layout: Layout::new("Hồ sơ", Some(&user.info), &user.csrf, "entries"),
        q: lq.q.chars().take(200).collect(),
        units: unit_options(&units, &lq.unit),
        fields: field_options(cat, &lq.field),
        kinds: [Kind::Model, Kind::Exemplar]
            .iter()
            .map(|k| Opt::new(k.code(), k.label(), &lq.kind))
            .collect(),
        subjects: [Subject::Collective, Subject::Individual]
            .iter()
            .map(|s| Opt::new(s.code(), s.label(), &lq.subject))
            .collect(),
        states: EntryState::ALL
            .iter()
            .map(|s| Opt::new(s.code(), s.label(), &lq.state))
            .collect(),
        years: (2021..=this_year + 1)
            .rev()
            .map(|y| Opt::new(y.to_string(), y.to_string(), &lq.year))
            .collect(),
        levels: cat
            .levels
            .iter()
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), &lq.level))
            .collect(),
        sorts: [
            (Sort::Relevance, "Phù hợp nhất"),
            (Sort::Updated, "Mới cập nhật"),
            (Sort::Title, "Tên (A–Z)"),
            (Sort::Year, "Năm"),
        ]
        .iter()
        .map(|(s, l)| Opt::new(s.code(), *l, filter.sort.code()))
        .collect(),
        rows,
        total: info.total.count,
        total_label: crate::views::fmt_total(info.total, "hồ sơ"),
        searched_as: info.searched_as.unwrap_or_default(),
        ranked_note,
        page,
        page_links,
        prev_href,
        next_href,
        notice: notice(&lq.msg).to_owned(),
    };
    Ok(page_view.into_response())
}

fn field_options(cat: &dvk_store::reference::Catalogue, current: &str) -> Vec<Opt> {
    let mut out = Vec::new();
    for f in cat.fields.iter().filter(|f| f.parent_id.is_none()) {
        out.push(Opt::new(f.id.to_string(), f.name.clone(), current));
        for sub in cat.fields.iter().filter(|s| s.parent_id == Some(f.id)) {
            out.push(Opt::new(
                sub.id.to_string(),
                format!("— {}", sub.name),
                current,
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    user: &User,
    heading: &str,
    action: String,
    version: i64,
    form: &EntryForm,
    errors: Errors,
    general_error: String,
    status: StatusCode,
) -> AppResult<Response> {
    render_checked_form(
        state,
        user,
        heading,
        action,
        version,
        form,
        errors,
        general_error,
        status,
        None,
    )
    .await
}

/// The form again as typed, with the models alike to it when asked.
#[allow(clippy::too_many_arguments)]
async fn render_checked_form(
    state: &AppState,
    user: &User,
    heading: &str,
    action: String,
    version: i64,
    form: &EntryForm,
    errors: Errors,
    general_error: String,
    status: StatusCode,
    similar: Option<(String, Vec<crate::views::SimilarView>)>,
) -> AppResult<Response> {
    let page = form_page(
        state,
        user,
        heading,
        action,
        version,
        form,
        errors,
        general_error,
        similar,
    )
    .await?;
    Ok((status, page).into_response())
}

/// The entry form's page, as typed.
#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &User,
    heading: &str,
    action: String,
    version: i64,
    form: &EntryForm,
    errors: Errors,
    general_error: String,
    similar: Option<(String, Vec<crate::views::SimilarView>)>,
) -> AppResult<EntryFormPage> {
    let cat = &state.catalogue;
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&user.actor.registering_roots(), 3);
    let values = [
        &form.title,
        &form.situation,
        &form.objectives,
        &form.content,
        &form.area,
        &form.forces,
        &form.resources,
        &form.timeline,
        &form.outputs,
        &form.sustainability,
    ];
    let items = ITEMS
        .iter()
        .enumerate()
        .map(|(i, (key, label))| ItemField {
            key,
            label,
            hint: dvk_domain::entry::ITEM_HINTS[i],
            value: values[i].clone(),
            error: errors.get(key),
            long: i != 0,
            max: if i == 0 { TITLE_MAX } else { ITEM_MAX },
        })
        .collect();
    let documents = [Kind::Model, Kind::Exemplar]
        .iter()
        .flat_map(|k| [Subject::Collective, Subject::Individual].map(|s| (*k, s)))
        .map(|(k, s)| {
            crate::documents::DocLink::at(
                state,
                "/documents/blank/phieu-dang-ky",
                &format!("kind={}&subject={}", k.code(), s.code()),
                format!(
                    "Mẫu phiếu đăng ký {} {} (trống)",
                    k.label().to_lowercase(),
                    s.label().to_lowercase()
                ),
            )
        })
        .collect();
    let page = EntryFormPage {
        documents,
        layout: Layout::new(heading, Some(&user.info), &user.csrf, "new"),
        heading: heading.to_owned(),
        action,
        version,
        general_error,
        kinds: [Kind::Model, Kind::Exemplar]
            .iter()
            .map(|k| Opt::new(k.code(), k.label(), &form.kind))
            .collect(),
        subjects: [Subject::Collective, Subject::Individual]
            .iter()
            .map(|s| Opt::new(s.code(), s.label(), &form.subject))
            .collect(),
        fields: field_options(cat, &form.field_id),
        levels: cat
            .levels
            .iter()
            .filter(|l| !l.historical)
            .map(|l| Opt::new(l.code.clone(), l.name.clone(), &form.target_level))
            .collect(),
        phases: cat
            .phases
            .iter()
            .map(|p| Opt::new(p.code.clone(), p.name.clone(), &form.phase))
            .collect(),
        units: unit_options(&units, &form.unit_id),
        genders: [Gender::Male, Gender::Female]
            .iter()
            .map(|g| Opt::new(g.code(), g.label(), &form.gender))
            .collect(),
        year: form.year.clone(),
        replicates: form.replicates.clone(),
        items,
        person_name: form.person_name.clone(),
        birth_year: form.birth_year.clone(),
        ethnicity: form.ethnicity.clone(),
        position: form.position.clone(),
        party_member: !form.party_member.is_empty(),
        example: form.example.clone(),
        errors,
        similar,
        notice: String::new(),
    };
    Ok(page)
}

pub async fn new_form(State(state): State<AppState>, user: User) -> AppResult<Response> {
    if user.actor.registering_roots().is_empty() {
        return Err(
            ServiceError::Denied(auth::Denied::NoRole("đăng ký mô hình, điển hình")).into(),
        );
    }
    let year = current_year();
    let phase = state
        .catalogue
        .phases
        .iter()
        .find(|p| (p.first_year..=p.last_year).contains(&year));
    let form = EntryForm {
        kind: "model".into(),
        subject: "collective".into(),
        target_level: "xa".into(),
        phase: phase.map(|p| p.code.clone()).unwrap_or_default(),
        year: year.to_string(),
        ..Default::default()
    };
    render_form(
        &state,
        &user,
        "Đăng ký mô hình, điển hình",
        "/entries".into(),
        0,
        &form,
        Errors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

fn form_error(e: &ServiceError) -> Option<(Errors, String)> {
    match e {
        ServiceError::Invalid(list) => Some((
            Errors::from_list(list),
            "Hồ sơ chưa lưu được, vui lòng sửa các mục được đánh dấu.".into(),
        )),
        ServiceError::Conflict(m) => Some((Errors::default(), m.clone())),
        ServiceError::Denied(d) => Some((Errors::default(), d.to_string())),
        _ => None,
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(flatten)]
    entry: EntryForm,
    /// Set by the "Kiểm tra mô hình tương tự" button: look, do not save.
    #[serde(default)]
    check_similar: String,
    /// Set by a "Chọn" button of a model found: it becomes the model
    /// replicated; nothing is saved.
    #[serde(default)]
    pick_model: String,
    /// Set by the "Tìm mô hình" button beside the replicated model's field.
    #[serde(default)]
    check_replicates: String,
}

/// The replicated model is chosen, not typed: a model picked from a list
/// fills the field; words typed in it (not a number) are searched, and the
/// form comes back with the models found to pick from. Nothing is saved
/// either way; None when the form is to be saved as it is.
#[allow(clippy::too_many_arguments)]
async fn replication_choice(
    state: &AppState,
    user: &User,
    heading: &str,
    action: &str,
    version: i64,
    form: &mut EntryForm,
    (pick, find): (&str, bool),
    editing: Option<i64>,
) -> AppResult<Option<Response>> {
    let typed = form.replicates.trim().trim_start_matches('#').trim();
    // "Tìm" with a number: that model is the one chosen.
    let pick = match (find, typed.parse::<i64>()) {
        (true, Ok(_)) if pick.is_empty() => typed.to_owned(),
        _ => pick.to_owned(),
    };
    if let Ok(id) = pick.trim().parse::<i64>() {
        form.replicates = id.to_string();
        let mut page = form_page(
            state,
            user,
            heading,
            action.to_owned(),
            version,
            form,
            Errors::default(),
            String::new(),
            None,
        )
        .await?;
        page.notice = format!(
            "Đã chọn mô hình #{id} là mô hình được nhân rộng. Hồ sơ chưa được lưu: bấm “Lưu” để lưu."
        );
        return Ok(Some(page.into_response()));
    }
    let typed = form.replicates.trim().trim_start_matches('#').trim();
    if !find && (typed.is_empty() || typed.bytes().all(|b| b.is_ascii_digit())) {
        return Ok(None);
    }
    let typed = typed.to_owned();
    let roots: Vec<_> = state
        .units(0)
        .await?
        .units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .map(|u| u.path.clone())
        .collect();
    let found =
        match dvk_store::lineage::find_models(&state.db, &user.actor, roots, &typed, editing).await
        {
            Ok(found) => found,
            Err(ServiceError::Invalid(list)) => {
                let general = list
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                return render_form(
                    state,
                    user,
                    heading,
                    action.to_owned(),
                    version,
                    form,
                    Errors::from_list(&list),
                    general,
                    StatusCode::OK,
                )
                .await
                .map(Some);
            }
            Err(e) => return Err(e.into()),
        };
    let notice = if found.is_empty() {
        format!("Không tìm thấy mô hình nào với “{typed}”. Hồ sơ chưa được lưu: hãy tìm với từ khác hoặc để trống ô “Nhân rộng từ mô hình”.")
    } else {
        "Hãy chọn mô hình được nhân rộng trong danh sách tìm được. Hồ sơ chưa được lưu.".to_owned()
    };
    let views = found.iter().map(crate::views::SimilarView::found).collect();
    let mut page = form_page(
        state,
        user,
        heading,
        action.to_owned(),
        version,
        form,
        Errors::default(),
        String::new(),
        Some((typed, views)),
    )
    .await?;
    page.notice = notice;
    Ok(Some(page.into_response()))
}

/// The form with the models alike to what was typed; nothing is saved.
async fn check_similar(
    state: &AppState,
    user: &User,
    heading: &str,
    action: String,
    version: i64,
    form: &EntryForm,
    editing: Option<i64>,
) -> AppResult<Response> {
    let (similar, general) = match dvk_store::similar::similar_to_draft(
        &state.db,
        &user.actor,
        &form.title,
        &form.body_text(),
        editing,
    )
    .await
    {
        Ok(found) => (
            Some((String::new(), crate::views::SimilarView::list(&found))),
            String::new(),
        ),
        Err(ServiceError::Invalid(fields)) => (
            None,
            fields
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) => return Err(e.into()),
    };
    render_checked_form(
        state,
        user,
        heading,
        action,
        version,
        form,
        Errors::default(),
        general,
        StatusCode::OK,
        similar,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    VnForm(CreateForm {
        entry: mut form,
        check_similar: check,
        pick_model,
        check_replicates,
    }): VnForm<CreateForm>,
) -> AppResult<Response> {
    let heading = "Đăng ký mô hình, điển hình";
    let choice = (pick_model.as_str(), !check_replicates.is_empty());
    if let Some(page) = replication_choice(
        &state, &user, heading, "/entries", 0, &mut form, choice, None,
    )
    .await?
    {
        return Ok(page);
    }
    if !check.is_empty() {
        return check_similar(
            &state,
            &user,
            "Đăng ký mô hình, điển hình",
            "/entries".into(),
            0,
            &form,
            None,
        )
        .await;
    }
    match service::create_entry(&state.db, &state.catalogue, &user.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/entries/{id}?msg=created")).into_response()),
        Err(e) => match form_error(&e) {
            Some((errors, general)) => {
                render_form(
                    &state,
                    &user,
                    "Đăng ký mô hình, điển hình",
                    "/entries".into(),
                    0,
                    &form,
                    errors,
                    general,
                    status_of(&e),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let e = service::view_entry(&state.db, &user.actor, id).await?;
    auth::check_edit_entry(&user.actor, &e.scope()).map_err(ServiceError::from)?;
    let form = EntryForm::from_registration(&e.registration);
    render_form(
        &state,
        &user,
        &format!("Sửa hồ sơ #{id}"),
        format!("/entries/{id}/edit"),
        e.version,
        &form,
        Errors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(flatten)]
    entry: EntryForm,
    #[serde(default)]
    version: String,
    #[serde(default)]
    check_similar: String,
    #[serde(default)]
    pick_model: String,
    #[serde(default)]
    check_replicates: String,
}

pub async fn edit_submit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(mut form): VnForm<EditForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let version = form.version.trim().parse::<i64>().unwrap_or(-1);
    if let Some(page) = replication_choice(
        &state,
        &user,
        &format!("Sửa hồ sơ #{id}"),
        &format!("/entries/{id}/edit"),
        version,
        &mut form.entry,
        (form.pick_model.as_str(), !form.check_replicates.is_empty()),
        Some(id),
    )
    .await?
    {
        return Ok(page);
    }
    if !form.check_similar.is_empty() {
        return check_similar(
            &state,
            &user,
            &format!("Sửa hồ sơ #{id}"),
            format!("/entries/{id}/edit"),
            version,
            &form.entry,
            Some(id),
        )
        .await;
    }
    match service::update_entry(
        &state.db,
        &state.catalogue,
        &user.actor,
        id,
        &form.entry,
        version,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/entries/{id}?msg=saved")).into_response()),
        Err(e) => match form_error(&e) {
            Some((errors, general)) => {
                render_form(
                    &state,
                    &user,
                    &format!("Sửa hồ sơ #{id}"),
                    format!("/entries/{id}/edit"),
                    version,
                    &form.entry,
                    errors,
                    general,
                    status_of(&e),
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

pub async fn detail(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    render_detail(
        &state,
        &user,
        id,
        notice(&mq.msg),
        Vec::new(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn render_detail(
    state: &AppState,
    user: &User,
    id: i64,
    notice: &str,
    errors: Vec<String>,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let cat = &state.catalogue;
    let (record, history) =
        dvk_store::entry_record::entry_record_with_history(&state.db, &user.actor, id).await?;
    let e = &record.entry;
    let attachments = &record.attachments;
    let r = &e.registration;
    let mut facts = vec![
        ("Mã hồ sơ".to_owned(), format!("#{}", e.id)),
        (
            "Loại".to_owned(),
            format!("{} · {}", r.kind.label(), r.subject.label()),
        ),
        ("Lĩnh vực".to_owned(), cat.field_name(r.field_id).to_owned()),
        (
            "Cấp đề nghị công nhận".to_owned(),
            cat.level_name(&r.target_level).to_owned(),
        ),
        (
            "Giai đoạn, năm".to_owned(),
            format!("{} · năm {}", r.phase, r.year),
        ),
        ("Đơn vị đăng ký".to_owned(), e.unit_name.clone()),
        ("Đơn vị tiếp nhận".to_owned(), e.confirming_name.clone()),
    ];
    facts.push((
        "Người lập".to_owned(),
        format!("{} · {}", e.created_by_name, fmt_date(e.created_at)),
    ));
    facts.push(("Cập nhật".to_owned(), fmt_datetime(e.updated_at)));
    if let Some(s) = e.submitted_at {
        facts.push(("Gửi đăng ký".to_owned(), fmt_datetime(s)));
    }
    let items = ITEMS
        .iter()
        .enumerate()
        .map(|(i, (_, l))| ((*l).to_owned(), r.items[i].clone()))
        .collect();
    let person = if r.subject == Subject::Individual {
        let p = &r.person;
        vec![
            ("Họ và tên".to_owned(), p.name.clone()),
            (
                "Năm sinh".to_owned(),
                p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            ),
            (
                "Giới tính".to_owned(),
                p.gender.map(|g| g.label().to_owned()).unwrap_or_default(),
            ),
            ("Dân tộc".to_owned(), p.ethnicity.clone()),
            ("Chức vụ, đơn vị".to_owned(), p.position.clone()),
            (
                "Đảng viên".to_owned(),
                if p.party_member {
                    "Có".into()
                } else {
                    "Không".into()
                },
            ),
            ("Gương mẫu".to_owned(), p.example.clone()),
        ]
    } else {
        Vec::new()
    };
    let sc = e.scope();
    let actions = REGISTRATION_TRANSITIONS
        .iter()
        .filter(|t| auth::check_transition(&user.actor, **t, &sc).is_ok())
        .map(|t| ActionView {
            code: t.code(),
            label: t.label(),
            needs_reason: t.rule().reason_required,
            primary: matches!(t, Transition::Submit | Transition::Accept),
        })
        .collect();
    let history = history
        .into_iter()
        .map(|h| HistoryView {
            at: fmt_datetime(h.at),
            actor: h.actor,
            action: h.event,
            states: h.states,
            details: h.details,
        })
        .collect();
    // Open rounds this entry may be proposed to, for its registering officer.
    let mut proposable = Vec::new();
    let may_propose = [
        Transition::Propose,
        Transition::ProposeToHigherLevel,
        Transition::ProposeAgain,
    ]
    .iter()
    .any(|t| auth::check_transition(&user.actor, *t, &sc).is_ok());
    if may_propose {
        for open in
            dvk_store::proposing::open_rounds_for(&state.db, &state.catalogue, &user.actor, e)
                .await?
        {
            proposable.push(ProposeView {
                round_id: open.round.id,
                round_title: open.round.title.clone(),
                criteria: open
                    .criteria
                    .iter()
                    .map(|c| {
                        (
                            c.id,
                            c.name.clone(),
                            dvk_domain::appraisal::fmt_num(c.max_points),
                        )
                    })
                    .collect(),
            });
        }
    }
    // The recognition stays on record after the entry goes on (to a
    // higher level's round); a revocation is shown with it.
    let recognised = match &record.decision {
        Some(d) => format!(
            "Đã được công nhận {} theo Quyết định số {} ngày {} của {}",
            cat.level_name(&d.level_code).to_lowercase(),
            d.number,
            dvk_store::appraisal::show_date(&d.signed_on),
            d.issuing_body
        ),
        None => String::new(),
    };
    let printable =
        !recognised.is_empty() && !matches!(e.state, EntryState::Revoked | EntryState::Removed);
    let base = format!("/entries/{}", e.id);
    let mut documents = vec![crate::documents::DocLink::new(
        state,
        &base,
        "phieu-dang-ky",
        "",
        "Phiếu đăng ký (điền từ hồ sơ)",
    )];
    if printable {
        documents.push(crate::documents::DocLink::new(
            state,
            &base,
            "giay-chung-nhan",
            "",
            "Giấy chứng nhận (khổ A4 ngang)",
        ));
    }
    for (rid, form, _, revoked) in &record.rewards {
        if !revoked {
            documents.push(crate::documents::DocLink::new(
                state,
                &base,
                "giay-khen",
                &format!("reward={rid}"),
                form.clone(),
            ));
        }
    }
    let rewards = record
        .rewards
        .iter()
        .map(|(rid, form, decision, revoked)| {
            let note = if *revoked { " (đã thu hồi)" } else { "" };
            (*rid, format!("{form} — {decision}{note}"), *revoked)
        })
        .collect();
    let revocations = record
        .revocations
        .iter()
        .map(|(kind, reason, decision, at)| {
            let what = if kind == "reward" {
                "khen thưởng"
            } else {
                "công nhận"
            };
            format!(
                "Đã thu hồi {what} ngày {} theo {decision}. Lý do: {reason}",
                fmt_date(*at)
            )
        })
        .collect();
    let on_register = matches!(
        e.state,
        EntryState::Recognised | EntryState::Outstanding | EntryState::Rewarded
    );
    let reports = record
        .reports
        .iter()
        .map(|r| {
            let status = match r.outcome.as_deref() {
                Some("continuing") => "tiếp tục duy trì".to_owned(),
                Some(_) => format!("đưa ra khỏi danh sách: {}", r.outcome_reason),
                None => "chờ rà soát".to_owned(),
            };
            let text = format!(
                "{} {} ({status})",
                if r.operating {
                    "Đang hoạt động."
                } else {
                    "Đã ngừng hoạt động."
                },
                r.results
            );
            (r.year, text, r.outcome.is_none())
        })
        .collect();
    let this_year = current_year();
    let current_phase = cat
        .phases
        .iter()
        .find(|p| (p.first_year..=p.last_year).contains(&this_year));
    let carry_to = match current_phase {
        Some(p)
            if on_register
                && p.code != r.phase
                && user.actor.has_role(dvk_domain::auth::Role::UnitOfficer) =>
        {
            p.code.clone()
        }
        _ => String::new(),
    };
    let page = EntryPage {
        typed,
        carry_to,
        reports,
        can_report: on_register
            && user
                .actor
                .holds(dvk_domain::auth::Role::UnitOfficer, &e.unit_path),
        can_review: on_register
            && user
                .actor
                .holds(dvk_domain::auth::Role::MovementOfficer, &e.confirming_path),
        this_year: current_year(),
        proposable,
        rewards,
        revocations,
        can_mark_outstanding: auth::check_transition(&user.actor, Transition::MarkOutstanding, &sc)
            .is_ok(),
        can_revoke: auth::check_transition(&user.actor, Transition::Revoke, &sc).is_ok(),
        printable,
        documents,
        recognised,
        layout: Layout::new(
            dvk_domain::text::truncate_words(r.title(), 60),
            Some(&user.info),
            &user.csrf,
            "entries",
        ),
        id: e.id,
        title: r.title().to_owned(),
        state: e.state.label().to_owned(),
        state_css: e.state.code().to_owned(),
        state_reason: if matches!(
            e.state,
            EntryState::Returned
                | EntryState::Withdrawn
                | EntryState::NotRecognised
                | EntryState::Revoked
        ) {
            e.state_reason.clone()
        } else {
            String::new()
        },
        facts,
        items,
        person,
        attachments: attachments
            .iter()
            .map(|a| AttachmentView {
                id: a.id,
                name: a.file_name.clone(),
                size: fmt_size(a.size),
                at: fmt_date(a.created_at),
            })
            .collect(),
        can_upload: auth::check_add_evidence(&user.actor, &sc).is_ok(),
        can_edit: auth::check_edit_entry(&user.actor, &sc).is_ok(),
        actions,
        version: e.version,
        history,
        similar: crate::views::SimilarView::list(
            &dvk_store::similar::similar_to_viewed(&state.db, &user.actor, e).await?,
        ),
        // Read only for an entry in a lineage: a plain entry's page stays
        // at its few statements.
        lineage: if r.replicates.is_some() || record.replicas > 0 {
            let tree = state.units(0).await?;
            let l = dvk_store::lineage::lineage(
                &state.db,
                &tree,
                dvk_store::lineage::Reader::Staff(&user.actor),
                e.id,
            )
            .await?;
            Some(crate::views::LineageView::of(
                &l,
                |id| format!("/entries/{id}"),
                if record.replicas > 0 {
                    format!("/entries?replicates={}", e.id)
                } else {
                    String::new()
                },
            ))
        } else {
            None
        },
        notice: notice.to_owned(),
        errors,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransitionForm {
    action: String,
    reason: String,
    version: String,
}

pub async fn transition(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(form): VnForm<TransitionForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let Some(t) =
        Transition::parse(form.action.trim()).filter(|t| REGISTRATION_TRANSITIONS.contains(t))
    else {
        return Err(AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Thao tác không hợp lệ.".into(),
        ));
    };
    let version = form.version.trim().parse::<i64>().unwrap_or(-1);
    match service::transition(&state.db, &user.actor, id, t, &form.reason, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/entries/{id}?msg={}", t.code())).into_response()),
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_) | ServiceError::Denied(_)),
        ) => {
            let status = status_of(&e);
            let errors = match e {
                ServiceError::Invalid(list) => {
                    let mut v = vec!["Chưa thực hiện được:".to_owned()];
                    v.extend(list.into_iter().map(|f| f.message));
                    v
                }
                other => vec![other.to_string()],
            };
            render_detail(&state, &user, id, "", errors, Default::default(), status).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    // Authority and room first: a refused upload's body is never read.
    if let Err(e) = service::evidence_slot(&state.db, &user.actor, id).await {
        return evidence_refused(&state, &user, id, e).await;
    }
    let too_big = || {
        AppError::Page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Tệp quá lớn",
            "Tệp vượt quá 20 MB. Không có gì được lưu.".into(),
        )
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => {
                return Err(AppError::Page(
                    StatusCode::BAD_REQUEST,
                    "Dữ liệu chưa hợp lệ",
                    "Không đọc được tệp gửi lên.".into(),
                ))
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    AppError::Page(
                        StatusCode::BAD_REQUEST,
                        "Dữ liệu chưa hợp lệ",
                        "Không đọc được tệp gửi lên.".into(),
                    )
                }
            })?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    match service::add_attachment(&state.db, &user.actor, id, &name, &bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/entries/{id}?msg=uploaded")).into_response()),
        Err(e) => evidence_refused(&state, &user, id, e).await,
    }
}

/// The entry page again with why the evidence was not taken.
async fn evidence_refused(
    state: &AppState,
    user: &User,
    id: i64,
    e: ServiceError,
) -> AppResult<Response> {
    match e {
        ServiceError::Invalid(list) => {
            render_detail(
                state,
                user,
                id,
                "",
                list.into_iter().map(|f| f.message).collect(),
                Default::default(),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        e @ ServiceError::Denied(_) => {
            render_detail(
                state,
                user,
                id,
                "",
                vec![e.to_string()],
                Default::default(),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        e => Err(e.into()),
    }
}

pub async fn download(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (a, bytes) = service::download_attachment(&state.db, &user.actor, id).await?;
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(&a.file_name)
    );
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

pub async fn propose(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(f): VnForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let round_id = f
        .iter()
        .find(|(k, _)| k == "round_id")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok());
    let Some(round_id) = round_id else {
        return Err(AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Chọn đợt xét.".into(),
        ));
    };
    let points: std::collections::HashMap<i64, String> = f
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix('c')
                .and_then(|x| x.parse::<i64>().ok())
                .map(|c| (c, v.clone()))
        })
        .collect();
    match dvk_store::appraisal::propose(&state.db, &user.actor, round_id, id, &points).await {
        Ok(None) => Ok(Redirect::to(&format!("/entries/{id}?msg=proposed")).into_response()),
        Ok(Some(_warning)) => {
            Ok(Redirect::to(&format!("/entries/{id}?msg=proposed_quota")).into_response())
        }
        Err(e) => {
            let (status, errors) = user_facing(e)?;
            let typed = Typed::from_pairs(&f);
            render_detail(&state, &user, id, "", errors, typed, status).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    year: String,
    operating: String,
    results: String,
}

pub async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Sent(f, typed): Sent<ReportForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    match dvk_store::review::submit_report(
        &state.db,
        &user.actor,
        id,
        &f.year,
        f.operating == "1",
        &f.results,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/entries/{id}?msg=reported")).into_response()),
        Err(e) => {
            let (status, errors) = crate::error::user_facing(e)?;
            render_detail(&state, &user, id, "", errors, typed, status).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    continuing: String,
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    user: User,
    Path((id, year)): Path<(String, String)>,
    Sent(f, typed): Sent<ReviewForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let year = parse_id(&year)? as i32;
    // Which year's form it was, to show its reason again on a refusal.
    let typed = typed.with("review_year", year.to_string());
    match dvk_store::review::review(
        &state.db,
        &user.actor,
        id,
        year,
        f.continuing == "1",
        &f.reason,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/entries/{id}?msg=reviewed")).into_response()),
        Err(e) => {
            let (status, errors) = crate::error::user_facing(e)?;
            render_detail(&state, &user, id, "", errors, typed, status).await
        }
    }
}

pub async fn carry(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    match dvk_store::review::carry_over(&state.db, &state.catalogue, &user.actor, id).await {
        Ok(new_id) => Ok(Redirect::to(&format!("/entries/{new_id}?msg=carried")).into_response()),
        Err(e) => {
            let (status, errors) = user_facing(e)?;
            render_detail(&state, &user, id, "", errors, Default::default(), status).await
        }
    }
}
