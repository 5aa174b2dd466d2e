//! Document downloads, shared by the pages and the API: which document a
//! request names (target, kind and query, parsed here into service calls
//! that apply the reader's authority), and the file response — DOCX, or
//! PDF through LibreOffice when the server has it.

use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dvk_domain::auth::Actor;
use dvk_domain::entry::{Kind, Subject};
use dvk_store::documents::{self as docs, DocFile, ReportPeriod, SheetRequest};
use dvk_store::ServiceError;
use serde::Deserialize;
use std::sync::Arc;

/// Where a document's data lives.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Round(i64),
    Entry(i64),
    RewardRound(i64),
    Unit(i64),
    /// Blank forms to fill by hand.
    Blank,
    /// A public notice's documents, for anyone.
    PublicRound(i64),
}

/// The query of a document request; every value a string until parsed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DocQuery {
    /// `docx` (default) or `pdf` (when the server has LibreOffice).
    pub format: Option<String>,
    /// Score sheet: the council member (default: yourself).
    pub member: Option<String>,
    /// Score sheet: one entry only.
    pub entry: Option<String>,
    /// Score sheet: `1` for a blank sheet.
    pub blank: Option<String>,
    /// Decision id (decisions and annexes; default: the first).
    pub decision: Option<String>,
    /// Reward id (a reward's certificate).
    pub reward: Option<String>,
    /// Form of reward (a reward proposal; default: the first proposed).
    pub form: Option<String>,
    /// Year of a review summary or report (default: this year).
    pub year: Option<String>,
    /// Phase of a report, e.g. `2021-2025` (instead of a year).
    pub phase: Option<String>,
    /// Blank registration form: `model` or `exemplar`.
    pub kind: Option<String>,
    /// Blank registration form: `collective` or `individual`.
    pub subject: Option<String>,
}

/// The kinds a target offers: (slug, Vietnamese name).
pub fn kinds(target: Target) -> &'static [(&'static str, &'static str)] {
    match target {
        Target::Round(_) => &[
            ("bien-ban", "Biên bản họp Hội đồng"),
            ("phieu-cham", "Phiếu chấm điểm"),
            ("thong-bao", "Thông báo công khai"),
            ("to-trinh", "Tờ trình đề nghị công nhận"),
            ("quyet-dinh", "Quyết định công nhận"),
        ],
        Target::Entry(_) => &[
            ("phieu-dang-ky", "Phiếu đăng ký"),
            ("giay-chung-nhan", "Giấy chứng nhận"),
            ("giay-khen", "Giấy khen, bằng khen"),
        ],
        Target::RewardRound(_) => &[
            ("to-trinh", "Tờ trình đề nghị khen thưởng"),
            ("quyet-dinh", "Quyết định khen thưởng"),
        ],
        Target::Unit(_) => &[
            ("ra-soat", "Biểu tổng hợp, rà soát"),
            ("bao-cao", "Báo cáo kết quả triển khai"),
        ],
        Target::Blank => &[("phieu-dang-ky", "Mẫu phiếu đăng ký")],
        Target::PublicRound(_) => &[
            ("thong-bao", "Thông báo công khai"),
            ("phu-luc", "Phụ lục quyết định công nhận"),
        ],
    }
}

fn id_of(v: &Option<String>, field: &str, what: &str) -> Result<Option<i64>, ServiceError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ServiceError::invalid(field, format!("{what} phải là một số."))),
    }
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("1" | "true" | "co"))
}

/// Whether the request asks for PDF.
pub fn wants_pdf(q: &DocQuery) -> Result<bool, ServiceError> {
    match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("docx") => Ok(false),
        Some("pdf") => Ok(true),
        Some(_) => Err(ServiceError::invalid(
            "format",
            "Định dạng chỉ có thể là docx hoặc pdf.",
        )),
    }
}

fn unknown() -> ServiceError {
    ServiceError::NotFound("loại văn bản")
}

/// The document a request names, read with the reader's authority.
pub async fn fetch(
    state: &AppState,
    actor: Option<&Actor>,
    target: Target,
    kind: &str,
    q: &DocQuery,
) -> Result<DocFile, ServiceError> {
    let db = &state.db;
    let signed_in = || actor.ok_or(ServiceError::Denied(dvk_domain::auth::Denied::NotSignedIn));
    match (target, kind) {
        (Target::Round(id), "bien-ban") => docs::minutes(db, signed_in()?, id).await,
        (Target::Round(id), "phieu-cham") => {
            let req = SheetRequest {
                member: id_of(&q.member, "member", "Thành viên")?,
                entry: id_of(&q.entry, "entry", "Hồ sơ")?,
                blank: flag(&q.blank),
            };
            docs::score_sheet(db, signed_in()?, id, req).await
        }
        (Target::Round(id) | Target::PublicRound(id), "thong-bao") => {
            docs::notice(db, id, &notice_url(state, id)).await
        }
        (Target::Round(id), "to-trinh") => docs::proposal(db, signed_in()?, id).await,
        (Target::Round(id), "quyet-dinh") => {
            let decision = id_of(&q.decision, "decision", "Quyết định")?;
            docs::decision_file(db, signed_in()?, id, decision).await
        }
        (Target::PublicRound(id), "phu-luc") => {
            let decision = id_of(&q.decision, "decision", "Quyết định")?;
            docs::public_decision_annex(db, id, decision).await
        }
        (Target::Entry(id), "phieu-dang-ky") => docs::registration_form(db, signed_in()?, id).await,
        (Target::Entry(id), "giay-chung-nhan") => {
            docs::certificate_file(db, signed_in()?, id, None).await
        }
        (Target::Entry(id), "giay-khen") => {
            let reward = id_of(&q.reward, "reward", "Khen thưởng")?
                .ok_or_else(|| ServiceError::invalid("reward", "Chọn khen thưởng cần in."))?;
            docs::certificate_file(db, signed_in()?, id, Some(reward)).await
        }
        (Target::RewardRound(id), "to-trinh") => {
            let form = id_of(&q.form, "form", "Hình thức khen thưởng")?;
            docs::reward_proposal(db, signed_in()?, id, form).await
        }
        (Target::RewardRound(id), "quyet-dinh") => {
            let decision = id_of(&q.decision, "decision", "Quyết định")?
                .ok_or_else(|| ServiceError::invalid("decision", "Chọn quyết định cần tải."))?;
            docs::reward_decision_file(db, signed_in()?, id, decision).await
        }
        (Target::Unit(id), "ra-soat" | "bao-cao") => {
            let actor = signed_in()?;
            let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(y) => Some(y.parse::<i32>().map_err(|_| {
                    ServiceError::invalid("year", "Năm phải là một số, ví dụ 2026.")
                })?),
            };
            let right = if kind == "ra-soat" {
                "tải biểu tổng hợp, rà soát"
            } else {
                "tải báo cáo kết quả triển khai"
            };
            let at = dvk_store::tracking::followed(
                db,
                actor,
                Some(id),
                year,
                right,
                dvk_domain::auth::Following::Tracking,
            )
            .await?;
            if kind == "ra-soat" {
                return docs::review_summary(db, actor, &at).await;
            }
            let period = match q.phase.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(p) => {
                    if !state.catalogue.phases.iter().any(|x| x.code == p) {
                        return Err(ServiceError::invalid(
                            "phase",
                            format!("Không có giai đoạn “{p}”."),
                        ));
                    }
                    ReportPeriod::Phase(p.to_owned())
                }
                None => ReportPeriod::Year(at.year),
            };
            docs::implementation_report(db, actor, &at, &period).await
        }
        (Target::Blank, "phieu-dang-ky") => {
            signed_in()?;
            let kind = match q.kind.as_deref().map(str::trim) {
                None | Some("") => Kind::Model,
                Some(k) => Kind::parse(k).ok_or_else(|| {
                    ServiceError::invalid(
                        "kind",
                        "Loại phải là model (mô hình) hoặc exemplar (điển hình).",
                    )
                })?,
            };
            let subject = match q.subject.as_deref().map(str::trim) {
                None | Some("") => Subject::Collective,
                Some(s) => Subject::parse(s).ok_or_else(|| {
                    ServiceError::invalid(
                        "subject",
                        "Đối tượng phải là collective (tập thể) hoặc individual (cá nhân).",
                    )
                })?,
            };
            docs::blank_registration(kind, subject)
        }
        _ => Err(unknown()),
    }
}

/// Where citizens comment on a notice, as the notice prints it.
fn notice_url(state: &AppState, round_id: i64) -> String {
    match state
        .config
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'))
    {
        Some(base) if !base.is_empty() => format!("{base}/cong-khai/{round_id}"),
        _ => format!("mục “Công khai” của hệ thống Dân vận khéo (/cong-khai/{round_id})"),
    }
}

/// `attachment` with the Vietnamese name (RFC 6266/5987 `filename*`) and
/// an ASCII fallback without diacritics.
pub fn disposition(name: &str) -> String {
    // Each letter without its marks (đ → d), keeping its case.
    let ascii: String = name
        .chars()
        .map(|c| {
            let bare = dvk_domain::text::fold(&c.to_string())
                .chars()
                .next()
                .unwrap_or('_');
            let bare = if c.is_uppercase() {
                bare.to_ascii_uppercase()
            } else {
                bare
            };
            if bare.is_ascii_alphanumeric() || " .-_()".contains(bare) {
                bare
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::views::url_encode(name)
    )
}

/// A failure of the file step (after the document was made).
pub fn pdf_failure(e: &crate::pdf::PdfError) -> (StatusCode, String) {
    use crate::pdf::PdfError;
    let status = match e {
        PdfError::Unavailable => StatusCode::NOT_FOUND,
        PdfError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        PdfError::TimedOut => StatusCode::GATEWAY_TIMEOUT,
        PdfError::Failed(detail) => {
            tracing::warn!("pdf conversion failed: {detail}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, e.to_string())
}

/// The file as a response: DOCX, or PDF converted on the server.
pub async fn respond(
    state: &AppState,
    file: DocFile,
    pdf: bool,
    caller: crate::pdf::Caller,
) -> Result<Response, crate::pdf::PdfError> {
    let (bytes, mime, ext) = if pdf {
        let pdf = state.pdf.convert(&file.bytes, caller).await?;
        (
            Arc::try_unwrap(pdf).unwrap_or_else(|shared| (*shared).clone()),
            "application/pdf",
            "pdf",
        )
    } else {
        (file.bytes, dvk_docs::DOCX_MIME, "docx")
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition(&format!("{}.{ext}", file.name))) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// A "Tải văn bản" link: the DOCX, and the PDF when the server converts.
#[derive(Debug, Clone)]
pub struct DocLink {
    pub label: String,
    pub href: String,
    pub pdf_href: Option<String>,
}

impl DocLink {
    /// `base` is the target's path ("/rounds/7"), `query` extra pairs
    /// already encoded ("decision=3").
    pub fn new(
        state: &AppState,
        base: &str,
        kind: &str,
        query: &str,
        label: impl Into<String>,
    ) -> DocLink {
        DocLink::at(state, &format!("{base}/documents/{kind}"), query, label)
    }

    /// A link to the document at `path`.
    pub fn at(state: &AppState, path: &str, query: &str, label: impl Into<String>) -> DocLink {
        let href = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let pdf_href = state.pdf.available().then(|| {
            let sep = if query.is_empty() { '?' } else { '&' };
            format!("{href}{sep}format=pdf")
        });
        DocLink {
            label: label.into(),
            href,
            pdf_href,
        }
    }
}
