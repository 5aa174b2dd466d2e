//! "Tải văn bản": document downloads from the pages, signed in or public.

use crate::ctx::User;
use crate::documents::{fetch, respond, wants_pdf, DocQuery, Target};
use crate::error::{AppError, AppResult};
use crate::form::parse_id;
use crate::pdf::caller;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;

async fn serve(
    state: &AppState,
    user: Option<&User>,
    target: Target,
    kind: &str,
    q: &DocQuery,
) -> AppResult<Response> {
    let pdf = wants_pdf(q)?;
    let file = fetch(state, user.map(|u| &u.actor), target, kind, q).await?;
    respond(state, file, pdf, caller(user.is_some()))
        .await
        .map_err(|e| {
            let (status, message) = crate::documents::pdf_failure(&e);
            AppError::Page(status, "Không tải được PDF", message)
        })
}

pub async fn round(
    State(state): State<AppState>,
    user: User,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    let target = Target::Round(parse_id(&id)?);
    serve(&state, Some(&user), target, &kind, &q).await
}

pub async fn entry(
    State(state): State<AppState>,
    user: User,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    let target = Target::Entry(parse_id(&id)?);
    serve(&state, Some(&user), target, &kind, &q).await
}

pub async fn reward_round(
    State(state): State<AppState>,
    user: User,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    let target = Target::RewardRound(parse_id(&id)?);
    serve(&state, Some(&user), target, &kind, &q).await
}

pub async fn unit(
    State(state): State<AppState>,
    user: User,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    let target = Target::Unit(parse_id(&id)?);
    serve(&state, Some(&user), target, &kind, &q).await
}

pub async fn blank(
    State(state): State<AppState>,
    user: User,
    Path(kind): Path<String>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    serve(&state, Some(&user), Target::Blank, &kind, &q).await
}

/// A public notice's documents: the notice and the decision's annex.
pub async fn public_round(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> AppResult<Response> {
    let target = Target::PublicRound(parse_id(&id)?);
    serve(&state, None, target, &kind, &q).await
}
