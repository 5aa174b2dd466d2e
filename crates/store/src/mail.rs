//! Optional e-mail for notifications, through SMTP (configured by env).
//! The in-app notification is the record; e-mail follows it from an
//! outbox: each notification is claimed before sending, so several server
//! processes never mail the same one twice.

use crate::db::{q, Db};
use crate::error::StoreError;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::Mailbox;
use lettre::message::SinglePart;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Base of links in messages, e.g. https://dvk.sonla.gov.vn
    public_url: String,
}

impl Mailer {
    /// Plain SMTP to a relay (e.g. the office's mail server on the LAN).
    pub fn new(host: &str, port: u16, from: &str, public_url: &str) -> Result<Mailer, StoreError> {
        let from: Mailbox = from.parse().map_err(|e| {
            StoreError::Config(format!("Địa chỉ gửi thư không hợp lệ ({from}): {e}"))
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .build();
        Ok(Mailer {
            transport,
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// From DVK_SMTP_HOST, DVK_SMTP_PORT (25), DVK_SMTP_FROM and DVK_PUBLIC_URL; None when unset.
    pub fn from_env() -> Option<Result<Mailer, StoreError>> {
        let host = std::env::var("DVK_SMTP_HOST")
            .ok()
            .filter(|h| !h.is_empty())?;
        let port = std::env::var("DVK_SMTP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(25);
        let from = std::env::var("DVK_SMTP_FROM").unwrap_or_else(|_| "DVK <dvk@localhost>".into());
        let url =
            std::env::var("DVK_PUBLIC_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
        Some(Mailer::new(&host, port, &from, &url))
    }
}

impl Db {
    pub async fn set_user_email(&self, user_id: i64, email: &str) -> Result<(), StoreError> {
        q("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email.trim())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Db {
    /// Notifications waiting to be e-mailed (for monitoring).
    pub async fn email_backlog(&self) -> Result<i64, StoreError> {
        Ok(q(
            "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
              WHERE n.email_state IN ('pending', 'sending') AND u.email <> ''",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?)
    }
}

/// Mails pending notifications to people who have an address. Returns how
/// many were sent; failures go back to pending for the next pass.
pub async fn deliver_pending(db: &Db, mailer: &Mailer, limit: i64) -> Result<usize, StoreError> {
    let rows = q("SELECT n.id, n.message, n.link, u.email, u.full_name FROM notifications n JOIN users u ON u.id = n.user_id \
                  WHERE n.email_state = 'pending' AND u.email <> '' ORDER BY n.id LIMIT $1")
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut sent = 0;
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let claimed = q("UPDATE notifications SET email_state = 'sending' WHERE id = $1 AND email_state = 'pending'")
            .bind(id)
            .execute(&db.pool)
            .await?
            .rows_affected();
        if claimed == 0 {
            continue; // another process has it
        }
        let message: String = r.try_get("message")?;
        let link: String = r.try_get("link")?;
        let email: String = r.try_get("email")?;
        let name: String = r.try_get("full_name")?;
        let outcome = match email.parse::<lettre::Address>() {
            Ok(address) => {
                let body = format!("Kính gửi {name},\n\n{message}\n\nXem chi tiết: {}{link}\n\n— Hệ thống Dân vận khéo", mailer.public_url);
                let mail = Message::builder()
                    .from(mailer.from.clone())
                    .to(Mailbox::new(Some(name.clone()), address))
                    .subject(format!(
                        "[Dân vận khéo] {}",
                        message.chars().take(120).collect::<String>()
                    ))
                    // Quoted-printable keeps links readable in the raw message.
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .header(ContentTransferEncoding::QuotedPrintable)
                            .body(body),
                    );
                match mail {
                    Ok(m) => mailer
                        .transport
                        .send(m)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => {
                // A malformed address will not get better: give up on it.
                tracing::warn!("notification {id}: bad e-mail address {email}: {e}");
                q("UPDATE notifications SET email_state = 'failed' WHERE id = $1")
                    .bind(id)
                    .execute(&db.pool)
                    .await?;
                continue;
            }
        };
        let state = match &outcome {
            Ok(()) => "sent",
            Err(e) => {
                tracing::warn!("mail for notification {id} not sent: {e}");
                "pending"
            }
        };
        q("UPDATE notifications SET email_state = $1 WHERE id = $2")
            .bind(state)
            .bind(id)
            .execute(&db.pool)
            .await?;
        if outcome.is_ok() {
            sent += 1;
        }
    }
    Ok(sent)
}
