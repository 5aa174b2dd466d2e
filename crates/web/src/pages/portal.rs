//! The public portal: the home page anonymous visitors land on, the news
//! (Điểm tin) with its Atom feed, the guidance library, the sitemap and
//! Open Graph tags for sharing. Only what is published is ever read here.

use crate::client::ClientIp;
use crate::error::{AppError, AppResult};
use crate::form::parse_id;
use crate::views::{fmt_date, fmt_iso_date, fmt_size};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dvk_store::entries::{EntryFilter, Sort};
use dvk_store::guidance::GuidanceDoc;
use dvk_store::news::ArticleLine;
use dvk_store::service::current_year;
use serde::Deserialize;

/// The address the portal is reached at, for feeds, the sitemap and
/// sharing tags: `DVK_PUBLIC_URL` when set, else the request's host (only
/// a plain host name or address is believed).
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = state
        .config
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'))
        .filter(|u| !u.is_empty())
    {
        return base.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// How long answers that carry the site's address may be kept: shared
/// caches may keep them only when the address is configured; taken from
/// the request's `Host`, it is the visitor's own (it may be forged), so
/// only the visitor's browser keeps it.
fn site_cache(state: &AppState, seconds: u32) -> String {
    let configured = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| !u.trim_end_matches('/').is_empty());
    let scope = if configured { "public" } else { "private" };
    format!("{scope}, max-age={seconds}")
}

/// A news item as lists show it.
pub struct NewsCard {
    pub slug: String,
    pub title: String,
    pub lead: String,
    pub date: String,
    pub image: Option<i64>,
}

impl NewsCard {
    fn of(l: ArticleLine) -> NewsCard {
        NewsCard {
            date: l.first_published_at.map(fmt_date).unwrap_or_default(),
            image: l.has_image.then_some(l.id),
            slug: l.slug,
            lead: dvk_domain::text::truncate_words(&l.lead, 240),
            title: l.title,
        }
    }
}

/// A guidance document as lists show it.
pub struct DocCard {
    pub href: String,
    pub title: String,
    pub meta: String,
    pub description: String,
}

impl DocCard {
    fn of(d: &GuidanceDoc) -> DocCard {
        let mut meta = Vec::new();
        if !d.number.is_empty() {
            meta.push(format!("Số {}", d.number));
        }
        if !d.issued_on.is_empty() {
            meta.push(format!("ngày {}", fmt_iso_date(&d.issued_on)));
        }
        meta.push(format!(
            "{}, {}",
            d.extension().to_uppercase(),
            fmt_size(d.size)
        ));
        DocCard {
            href: format!("/van-ban/{}/{}.{}", d.id, d.slug, d.extension()),
            title: d.title.clone(),
            meta: meta.join(" · "),
            description: d.description.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_home.html")]
pub struct HomePage {
    pub title: String,
    pub og: OpenGraph,
    pub news: Vec<NewsCard>,
    pub models: Vec<(i64, String, String)>,
    pub figures: Vec<(String, &'static str, String)>,
    pub docs: Vec<DocCard>,
}

/// Sharing tags (Open Graph) of a public page.
#[derive(Default)]
pub struct OpenGraph {
    pub kind: &'static str,
    pub url: String,
    pub title: String,
    pub description: String,
    pub image: String,
    pub published: String,
}

/// The home page of a visitor who is not signed in.
pub async fn home(state: &AppState, headers: &HeaderMap) -> AppResult<Response> {
    let base = site_base(state, headers);
    let (news, _) = dvk_store::news::published(&state.db, 1, 4).await?;
    let tree = state.units(0).await?;
    let roots: Vec<_> = tree
        .units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .map(|u| u.path.clone())
        .collect();
    let filter = EntryFilter {
        sort: Sort::parse("", false).or_year(),
        public_only: true,
        page: 1,
        per_page: 6,
        ..Default::default()
    };
    let (models, _) = dvk_store::public::public_models(&state.db, roots, filter).await?;
    let year = current_year();
    let f = dvk_store::public::public_figures(&state.db, year).await?;
    let docs = dvk_store::guidance::public_library(&state.db, 6).await?;
    let n = crate::views::fmt_money;
    let page = HomePage {
        title: "Phong trào thi đua “Dân vận khéo”".into(),
        og: OpenGraph {
            kind: "website",
            url: format!("{base}/"),
            title: "Phong trào thi đua “Dân vận khéo”".into(),
            description: "Tin tức, mô hình, điển hình “Dân vận khéo” được công nhận, văn bản hướng dẫn của phong trào.".into(),
            ..Default::default()
        },
        news: news.into_iter().map(NewsCard::of).collect(),
        models: models
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    m.title,
                    format!("{} · năm {}", m.unit_name, m.year),
                )
            })
            .collect(),
        figures: vec![
            (
                n(f.recognised),
                "mô hình, điển hình đang được công nhận",
                "/mo-hinh".into(),
            ),
            (
                n(f.units),
                "đơn vị có mô hình, điển hình được công nhận",
                "/mo-hinh".into(),
            ),
            (
                n(f.this_year),
                "mô hình, điển hình đăng ký năm nay đã được công nhận",
                format!("/mo-hinh?year={year}"),
            ),
        ],
        docs: docs.iter().map(DocCard::of).collect(),
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_news.html")]
pub struct NewsPage {
    pub title: String,
    pub og: OpenGraph,
    pub news: Vec<NewsCard>,
    pub prev_href: String,
    pub next_href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: String,
}

const NEWS_PER_PAGE: i64 = 12;

pub async fn news(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pq): Query<PageQuery>,
) -> AppResult<Response> {
    let page = pq.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 1000);
    let (lines, more) = dvk_store::news::published(&state.db, page, NEWS_PER_PAGE).await?;
    let base = site_base(&state, &headers);
    Ok(NewsPage {
        title: "Điểm tin".into(),
        og: OpenGraph {
            kind: "website",
            url: format!("{base}/tin-tuc"),
            title: "Điểm tin phong trào “Dân vận khéo”".into(),
            description: "Tin tức về các mô hình, điển hình “Dân vận khéo”.".into(),
            ..Default::default()
        },
        news: lines.into_iter().map(NewsCard::of).collect(),
        prev_href: if page > 1 {
            format!("/tin-tuc?page={}", page - 1)
        } else {
            String::new()
        },
        next_href: if more {
            format!("/tin-tuc?page={}", page + 1)
        } else {
            String::new()
        },
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_article.html")]
pub struct ArticlePage {
    pub title: String,
    pub og: OpenGraph,
    pub id: i64,
    pub lead: String,
    pub body_html: String,
    pub date: String,
    pub updated: String,
    pub author: String,
    pub views: i64,
    pub image: Option<(i64, i64)>,
    pub image_alt: String,
    pub models: Vec<(i64, String, String)>,
}

pub async fn article(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let visitor = crate::pages::public::visitor_of(&state, client);
    let a = dvk_store::news::public_article(&state.db, &slug, Some(&visitor)).await?;
    let base = site_base(&state, &headers);
    let l = &a.line;
    let published = l.first_published_at.unwrap_or(l.updated_at);
    Ok(ArticlePage {
        og: OpenGraph {
            kind: "article",
            url: format!("{base}/tin-tuc/{}", l.slug),
            title: l.title.clone(),
            description: dvk_domain::text::truncate_words(&l.lead, 300),
            image: if a.image_size.is_some() {
                format!("{base}/tin-tuc/anh/{}", l.id)
            } else {
                String::new()
            },
            published: rfc3339(published),
        },
        title: l.title.clone(),
        id: l.id,
        lead: l.lead.clone(),
        body_html: dvk_docs::markdown::to_html(&a.body),
        date: fmt_date(published),
        updated: if l.updated_at > published + 3600 {
            fmt_date(l.updated_at)
        } else {
            String::new()
        },
        author: l.author.clone(),
        views: l.views,
        image: a.image_size,
        image_alt: a.image_alt.clone(),
        models: a
            .models
            .iter()
            .map(|m| (m.id, m.title.clone(), m.unit_name.clone()))
            .collect(),
    }
    .into_response())
}

/// The lead image of a published article.
pub async fn article_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (mime, bytes) = dvk_store::news::article_image(&state.db, None, parse_id(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            // Short: an unpublished article's picture leaves caches soon.
            (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_library.html")]
pub struct LibraryPage {
    pub title: String,
    pub og: OpenGraph,
    pub docs: Vec<DocCard>,
}

pub async fn library(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let docs = dvk_store::guidance::public_library(&state.db, 500).await?;
    let base = site_base(&state, &headers);
    Ok(LibraryPage {
        title: "Văn bản hướng dẫn".into(),
        og: OpenGraph {
            kind: "website",
            url: format!("{base}/van-ban"),
            title: "Văn bản hướng dẫn phong trào “Dân vận khéo”".into(),
            description: "Hướng dẫn, chỉ thị và biểu mẫu của phong trào thi đua “Dân vận khéo”."
                .into(),
            ..Default::default()
        },
        docs: docs.iter().map(DocCard::of).collect(),
    }
    .into_response())
}

/// A shown document's file (the name in the path is for people only).
pub async fn library_file(
    State(state): State<AppState>,
    Path((id, _name)): Path<(String, String)>,
) -> AppResult<Response> {
    let (doc, bytes) = dvk_store::guidance::guidance_file(&state.db, None, parse_id(&id)?).await?;
    Ok(file_response(&doc, bytes, "public, max-age=300"))
}

/// A library file as a download with its checked type.
pub fn file_response(doc: &GuidanceDoc, bytes: Vec<u8>, cache: &'static str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&doc.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&crate::documents::disposition(&doc.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    res
}

pub fn rfc3339(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub struct FeedEntry {
    pub url: String,
    pub title: String,
    pub published: String,
    pub updated: String,
    pub author: String,
    pub summary: String,
    pub content: String,
}

#[derive(Template)]
#[template(path = "feed.xml")]
pub struct Feed {
    pub base: String,
    pub updated: String,
    pub entries: Vec<FeedEntry>,
}

/// The Atom feed of the newest published articles.
pub async fn feed(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let base = site_base(&state, &headers);
    let mut entries = Vec::new();
    for (l, body) in dvk_store::news::newest_with_bodies(&state.db, 20).await? {
        let published = l.first_published_at.unwrap_or(l.updated_at);
        entries.push(FeedEntry {
            url: format!("{base}/tin-tuc/{}", l.slug),
            published: rfc3339(published),
            updated: rfc3339(l.updated_at.max(published)),
            author: if l.author.is_empty() {
                "Ban Dân vận".into()
            } else {
                l.author.clone()
            },
            summary: l.lead.clone(),
            content: dvk_docs::markdown::to_html(&body),
            title: l.title,
        });
    }
    let feed = Feed {
        updated: entries
            .iter()
            .map(|e| e.updated.clone())
            .max()
            .unwrap_or_else(|| rfc3339(0)),
        base,
        entries,
    };
    let body = feed
        .render()
        .map_err(|e| AppError::from(dvk_store::StoreError::Data(format!("tin Atom: {e}"))))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/atom+xml; charset=utf-8".to_owned(),
            ),
            (header::CACHE_CONTROL, site_cache(&state, 300)),
        ],
        body,
    )
        .into_response())
}

pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: String,
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
pub struct Sitemap {
    pub urls: Vec<SitemapUrl>,
}

/// Models listed in the sitemap at most (with the pages and articles it
/// stays under the protocol's 50,000 addresses).
const SITEMAP_MODELS: i64 = 40_000;

pub async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let base = site_base(&state, &headers);
    let mut urls: Vec<SitemapUrl> = ["/", "/tin-tuc", "/mo-hinh", "/van-ban", "/cong-khai"]
        .iter()
        .map(|p| SitemapUrl {
            loc: format!("{base}{p}"),
            lastmod: String::new(),
        })
        .collect();
    let (lines, _) = dvk_store::news::published(&state.db, 1, 5_000).await?;
    urls.extend(lines.into_iter().map(|l| SitemapUrl {
        loc: format!("{base}/tin-tuc/{}", l.slug),
        lastmod: rfc3339(l.updated_at),
    }));
    let docs = dvk_store::guidance::public_library(&state.db, 500).await?;
    urls.extend(docs.iter().map(|d| SitemapUrl {
        loc: format!("{base}{}", DocCard::of(d).href),
        lastmod: rfc3339(d.created_at),
    }));
    for id in dvk_store::public::sitemap_models(&state.db, SITEMAP_MODELS).await? {
        urls.push(SitemapUrl {
            loc: format!("{base}/mo-hinh/{id}"),
            lastmod: String::new(),
        });
    }
    let body = Sitemap { urls }
        .render()
        .map_err(|e| AppError::from(dvk_store::StoreError::Data(format!("sitemap: {e}"))))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_owned(),
            ),
            (header::CACHE_CONTROL, site_cache(&state, 3600)),
        ],
        body,
    )
        .into_response())
}

pub async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = site_base(&state, &headers);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, site_cache(&state, 3600)),
        ],
        format!(
            "User-agent: *\nDisallow: /api/\nDisallow: /entries\nDisallow: /login\nSitemap: {base}/sitemap.xml\n"
        ),
    )
        .into_response()
}
