//! Spreadsheet downloads of what pages show: a round's results and its
//! citizens' comments, a reward round's funnel, an entry's history. Each
//! comes from the same guarded view as its page.

use crate::ctx::User;
use crate::error::AppResult;
use crate::form::parse_id;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use dvk_store::exports::rounds as sheet;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FormatQuery {
    /// `xlsx` (default) or `csv`.
    format: String,
}

async fn send(
    state: &AppState,
    user: &User,
    q: &FormatQuery,
    table: (dvk_store::exports::Plan, Vec<Vec<dvk_sheets::Cell>>),
) -> AppResult<Response> {
    let format = crate::exports::format_of(&q.format)?;
    Ok(crate::exports::table(state, user.actor.user_id, format, table).await?)
}

pub async fn round_results(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let view = dvk_store::round_view::view_round(&state.db, &user.actor, parse_id(&id)?).await?;
    send(&state, &user, &q, sheet::results(&view, &state.catalogue)).await
}

pub async fn round_comments(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    // The round first: "not found" to whoever may not see it, so the
    // organisers' check below reveals nothing about other rounds.
    let view = dvk_store::round_view::view_round(&state.db, &user.actor, id).await?;
    let list = dvk_store::appraisal::comments_to_moderate(&state.db, &user.actor, id).await?;
    send(&state, &user, &q, sheet::comments(&view, &list)).await
}

pub async fn reward_round(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (round, candidates, funnel) =
        dvk_store::rewards::view_reward_round(&state.db, &user.actor, id).await?;
    let decisions = dvk_store::rewards::issued_reward_decisions(&state.db, &user.actor, id).await?;
    let forms = state.db.reward_forms().await?;
    let table = sheet::funnel(
        &round,
        &candidates,
        &funnel,
        &forms,
        &decisions,
        &state.catalogue,
    );
    send(&state, &user, &q, table).await
}

pub async fn entry_history(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let e = dvk_store::service::view_entry(&state.db, &user.actor, parse_id(&id)?).await?;
    let lines = dvk_store::history::history_of(&state.db, &e).await?;
    let table = sheet::history(e.id, e.registration.title(), &e.unit_name, &lines);
    send(&state, &user, &q, table).await
}
