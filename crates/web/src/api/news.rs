//! The portal's news for other sites (no token, within the public
//! budget): published articles only.

use super::entries::paging;
use super::{instant, ApiPath, ApiQuery, ApiResult};
use crate::client::ClientIp;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use dvk_store::news::ArticleLine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct NewsQuery {
    pub page: Option<i64>,
    /// 1–100, default 20.
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NewsSummary {
    /// The article's address on the portal: `/tin-tuc/{slug}`.
    pub slug: String,
    pub title: String,
    /// The lead (sapo), plain text.
    pub lead: String,
    /// First published (RFC 3339).
    pub published_at: String,
    pub updated_at: String,
    /// `/tin-tuc/anh/{id}`, or null without a lead image.
    pub image_path: Option<String>,
}

impl NewsSummary {
    fn of(l: &ArticleLine) -> NewsSummary {
        NewsSummary {
            slug: l.slug.clone(),
            title: l.title.clone(),
            lead: l.lead.clone(),
            published_at: instant(l.first_published_at.unwrap_or(l.updated_at)),
            updated_at: instant(l.updated_at),
            image_path: l.has_image.then(|| format!("/tin-tuc/anh/{}", l.id)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewsPage {
    pub items: Vec<NewsSummary>,
    pub page: i64,
    pub per_page: i64,
    /// More articles follow on the next page.
    pub has_more: bool,
}

#[utoipa::path(get, path = "/api/v1/public/news", tag = "Công khai",
    summary = "Tin bài đã đăng (Điểm tin), mới nhất trước",
    params(NewsQuery),
    responses((status = 200, body = NewsPage)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(nq): ApiQuery<NewsQuery>,
) -> ApiResult<Json<NewsPage>> {
    let (page, per_page) = paging(nq.page, nq.per_page, 20)?;
    let (lines, has_more) = dvk_store::news::published(&state.db, page, per_page).await?;
    Ok(Json(NewsPage {
        items: lines.iter().map(NewsSummary::of).collect(),
        page,
        per_page,
        has_more,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LinkedModel {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewsArticle {
    #[serde(flatten)]
    pub summary: NewsSummary,
    pub author: String,
    /// The body as written (Markdown).
    pub body_markdown: String,
    /// The body as the portal shows it: HTML, sanitised.
    pub body_html: String,
    pub image_alt: String,
    pub views: i64,
    /// Recognised models the article is about (only those still recognised).
    pub models: Vec<LinkedModel>,
}

#[utoipa::path(get, path = "/api/v1/public/news/{slug}", tag = "Công khai",
    summary = "Một tin bài đã đăng",
    params(("slug" = String, Path, description = "Đường dẫn của bài (không dấu)")),
    responses((status = 200, body = NewsArticle)))]
pub async fn article(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<NewsArticle>> {
    let visitor = crate::pages::public::visitor_of(&state, client);
    let a = dvk_store::news::public_article(&state.db, &slug, Some(&visitor)).await?;
    Ok(Json(NewsArticle {
        summary: NewsSummary::of(&a.line),
        author: a.line.author.clone(),
        body_html: dvk_docs::markdown::to_html(&a.body),
        body_markdown: a.body,
        image_alt: a.image_alt,
        views: a.line.views,
        models: a
            .models
            .into_iter()
            .map(|m| LinkedModel {
                id: m.id,
                title: m.title,
                unit_name: m.unit_name,
            })
            .collect(),
    }))
}
