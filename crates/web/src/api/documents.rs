//! Documents over the API: the same files as the pages' "Tải văn bản",
//! under the same authority.

use super::extract::{ApiPath, ApiQuery, ApiUser};
use super::{ApiFailure, ApiResult};
use crate::documents::{fetch, respond, wants_pdf, DocQuery, Target};
use crate::pdf::caller;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;

async fn serve(
    state: &AppState,
    user: Option<&ApiUser>,
    target: Target,
    kind: &str,
    q: &DocQuery,
) -> ApiResult<Response> {
    let pdf = wants_pdf(q)?;
    let file = fetch(state, user.map(|u| &u.actor), target, kind, q).await?;
    respond(state, file, pdf, caller(user.is_some()))
        .await
        .map_err(|e| {
            let (status, message) = crate::documents::pdf_failure(&e);
            let code = match e {
                crate::pdf::PdfError::Unavailable => "pdf_unavailable",
                crate::pdf::PdfError::Busy => "busy",
                _ => "pdf_failed",
            };
            let mut f = ApiFailure::new(status, code, message);
            if code == "busy" {
                f.retry_after = Some(10);
            }
            f
        })
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}/documents/{kind}", tag = "Văn bản",
    summary = "Văn bản của một đợt xét (DOCX hoặc PDF)",
    description = "`kind`: `bien-ban` (biên bản họp Hội đồng, sau khi kết luận), `phieu-cham` (phiếu chấm điểm của thành viên; `blank=1` phiếu trống), `thong-bao` (thông báo công khai), `to-trinh` (tờ trình đề nghị công nhận), `quyet-dinh` (quyết định công nhận đã ban hành, đúng tệp đã lưu khi ký).",
    params(("id" = i64, Path, description = "Mã đợt xét"),
           ("kind" = String, Path, description = "Loại văn bản"),
           DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn round(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, kind)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, Some(&user), Target::Round(id), &kind, &q).await
}

#[utoipa::path(get, path = "/api/v1/entries/{id}/documents/{kind}", tag = "Văn bản",
    summary = "Văn bản của một hồ sơ (DOCX hoặc PDF)",
    description = "`kind`: `phieu-dang-ky` (phiếu đăng ký điền từ hồ sơ), `giay-chung-nhan` (giấy chứng nhận), `giay-khen` (giấy khen, bằng khen; cần `reward`).",
    params(("id" = i64, Path, description = "Mã hồ sơ"),
           ("kind" = String, Path, description = "Loại văn bản"),
           DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn entry(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, kind)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, Some(&user), Target::Entry(id), &kind, &q).await
}

#[utoipa::path(get, path = "/api/v1/rewards/{id}/documents/{kind}", tag = "Văn bản",
    summary = "Văn bản của một đợt khen thưởng (DOCX hoặc PDF)",
    description = "`kind`: `to-trinh` (tờ trình đề nghị khen thưởng theo hình thức `form`), `quyet-dinh` (quyết định khen thưởng đã ban hành, `decision` là mã quyết định).",
    params(("id" = i64, Path, description = "Mã đợt khen thưởng"),
           ("kind" = String, Path, description = "Loại văn bản"),
           DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn reward_round(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, kind)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, Some(&user), Target::RewardRound(id), &kind, &q).await
}

#[utoipa::path(get, path = "/api/v1/units/{id}/documents/{kind}", tag = "Văn bản",
    summary = "Biểu tổng hợp, rà soát và báo cáo của một đơn vị (DOCX hoặc PDF)",
    description = "`kind`: `ra-soat` (biểu tổng hợp, rà soát theo `year`), `bao-cao` (báo cáo kết quả triển khai theo `year` hoặc `phase`).",
    params(("id" = i64, Path, description = "Mã đơn vị"),
           ("kind" = String, Path, description = "Loại văn bản"),
           DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn unit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath((id, kind)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, Some(&user), Target::Unit(id), &kind, &q).await
}

#[utoipa::path(get, path = "/api/v1/documents/blank/{kind}", tag = "Văn bản",
    summary = "Mẫu trống để điền tay (DOCX hoặc PDF)",
    description = "`kind`: `phieu-dang-ky` theo `kind` (model, exemplar) và `subject` (collective, individual) trong truy vấn.",
    params(("kind" = String, Path, description = "Loại văn bản"), DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn blank(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, Some(&user), Target::Blank, &kind, &q).await
}

#[utoipa::path(get, path = "/api/v1/public/notices/{id}/documents/{kind}", tag = "Công khai",
    summary = "Thông báo công khai và phụ lục quyết định công nhận (DOCX hoặc PDF)",
    description = "`kind`: `thong-bao` (thông báo công khai), `phu-luc` (phụ lục quyết định công nhận; `decision` tùy chọn). Không có thông tin cá nhân.",
    params(("id" = i64, Path, description = "Mã đợt xét"),
           ("kind" = String, Path, description = "Loại văn bản"),
           DocQuery),
    responses((status = 200, description = "Tệp văn bản",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (Vec<u8> = "application/pdf")))))]
pub async fn public_round(
    State(state): State<AppState>,
    ApiPath((id, kind)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<DocQuery>,
) -> ApiResult<Response> {
    serve(&state, None, Target::PublicRound(id), &kind, &q).await
}
