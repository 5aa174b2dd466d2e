//! "Nhập từ Excel": a unit's registrations collected on paper, and an
//! admin's accounts for many communes. Upload → preview with the errors of
//! each row and column → confirm; nothing is written before the confirm.

use crate::ctx::User;
use crate::error::{AppError, AppResult};
use crate::form::parse_id;
use crate::views::{Layout, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dvk_domain::auth::Role;
use dvk_store::imports::{self, accounts, registrations, Mode, Preview};
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct RowView {
    pub row: usize,
    pub label: String,
    pub ok: bool,
    pub issues: Vec<String>,
    pub similar: Vec<crate::views::SimilarView>,
}

pub struct PreviewView {
    pub id: i64,
    pub file_name: String,
    pub total: usize,
    pub valid: usize,
    pub invalid: usize,
    pub rows: Vec<RowView>,
    pub confirm_action: String,
    pub similar_checked: usize,
    pub similar_unchecked: usize,
}

impl PreviewView {
    /// Rows with errors first (they are what the user must act on), each
    /// group in the file's order.
    fn of(p: &Preview, confirm_action: String) -> PreviewView {
        let mut rows: Vec<&dvk_store::imports::PreviewRow> = p.rows.iter().collect();
        rows.sort_by_key(|r| (r.ok(), r.row));
        PreviewView {
            id: p.id,
            file_name: p.file_name.clone(),
            total: p.rows.len(),
            valid: p.valid(),
            invalid: p.rows.len() - p.valid(),
            rows: rows
                .into_iter()
                .map(|r| RowView {
                    row: r.row,
                    label: r.label.clone(),
                    ok: r.ok(),
                    issues: r
                        .issues
                        .iter()
                        .map(|i| {
                            if i.column.is_empty() {
                                i.message.clone()
                            } else {
                                format!("Cột “{}”: {}", i.column, i.message)
                            }
                        })
                        .collect(),
                    similar: crate::views::SimilarView::list(&r.similar),
                })
                .collect(),
            confirm_action,
            similar_checked: dvk_store::imports::registrations::SIMILAR_CHECKED_ROWS,
            similar_unchecked: p.similar_unchecked,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub upload_action: String,
    pub unit_opts: Vec<Opt>,
    pub template_href: String,
    pub template_label: String,
    /// Whether the user chooses "all or nothing" or "valid rows only".
    pub choose_mode: bool,
    pub notice: String,
    pub notice_href: String,
    pub errors: Vec<String>,
    pub preview: Option<PreviewView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "import_accounts_done.html")]
pub struct AccountsDonePage {
    pub layout: Layout,
    pub created: Vec<accounts::Created>,
    pub sheet_href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportQuery {
    unit: String,
    done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    mode: String,
}

/// An XLSX to download.
pub fn xlsx_file(name: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(dvk_sheets::XLSX_MIME),
    );
    if let Ok(v) = HeaderValue::from_str(&crate::documents::disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

fn messages(e: ServiceError) -> Result<Vec<String>, AppError> {
    match e {
        ServiceError::Invalid(list) => Ok(list.into_iter().map(|f| f.message).collect()),
        ServiceError::Conflict(m) => Ok(vec![m]),
        e => Err(e.into()),
    }
}

// ---- registrations ----

async fn entries_page_with(
    state: &AppState,
    user: &User,
    unit: &str,
    notice: (String, String),
    errors: Vec<String>,
    preview: Option<PreviewView>,
    status: StatusCode,
) -> AppResult<Response> {
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&user.actor.registering_roots(), 3);
    if units.is_empty() {
        return Err(
            ServiceError::Denied(dvk_domain::auth::Denied::NoRole("nhập hồ sơ đăng ký")).into(),
        );
    }
    let current = if unit.is_empty() {
        units[0].id.to_string()
    } else {
        unit.to_owned()
    };
    let page = ImportPage {
        layout: Layout::new("Nhập hồ sơ từ Excel", Some(&user.info), &user.csrf, "new"),
        heading: "Nhập hồ sơ đăng ký từ Excel".into(),
        intro: format!(
            "Đơn vị đã thu phiếu đăng ký trên giấy thì tải mẫu Excel, điền mỗi hồ sơ một dòng rồi tải lên. DVK kiểm tra từng dòng và cho xem trước; chỉ khi bạn xác nhận, các dòng mới thành hồ sơ nháp của đơn vị (mỗi tệp tối đa {} dòng, {} MB). Danh sách hồ sơ xuất từ DVK cũng nhập được theo cách này.",
            registrations::MAX_ROWS,
            imports::MAX_IMPORT_BYTES >> 20
        ),
        upload_action: format!("/entries/import?csrf={}", user.csrf),
        unit_opts: super::unit_options(&units, &current),
        template_href: "/entries/import/template".into(),
        template_label: "Tải mẫu nhập hồ sơ (XLSX) cho đơn vị đã chọn".into(),
        choose_mode: true,
        notice: notice.0,
        notice_href: notice.1,
        errors,
        preview,
    };
    Ok((status, page).into_response())
}

pub async fn entries_page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ImportQuery>,
) -> AppResult<Response> {
    let notice = match q.done.parse::<usize>() {
        Ok(n) => (
            format!("Đã nhập {n} hồ sơ nháp. Kiểm tra, bổ sung minh chứng rồi gửi từng hồ sơ."),
            format!("/entries?unit={}&state=draft", q.unit),
        ),
        Err(_) => (String::new(), String::new()),
    };
    entries_page_with(
        &state,
        &user,
        &q.unit,
        notice,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn entries_template(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ImportQuery>,
) -> AppResult<Response> {
    let unit_id = parse_id(&q.unit)?;
    let bytes = registrations::template(&state.db, &state.catalogue, &user.actor, unit_id).await?;
    Ok(xlsx_file("Mẫu nhập hồ sơ đăng ký.xlsx", bytes))
}

pub async fn entries_upload(
    State(state): State<AppState>,
    user: User,
    multipart: Multipart,
) -> AppResult<Response> {
    let none = (String::new(), String::new());
    let (fields, file) = match crate::form::read_upload(multipart, imports::MAX_IMPORT_BYTES).await
    {
        Ok(x) => x,
        Err((status, m)) => {
            return entries_page_with(&state, &user, "", none, vec![m], None, status).await
        }
    };
    let unit = fields
        .iter()
        .find(|(k, _)| k == "unit_id")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let Some((name, bytes)) = file else {
        return entries_page_with(
            &state,
            &user,
            &unit,
            none,
            vec!["Chọn tệp Excel (.xlsx) để tải lên.".into()],
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let unit_id = unit.parse::<i64>().unwrap_or(0);
    match registrations::preview(
        &state.db,
        &state.catalogue,
        &user.actor,
        unit_id,
        &name,
        &bytes,
    )
    .await
    {
        Ok(p) => {
            let view = PreviewView::of(&p, format!("/entries/import/{}", p.id));
            entries_page_with(
                &state,
                &user,
                &unit,
                none,
                Vec::new(),
                Some(view),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let errors = messages(e)?;
            entries_page_with(
                &state,
                &user,
                &unit,
                none,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn entries_confirm(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let mode = Mode::parse(&form.mode).ok_or_else(|| {
        AppError::Page(
            StatusCode::BAD_REQUEST,
            "Dữ liệu chưa hợp lệ",
            "Chọn cách nhập: tất cả hoặc không, hoặc chỉ các dòng hợp lệ.".into(),
        )
    })?;
    match registrations::confirm(&state.db, &state.catalogue, &user.actor, id, mode).await {
        Ok(ids) => {
            let unit = match ids.first() {
                Some(first) => dvk_store::service::view_entry(&state.db, &user.actor, *first)
                    .await
                    .map(|e| e.registration.unit_id.to_string())
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok(
                Redirect::to(&format!("/entries/import?done={}&unit={unit}", ids.len()))
                    .into_response(),
            )
        }
        Err(ServiceError::Conflict(m)) => {
            let (p, unit) =
                registrations::pending_preview(&state.db, &state.catalogue, &user.actor, id)
                    .await?;
            let view = PreviewView::of(&p, format!("/entries/import/{}", p.id));
            entries_page_with(
                &state,
                &user,
                &unit.id.to_string(),
                (String::new(), String::new()),
                vec![m],
                Some(view),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- accounts ----

fn admin_only(user: &User) -> AppResult<()> {
    if user.actor.grants.iter().any(|g| g.role == Role::Admin) {
        Ok(())
    } else {
        Err(ServiceError::Denied(dvk_domain::auth::Denied::NoRole("nhập tài khoản")).into())
    }
}

fn accounts_page_with(
    user: &User,
    errors: Vec<String>,
    preview: Option<PreviewView>,
    status: StatusCode,
) -> Response {
    let page = ImportPage {
        layout: Layout::new("Nhập tài khoản từ Excel", Some(&user.info), &user.csrf, "admin"),
        heading: "Nhập tài khoản và vai trò từ Excel hoặc CSV".into(),
        intro: format!(
            "Dùng khi thiết lập nhiều xã, phường cùng lúc. Mỗi dòng một vai trò: tên đăng nhập, họ và tên, thư điện tử (không bắt buộc), mã đơn vị (hoặc tên đơn vị), vai trò. Một người nhiều vai trò thì ghi nhiều dòng cùng tên đăng nhập. DVK kiểm tra và cho xem trước; khi xác nhận, mọi tài khoản được tạo cùng lúc (có dòng lỗi thì không tạo tài khoản nào), mỗi tài khoản có mật khẩu dùng một lần chỉ hiện một lần và phải đổi ở lần đăng nhập đầu tiên (mỗi tệp tối đa {} dòng).",
            accounts::MAX_ROWS
        ),
        upload_action: format!("/admin/users/import?csrf={}", user.csrf),
        unit_opts: Vec::new(),
        template_href: "/admin/users/import/template".into(),
        template_label: "Tải mẫu danh sách tài khoản (XLSX)".into(),
        choose_mode: false,
        notice: String::new(),
        notice_href: String::new(),
        errors,
        preview,
    };
    (status, page).into_response()
}

pub async fn accounts_page(user: User) -> AppResult<Response> {
    admin_only(&user)?;
    Ok(accounts_page_with(&user, Vec::new(), None, StatusCode::OK))
}

pub async fn accounts_template(State(state): State<AppState>, user: User) -> AppResult<Response> {
    let bytes = accounts::template(&state.db, &user.actor).await?;
    Ok(xlsx_file("Mẫu nhập tài khoản.xlsx", bytes))
}

pub async fn accounts_upload(
    State(state): State<AppState>,
    user: User,
    multipart: Multipart,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (_, file) = match crate::form::read_upload(multipart, imports::MAX_IMPORT_BYTES).await {
        Ok(x) => x,
        Err((status, m)) => return Ok(accounts_page_with(&user, vec![m], None, status)),
    };
    let Some((name, bytes)) = file else {
        return Ok(accounts_page_with(
            &user,
            vec!["Chọn tệp Excel (.xlsx) hoặc CSV để tải lên.".into()],
            None,
            StatusCode::BAD_REQUEST,
        ));
    };
    match accounts::preview(&state.db, &user.actor, &name, &bytes).await {
        Ok(p) => {
            let view = PreviewView::of(&p, format!("/admin/users/import/{}", p.id));
            Ok(accounts_page_with(
                &user,
                Vec::new(),
                Some(view),
                StatusCode::OK,
            ))
        }
        Err(e) => {
            let errors = messages(e)?;
            Ok(accounts_page_with(
                &user,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

pub async fn accounts_confirm(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    match accounts::confirm(&state.db, &user.actor, id).await {
        Ok(created) => {
            let unit = user
                .info
                .grants
                .iter()
                .find(|g| g.role == Role::Admin)
                .map(|g| g.unit_name.clone())
                .unwrap_or_default();
            let dir = tempfile::tempdir()
                .map_err(|e| ServiceError::from(dvk_store::StoreError::Config(e.to_string())))?;
            let sheet = accounts::passwords_sheet(&created, &unit, dir.path())
                .map_err(ServiceError::from)?;
            use base64::Engine;
            let sheet_href = format!(
                "data:{};base64,{}",
                dvk_sheets::XLSX_MIME,
                base64::engine::general_purpose::STANDARD.encode(sheet)
            );
            let page = AccountsDonePage {
                layout: Layout::new("Tài khoản đã tạo", Some(&user.info), &user.csrf, "admin"),
                created,
                sheet_href,
            };
            let mut res = page.into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(ServiceError::Conflict(m)) => {
            let p = accounts::pending_preview(&state.db, &user.actor, id).await?;
            let view = PreviewView::of(&p, format!("/admin/users/import/{}", p.id));
            Ok(accounts_page_with(
                &user,
                vec![m],
                Some(view),
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
