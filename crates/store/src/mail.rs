//! Optional e-mail for notifications, through SMTP (configured by env).
//! The in-app notification is the record; e-mail follows it from an
//! outbox: each notification is claimed before sending, so several server
//! processes never mail the same one twice.

use crate::db::{q, Db};
use crate::error::StoreError;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::Mailbox;
use lettre::message::SinglePart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::Row;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Base of links in messages, e.g. https://dvk.sonla.gov.vn
    public_url: String,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the office's own network).
    None,
    /// STARTTLS, required: the message is never sent in the clear.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl SmtpSecurity {
    pub fn parse(raw: &str) -> Option<SmtpSecurity> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(SmtpSecurity::None),
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" | "smtps" | "implicit" => Some(SmtpSecurity::Tls),
            _ => None,
        }
    }

    /// The usual protection of a port: 465 implicit TLS, 587 STARTTLS.
    pub fn for_port(port: u16) -> SmtpSecurity {
        match port {
            465 => SmtpSecurity::Tls,
            587 => SmtpSecurity::StartTls,
            _ => SmtpSecurity::None,
        }
    }
}

/// Everything needed to reach the mail server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// Extra trusted root certificates (PEM), e.g. an office's own CA.
    pub ca_pem: Option<Vec<u8>>,
    pub from: String,
    pub public_url: String,
}

fn config_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("{what}: {e}"))
}

impl Mailer {
    /// Plain SMTP to a relay (e.g. the office's mail server on the LAN).
    pub fn new(host: &str, port: u16, from: &str, public_url: &str) -> Result<Mailer, StoreError> {
        Mailer::with(SmtpSettings {
            host: host.to_owned(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            ca_pem: None,
            from: from.to_owned(),
            public_url: public_url.to_owned(),
        })
    }

    /// A mailer for `s`: certificates are verified (system roots of the
    /// web PKI plus `ca_pem`) whenever TLS is used.
    pub fn with(s: SmtpSettings) -> Result<Mailer, StoreError> {
        let from: Mailbox = s.from.parse().map_err(|e| {
            StoreError::Config(format!("Địa chỉ gửi thư không hợp lệ ({}): {e}", s.from))
        })?;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.as_str()).port(s.port);
        if s.security != SmtpSecurity::None {
            let mut params = TlsParameters::builder(s.host.clone());
            if let Some(pem) = &s.ca_pem {
                let cert = Certificate::from_pem(pem)
                    .map_err(|e| config_error("Chứng chỉ CA của máy chủ thư không đọc được", e))?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build_rustls()
                .map_err(|e| config_error("Thiết lập TLS cho máy chủ thư lỗi", e))?;
            builder = builder.tls(match s.security {
                SmtpSecurity::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        if let Some((user, password)) = s.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer {
            transport: builder
                .timeout(Some(std::time::Duration::from_secs(30)))
                .build(),
            from,
            public_url: s.public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// From the environment; None when DVK_SMTP_HOST is unset. DVK_SMTP_PORT
    /// (25), DVK_SMTP_SECURITY (none | starttls | tls; by default from the
    /// port), DVK_SMTP_USER and DVK_SMTP_PASSWORD, DVK_SMTP_CA_FILE,
    /// DVK_SMTP_FROM and DVK_PUBLIC_URL.
    pub fn from_env() -> Option<Result<Mailer, StoreError>> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let host = var("DVK_SMTP_HOST")?;
        Some((|| {
            let port = match var("DVK_SMTP_PORT") {
                Some(p) => p
                    .parse()
                    .map_err(|_| StoreError::Config(format!("DVK_SMTP_PORT không hợp lệ: {p}")))?,
                None => 25,
            };
            let security = match var("DVK_SMTP_SECURITY") {
                Some(v) => SmtpSecurity::parse(&v).ok_or_else(|| {
                    StoreError::Config(format!(
                        "DVK_SMTP_SECURITY phải là none, starttls hoặc tls (nhận được “{v}”)"
                    ))
                })?,
                None => SmtpSecurity::for_port(port),
            };
            let credentials = match (var("DVK_SMTP_USER"), var("DVK_SMTP_PASSWORD")) {
                (Some(u), Some(p)) => Some((u, p)),
                (None, None) => None,
                _ => {
                    return Err(StoreError::Config(
                        "Cần cả DVK_SMTP_USER và DVK_SMTP_PASSWORD.".into(),
                    ))
                }
            };
            if credentials.is_some() && security == SmtpSecurity::None {
                return Err(StoreError::Config(
                    "Không gửi mật khẩu thư qua kết nối không mã hoá: đặt DVK_SMTP_SECURITY=starttls hoặc tls.".into(),
                ));
            }
            let ca_pem = match var("DVK_SMTP_CA_FILE") {
                Some(f) => Some(std::fs::read(&f).map_err(|e| config_error(&f, e))?),
                None => None,
            };
            Mailer::with(SmtpSettings {
                host,
                port,
                security,
                credentials,
                ca_pem,
                from: var("DVK_SMTP_FROM").unwrap_or_else(|| "DVK <dvk@localhost>".into()),
                public_url: var("DVK_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            })
        })())
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
