//! E-mail over TLS: implicit TLS and STARTTLS against a local SMTP server
//! with a certificate from a test CA; the password and the message travel
//! only encrypted, and a server whose certificate is not trusted gets
//! nothing.

use crate::support::*;
use dvk_store::mail::{deliver_pending, Mailer, SmtpSecurity, SmtpSettings};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CA: &[u8] = include_bytes!("fixtures/smtp-test-ca.pem");
const CERT: &[u8] = include_bytes!("fixtures/smtp-test-cert.pem");
const KEY: &[u8] = include_bytes!("fixtures/smtp-test-key.pem");

/// What the server saw of one message.
#[derive(Clone, Debug)]
struct Received {
    encrypted: bool,
    auth: Option<String>,
    data: String,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

enum Next {
    Done,
    StartTls,
}

/// One SMTP conversation on `stream`; STARTTLS is offered in the clear,
/// AUTH only once encrypted.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    encrypted: bool,
    greet: bool,
    inbox: &Inbox,
) -> Next {
    if greet {
        let _ = stream
            .get_mut()
            .write_all(b"220 localhost ESMTP test\r\n")
            .await;
    }
    let mut auth = None;
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
            return Next::Done;
        }
        let upper = line.trim_end().to_uppercase();
        let reply: Vec<u8> = if upper.starts_with("EHLO") {
            if encrypted {
                b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n".to_vec()
            } else {
                b"250-localhost\r\n250-STARTTLS\r\n250 8BITMIME\r\n".to_vec()
            }
        } else if upper == "STARTTLS" && !encrypted {
            let _ = stream.get_mut().write_all(b"220 ready for TLS\r\n").await;
            return Next::StartTls;
        } else if upper.starts_with("AUTH PLAIN ") {
            auth = Some(line.trim_end()["AUTH PLAIN ".len()..].to_owned());
            b"235 2.7.0 accepted\r\n".to_vec()
        } else if upper.starts_with("DATA") {
            let _ = stream.get_mut().write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if stream.read_line(&mut l).await.unwrap_or(0) == 0 || l.trim_end() == "." {
                    break;
                }
                data.push_str(&l);
            }
            inbox.lock().unwrap().push(Received {
                encrypted,
                auth: auth.clone(),
                data,
            });
            b"250 queued\r\n".to_vec()
        } else if upper.starts_with("QUIT") {
            let _ = stream.get_mut().write_all(b"221 bye\r\n").await;
            return Next::Done;
        } else {
            b"250 OK\r\n".to_vec()
        };
        let _ = stream.get_mut().write_all(&reply).await;
    }
}

/// A TLS-capable SMTP server on 127.0.0.1: implicit TLS or STARTTLS.
async fn tls_smtp(implicit: bool) -> (u16, Inbox) {
    let certs = vec![CertificateDer::from_pem_slice(CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Inbox = Default::default();
    let keep = inbox.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, inbox) = (acceptor.clone(), keep.clone());
            tokio::spawn(async move {
                if implicit {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    converse(&mut BufReader::new(tls), true, true, &inbox).await;
                } else {
                    let mut plain = BufReader::new(tcp);
                    if let Next::StartTls = converse(&mut plain, false, true, &inbox).await {
                        let Ok(tls) = acceptor.accept(plain.into_inner()).await else {
                            return;
                        };
                        converse(&mut BufReader::new(tls), true, false, &inbox).await;
                    }
                }
            });
        }
    });
    (port, inbox)
}

fn settings(port: u16, security: SmtpSecurity, ca: bool) -> SmtpSettings {
    SmtpSettings {
        host: "localhost".into(),
        port,
        security,
        credentials: Some(("dvk@sonla.gov.vn".into(), "mật-khẩu-thư".into())),
        ca_pem: ca.then(|| CA.to_vec()),
        from: "DVK Sơn La <dvk@sonla.gov.vn>".into(),
        public_url: "https://dvk.example".into(),
    }
}

async fn pending(db: &dvk_store::Db) -> i64 {
    db.email_backlog().await.unwrap()
}

pub(crate) async fn mail_goes_over_tls_only(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let id =
        s.db.user_by_username("bandanvan")
            .await
            .unwrap()
            .unwrap()
            .id;
    s.db.set_user_email(id, "huong@example.vn").await.unwrap();
    let expected_auth = {
        // AUTH PLAIN carries "\0user\0password" in base64.
        let mut raw = vec![0u8];
        raw.extend_from_slice("dvk@sonla.gov.vn".as_bytes());
        raw.push(0);
        raw.extend_from_slice("mật-khẩu-thư".as_bytes());
        raw
    };

    // Step 1: a server whose certificate is not trusted receives nothing;
    // the notification stays queued for the next pass.
    fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, true).await;
    let (port, inbox) = tls_smtp(true).await;
    let untrusted = Mailer::with(settings(port, SmtpSecurity::Tls, false)).unwrap();
    assert_eq!(deliver_pending(&s.db, &untrusted, 50).await.unwrap(), 0);
    assert!(inbox.lock().unwrap().is_empty());
    assert_eq!(pending(&s.db).await, 1);

    // Step 2: implicit TLS with the office's CA: sent, encrypted, with the
    // password.
    let mailer = Mailer::with(settings(port, SmtpSecurity::Tls, true)).unwrap();
    assert_eq!(deliver_pending(&s.db, &mailer, 50).await.unwrap(), 1);
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted);
    let auth = got[0].auth.clone().expect("the mailer signed in");
    assert_eq!(decode_base64(&auth), expected_auth);
    assert!(got[0].data.contains("Subject: =?utf-8?"));

    // Step 3: STARTTLS: the conversation starts in the clear, the password
    // and the message go only after the upgrade.
    fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, true).await;
    let (port, inbox) = tls_smtp(false).await;
    let mailer = Mailer::with(settings(port, SmtpSecurity::StartTls, true)).unwrap();
    assert_eq!(deliver_pending(&s.db, &mailer, 50).await.unwrap(), 1);
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted, "sent after STARTTLS");
    assert!(got[0].auth.is_some());
    assert_eq!(pending(&s.db).await, 0);
}

fn decode_base64(s: &str) -> Vec<u8> {
    let table = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= table(*c) << (18 - 6 * i);
        }
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
