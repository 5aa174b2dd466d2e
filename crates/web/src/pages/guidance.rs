//! The secretariat's side of the guidance library: upload a PDF or Word
//! document with its description, hide or show it again. The public side
//! is `portal::library`.

use crate::ctx::User;
use crate::error::{user_facing, AppError, AppResult};
use crate::form::{parse_id, read_upload, VnForm};
use crate::views::{fmt_datetime, fmt_iso_date, fmt_size, Errors, Layout};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dvk_domain::entry::FieldError;
use dvk_domain::evidence::MAX_EVIDENCE_BYTES;
use dvk_domain::news::GuidanceText;
use dvk_store::guidance;
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct DocRow {
    pub id: i64,
    pub title: String,
    pub meta: String,
    pub added: String,
    pub shown: bool,
}

#[derive(Default)]
pub struct Typed {
    pub title: String,
    pub number: String,
    pub issued_on: String,
    pub description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "guidance_admin.html")]
pub struct GuidancePage {
    pub layout: Layout,
    pub rows: Vec<DocRow>,
    pub v: Typed,
    pub errors: Errors,
    pub notice: &'static str,
}

async fn render(
    state: &AppState,
    user: &User,
    v: Typed,
    errors: Vec<FieldError>,
    notice: &'static str,
    status: StatusCode,
) -> AppResult<Response> {
    let docs = guidance::library_for(&state.db, &user.actor).await?;
    let rows = docs
        .iter()
        .map(|d| DocRow {
            id: d.id,
            title: d.title.clone(),
            meta: [
                d.number.clone(),
                if d.issued_on.is_empty() {
                    String::new()
                } else {
                    fmt_iso_date(&d.issued_on)
                },
                format!("{} ({})", d.file_name, fmt_size(d.size)),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            added: fmt_datetime(d.created_at),
            shown: d.published,
        })
        .collect();
    let page = GuidancePage {
        layout: Layout::new("Thư viện văn bản", Some(&user.info), &user.csrf, "news"),
        rows,
        v,
        errors: Errors::from_list(&errors),
        notice,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let notice = match mq.msg.as_str() {
        "added" => "Đã thêm văn bản vào thư viện; bạn đọc tải được ngay.",
        "hidden" => "Đã ẩn văn bản khỏi thư viện công khai.",
        "shown" => "Văn bản đã hiện lại trong thư viện công khai.",
        _ => "",
    };
    render(
        &state,
        &user,
        Typed::default(),
        Vec::new(),
        notice,
        StatusCode::OK,
    )
    .await
}

pub async fn add(
    State(state): State<AppState>,
    user: User,
    multipart: Multipart,
) -> AppResult<Response> {
    // Authority first: a refused upload is never looked at.
    guidance::library_for(&state.db, &user.actor).await?;
    let (fields, file) = read_upload(multipart, MAX_EVIDENCE_BYTES)
        .await
        .map_err(|(status, m)| AppError::Page(status, "Không lưu được văn bản", m))?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let v = Typed {
        title: field("title"),
        number: field("number"),
        issued_on: field("issued_on"),
        description: field("description"),
    };
    let text = match GuidanceText::parse(&v.title, &v.number, &v.issued_on, &v.description) {
        Ok(t) => t,
        Err(errors) => {
            return render(
                &state,
                &user,
                v,
                errors,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (name, bytes) = file.unwrap_or_default();
    match guidance::add_guidance(&state.db, &user.actor, &text, &name, &bytes).await {
        Ok(_) => Ok(Redirect::to("/guidance?msg=added").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            render(
                &state,
                &user,
                v,
                errors,
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => {
            let (status, messages) = user_facing(e)?;
            let errors = messages
                .into_iter()
                .map(|m| FieldError::new("file", m))
                .collect();
            render(&state, &user, v, errors, "", status).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowForm {
    /// "1" shows, anything else hides.
    show: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(form): VnForm<ShowForm>,
) -> AppResult<Response> {
    let on = form.show == "1";
    guidance::set_shown(&state.db, &user.actor, parse_id(&id)?, on).await?;
    let msg = if on { "shown" } else { "hidden" };
    Ok(Redirect::to(&format!("/guidance?msg={msg}")).into_response())
}

/// A document's file for those who manage it (hidden ones included).
pub async fn file(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (doc, bytes) =
        guidance::guidance_file(&state.db, Some(&user.actor), parse_id(&id)?).await?;
    Ok(crate::pages::portal::file_response(
        &doc,
        bytes,
        "private, no-cache",
    ))
}
