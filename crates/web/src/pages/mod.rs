//! Page handlers, one module per area.

pub mod account;
pub mod admin;
pub mod auth;
pub mod criteria;
pub mod dashboard;
pub mod documents;
pub mod entries;
pub mod guidance;
pub mod home;
pub mod imports;
pub mod news;
pub mod portal;
pub mod public;
pub mod reward_forms;
pub mod rewards;
pub mod rounds;
pub mod sheets;
pub mod status;
pub mod summary;
pub mod templates;
pub mod tokens;

use crate::views::Opt;
use dvk_store::units::Unit;

/// Fixed confirmation messages named by a code in the query string, so no
/// user text is ever echoed from the URL.
pub fn notice(code: &str) -> &'static str {
    match code {
        "created" => "Đã lưu bản nháp. Hãy bổ sung đủ nội dung, minh chứng rồi gửi đăng ký.",
        "saved" => "Đã lưu thay đổi.",
        "submit" => "Đã gửi đăng ký. Đơn vị tiếp nhận sẽ xem xét hồ sơ.",
        "return" => "Đã trả lại hồ sơ để đơn vị bổ sung.",
        "accept" => "Đã tiếp nhận hồ sơ.",
        "withdraw" => "Đã rút đăng ký.",
        "uploaded" => "Đã tải lên tệp minh chứng.",
        "proposed" => "Đã gửi đề nghị công nhận kèm tự đánh giá.",
        "outstanding" => "Đã chọn là mô hình, điển hình tiêu biểu.",
        "reported" => "Đã gửi báo cáo rà soát.",
        "carried" => "Đã chuyển mô hình sang giai đoạn mới: đây là bản nháp, hãy cập nhật nội dung rồi gửi đăng ký.",
        "reviewed" => "Đã ghi kết quả rà soát.",
        "revoked_entry" => "Đã thu hồi; lý do và quyết định thu hồi được ghi vào lịch sử.",
        "proposed_quota" => "Đã gửi đề nghị công nhận. Lưu ý: đơn vị đã vượt chỉ tiêu số hồ sơ của đợt (chỉ cảnh báo).",
        "unit" => "Đã thêm đơn vị.",
        "user" => "Đã tạo tài khoản.",
        "grant" => "Đã giao vai trò.",
        "revoked" => "Đã thu hồi vai trò.",
        "disabled" => "Đã khoá tài khoản: các phiên đăng nhập và mã API của tài khoản này ngừng hoạt động ngay.",
        "enabled" => "Đã mở khoá tài khoản.",
        "password" => "Đã đổi mật khẩu.",
        _ => "",
    }
}

/// Unit options indented by depth below the shallowest shown.
pub fn unit_options(units: &[Unit], current: &str) -> Vec<Opt> {
    let top = units.iter().map(|u| u.depth).min().unwrap_or(0);
    // Keep each subtree together: order by path position of ancestors,
    // with Vietnamese order among siblings (input is already name-sorted
    // within a depth).
    let mut ordered: Vec<&Unit> = Vec::with_capacity(units.len());
    fn place<'a>(all: &'a [Unit], parent: Option<i64>, depth: i64, out: &mut Vec<&'a Unit>) {
        for u in all
            .iter()
            .filter(|u| u.depth == depth && (parent.is_none() || u.parent_id == parent))
        {
            out.push(u);
            place(all, Some(u.id), depth + 1, out);
        }
    }
    let roots: Vec<&Unit> = units
        .iter()
        .filter(|u| u.depth == top || !units.iter().any(|p| Some(p.id) == u.parent_id))
        .collect();
    for r in roots {
        if ordered.iter().any(|o| o.id == r.id) {
            continue;
        }
        ordered.push(r);
        place(units, Some(r.id), r.depth + 1, &mut ordered);
    }
    ordered
        .into_iter()
        .map(|u| {
            let indent = "— ".repeat((u.depth - top).max(0) as usize);
            Opt::new(u.id.to_string(), format!("{indent}{}", u.name), current)
        })
        .collect()
}
