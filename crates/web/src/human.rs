//! The bot defence of the public comment box, the same for the page and
//! the API: a hidden field people leave empty, and a signed token from the
//! page (or the notice's API answer) that must be a few seconds old —
//! people take time to write; scripts post at once — and at most three
//! hours old, and used once.

use crate::AppState;
use dvk_store::ServiceError;

/// Seconds a comment takes at least, unless the deployment says otherwise.
pub const MIN_SECONDS: u64 = 3;

pub async fn comment_proof(
    state: &AppState,
    token: &str,
    website: &str,
) -> Result<(), ServiceError> {
    if !website.trim().is_empty() {
        return Err(ServiceError::invalid("body", "Không gửi được ý kiến."));
    }
    let min = state.config.comment_min_seconds.unwrap_or(MIN_SECONDS) as i64;
    match state.pre_login.age(token.trim(), dvk_store::db::now()) {
        None => Err(ServiceError::invalid(
            "comment_token",
            "Biểu mẫu góp ý đã hết hạn hoặc không hợp lệ. Hãy tải lại trang rồi gửi lại.",
        )),
        Some(age) if age < min => Err(ServiceError::invalid(
            "comment_token",
            "Ý kiến được gửi quá nhanh sau khi mở trang. Hãy đọc lại rồi gửi.",
        )),
        Some(_) => {
            // One comment per token: a script cannot fetch one and post on.
            let uses = state
                .db
                .count_attempt(&format!("comment-token:{}", &token.trim()[..48]), 4 * 3600)
                .await?;
            if uses > 1 {
                return Err(ServiceError::invalid(
                    "comment_token",
                    "Biểu mẫu này đã được dùng để gửi một ý kiến. Hãy tải lại trang để gửi ý kiến khác.",
                ));
            }
            Ok(())
        }
    }
}
