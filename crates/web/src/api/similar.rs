//! Similar models over the API: those recorded for a saved entry, and a
//! lookup for a title and text being written (before registering or
//! importing), within what the caller may read.

use super::{ApiJson, ApiPath, ApiResult, ApiUser};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use dvk_store::similar::{similar_to_draft, similar_to_entry, SimilarModel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An existing model alike to the one at hand.
#[derive(Serialize, ToSchema)]
pub struct SimilarOut {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
    pub year: i32,
    pub state: String,
    pub state_label: String,
    /// How alike, 0–100: the texts weigh more than the titles, and a copied
    /// text counts in full.
    pub score_pct: u8,
    pub title_pct: u8,
    /// Absent when either has no text to compare.
    pub text_pct: Option<u8>,
    /// Outside the caller's units, seen as a recognised (public) model.
    pub public_only: bool,
}

impl From<&SimilarModel> for SimilarOut {
    fn from(m: &SimilarModel) -> SimilarOut {
        SimilarOut {
            id: m.id,
            title: m.title.clone(),
            unit_name: m.unit_name.clone(),
            year: m.year,
            state: m.state.clone(),
            state_label: m.state_label.clone(),
            score_pct: m.score_pct,
            title_pct: m.title_pct,
            text_pct: m.text_pct,
            public_only: m.public_only,
        }
    }
}

pub fn list(models: &[SimilarModel]) -> Vec<SimilarOut> {
    models.iter().map(SimilarOut::from).collect()
}

#[utoipa::path(get, path = "/api/v1/entries/{id}/similar", tag = "Hồ sơ",
    summary = "Các mô hình có tên hoặc nội dung giống hồ sơ (để nhận ra trùng lặp, nhân rộng)",
    params(("id" = i64, Path, description = "Mã hồ sơ")),
    responses((status = 200, body = Vec<SimilarOut>)))]
pub async fn of_entry(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<SimilarOut>>> {
    let found = similar_to_entry(&state.db, &user.actor, id).await?;
    Ok(Json(list(&found)))
}

/// A title and text being written.
#[derive(Deserialize, ToSchema)]
pub struct SimilarIn {
    /// The model's name (required).
    pub title: String,
    /// Its other published items, as one text.
    #[serde(default)]
    pub text: String,
    /// The entry being edited, left out of the answer.
    #[serde(default)]
    pub entry_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/similar", tag = "Hồ sơ",
    summary = "Tìm mô hình đã có giống tên và nội dung đang soạn (trước khi đăng ký, nhập)",
    request_body = SimilarIn,
    responses((status = 200, body = Vec<SimilarOut>)))]
pub async fn of_text(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<SimilarIn>,
) -> ApiResult<Json<Vec<SimilarOut>>> {
    let found = similar_to_draft(
        &state.db,
        &user.actor,
        &body.title,
        &body.text,
        body.entry_id,
    )
    .await?;
    Ok(Json(list(&found)))
}
