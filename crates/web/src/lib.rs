//! DVK web layer: server-rendered pages over the shared services.
//! Handlers parse input, call services and render; they hold no SQL.

pub mod api;
pub mod assets;
pub mod caching;
pub mod charts;
pub mod client;
pub mod ctx;
pub mod documents;
pub mod error;
pub mod exports;
pub mod form;
pub mod human;
pub mod idempotency;
mod layering;
pub mod metrics;
pub mod pages;
pub mod paging;
pub mod pdf;
pub mod pre_login;
pub mod typed;
pub mod views;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use dvk_store::reference::Catalogue;
use dvk_store::units::UnitTree;
use dvk_store::Db;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::RwLock;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on whenever DVK is served over HTTPS).
    pub secure_cookies: bool,
    /// Add an `x-dvk-queries` header with the number of SQL statements a
    /// request issued (tests and benchmarks use it).
    pub expose_query_count: bool,
    /// Requests per minute one address may make to the public API
    /// (0 means the default, 120).
    pub public_api_per_minute: u32,
    /// A request not answered within this is cut with 408 (0: 60 s).
    pub request_timeout_secs: u64,
    /// A connection that does not send a request's headers within this is
    /// closed (0: 30 s).
    pub header_read_timeout_secs: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Addresses that may read `/metrics` …
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// … and a bearer token that may, from anywhere.
    pub metrics_token: Option<String>,
    /// Seconds a public comment takes at least after its form was served
    /// (None: 3; tests set 0).
    pub comment_min_seconds: Option<u64>,
    /// LibreOffice's `soffice` for PDF downloads (None: found on the PATH;
    /// an empty path: no PDF).
    pub soffice: Option<std::path::PathBuf>,
    /// The address the public reaches DVK at, printed on notices
    /// (`DVK_PUBLIC_URL`).
    pub public_url: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub catalogue: Arc<Catalogue>,
    pub config: Arc<WebConfig>,
    pub public_limiter: Arc<api::public::RateLimiter>,
    unit_tree: Arc<RwLock<Arc<UnitTree>>>,
    /// When a request last failed because storage was unavailable.
    storage_failed_at: Arc<std::sync::atomic::AtomicI64>,
    pub metrics: Arc<metrics::Metrics>,
    /// Signs and checks the form token of visitors not signed in.
    pub pre_login: Arc<pre_login::PreLoginTokens>,
    /// Converts documents to PDF when LibreOffice is installed.
    pub pdf: Arc<pdf::PdfConverter>,
    /// Spreadsheet exports running at once (each holds a read connection
    /// and a CPU while it writes).
    pub exports: Arc<exports::ExportGate>,
}

impl AppState {
    pub async fn new(db: Db, config: WebConfig) -> Result<AppState, dvk_store::StoreError> {
        let catalogue = Arc::new(db.catalogue().await?);
        let db_secret = db.server_secret("pre_login").await?;
        let tree = Arc::new(db.unit_tree().await?);
        let per_minute = match config.public_api_per_minute {
            0 => 120,
            n => n,
        };
        Ok(AppState {
            db,
            catalogue,
            public_limiter: Arc::new(api::public::RateLimiter::new(per_minute)),
            pdf: Arc::new(pdf::PdfConverter::new(config.soffice.as_deref())),
            exports: Arc::new(exports::ExportGate::default()),
            config: Arc::new(config),
            unit_tree: Arc::new(RwLock::new(tree)),
            storage_failed_at: Arc::new(std::sync::atomic::AtomicI64::new(0)),
            metrics: Arc::new(metrics::Metrics::default()),
            pre_login: Arc::new(pre_login::PreLoginTokens::new(&db_secret)),
        })
    }

    /// Notes that a request failed for want of storage just now.
    pub fn storage_failed(&self) {
        self.storage_failed_at
            .store(dvk_store::db::now(), std::sync::atomic::Ordering::Relaxed);
    }

    /// A request failed for want of storage in the last `secs` seconds.
    pub fn storage_failed_within(&self, secs: i64) -> bool {
        dvk_store::db::now()
            - self
                .storage_failed_at
                .load(std::sync::atomic::Ordering::Relaxed)
            < secs
    }

    /// The unit tree as of `version` (read with the session); reloaded
    /// only when another request or process changed it.
    pub async fn units(&self, version: i64) -> Result<Arc<UnitTree>, dvk_store::StoreError> {
        {
            let tree = self.unit_tree.read().await;
            if tree.version >= version {
                return Ok(tree.clone());
            }
        }
        let fresh = Arc::new(self.db.unit_tree().await?);
        *self.unit_tree.write().await = fresh.clone();
        Ok(fresh)
    }
}

/// Upload bodies may carry a 20 MB file plus form overhead.
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;
/// A spreadsheet to import and the form's few fields.
const IMPORT_LIMIT: usize = dvk_store::imports::MAX_IMPORT_BYTES + 64 * 1024;

pub fn router(state: AppState) -> Router {
    use axum::http::{HeaderName, StatusCode};
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::{DefaultOnResponse, TraceLayer};
    let timeout = std::time::Duration::from_secs(match state.config.request_timeout_secs {
        0 => 60,
        n => n,
    });
    let (api_routes, doc) = api::router(&state);
    let openapi = api::openapi_json(&doc);
    let app = Router::new()
        .merge(api_routes)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let body = openapi.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        (*body).clone(),
                    )
                }
            }),
        )
        .route("/", get(pages::home::home))
        .route("/healthz", get(pages::home::healthz))
        .route("/readyz", get(pages::home::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/static/{name}", get(assets::serve))
        .route(
            "/login",
            get(pages::auth::login_page).post(pages::auth::login_submit),
        )
        .route("/logout", post(pages::auth::logout))
        .route(
            "/entries",
            get(pages::entries::list).post(pages::entries::create),
        )
        .route("/entries/new", get(pages::entries::new_form))
        .route("/entries/export", get(pages::entries::export))
        .route(
            "/entries/import",
            get(pages::imports::entries_page)
                .post(pages::imports::entries_upload)
                .layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/entries/import/template",
            get(pages::imports::entries_template),
        )
        .route(
            "/entries/import/{id}",
            post(pages::imports::entries_confirm),
        )
        .route(
            "/admin/users/import",
            get(pages::imports::accounts_page)
                .post(pages::imports::accounts_upload)
                .layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/admin/users/import/template",
            get(pages::imports::accounts_template),
        )
        .route(
            "/admin/users/import/{id}",
            post(pages::imports::accounts_confirm),
        )
        .route("/entries/{id}", get(pages::entries::detail))
        .route(
            "/entries/{id}/edit",
            get(pages::entries::edit_form).post(pages::entries::edit_submit),
        )
        .route("/entries/{id}/transition", post(pages::entries::transition))
        .route("/entries/{id}/propose", post(pages::entries::propose))
        .route(
            "/entries/{id}/attachments",
            post(pages::entries::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/attachments/{id}", get(pages::entries::download))
        .route("/status", get(pages::status::status))
        .route(
            "/rounds",
            get(pages::rounds::list).post(pages::rounds::create),
        )
        .route("/rounds/{id}", get(pages::rounds::detail))
        .route("/rounds/{id}/export", get(pages::sheets::round_results))
        .route(
            "/rounds/{id}/comments/export",
            get(pages::sheets::round_comments),
        )
        .route("/rewards/{id}/export", get(pages::sheets::reward_round))
        .route(
            "/entries/{id}/history/export",
            get(pages::sheets::entry_history),
        )
        .route("/rounds/{id}/members", post(pages::rounds::add_member))
        .route("/rounds/{id}/assign", post(pages::rounds::assign))
        .route("/rounds/{id}/start", post(pages::rounds::start))
        .route("/rounds/{id}/conclude", post(pages::rounds::conclude))
        .route("/rounds/{id}/notice", post(pages::rounds::publish))
        .route("/rounds/{id}/decision", post(pages::rounds::decide))
        .route(
            "/rounds/{id}/score/{entry}",
            get(pages::rounds::score_page).post(pages::rounds::score_submit),
        )
        .route("/comments/{id}/moderate", post(pages::rounds::moderate))
        .route(
            "/rewards",
            get(pages::rewards::list).post(pages::rewards::create),
        )
        .route(
            "/rewards/forms",
            get(pages::reward_forms::list).post(pages::reward_forms::create),
        )
        .route("/rewards/forms/{id}", post(pages::reward_forms::update))
        .route("/rewards/{id}", get(pages::rewards::detail))
        .route("/rewards/{id}/proposals", post(pages::rewards::propose))
        .route("/rewards/{id}/decisions", post(pages::rewards::decide))
        .route(
            "/entries/{id}/outstanding",
            post(pages::rewards::mark_outstanding),
        )
        .route("/entries/{id}/revoke", post(pages::rewards::revoke))
        .route("/entries/{id}/reports", post(pages::entries::report))
        .route("/entries/{id}/carry", post(pages::entries::carry))
        .route(
            "/entries/{id}/reports/{year}/review",
            post(pages::entries::review),
        )
        .route("/register", get(pages::status::register))
        .route("/summary", get(pages::summary::summary))
        .route("/thong-ke", get(pages::dashboard::dashboard))
        .route(
            "/news",
            get(pages::news::list)
                .post(pages::news::create)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/news/new", get(pages::news::new_form))
        .route(
            "/news/{id}",
            get(pages::news::edit_form)
                .post(pages::news::update)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/news/{id}/publish", post(pages::news::publish))
        .route("/news/{id}/image", get(pages::news::image))
        .route(
            "/guidance",
            get(pages::guidance::list)
                .post(pages::guidance::add)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/guidance/{id}/show", post(pages::guidance::show))
        .route("/guidance/{id}/file", get(pages::guidance::file))
        .route(
            "/tokens",
            get(pages::tokens::list).post(pages::tokens::create),
        )
        .route("/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/criteria", get(pages::criteria::list))
        .route("/criteria/{id}", post(pages::criteria::save))
        .route("/entries/{id}/certificate", get(pages::public::certificate))
        .route(
            "/rounds/{id}/documents/{kind}",
            get(pages::documents::round),
        )
        .route(
            "/entries/{id}/documents/{kind}",
            get(pages::documents::entry),
        )
        .route(
            "/rewards/{id}/documents/{kind}",
            get(pages::documents::reward_round),
        )
        .route("/units/{id}/documents/{kind}", get(pages::documents::unit))
        .route("/documents/blank/{kind}", get(pages::documents::blank))
        .route(
            "/admin/templates",
            get(pages::templates::page).post(pages::templates::upload),
        )
        .route("/admin/templates/{id}/file", get(pages::templates::file))
        .route(
            "/admin/templates/{id}/preview",
            get(pages::templates::preview),
        )
        .route(
            "/admin/templates/{id}/retire",
            post(pages::templates::retire),
        )
        .route(
            "/admin/templates/start/{kind}",
            get(pages::templates::start),
        )
        .route(
            "/entries/{id}/rewards/{reward}/certificate",
            get(pages::public::reward_certificate),
        )
        .merge(public_pages(&state))
        .route(
            "/admin/units",
            get(pages::admin::units).post(pages::admin::create_unit),
        )
        .route(
            "/admin/users",
            get(pages::admin::users).post(pages::admin::create_user),
        )
        .route("/admin/grants", post(pages::admin::add_grant))
        .route(
            "/rounds/{id}/members/{member}/remove",
            post(pages::rounds::remove_member),
        )
        .route(
            "/admin/users/{id}/reset-password",
            post(pages::admin::reset_password),
        )
        .route(
            "/admin/users/{id}/disable",
            post(pages::admin::disable_user),
        )
        .route("/admin/users/{id}/enable", post(pages::admin::enable_user))
        .route(
            "/account/password",
            get(pages::account::password_page).post(pages::account::password_submit),
        )
        .route(
            "/admin/grants/{id}/delete",
            post(pages::admin::remove_grant),
        )
        // Counted by route template (only routed requests have one).
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(pages::home::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::request_context,
        ));
    security_headers(app, state.config.secure_cookies)
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(compression())
        // Every request gets an id (`x-request-id`, kept if a proxy set
        // one), a log line with its method, route, status and latency, and a
        // time limit (408 when exceeded). The last layer added runs first.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(
            "x-request-id",
        )))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(
            HeaderName::from_static("x-request-id"),
            MakeRequestUuid,
        ))
        .with_state(state)
}

/// Pages, JSON and CSV go out compressed (brotli or gzip, as the client
/// accepts) at a level that costs little CPU; files that are compressed
/// already (XLSX, DOCX, PDF, images) go as they are. Pages disguise their
/// CSRF token per response (`ctx::masked`), so compression reveals nothing
/// about it.
fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    let predicate = SizeAbove::new(512)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::const_new(
            "application/vnd.openxmlformats",
        ))
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("text/event-stream"));
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(predicate)
}

/// Headers every answer carries (tower-http sets them, replacing any a
/// handler set): a content security policy without inline script, no
/// framing, no type sniffing, a same-origin referrer, and HSTS when DVK is
/// served over HTTPS.
fn security_headers(app: Router<AppState>, https: bool) -> Router<AppState> {
    use axum::http::{header, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    let set = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let app = app
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"));
    if https {
        app.layer(set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        app
    }
}

/// The pages anyone may open, within a per-address budget like the
/// public API's.
fn public_pages(state: &AppState) -> Router<AppState> {
    Router::new()
        // The same for every visitor: cacheable for a minute.
        .route("/mo-hinh", get(pages::public::recognised))
        .route("/mo-hinh/{id}", get(pages::public::recognised_entry))
        .route_layer(axum::middleware::from_fn(caching::public_cache))
        .route("/tin-tuc", get(pages::portal::news))
        .route("/tin-tuc/{slug}", get(pages::portal::article))
        .route("/tin-tuc/anh/{id}", get(pages::portal::article_image))
        .route("/tin-tuc.atom", get(pages::portal::feed))
        .route("/van-ban", get(pages::portal::library))
        .route("/van-ban/{id}/{name}", get(pages::portal::library_file))
        .route("/sitemap.xml", get(pages::portal::sitemap))
        .route("/robots.txt", get(pages::portal::robots))
        .route("/cong-khai", get(pages::public::notices))
        .route("/cong-khai/{id}", get(pages::public::notice))
        .route("/cong-khai/{id}/comments", post(pages::public::comment))
        .route(
            "/cong-khai/{id}/documents/{kind}",
            get(pages::documents::public_round),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::public::rate_limit,
        ))
}

fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    tracing::info_span!(
        "request",
        id,
        method = %req.method(),
        route,
        client = tracing::field::Empty
    )
}

/// Serves until `stop` turns true (never, if its sender is dropped);
/// then stops accepting and lets requests in flight finish, for at most
/// `grace`. A client that does not send a request's headers within the
/// configured time (also while an idle kept-alive connection waits) is
/// disconnected, so slow or idle connections cannot pile up.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let header_timeout =
        std::time::Duration::from_secs(match state.config.header_read_timeout_secs {
            0 => 30,
            n => n,
        });
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    // Resolves when asked to stop; never, if the sender is gone.
    let stopped = async move {
        if stop.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await
        }
    };
    tokio::pin!(stopped);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                app.clone().oneshot(req.map(axum::body::Body::new))
            },
        );
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection from {addr}: {e}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over: stopping with requests still in flight");
        }
    }
    Ok(())
}
