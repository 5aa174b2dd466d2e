//! Notifications: raised and resolved exactly once, and mailed once
//! through a fake SMTP server.

use dvk_store::Db;
use reqwest::StatusCode;
use sqlx::Row;

use crate::support::*;

async fn count_notes(db: &Db, username: &str, entry: i64, open_only: bool) -> i64 {
    let uid = db.user_by_username(username).await.unwrap().unwrap().id;
    let open = if open_only {
        " AND resolved_at IS NULL"
    } else {
        ""
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link = $2{open}"
    )))
    .bind(uid)
    .bind(format!("/entries/{entry}"))
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

pub(crate) async fn notifications_exactly_once(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let reviewer = Client::login(&s.base, "bandanvan").await;
    let submit = |v: &'static str| [("action", "submit"), ("reason", ""), ("version", v)];
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("1"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // The browser retries the same request: refused, and nobody is told twice.
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("1"))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
    assert_eq!(count_notes(&s.db, "mttq.tohieu", id, true).await, 1);
    assert_eq!(
        count_notes(&s.db, "mttq.chiengan", id, false).await,
        0,
        "another commune's officer is not told"
    );
    assert!(reviewer.get_text("/").await.contains("chờ tiếp nhận"));
    let ret = [
        ("action", "return"),
        ("reason", "Bổ sung minh chứng"),
        ("version", "2"),
    ];
    assert_eq!(
        reviewer
            .post(&format!("/entries/{id}/transition"), &ret)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        reviewer
            .post(&format!("/entries/{id}/transition"), &ret)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(count_notes(&s.db, "canbo.tohieu", id, true).await, 1);
    // The return settles the "waiting" notice for every reviewer, shown as such.
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 0);
    assert_eq!(count_notes(&s.db, "mttq.tohieu", id, false).await, 1);
    assert!(reviewer
        .get_text("/")
        .await
        .contains("đã xử lý: Đã trả lại để bổ sung."));
    let home = officer.get_text("/").await;
    assert!(home.contains("bị trả lại, cần bổ sung"));
    // Sent again: a new event for reviewers; the officer's notice is settled.
    assert_eq!(
        officer
            .post(&format!("/entries/{id}/transition"), &submit("3"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(count_notes(&s.db, "bandanvan", id, false).await, 2);
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
    assert_eq!(count_notes(&s.db, "canbo.tohieu", id, true).await, 0);
    assert!(officer
        .get_text("/")
        .await
        .contains("đã xử lý: Đơn vị đã gửi lại hồ sơ."));
}

/// Messages a test SMTP server received: (RCPT lines, data).
type Inbox = std::sync::Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server for tests: accepts every message and keeps
/// (recipients, data).
async fn fake_smtp() -> (
    u16,
    std::sync::Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let store: Inbox = Default::default();
    let keep = store.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 localhost ESMTP test\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("RCPT") {
                        rcpt.push(line.clone());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        keep.lock().unwrap().push((std::mem::take(&mut rcpt), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, store)
}

pub(crate) async fn notifications_are_mailed_once(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let (port, inbox) = fake_smtp().await;
    let mailer = dvk_store::mail::Mailer::new(
        "127.0.0.1",
        port,
        "DVK Sơn La <dvk@localhost>",
        "https://dvk.example",
    )
    .unwrap();
    for (u, mail) in [
        ("bandanvan", "huong@example.vn"),
        ("mttq.tohieu", "dong@example.vn"),
    ] {
        let id = s.db.user_by_username(u).await.unwrap().unwrap().id;
        s.db.set_user_email(id, mail).await.unwrap();
    }
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, true).await;
    let sent = dvk_store::mail::deliver_pending(&s.db, &mailer, 50)
        .await
        .unwrap();
    assert_eq!(sent, 2);
    // A second pass (or a second process) sends nothing again.
    assert_eq!(
        dvk_store::mail::deliver_pending(&s.db, &mailer, 50)
            .await
            .unwrap(),
        0
    );
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    let all_rcpt: Vec<String> = got.iter().flat_map(|(r, _)| r.clone()).collect();
    assert!(
        all_rcpt.iter().any(|r| r.contains("huong@example.vn"))
            && all_rcpt.iter().any(|r| r.contains("dong@example.vn"))
    );
    // Bodies are quoted-printable: undo soft line breaks before looking.
    let bodies: Vec<String> = got.iter().map(|(_, d)| d.replace("=\n", "")).collect();
    assert!(
        bodies
            .iter()
            .all(|d| d.contains(&format!("https://dvk.example/entries/{id}"))),
        "{}",
        bodies[0]
    );
    assert!(
        bodies.iter().all(|d| d.contains("Subject: =?utf-8?")),
        "Vietnamese subject is encoded: {}",
        bodies[0]
    );
    // People without an address get the in-app notification only.
    assert_eq!(count_notes(&s.db, "bandanvan", id, true).await, 1);
}

/// Work reaches people: the secretariat answers a citizen's comment on the
/// notice while it runs, from its home task; the leader's home lists the
/// decision once the period has run; the reviewer gets the yearly report.
pub(crate) async fn work_reaches_people(kind: Kind) {
    use crate::api::{today_iso, Api};
    use dvk_store::appraisal as ap;
    let s = start(kind, 0).await;
    let (to_hieu, _, _, _) = commune_units(&s.db).await;

    // Step 1: an entry of Tô Hiệu on public notice.
    let (rid, id) = round_on_notice(&s).await;

    // Step 2: a citizen comments; the secretariat's home links to it, and
    // the round page lets it answer while the notice runs.
    let citizen = Api::new(&s.base, None);
    let token = citizen.get(&format!("/public/notices/{rid}")).await.body["comment_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = citizen
        .post(
            &format!("/public/notices/{rid}/comments"),
            serde_json::json!({"entry_id": id, "body": "Bà con trong bản rất đồng tình với mô hình.", "comment_token": token}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let home = secretariat.get_text("/").await;
    assert!(home.contains("Ý kiến nhân dân chờ trả lời"), "{home}");
    assert!(home.contains(&format!("/rounds/{rid}#y-kien")));
    let page = secretariat.get_text(&format!("/rounds/{rid}")).await;
    assert!(page.contains("Bà con trong bản rất đồng tình"));
    let cid: i64 = sqlx::query("SELECT id FROM comments WHERE round_id = $1")
        .bind(rid)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert!(
        page.contains(&format!("/comments/{cid}/moderate")),
        "moderation controls on the running notice"
    );
    let res = secretariat
        .post(
            &format!("/comments/{cid}/moderate"),
            &[("answer", "Cảm ơn bà con đã góp ý.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = secretariat.get_text("/").await;
    assert!(
        !home.contains("Ý kiến nhân dân chờ trả lời"),
        "answered: the task is gone"
    );
    // Someone who does not run the round cannot answer.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let res = officer
        .post(&format!("/comments/{cid}/moderate"), &[("hide", "1")])
        .await;
    assert!(matches!(
        res.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));

    // Step 3: the leader's home lists the decision only once the period has run.
    let leader = Client::login(&s.base, "lanhdao").await;
    let due = "chờ ký quyết định: Đợt xét có ý kiến";
    assert!(
        !leader.get_text("/").await.contains(due),
        "the notice still runs"
    );
    sqlx::query("UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-20', notice_published_at = 1767225600 WHERE id = $1")
        .bind(rid)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let home = leader.get_text("/").await;
    assert!(home.contains(due), "{home}");
    assert!(home.contains(&format!("/rounds/{rid}#quyet-dinh")));
    let res = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &[
                ("number", "3/QĐ-UBND"),
                ("signed_on", &ap::show_date(&today_iso(0))),
                ("signer", "Trần Quốc Khánh"),
                ("signer_title", "CHỦ TỊCH"),
                ("issuer_unit_id", &to_hieu.id.to_string()),
                ("entry", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        !leader.get_text("/").await.contains(due),
        "signed: the task is gone"
    );

    // Step 4: the unit reports on the year; the reviewer gets the task.
    assert!(!secretariat
        .get_text("/")
        .await
        .contains("Báo cáo rà soát hằng năm chờ xem xét"));
    let res = officer
        .post(
            &format!("/entries/{id}/reports"),
            &[
                ("year", "2026"),
                ("operating", "1"),
                ("results", "Thêm 12 hộ tham gia."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = secretariat.get_text("/").await;
    assert!(
        home.contains("Báo cáo rà soát hằng năm chờ xem xét"),
        "{home}"
    );
    assert!(home.contains(&format!("/entries/{id}#ra-soat")));
}

async fn reminded(db: &Db, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.event_key LIKE $1 ORDER BY u.username",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(&db.pool)
    .await
    .unwrap();
    names.dedup();
    names
}

/// Reminders before deadlines reach the people with work left, once.
pub(crate) async fn deadline_reminders_reach_who_has_work_left(kind: Kind) {
    use time::macros::date;
    let s = start(kind, 0).await;
    let today = date!(2026 - 12 - 04);

    // Step 1: a round open for proposals until tomorrow; two units have
    // accepted entries not yet proposed.
    accepted_entries(&s, 1).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let round = open_round(&secretariat, &s, "score").await;
    sqlx::query("UPDATE rounds SET proposal_deadline = '2026-12-05' WHERE id = $1")
        .bind(round)
        .execute(&s.db.pool)
        .await
        .unwrap();
    // Step 2: the yearly registration is due on 10/12.
    s.db.set_setting("registration_due", "10/12").await.unwrap();
    assert!(s.db.set_setting("registration_due", "30/02").await.is_err());
    assert!(s.db.set_setting("reminder_days", "bảy").await.is_err());

    let sent = dvk_store::reminders::send_reminders(&s.db, today)
        .await
        .unwrap();
    assert!(sent > 0);
    assert_eq!(
        reminded(&s.db, "remind:proposal:").await,
        vec!["canbo.chiengan", "canbo.tohieu"]
    );
    let message: String = sqlx::query_scalar(
        "SELECT message FROM notifications WHERE event_key LIKE 'remind:proposal:%' LIMIT 1",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap();
    assert!(message.contains("05/12/2026"), "{message}");
    assert!(message.contains("hạn là ngày mai"), "{message}");
    // Units that have registered this year are not reminded to register.
    let registering = reminded(&s.db, "remind:registration:2026-12-10:7").await;
    assert!(
        registering.contains(&"canbo.soyte".to_string()),
        "{registering:?}"
    );
    assert!(
        !registering.contains(&"canbo.tohieu".to_string()),
        "{registering:?}"
    );

    // Step 3: the pass again the same day: nothing new.
    assert_eq!(
        dvk_store::reminders::send_reminders(&s.db, today)
            .await
            .unwrap(),
        0
    );
    // After the deadline nothing more is sent.
    assert_eq!(
        dvk_store::reminders::send_reminders(&s.db, date!(2026 - 12 - 11))
            .await
            .unwrap(),
        0
    );
}
