//! "Mẫu văn bản": admins upload their province's own forms, see the
//! placeholders DVK fills, preview a version with real records, retire
//! it, and download the built-in form as a starting point.

use crate::ctx::User;
use crate::documents::{respond, DocLink};
use crate::error::{AppError, AppResult};
use crate::form::parse_id;
use crate::views::{Layout, Opt};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_docs::kinds::fields::TemplateKind;
use dvk_domain::auth::Role;
use dvk_store::documents::templates as tpl;
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct KindView {
    pub code: &'static str,
    pub label: &'static str,
    pub placeholders: Vec<(&'static str, &'static str)>,
    pub start: DocLink,
}

pub struct VersionView {
    pub id: i64,
    pub kind: &'static str,
    pub unit: String,
    pub version: i64,
    pub file_name: String,
    pub uploaded: String,
    pub placeholders: String,
    pub retired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_templates.html")]
pub struct TemplatesPage {
    pub layout: Layout,
    pub kinds: Vec<KindView>,
    pub versions: Vec<VersionView>,
    pub kind_opts: Vec<Opt>,
    pub unit_opts: Vec<Opt>,
    pub notice: String,
    pub errors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Msg {
    msg: String,
}

async fn render(
    state: &AppState,
    user: &User,
    notice: &str,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let versions = tpl::templates_for(&state.db, &user.actor).await?;
    let roots: Vec<_> = user
        .actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| g.unit.clone())
        .collect();
    let units = state
        .units(user.info.units_version)
        .await?
        .within(&roots, 1);
    let page = TemplatesPage {
        layout: Layout::new("Mẫu văn bản", Some(&user.info), &user.csrf, "templates"),
        kinds: TemplateKind::ALL
            .iter()
            .map(|k| KindView {
                code: k.code(),
                label: k.label(),
                placeholders: k.placeholders(),
                start: DocLink::at(
                    state,
                    &format!("/admin/templates/start/{}", k.code()),
                    "",
                    "Tải mẫu gốc của DVK",
                ),
            })
            .collect(),
        versions: versions
            .into_iter()
            .map(|v| VersionView {
                id: v.id,
                kind: v.kind.label(),
                unit: v.unit_name,
                version: v.version,
                file_name: v.file_name,
                uploaded: format!(
                    "{} · {}",
                    v.uploaded_by,
                    dvk_domain::calendar::show_datetime(v.created_at)
                ),
                placeholders: v.placeholders.join(", "),
                retired: v.retired,
            })
            .collect(),
        kind_opts: TemplateKind::ALL
            .iter()
            .map(|k| Opt::new(k.code(), k.label(), ""))
            .collect(),
        unit_opts: units
            .iter()
            .map(|u| Opt::new(u.id.to_string(), u.name.clone(), ""))
            .collect(),
        notice: notice.to_owned(),
        errors,
    };
    Ok((status, page).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(m): Query<Msg>,
) -> AppResult<Response> {
    let notice = match m.msg.as_str() {
        "uploaded" => {
            "Đã lưu mẫu văn bản; từ nay văn bản loại này của đơn vị được điền vào mẫu mới."
        }
        "retired" => "Đã ngừng dùng phiên bản mẫu.",
        _ => "",
    };
    render(&state, &user, notice, Vec::new(), StatusCode::OK).await
}

fn unreadable() -> AppError {
    AppError::Page(
        StatusCode::BAD_REQUEST,
        "Dữ liệu chưa hợp lệ",
        "Không đọc được tệp gửi lên.".into(),
    )
}

pub async fn upload(
    State(state): State<AppState>,
    user: User,
    mut multipart: Multipart,
) -> AppResult<Response> {
    // Only admins may send one: refused before the body is read.
    if !user.actor.grants.iter().any(|g| g.role == Role::Admin) {
        return Err(
            ServiceError::Denied(dvk_domain::auth::Denied::NoRole("quản lý mẫu văn bản")).into(),
        );
    }
    let (mut kind, mut unit, mut file) = (String::new(), String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("kind") => kind = field.text().await.map_err(|_| unreadable())?,
            Some("unit_id") => unit = field.text().await.map_err(|_| unreadable())?,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                if bytes.len() > dvk_docs::template::MAX_TEMPLATE_BYTES {
                    return render(
                        &state,
                        &user,
                        "",
                        vec![dvk_docs::template::TemplateError::TooLarge.to_string()],
                        StatusCode::PAYLOAD_TOO_LARGE,
                    )
                    .await;
                }
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render(
            &state,
            &user,
            "",
            vec!["Chọn tệp mẫu .docx.".into()],
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let unit_id = unit.trim().parse::<i64>().unwrap_or(0);
    match tpl::upload_template(&state.db, &user.actor, kind.trim(), unit_id, &name, &bytes).await {
        Ok(_) => Ok(Redirect::to("/admin/templates?msg=uploaded").into_response()),
        Err(ServiceError::Invalid(list)) => {
            let errors = list.into_iter().map(|f| f.message).collect();
            render(&state, &user, "", errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn retire(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    tpl::retire_template(&state.db, &user.actor, parse_id(&id)?).await?;
    Ok(Redirect::to("/admin/templates?msg=retired").into_response())
}

async fn send(state: &AppState, file: dvk_store::documents::DocFile) -> AppResult<Response> {
    respond(state, file, false, crate::pdf::Caller::SignedIn)
        .await
        .map_err(|e| {
            let (status, message) = crate::documents::pdf_failure(&e);
            AppError::Page(status, "Không tải được", message)
        })
}

pub async fn file(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let f = tpl::template_file(&state.db, &user.actor, parse_id(&id)?).await?;
    send(&state, f).await
}

pub async fn preview(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let f = tpl::preview(&state.db, &user.actor, parse_id(&id)?).await?;
    send(&state, f).await
}

pub async fn start(
    State(state): State<AppState>,
    _user: User,
    Path(kind): Path<String>,
) -> AppResult<Response> {
    let f = tpl::starting_point(&kind)?;
    send(&state, f).await
}
