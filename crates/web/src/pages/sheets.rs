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
    let table =
        sheet::round_results_table(&state.db, &state.catalogue, &user.actor, parse_id(&id)?)
            .await?;
    send(&state, &user, &q, table).await
}

pub async fn round_comments(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let table = sheet::round_comments_table(&state.db, &user.actor, parse_id(&id)?).await?;
    send(&state, &user, &q, table).await
}

pub async fn reward_round(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let table =
        sheet::reward_round_table(&state.db, &state.catalogue, &user.actor, parse_id(&id)?).await?;
    send(&state, &user, &q, table).await
}

pub async fn entry_history(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> AppResult<Response> {
    let table = sheet::entry_history_table(&state.db, &user.actor, parse_id(&id)?).await?;
    send(&state, &user, &q, table).await
}
