//! The secretariat's side of the portal's news (Điểm tin): the list of
//! articles, the form that writes and previews one, publishing and
//! withdrawing it. The public side is `portal`.

use crate::ctx::User;
use crate::error::{user_facing, AppError, AppResult};
use crate::form::{parse_id, read_upload, VnForm};
use crate::views::{fmt_datetime, Errors, Layout};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use dvk_docs::images::{web_image, MAX_IMAGE_BYTES};
use dvk_domain::entry::FieldError;
use dvk_domain::news::ArticleText;
use dvk_store::news::{self, Article, ImageChange};
use dvk_store::ServiceError;
use serde::Deserialize;

pub struct ArticleRow {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub published: bool,
    pub date: String,
    pub author: String,
    pub views: i64,
    pub slug: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "news_list.html")]
pub struct NewsListPage {
    pub layout: Layout,
    pub rows: Vec<ArticleRow>,
}

pub async fn list(State(state): State<AppState>, user: User) -> AppResult<Response> {
    let lines = news::articles_for(&state.db, &user.actor).await?;
    let rows = lines
        .into_iter()
        .map(|l| ArticleRow {
            id: l.id,
            state: match (l.published, l.first_published_at) {
                (true, _) => "Đã đăng",
                (false, Some(_)) => "Đã gỡ xuống",
                (false, None) => "Bản nháp",
            },
            published: l.published,
            date: fmt_datetime(l.first_published_at.unwrap_or(l.updated_at)),
            author: l.author,
            views: l.views,
            slug: l.slug,
            title: l.title,
        })
        .collect();
    Ok(NewsListPage {
        layout: Layout::new("Tin bài", Some(&user.info), &user.csrf, "news"),
        rows,
    }
    .into_response())
}

/// What the form shows: typed values (kept on every error) and, for a
/// saved article, its preview.
#[derive(Default)]
pub struct FormValues {
    pub title: String,
    pub lead: String,
    pub body: String,
    pub image_alt: String,
    pub models: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "news_form.html")]
pub struct NewsFormPage {
    pub layout: Layout,
    /// 0 for a new article.
    pub id: i64,
    pub v: FormValues,
    pub errors: Errors,
    pub notice: &'static str,
    pub published: bool,
    pub ever_published: bool,
    pub slug: String,
    pub has_image: bool,
    /// The saved version, rendered as readers will see it.
    pub preview_lead: String,
    pub preview_html: String,
    pub preview_models: Vec<(i64, String, String)>,
}

fn values_of(a: &Article) -> FormValues {
    FormValues {
        title: a.line.title.clone(),
        lead: a.line.lead.clone(),
        body: a.body.clone(),
        image_alt: a.image_alt.clone(),
        models: a
            .models
            .iter()
            .map(|m| m.id.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn form_page(
    user: &User,
    saved: Option<&Article>,
    v: FormValues,
    errors: Errors,
    notice: &'static str,
) -> NewsFormPage {
    let title = match saved {
        Some(a) => format!(
            "Sửa bài: {}",
            dvk_domain::text::truncate_words(&a.line.title, 60)
        ),
        None => "Viết bài mới".to_owned(),
    };
    NewsFormPage {
        layout: Layout::new(title, Some(&user.info), &user.csrf, "news"),
        id: saved.map(|a| a.line.id).unwrap_or(0),
        v,
        errors,
        notice,
        published: saved.is_some_and(|a| a.line.published),
        ever_published: saved.is_some_and(|a| a.line.first_published_at.is_some()),
        slug: saved.map(|a| a.line.slug.clone()).unwrap_or_default(),
        has_image: saved.is_some_and(|a| a.image_size.is_some()),
        preview_lead: saved.map(|a| a.line.lead.clone()).unwrap_or_default(),
        preview_html: saved
            .map(|a| dvk_docs::markdown::to_html(&a.body))
            .unwrap_or_default(),
        preview_models: saved
            .map(|a| {
                a.models
                    .iter()
                    .map(|m| (m.id, m.title.clone(), m.unit_name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub async fn new_form(State(state): State<AppState>, user: User) -> AppResult<Response> {
    // The same refusal as the list's for those who may not write.
    news::articles_for(&state.db, &user.actor).await?;
    Ok(form_page(&user, None, FormValues::default(), Errors::default(), "").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MsgQuery {
    msg: String,
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(mq): Query<MsgQuery>,
) -> AppResult<Response> {
    let a = news::article_for_edit(&state.db, &user.actor, parse_id(&id)?).await?;
    let notice = match mq.msg.as_str() {
        "saved" => "Đã lưu. Bản xem trước bên dưới là đúng như bạn đọc sẽ thấy.",
        "published" => "Đã đăng bài lên cổng thông tin.",
        "unpublished" => "Đã gỡ bài khỏi cổng thông tin; bạn đọc không còn thấy bài.",
        _ => "",
    };
    Ok(form_page(&user, Some(&a), values_of(&a), Errors::default(), notice).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    multipart: Multipart,
) -> AppResult<Response> {
    save(state, user, None, multipart).await
}

pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save(state, user, Some(id), multipart).await
}

async fn save(
    state: AppState,
    user: User,
    id: Option<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    // Authority first: a refused writer's upload is never looked at.
    let saved = match id {
        Some(id) => Some(news::article_for_edit(&state.db, &user.actor, id).await?),
        None => {
            news::articles_for(&state.db, &user.actor).await?;
            None
        }
    };
    let (fields, file) = read_upload(multipart, MAX_IMAGE_BYTES)
        .await
        .map_err(|(status, m)| AppError::Page(status, "Không lưu được bài", m))?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let v = FormValues {
        title: field("title"),
        lead: field("lead"),
        body: field("body"),
        image_alt: field("image_alt"),
        models: field("models"),
    };
    let refuse = |errors: Vec<FieldError>, status: StatusCode, v: FormValues| {
        let mut page = form_page(&user, saved.as_ref(), v, Errors::from_list(&errors), "");
        page.notice = "";
        (status, page).into_response()
    };
    let text = match ArticleText::parse(&v.title, &v.lead, &v.body, &v.image_alt, &v.models) {
        Ok(t) => t,
        Err(errors) => return Ok(refuse(errors, StatusCode::UNPROCESSABLE_ENTITY, v)),
    };
    let image = match file {
        Some((_, bytes)) => match tokio::task::spawn_blocking(move || web_image(&bytes)).await {
            Ok(Ok(img)) => ImageChange::Replace(img),
            Ok(Err(e)) => {
                return Ok(refuse(
                    vec![FieldError::new("image", e.to_string())],
                    StatusCode::UNPROCESSABLE_ENTITY,
                    v,
                ))
            }
            Err(e) => return Err(dvk_store::StoreError::Data(format!("xử lý ảnh: {e}")).into()),
        },
        None if field("remove_image") == "1" => ImageChange::Remove,
        None => ImageChange::Keep,
    };
    match news::save_article(&state.db, &user.actor, id, &text, image).await {
        Ok(id) => Ok(Redirect::to(&format!("/news/{id}?msg=saved#xem-truoc")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            Ok(refuse(errors, StatusCode::UNPROCESSABLE_ENTITY, v))
        }
        Err(e) => {
            let (status, messages) = user_facing(e)?;
            Ok(refuse(
                messages
                    .into_iter()
                    .map(|m| FieldError::new("", m))
                    .collect(),
                status,
                v,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublishForm {
    /// "1" publishes, anything else withdraws.
    publish: String,
}

pub async fn publish(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    VnForm(form): VnForm<PublishForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let on = form.publish == "1";
    news::set_published(&state.db, &user.actor, id, on).await?;
    let msg = if on { "published" } else { "unpublished" };
    Ok(Redirect::to(&format!("/news/{id}?msg={msg}")).into_response())
}

/// The lead image of an article being written (drafts included).
pub async fn image(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (mime, bytes) = news::article_image(&state.db, Some(&user.actor), parse_id(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-cache".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
