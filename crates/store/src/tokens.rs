//! API tokens: long random secrets shown once, stored as SHA-256 hashes,
//! acting with their owner's current rights until revoked or expired.

use crate::accounts::{random_token, session_from_rows, token_id, SessionInfo};
use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::{ServiceError, StoreError};
use dvk_domain::auth::Actor;
use dvk_domain::entry::FieldError;
use serde_json::json;
use sqlx::Row;

/// Every secret starts with this, so a leaked token is recognisable in
/// logs and secret scanners.
pub const TOKEN_PREFIX: &str = "dvk_";
pub const NAME_MAX: usize = 100;
pub const EXPIRY_MAX_DAYS: i64 = 3650;
/// Active tokens a person may hold at once.
pub const MAX_ACTIVE: i64 = 50;
/// `last_used_at` is refreshed at most this often (one write per minute,
/// not one per request).
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the secret, for recognising it.
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    pub fn active(&self, at: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > at)
    }

    /// "Còn hiệu lực", "Đã thu hồi" or "Hết hạn".
    pub fn state_label(&self, at: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "Đã thu hồi"
        } else if self.active(at) {
            "Còn hiệu lực"
        } else {
            "Hết hạn"
        }
    }
}

/// What a person asks for when creating a token, parsed.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub expires_in_days: Option<i64>,
}

impl NewToken {
    /// Name required (1–100 characters); expiry optional, 1–3650 days.
    pub fn parse(name: &str, expires_in_days: Option<i64>) -> Result<NewToken, ServiceError> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() {
            errors.push(FieldError::new(
                "name",
                "Hãy đặt tên cho mã truy cập (ví dụ: «Cổng thông tin tỉnh»).",
            ));
        } else if name.chars().count() > NAME_MAX {
            errors.push(FieldError::new(
                "name",
                format!("Tên mã truy cập dài quá {NAME_MAX} ký tự."),
            ));
        }
        if let Some(d) = expires_in_days {
            if !(1..=EXPIRY_MAX_DAYS).contains(&d) {
                errors.push(FieldError::new(
                    "expires_in_days",
                    format!("Thời hạn phải từ 1 đến {EXPIRY_MAX_DAYS} ngày (để trống nếu không đặt hạn)."),
                ));
            }
        }
        if errors.is_empty() {
            Ok(NewToken {
                name: name.to_owned(),
                expires_in_days,
            })
        } else {
            Err(ServiceError::Invalid(errors))
        }
    }
}

/// Whether a presented string has the shape of a DVK secret (anything
/// else is refused without touching the database).
fn well_formed(secret: &str) -> bool {
    secret
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at";

/// Creates a token for `owner`; `actor_id` is who asked (None for the
/// command line). Returns the token and its secret, which is not stored.
pub async fn create_token(
    db: &Db,
    owner: i64,
    actor_id: Option<i64>,
    new: &NewToken,
) -> Result<(ApiToken, String), ServiceError> {
    let t = now();
    let mut tx = db.pool.begin().await?;
    crate::audit::lock_for_write(&mut tx).await?;
    let exists = q("SELECT COUNT(*) FROM users WHERE id = $1 AND active = 1")
        .bind(owner)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?;
    if exists == 0 {
        return Err(ServiceError::NotFound("tài khoản"));
    }
    let active: i64 = q("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)")
        .bind(owner)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if active >= MAX_ACTIVE {
        return Err(ServiceError::Conflict(format!(
            "Mỗi tài khoản có tối đa {MAX_ACTIVE} mã truy cập còn hiệu lực. Hãy thu hồi mã không dùng nữa."
        )));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 8).collect();
    let expires_at = new.expires_in_days.map(|d| t + d * 86_400);
    let row = q(&format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
    ))
    .bind(owner)
    .bind(&new.name)
    .bind(token_id(&secret))
    .bind(&prefix)
    .bind(t)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    let token = token_from_row(&row)?;
    append(
        &mut tx,
        AuditEvent {
            actor_id,
            action: "token.create",
            record_type: "api_token",
            record_id: token.id,
            changes: json!({"user_id": [null, owner], "name": [null, new.name], "expires_at": [null, expires_at]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((token, secret))
}

/// Creates a token for the signed-in person.
pub async fn create_own_token(
    db: &Db,
    actor: &Actor,
    new: &NewToken,
) -> Result<(ApiToken, String), ServiceError> {
    create_token(db, actor.user_id, Some(actor.user_id), new).await
}

/// Revokes a token. A person may revoke only their own (someone else's
/// reads as unknown); the command line (`actor` None) may revoke any.
/// Revoking twice changes nothing.
pub async fn revoke_token(db: &Db, actor: Option<&Actor>, id: i64) -> Result<(), ServiceError> {
    let mut tx = db.pool.begin().await?;
    let row = q(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let token = match row {
        Some(r) => token_from_row(&r)?,
        None => return Err(ServiceError::NotFound("mã truy cập")),
    };
    if actor.is_some_and(|a| a.user_id != token.user_id) {
        return Err(ServiceError::NotFound("mã truy cập"));
    }
    if token.revoked_at.is_some() {
        return Ok(());
    }
    let t = now();
    q("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append(
        &mut tx,
        AuditEvent {
            actor_id: actor.map(|a| a.user_id),
            action: "token.revoke",
            record_type: "api_token",
            record_id: id,
            changes: json!({"revoked_at": [null, t]}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

impl Db {
    /// A person's tokens, newest first (revoked and expired ones included,
    /// so the list shows what happened to them).
    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = q(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(token_from_row).collect::<Result<_, _>>()?)
    }

    /// The person behind a presented secret, with their current grants;
    /// None when unknown, revoked, expired or the account is disabled.
    pub async fn token_session(&self, secret: &str) -> Result<Option<SessionInfo>, StoreError> {
        if !well_formed(secret) {
            return Ok(None);
        }
        let t = now();
        let hash = token_id(secret);
        let rows = q("SELECT t.id AS token_id, t.last_used_at, t.user_id, '' AS csrf, us.username, us.full_name, us.must_change_password, \
                      g.id AS grant_id, g.role, g.unit_id, un.path, un.name, \
                      (SELECT value FROM meta WHERE key = 'units_version') AS units_version \
                      FROM api_tokens t JOIN users us ON us.id = t.user_id \
                      LEFT JOIN role_grants g ON g.user_id = t.user_id \
                      LEFT JOIN units un ON un.id = g.unit_id \
                      WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
                      AND (t.expires_at IS NULL OR t.expires_at > $2) AND us.active = 1 ORDER BY g.id")
            .bind(&hash)
            .bind(t)
            .fetch_all(&self.pool)
            .await?;
        if let Some(first) = rows.first() {
            let last: Option<i64> = first.try_get("last_used_at")?;
            if last.is_none_or(|l| l < t - TOUCH_EVERY_SECS) {
                q("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                    .bind(t)
                    .bind(&hash)
                    .execute(&self.pool)
                    .await?;
            }
        }
        let info = session_from_rows(&rows)?;
        if let Some(i) = &info {
            self.inherited.note_version(i.units_version);
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_expiry_are_checked() {
        assert!(NewToken::parse("Cổng thông tin", None).is_ok());
        assert!(NewToken::parse("Cổng", Some(30)).is_ok());
        for (name, days, field) in [
            ("  ", None, "name"),
            (&*"a".repeat(101), None, "name"),
            ("x", Some(0), "expires_in_days"),
            ("x", Some(EXPIRY_MAX_DAYS + 1), "expires_in_days"),
        ] {
            match NewToken::parse(name, days) {
                Err(ServiceError::Invalid(list)) => assert_eq!(list[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        assert!(well_formed(&format!("dvk_{}", "a".repeat(64))));
        assert!(!well_formed(&"a".repeat(64)));
        assert!(!well_formed(&format!("dvk_{}", "g".repeat(64))));
        assert!(!well_formed("dvk_"));
    }
}
