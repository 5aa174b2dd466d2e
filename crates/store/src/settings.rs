//! Deployment settings kept in the database (so every process shares them):
//! defaults a province may change, such as the notice's minimum length.

use crate::db::{q, Db};
use crate::error::StoreError;
use sqlx::Row;

/// Settings an operator may change, with what each means.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "notice_min_working_days",
        "số ngày làm việc tối thiểu của thông báo công khai (mặc định cho đợt xét mới)",
    ),
    (
        "quorum_pct",
        "tỷ lệ phiếu tối thiểu của Hội đồng cho mỗi hồ sơ khi kết luận, % (mặc định cho đợt xét mới)",
    ),
    (
        "reminder_days",
        "nhắc trước hạn bao nhiêu ngày, ví dụ 7,1 (hạn đề nghị, hạn chấm điểm, hạn đăng ký, hạn báo cáo rà soát)",
    ),
    (
        "registration_due",
        "hạn đăng ký hằng năm, dạng dd/mm (để trống: không nhắc)",
    ),
    (
        "document_basis",
        "căn cứ in ở đầu quyết định, mỗi dòng một văn bản, ví dụ: Hướng dẫn số 05-HD/BDVTU ngày 06/10/2021 của Ban Dân vận Tỉnh ủy Sơn La về xây dựng mô hình, điển hình “Dân vận khéo”",
    ),
    (
        "yearly_report_due",
        "hạn báo cáo rà soát hằng năm của mô hình đã công nhận, dạng dd/mm (để trống: không nhắc)",
    ),
];

impl Db {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = q("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn setting_i64(&self, key: &str, default: i64) -> Result<i64, StoreError> {
        Ok(self
            .setting(key)
            .await?
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default))
    }

    pub async fn setting_f64(&self, key: &str, default: f64) -> Result<f64, StoreError> {
        Ok(self
            .setting(key)
            .await?
            .and_then(|v| v.trim().replace(',', ".").parse().ok())
            .filter(|v: &f64| v.is_finite())
            .unwrap_or(default))
    }

    /// Sets a known setting (the CLI's `dvk setting set`).
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        if !KNOWN.iter().any(|(k, _)| *k == key) {
            return Err(StoreError::Config(format!("Không có thiết lập “{key}”.")));
        }
        let ok = match key {
            "notice_min_working_days" => value
                .trim()
                .parse::<i64>()
                .is_ok_and(|v| (1..=60).contains(&v)),
            "reminder_days" => dvk_domain::reminders::parse_days(value).is_ok(),
            // Any year has the day (29/02 is refused).
            "document_basis" => value.chars().count() <= 2000,
            "registration_due" | "yearly_report_due" => {
                value.trim().is_empty()
                    || dvk_domain::reminders::annual_deadline(value, 2026).is_some()
            }
            _ => value
                .trim()
                .replace(',', ".")
                .parse::<f64>()
                .is_ok_and(|v| v > 0.0 && v <= 100.0),
        };
        if !ok {
            return Err(StoreError::Config(format!(
                "Giá trị “{value}” không hợp lệ cho “{key}”."
            )));
        }
        q("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value.trim())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The deployment's secret `name` (64 hex characters), made on first
    /// use; every server process reads the same one.
    pub async fn server_secret(&self, name: &str) -> Result<String, StoreError> {
        q("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(crate::accounts::random_token())
            .execute(&self.pool)
            .await?;
        Ok(q("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}
