use crate::ctx::{Ctx, User};
use crate::error::{error_response, AppResult};
use crate::views::{HomePage, Layout, Link};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use dvk_domain::auth::Role;
use dvk_domain::state::EntryState;
use dvk_store::entries::EntryFilter;

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(info) = ctx.session.clone() else {
        return Ok(Redirect::to("/login").into_response());
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
    let mut tasks = Vec::new();
    let officer_roots = user.actor.registering_roots();
    if !officer_roots.is_empty() {
        for (st, label) in [
            (EntryState::Returned, "Hồ sơ bị trả lại cần bổ sung"),
            (EntryState::Draft, "Hồ sơ nháp chưa gửi"),
        ] {
            let n = state
                .db
                .count_entries(&EntryFilter {
                    visible: officer_roots.clone(),
                    state: Some(st),
                    ..Default::default()
                })
                .await?;
            if n > 0 {
                tasks.push(Link {
                    href: format!("/entries?state={}", st.code()),
                    label: label.into(),
                    count: Some(n),
                });
            }
        }
        tasks.push(Link {
            href: "/entries/new".into(),
            label: "Đăng ký mô hình, điển hình mới".into(),
            count: None,
        });
    }
    let reviewer_roots: Vec<_> = user
        .info
        .grants
        .iter()
        .filter(|g| g.role == Role::MovementOfficer)
        .map(|g| g.unit_path.clone())
        .collect();
    if !reviewer_roots.is_empty() {
        let n = state
            .db
            .count_entries(&EntryFilter {
                visible: reviewer_roots,
                state: Some(EntryState::Submitted),
                ..Default::default()
            })
            .await?;
        tasks.push(Link {
            href: "/entries?state=submitted".into(),
            label: "Hồ sơ chờ tiếp nhận".into(),
            count: Some(n),
        });
        tasks.push(Link {
            href: "/status".into(),
            label: "Tình hình đăng ký của các đơn vị".into(),
            count: None,
        });
    }
    let to_score = state.db.pending_scoring(user.actor.user_id).await?;
    if to_score > 0 {
        tasks.push(Link {
            href: "/rounds".into(),
            label: "Hồ sơ được phân công chưa chấm".into(),
            count: Some(to_score),
        });
    }
    let year = dvk_store::service::current_year();
    let mut comments = (0, None);
    let mut reviews = (0, None);
    let mut due = 0;
    let mut decisions: Vec<(i64, String)> = Vec::new();
    for g in &user.info.grants {
        match g.role {
            Role::MovementOfficer => {
                let (n, first) = state.db.comments_to_answer(g.unit_path.as_str()).await?;
                comments = (comments.0 + n, comments.1.or(first));
                let (n, first) = state.db.reviews_due(g.unit_path.as_str()).await?;
                reviews = (reviews.0 + n, reviews.1.or(first));
            }
            Role::UnitOfficer => due += state.db.reports_due(g.unit_path.as_str(), year).await?,
            Role::SigningLeader => {
                for d in state.db.decisions_due(g.unit_path.as_str()).await? {
                    if !decisions.iter().any(|x| x.0 == d.0) {
                        decisions.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    if comments.0 > 0 {
        tasks.push(Link {
            href: comments
                .1
                .map(|r| format!("/rounds/{r}#y-kien"))
                .unwrap_or_else(|| "/rounds".into()),
            label: "Ý kiến nhân dân chờ trả lời".into(),
            count: Some(comments.0),
        });
    }
    if reviews.0 > 0 {
        tasks.push(Link {
            href: reviews
                .1
                .map(|e| format!("/entries/{e}#ra-soat"))
                .unwrap_or_else(|| "/register".into()),
            label: "Báo cáo rà soát hằng năm chờ xem xét".into(),
            count: Some(reviews.0),
        });
    }
    for (id, title) in decisions {
        tasks.push(Link {
            href: format!("/rounds/{id}#quyet-dinh"),
            label: format!("Đã hết thời gian thông báo công khai, chờ ký quyết định: {title}"),
            count: None,
        });
    }
    if due > 0 {
        tasks.push(Link {
            href: "/entries?state=recognised".into(),
            label: format!("Mô hình cần báo cáo rà soát năm {year}"),
            count: Some(due),
        });
    }
    let notes = state
        .db
        .notifications(user.actor.user_id, 20)
        .await?
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
    Ok(Html(page.render()?).into_response())
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.user_count().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "cơ sở dữ liệu không phản hồi",
            )
                .into_response()
        }
    }
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
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
