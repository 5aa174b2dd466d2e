//! `/metrics` in the Prometheus text format: requests by route and status,
//! latency histograms by route, requests in flight, the database pools,
//! the e-mail backlog and the audit chain's length. Only addresses in
//! `DVK_METRICS_ALLOW` (default: this machine) or holders of
//! `DVK_METRICS_TOKEN` may read it.

use crate::client::ClientIp;
use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    pool: Family<PoolLabels, Gauge>,
    email_backlog: Gauge,
    audit_length: Gauge,
    pdf_conversions: Gauge,
    unavailable: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let in_flight = Gauge::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        let email_backlog = Gauge::default();
        let audit_length = Gauge::default();
        let unavailable = Counter::default();
        let pdf_conversions = Gauge::default();
        registry.register(
            "dvk_pdf_conversions",
            "LibreOffice conversions to PDF run since the server started (PDFs served from the cache not counted)",
            pdf_conversions.clone(),
        );
        registry.register(
            "dvk_storage_unavailable",
            "Requests answered 503 because the database could not be reached in time (pool wait ran out, database down, disk full)",
            unavailable.clone(),
        );
        registry.register(
            "dvk_http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        registry.register(
            "dvk_http_request_duration_seconds",
            "Time to answer a request, by route template",
            latency.clone(),
        );
        registry.register(
            "dvk_http_requests_in_flight",
            "Requests being answered now (those waiting for a database connection included)",
            in_flight.clone(),
        );
        registry.register(
            "dvk_db_pool_connections",
            "Database connections by pool (primary, read) and state (in_use, idle, max)",
            pool.clone(),
        );
        registry.register(
            "dvk_email_backlog",
            "Notifications waiting to be e-mailed",
            email_backlog.clone(),
        );
        registry.register(
            "dvk_audit_chain_length",
            "Records in the hash-chained audit log",
            audit_length.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            pool,
            email_backlog,
            audit_length,
            pdf_conversions,
            unavailable,
        }
    }
}

impl Metrics {
    /// A request found no database in time.
    pub fn storage_unavailable(&self) {
        self.unavailable.inc();
    }
}

/// Counts and times every routed request (by its route template, so ids
/// do not multiply the series).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "other".into());
    let method = req.method().as_str().to_owned();
    let m = &state.metrics;
    // Decremented however the request ends (a timeout drops it).
    struct InFlight(Gauge);
    impl Drop for InFlight {
        fn drop(&mut self) {
            self.0.dec();
        }
    }
    m.in_flight.inc();
    let _in_flight = InFlight(m.in_flight.clone());
    let started = Instant::now();
    let res = next.run(req).await;
    m.latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: res.status().as_u16(),
        })
        .inc();
    res
}

fn allowed(state: &AppState, peer: IpAddr, client: ClientIp, headers: &HeaderMap) -> bool {
    let c = &state.config;
    // An address counts only if DVK knows it: a request a proxy forwarded
    // that DVK does not trust would otherwise look like the proxy's own.
    let known = !crate::client::forwarded(headers) || client.0 != peer;
    if known && c.metrics_allow.iter().any(|n| n.contains(&client.0)) {
        return true;
    }
    let Some(token) = c.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| {
            sent.len() == token.len()
                && sent
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}

/// GET /metrics.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    client: ClientIp,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, peer.ip(), client, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "Không được phép đọc số liệu vận hành.\n",
        )
            .into_response();
    }
    let m = &state.metrics;
    let pools = [("primary", &state.db.pool), ("read", &state.db.read)];
    for (name, pool) in pools {
        let size = pool.size() as i64;
        let idle = pool.num_idle() as i64;
        let max = pool.options().get_max_connections() as i64;
        for (st, v) in [("in_use", size - idle), ("idle", idle), ("max", max)] {
            m.pool
                .get_or_create(&PoolLabels {
                    pool: name,
                    state: st,
                })
                .set(v);
        }
    }
    match state.db.email_backlog().await {
        Ok(n) => {
            m.email_backlog.set(n);
        }
        Err(e) => tracing::warn!("metrics: e-mail backlog: {e}"),
    }
    match state.db.audit_anchor().await {
        Ok((length, _)) => {
            m.audit_length.set(length);
        }
        Err(e) => tracing::warn!("metrics: audit chain: {e}"),
    }
    m.pdf_conversions.set(state.pdf.runs() as i64);
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
