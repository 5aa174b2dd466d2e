//! Signing in and looking after passwords and accounts: sign-in with
//! throttling that an attacker cannot race and that cannot lock the owner
//! out, changing one's own password, an admin's one-time reset, and
//! disabling or re-enabling an account.

use crate::accounts::{
    dummy_hash, hash_password, random_token, verify_password, ATTEMPT_WINDOW_SECS,
    MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS, MAX_ATTEMPTS_PER_ADDRESS, SLOW_DOWN_AFTER,
};
use crate::db::Db;
use crate::error::ServiceError;
use dvk_domain::auth::{self, Actor};
use dvk_domain::entry::FieldError;

/// The password policy, as the pages state it.
pub const PASSWORD_POLICY: &str =
    "Mật khẩu có ít nhất 10 ký tự (nên dùng một cụm từ dễ nhớ), không trùng tên đăng nhập, tối đa 200 byte.";

/// Whether `password` meets the policy for `username`.
pub fn check_password_for(username: &str, password: &str) -> Result<(), FieldError> {
    let bad = |m: &str| Err(FieldError::new("password", m));
    if password.chars().count() < 10 {
        return bad("Mật khẩu cần ít nhất 10 ký tự.");
    }
    if password.len() > 200 {
        return bad("Mật khẩu quá dài (tối đa 200 byte).");
    }
    if password.trim().to_lowercase() == username.trim().to_lowercase() {
        return bad("Mật khẩu không được trùng tên đăng nhập.");
    }
    Ok(())
}

async fn hash(password: &str) -> Result<String, ServiceError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ServiceError::Store(crate::StoreError::Config(e.to_string())))?
}

async fn verify(hash: String, password: &str) -> bool {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || verify_password(&hash, &pw))
        .await
        .unwrap_or(false)
}

/// Signs in; returns (session token, CSRF token). Each attempt is counted
/// before the password is checked, atomically, per account and address
/// (5 in 15 minutes) and per address (20): concurrent guesses cannot pass
/// the limit, and guesses from one address never lock the owner out from
/// another. Past 10 attempts on an account from anywhere, each further
/// attempt waits a little longer (up to 16 s), which slows a spread-out
/// attack without refusing the right password.
pub async fn login(
    db: &Db,
    username: &str,
    password: &str,
    client: &str,
) -> Result<(String, String), ServiceError> {
    // Bounded, so throttle keys cannot grow with the input.
    let username: String = username.trim().to_lowercase().chars().take(64).collect();
    let pair_key = format!("account:{username}|address:{client}");
    let address_key = format!("address:{client}");
    let account_key = format!("account:{username}");
    let too_many = || {
        ServiceError::TooMany(
            "Đăng nhập sai quá nhiều lần từ địa chỉ này. Vui lòng thử lại sau 15 phút.".into(),
        )
    };
    let by_address = db.count_attempt(&address_key, ATTEMPT_WINDOW_SECS).await?;
    if by_address > MAX_ATTEMPTS_PER_ADDRESS {
        return Err(too_many());
    }
    let wrong = || ServiceError::invalid("password", "Tên đăng nhập hoặc mật khẩu không đúng.");
    // Only a well-formed user name makes keys of its own (a name with the
    // keys' separators in it could otherwise count against someone else).
    if crate::service::check_username(&username).is_err() {
        let _ = verify(dummy_hash().to_owned(), password).await;
        return Err(wrong());
    }
    let by_pair = db.count_attempt(&pair_key, ATTEMPT_WINDOW_SECS).await?;
    if by_pair > MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS {
        return Err(too_many());
    }
    let by_account = db.count_attempt(&account_key, ATTEMPT_WINDOW_SECS).await?;
    if by_account > SLOW_DOWN_AFTER {
        let secs = 1u64 << (by_account - SLOW_DOWN_AFTER - 1).clamp(0, 4);
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    let user = db.user_by_username(&username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = verify(hash, password).await;
    match user {
        Some(u) if ok && u.active => {
            db.forget_attempts(&pair_key).await?;
            db.forget_attempts(&account_key).await?;
            db.refund_attempt(&address_key).await?;
            Ok(db.create_session(u.id).await?)
        }
        // A disabled account gets the same answer: it must not confirm the password.
        _ => Err(wrong()),
    }
}

/// What someone types to change their own password.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new: String,
    #[serde(default)]
    pub confirm: String,
}

/// Changes the signed-in person's password: the current one is required;
/// their other sessions end, `session` (the one in use) stays.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    session: Option<&str>,
    form: &PasswordChange,
) -> Result<(), ServiceError> {
    let user = db
        .user_by_id(actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound("người dùng"))?;
    let guesses = db
        .count_attempt(&format!("change:{}", actor.user_id), ATTEMPT_WINDOW_SECS)
        .await?;
    if guesses > MAX_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS {
        return Err(ServiceError::TooMany(
            "Nhập sai mật khẩu hiện tại quá nhiều lần. Vui lòng thử lại sau 15 phút.".into(),
        ));
    }
    let mut errors = Vec::new();
    if !verify(user.password_hash.clone(), &form.current).await {
        errors.push(FieldError::new("current", "Mật khẩu hiện tại không đúng."));
    }
    if let Err(mut e) = check_password_for(&user.username, &form.new) {
        e.field = "new".into();
        errors.push(e);
    } else if form.new == form.current {
        errors.push(FieldError::new(
            "new",
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
        ));
    }
    if form.confirm != form.new {
        errors.push(FieldError::new(
            "confirm",
            "Nhập lại chưa khớp với mật khẩu mới.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let h = hash(&form.new).await?;
    db.replace_password(actor.user_id, actor.user_id, &h, false, session)
        .await?;
    db.forget_attempts(&format!("change:{}", actor.user_id))
        .await?;
    Ok(())
}

/// The account `user_id` if `actor` may manage it: an admin whose
/// subtrees cover every unit where the account holds a role.
async fn managed_account(
    db: &Db,
    actor: &Actor,
    user_id: i64,
) -> Result<crate::accounts::UserRow, ServiceError> {
    let user = db
        .user_by_id(user_id)
        .await?
        .ok_or(ServiceError::NotFound("người dùng"))?;
    let grants = db.grants_of(user_id).await?;
    let units: Vec<_> = grants.iter().map(|g| g.unit_path.clone()).collect();
    let admin_units: Vec<_> = grants
        .iter()
        .filter(|g| g.role == dvk_domain::auth::Role::Admin)
        .map(|g| g.unit_path.clone())
        .collect();
    auth::check_manage_account(actor, &units, &admin_units)?;
    Ok(user)
}

/// A one-time password just set, to show once, and whose it is.
#[derive(Debug, Clone)]
pub struct OneTimePassword {
    pub username: String,
    pub full_name: String,
    pub password: String,
}

/// 16 characters from an alphabet without look-alikes (0/O, 1/l/I).
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw = random_token();
    raw.as_bytes()
        .chunks(2)
        .take(16)
        .map(|pair| {
            let n = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0);
            ALPHABET[n as usize % ALPHABET.len()] as char
        })
        .collect()
}

/// Sets a one-time password for `user_id`; the account must change it at
/// its next sign-in, and its sessions end.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    user_id: i64,
) -> Result<OneTimePassword, ServiceError> {
    if user_id == actor.user_id {
        return Err(ServiceError::Conflict(
            "Đổi mật khẩu của chính mình ở trang “Đổi mật khẩu”.".into(),
        ));
    }
    let user = managed_account(db, actor, user_id).await?;
    let one_time = one_time_password();
    let h = hash(&one_time).await?;
    db.replace_password(actor.user_id, user_id, &h, true, None)
        .await?;
    Ok(OneTimePassword {
        username: user.username,
        full_name: user.full_name,
        password: one_time,
    })
}

/// Disables or re-enables an account. Disabling ends its sessions and
/// stops its API tokens at once; nobody disables their own account.
pub async fn set_account_active(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    active: bool,
) -> Result<(), ServiceError> {
    if user_id == actor.user_id && !active {
        return Err(ServiceError::Conflict(
            "Không thể tự khoá tài khoản của chính mình.".into(),
        ));
    }
    let user = managed_account(db, actor, user_id).await?;
    if user.active == active {
        return Ok(());
    }
    db.set_active(actor.user_id, user_id, active).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_checked() {
        assert!(check_password_for("canbo.tohieu", "ngắn").is_err());
        assert!(check_password_for("canbo.tohieu", "canbo.tohieu").is_err());
        assert!(check_password_for("canbo.tohieu", "CANBO.TOHIEU ").is_err());
        assert!(check_password_for("canbo.tohieu", &"x".repeat(201)).is_err());
        assert!(check_password_for("canbo.tohieu", "hoa ban nở trắng núi").is_ok());
    }
}
