use crate::client::ClientIp;
use crate::ctx::{Ctx, User};
use crate::error::{error_response, AppResult};
use crate::views::{HomePage, Layout, Link};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dvk_domain::state::EntryState;

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let Some(info) = ctx.session.clone() else {
        // Visitors land on the public portal, within the public budget.
        if let Err(wait) = state.public_limiter.check(client) {
            return Ok(crate::pages::public::too_many(wait));
        }
        return crate::pages::portal::home(&state, &headers).await;
    };
    let user = User {
        actor: info.actor(),
        info,
        csrf: ctx.csrf.clone(),
    };
    let roles: Vec<String> = user
        .info
        .grants
        .iter()
        .map(|g| format!("{} — {}", g.role.label(), g.unit_name))
        .collect();
    let w = dvk_store::work::work_of(&state.db, &user.actor).await?;
    let mut tasks = Vec::new();
    let mut task =
        |href: String, label: String, count: Option<i64>| tasks.push(Link { href, label, count });
    if let (Some(returned), Some(drafts)) = (w.returned, w.drafts) {
        for (st, n, label) in [
            (
                EntryState::Returned,
                returned,
                "Hồ sơ bị trả lại cần bổ sung",
            ),
            (EntryState::Draft, drafts, "Hồ sơ nháp chưa gửi"),
        ] {
            if n > 0 {
                task(
                    format!("/entries?state={}", st.code()),
                    label.into(),
                    Some(n),
                );
            }
        }
        task(
            "/entries/new".into(),
            "Đăng ký mô hình, điển hình mới".into(),
            None,
        );
    }
    if let Some(n) = w.submitted {
        task(
            "/entries?state=submitted".into(),
            "Hồ sơ chờ tiếp nhận".into(),
            Some(n),
        );
        task(
            "/status".into(),
            "Tình hình đăng ký của các đơn vị".into(),
            None,
        );
    }
    if w.to_score > 0 {
        task(
            "/rounds".into(),
            "Hồ sơ được phân công chưa chấm".into(),
            Some(w.to_score),
        );
    }
    if w.comments.0 > 0 {
        task(
            w.comments
                .1
                .map(|r| format!("/rounds/{r}#y-kien"))
                .unwrap_or_else(|| "/rounds".into()),
            "Ý kiến nhân dân chờ trả lời".into(),
            Some(w.comments.0),
        );
    }
    if w.reviews.0 > 0 {
        task(
            w.reviews
                .1
                .map(|e| format!("/entries/{e}#ra-soat"))
                .unwrap_or_else(|| "/register".into()),
            "Báo cáo rà soát hằng năm chờ xem xét".into(),
            Some(w.reviews.0),
        );
    }
    for (id, title) in &w.decisions {
        task(
            format!("/rounds/{id}#quyet-dinh"),
            format!("Đã hết thời gian thông báo công khai, chờ ký quyết định: {title}"),
            None,
        );
    }
    if w.reports_due > 0 {
        task(
            "/entries?state=recognised".into(),
            format!("Mô hình cần báo cáo rà soát năm {}", w.year),
            Some(w.reports_due),
        );
    }
    let notes = w
        .notifications
        .into_iter()
        .map(|n| {
            (
                n.message,
                n.link,
                crate::views::fmt_datetime(n.created_at),
                n.resolved_note.unwrap_or_default(),
            )
        })
        .collect();
    let page = HomePage {
        notes,
        layout: Layout::new("Trang chủ", Some(&user.info), &user.csrf, "home"),
        roles,
        tasks,
    };
    Ok(page.into_response())
}

/// Liveness: the process answers (no database work, so a slow database
/// does not get a live process restarted).
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok").into_response()
}

/// Readiness: the database answers and stores a write within 2 s, and no
/// request failed for want of storage in the last 10 s.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.storage_failed_within(10) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "yêu cầu vừa thất bại vì không lưu được dữ liệu / storage failing",
        )
            .into_response();
    }
    match state.db.ready(std::time::Duration::from_secs(2)).await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!("readiness check failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "cơ sở dữ liệu không phản hồi hoặc không ghi được / database unavailable",
            )
                .into_response()
        }
    }
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::ApiFailure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Địa chỉ này không có trong API (xem /api/v1/openapi.json).",
        )
        .into_response();
    }
    error_response(
        StatusCode::NOT_FOUND,
        "Không tìm thấy trang",
        "Địa chỉ này không có trong hệ thống.",
    )
}
