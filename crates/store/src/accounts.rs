//! Accounts, role grants, sessions and login throttling — all in the
//! database so several server processes share them.

use crate::audit::{append, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::{ServiceError, StoreError};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use dvk_domain::auth::{Actor, Grant, Role};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub password_hash: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub role: Role,
    pub unit_id: i64,
    pub unit_path: UnitPath,
    pub unit_name: String,
}

/// The signed-in person behind a session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub csrf: String,
    pub grants: Vec<GrantRow>,
    /// A one-time password is in use: it must be changed before anything else.
    pub must_change_password: bool,
    /// The unit tree's version, read with the session at no extra cost.
    pub units_version: i64,
}

impl SessionInfo {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            grants: self
                .grants
                .iter()
                .map(|g| Grant {
                    role: g.role,
                    unit: g.unit_path.clone(),
                })
                .collect(),
        }
    }
}

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub(crate) fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// argon2id with a fresh salt; CPU-heavy, so callers run it off the
/// async threads.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Conflict(format!("Không tạo được mã băm mật khẩu: {e}")))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password that passes only a costly check, so unknown usernames take
/// as long as known ones.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("không-phải-mật-khẩu-thật").unwrap_or_default())
}

pub const SESSION_TTL_SECS: i64 = 12 * 3600;

/// Sign-in attempts allowed per account from one address, and per
/// address over all accounts, in the window. Beyond a few attempts on an
/// account from everywhere, each further one waits a little longer.
pub const MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
pub const MAX_ATTEMPTS_PER_ADDRESS: i64 = 20;
pub const ATTEMPT_WINDOW_SECS: i64 = 15 * 60;
pub const SLOW_DOWN_AFTER: i64 = 10;

/// An account to create.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    /// A one-time password: the holder must replace it at first sign-in.
    pub must_change_password: bool,
}

/// Creates a user inside the caller's transaction (which holds the audit
/// lock, so two creations of one name cannot race); audited.
pub(crate) async fn insert_user_in(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    a: &NewAccount<'_>,
) -> Result<i64, ServiceError> {
    let existing = q("SELECT id FROM users WHERE username = $1")
        .bind(a.username)
        .fetch_optional(&mut *conn)
        .await?;
    if existing.is_some() {
        return Err(ServiceError::invalid(
            "username",
            format!("Tên đăng nhập “{}” đã có người dùng.", a.username),
        ));
    }
    let id: i64 = q("INSERT INTO users (username, full_name, name_sort, password_hash, active, created_at, email, must_change_password) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6, $7) RETURNING id")
        .bind(a.username)
        .bind(a.full_name)
        .bind(dvk_domain::text::sort_key(a.full_name))
        .bind(a.password_hash)
        .bind(now())
        .bind(a.email)
        .bind(a.must_change_password as i64)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let mut changes = json!({"username": [null, a.username], "full_name": [null, a.full_name]});
    if !a.email.is_empty() {
        changes["email"] = json!([null, a.email]);
    }
    append(
        &mut *conn,
        AuditEvent {
            actor_id,
            action: "user.create",
            record_type: "user",
            record_id: id,
            changes,
            ..Default::default()
        },
    )
    .await?;
    Ok(id)
}

/// Gives `user_id` a role at a unit inside the caller's transaction;
/// audited.
pub(crate) async fn insert_grant_in(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    user_id: i64,
    role: Role,
    unit_id: i64,
) -> Result<i64, ServiceError> {
    let dup = q("SELECT id FROM role_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3")
        .bind(user_id)
        .bind(role.code())
        .bind(unit_id)
        .fetch_optional(&mut *conn)
        .await?;
    if dup.is_some() {
        return Err(ServiceError::Conflict(
            "Người dùng đã có vai trò này tại đơn vị này.".into(),
        ));
    }
    let id: i64 = q("INSERT INTO role_grants (user_id, role, unit_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(user_id)
        .bind(role.code())
        .bind(unit_id)
        .bind(now())
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    append(
        &mut *conn,
        AuditEvent {
            actor_id,
            action: "grant.add",
            record_type: "user",
            record_id: user_id,
            changes: json!({"grant": [null, {"role": role.code(), "unit_id": unit_id}]}),
            ..Default::default()
        },
    )
    .await?;
    Ok(id)
}

impl Db {
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let row = q(
            "SELECT id, username, full_name, password_hash, active FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let row =
            q("SELECT id, username, full_name, password_hash, active FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// The account's role grants.
    pub async fn grants_of(&self, user_id: i64) -> Result<Vec<GrantRow>, StoreError> {
        let rows = q(
            "SELECT g.id, g.user_id, g.role, g.unit_id, u.path, u.name FROM role_grants g \
                      JOIN units u ON u.id = g.unit_id WHERE g.user_id = $1 ORDER BY g.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(grant_from_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Creates a user with an already-hashed password; audited.
    pub async fn insert_user(
        &self,
        actor_id: Option<i64>,
        username: &str,
        full_name: &str,
        password_hash: &str,
    ) -> Result<i64, ServiceError> {
        let mut tx = self.pool.begin().await?;
        crate::audit::lock_for_write(&mut tx).await?;
        let id = insert_user_in(
            &mut tx,
            actor_id,
            &NewAccount {
                username,
                full_name,
                email: "",
                password_hash,
                must_change_password: false,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_password(
        &self,
        actor_id: Option<i64>,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), ServiceError> {
        let mut tx = self.pool.begin().await?;
        let n = q("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(ServiceError::NotFound("người dùng"));
        }
        q("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            AuditEvent {
                actor_id,
                action: "user.password",
                record_type: "user",
                record_id: user_id,
                changes: json!({"password": ["***", "***"]}),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_grant(
        &self,
        actor_id: Option<i64>,
        user_id: i64,
        role: Role,
        unit_id: i64,
    ) -> Result<i64, ServiceError> {
        let mut tx = self.pool.begin().await?;
        crate::audit::lock_for_write(&mut tx).await?;
        let id = insert_grant_in(&mut tx, actor_id, user_id, role, unit_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn grant(&self, grant_id: i64) -> Result<Option<GrantRow>, StoreError> {
        let row = q("SELECT g.id, g.user_id, g.role, g.unit_id, u.path, u.name FROM role_grants g JOIN units u ON u.id = g.unit_id WHERE g.id = $1")
            .bind(grant_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(grant_from_row).transpose()?.flatten())
    }

    pub async fn delete_grant(
        &self,
        actor_id: Option<i64>,
        grant: &GrantRow,
    ) -> Result<(), ServiceError> {
        let mut tx = self.pool.begin().await?;
        q("DELETE FROM role_grants WHERE id = $1")
            .bind(grant.id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            AuditEvent {
                actor_id,
                action: "grant.remove",
                record_type: "user",
                record_id: grant.user_id,
                changes: json!({"grant": [{"role": grant.role.code(), "unit_id": grant.unit_id}, null]}),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every user with their grants, users in Vietnamese name order. Two queries.
    pub async fn users_with_grants(&self) -> Result<Vec<(UserRow, Vec<GrantRow>)>, StoreError> {
        let sql = format!(
            "SELECT id, username, full_name, password_hash, active FROM users ORDER BY {}, id",
            crate::dialect::user_name_order(self.backend)
        );
        let users = q(&sql).fetch_all(&self.pool).await?;
        let grants = q("SELECT g.id, g.user_id, g.role, g.unit_id, u.path, u.name FROM role_grants g JOIN units u ON u.id = g.unit_id ORDER BY g.id")
            .fetch_all(&self.pool)
            .await?;
        let grants: Vec<GrantRow> = grants
            .iter()
            .map(grant_from_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let mut out = Vec::with_capacity(users.len());
        for r in &users {
            let user = UserRow {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                full_name: r.try_get("full_name")?,
                password_hash: String::new(),
                active: r.try_get::<i64, _>("active")? != 0,
            };
            let mine = grants
                .iter()
                .filter(|g| g.user_id == user.id)
                .cloned()
                .collect();
            out.push((user, mine));
        }
        Ok(out)
    }

    pub async fn user_exists(&self, id: i64) -> Result<bool, StoreError> {
        Ok(q("SELECT id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(q("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    // ---- sessions ----

    /// Starts a session; returns (cookie token, CSRF token). Only a hash of
    /// the cookie token is stored.
    pub async fn create_session(&self, user_id: i64) -> Result<(String, String), StoreError> {
        let token = random_token();
        let csrf = random_token();
        let t = now();
        q("DELETE FROM sessions WHERE expires_at < $1")
            .bind(t)
            .execute(&self.pool)
            .await?;
        q("INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_id(&token))
            .bind(user_id)
            .bind(&csrf)
            .bind(t)
            .bind(t + SESSION_TTL_SECS)
            .execute(&self.pool)
            .await?;
        Ok((token, csrf))
    }

    /// The session's person and grants in one query; None when unknown,
    /// expired or the account is disabled.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, StoreError> {
        let rows = q("SELECT s.user_id, s.csrf, us.username, us.full_name, us.must_change_password, g.id AS grant_id, g.role, g.unit_id, un.path, un.name, \
                      (SELECT value FROM meta WHERE key = 'units_version') AS units_version \
                      FROM sessions s JOIN users us ON us.id = s.user_id \
                      LEFT JOIN role_grants g ON g.user_id = s.user_id \
                      LEFT JOIN units un ON un.id = g.unit_id \
                      WHERE s.id = $1 AND s.expires_at > $2 AND us.active = 1 ORDER BY g.id")
            .bind(token_id(token))
            .bind(now())
            .fetch_all(&self.pool)
            .await?;
        let info = session_from_rows(&rows)?;
        if let Some(i) = &info {
            self.inherited.note_version(i.units_version);
        }
        Ok(info)
    }

    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        q("DELETE FROM sessions WHERE id = $1")
            .bind(token_id(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- login throttling ----

    /// Counts one more attempt under `key` in a window of `window_secs`
    /// and returns the attempts in the window, this one included. One
    /// statement, so of concurrent attempts each sees its own count.
    pub async fn count_attempt(&self, key: &str, window_secs: i64) -> Result<i64, StoreError> {
        let t = now();
        Ok(q("INSERT INTO login_throttle (key, attempts, window_start) VALUES ($1, 1, $2) \
              ON CONFLICT (key) DO UPDATE SET \
              attempts = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
              window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
              RETURNING attempts")
        .bind(key)
        .bind(t)
        .bind(t - window_secs)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?)
    }

    /// Takes back one attempt (a successful sign-in is not a guess).
    pub async fn refund_attempt(&self, key: &str) -> Result<(), StoreError> {
        q("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets a key's attempts, and keys idle for a day.
    pub async fn forget_attempts(&self, key: &str) -> Result<(), StoreError> {
        q("DELETE FROM login_throttle WHERE key = $1 OR window_start < $2")
            .bind(key)
            .bind(now() - 24 * 3600)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- account state ----

    /// Enables or disables an account; a disabled account's sessions end
    /// at once (its API tokens stop working with it). Audited.
    pub async fn set_active(
        &self,
        actor_id: i64,
        user_id: i64,
        active: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        q("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active as i64)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if !active {
            q("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor_id),
                action: if active {
                    "user.enable"
                } else {
                    "user.disable"
                },
                record_type: "user",
                record_id: user_id,
                changes: json!({"active": [!active, active]}),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new password hash; `must_change` marks a one-time password. Every
    /// session of the account ends except `keep` (the one changing it).
    pub async fn replace_password(
        &self,
        actor_id: i64,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        q("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(must_change as i64)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        q("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.map(token_id).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        if must_change {
            // A reset is what an admin does when an account may be in other
            // hands: its API tokens end too.
            q("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            AuditEvent {
                actor_id: Some(actor_id),
                action: if must_change {
                    "user.password_reset"
                } else {
                    "user.password"
                },
                record_type: "user",
                record_id: user_id,
                changes: json!({"password": ["***", "***"]}),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserRow, sqlx::Error> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        full_name: r.try_get("full_name")?,
        password_hash: r.try_get("password_hash")?,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

fn grant_from_row(r: &sqlx::any::AnyRow) -> Result<Option<GrantRow>, sqlx::Error> {
    let role: String = r.try_get("role")?;
    let path: String = r.try_get("path")?;
    Ok(match (Role::parse(&role), UnitPath::parse(&path)) {
        (Some(role), Some(unit_path)) => Some(GrantRow {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            role,
            unit_id: r.try_get("unit_id")?,
            unit_path,
            unit_name: r.try_get("name")?,
        }),
        _ => None,
    })
}

/// A person and their grants from rows of (user, optional grant) joined
/// per grant; the CSRF column is empty for API tokens.
pub(crate) fn session_from_rows(
    rows: &[sqlx::any::AnyRow],
) -> Result<Option<SessionInfo>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut info = SessionInfo {
        user_id: first.try_get("user_id")?,
        username: first.try_get("username")?,
        full_name: first.try_get("full_name")?,
        csrf: first.try_get("csrf")?,
        grants: Vec::new(),
        must_change_password: first.try_get::<i64, _>("must_change_password")? != 0,
        units_version: first.try_get("units_version")?,
    };
    for r in rows {
        let gid: Option<i64> = r.try_get("grant_id")?;
        let Some(gid) = gid else { continue };
        let role: String = r.try_get("role")?;
        let path: String = r.try_get("path")?;
        if let (Some(role), Some(path)) = (Role::parse(&role), UnitPath::parse(&path)) {
            info.grants.push(GrantRow {
                id: gid,
                user_id: info.user_id,
                role,
                unit_id: r.try_get("unit_id")?,
                unit_path: path,
                unit_name: r.try_get("name")?,
            });
        }
    }
    Ok(Some(info))
}
