//! Who may do what: the authorisation matrix over every state-changing
//! route, CSRF, stored XSS, and round routes refusing outsiders.

use dvk_store::demo::DEMO_PASSWORD;
use reqwest::{redirect, StatusCode};
use sqlx::Row;

use crate::support::*;

pub(crate) async fn authorisation_matrix_every_state_changing_route(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let mut clients = Vec::new();
    for u in USERS {
        clients.push(if u.is_empty() {
            Client::anonymous(&s.base).await
        } else {
            Client::login(&s.base, u).await
        });
    }
    let routes = [
        Route::Create,
        Route::Edit,
        Route::Submit,
        Route::Withdraw,
        Route::Upload,
        Route::Accept,
        Route::Return,
        Route::AddUnit,
        Route::AddUser,
        Route::AddGrant,
        Route::RemoveGrant,
    ];
    let spare_user =
        s.db.user_by_username("hoidong.thuky")
            .await
            .unwrap()
            .unwrap()
            .id;
    let mut checked = 0;
    for route in routes {
        for inside in [true, false] {
            let (unit, officer) = if inside {
                (&front_a, "canbo.tohieu")
            } else {
                (&front_b, "canbo.chiengan")
            };
            for (ui, user) in USERS.iter().enumerate() {
                let c = &clients[ui];
                let needs_submitted = matches!(route, Route::Accept | Route::Return);
                let entry =
                    fixture_entry(&s.db, officer, "bandanvan", unit.id, needs_submitted).await;
                let version = entry_state(&s.db, entry).await.1.to_string();
                let grant_id = spare_grant(&s.db, spare_user, unit.id).await;
                let before = snapshot(&s.db).await;
                let state_before = entry_state(&s.db, entry).await;
                let res = match route {
                    Route::Create => {
                        c.post("/entries", &as_refs(&full_form(unit.id, "Mô hình mới")))
                            .await
                    }
                    Route::Edit => {
                        let mut f = full_form(unit.id, "Tên đã sửa");
                        f.push(("version", version.clone()));
                        c.post(&format!("/entries/{entry}/edit"), &as_refs(&f))
                            .await
                    }
                    Route::Submit | Route::Withdraw | Route::Accept => {
                        let action = match route {
                            Route::Submit => "submit",
                            Route::Withdraw => "withdraw",
                            _ => "accept",
                        };
                        c.post(
                            &format!("/entries/{entry}/transition"),
                            &[("action", action), ("reason", ""), ("version", &version)],
                        )
                        .await
                    }
                    Route::Return => {
                        c.post(
                            &format!("/entries/{entry}/transition"),
                            &[
                                ("action", "return"),
                                ("reason", "Thiếu số liệu"),
                                ("version", &version),
                            ],
                        )
                        .await
                    }
                    Route::Upload => c.upload(entry, "a.pdf", pdf_bytes(), true).await,
                    Route::AddUnit => {
                        c.post(
                            "/admin/units",
                            &[
                                ("parent_id", &unit.id.to_string()),
                                ("name", "Bản Mới"),
                                ("kind", "khu_dan_cu"),
                            ],
                        )
                        .await
                    }
                    Route::AddUser => {
                        let name = format!("nguoimoi{checked}");
                        c.post(
                            "/admin/users",
                            &[
                                ("username", &name),
                                ("full_name", "Người Mới"),
                                ("password", "mat-khau-du-dai-1"),
                            ],
                        )
                        .await
                    }
                    Route::AddGrant => {
                        c.post(
                            "/admin/grants",
                            &[
                                ("user_id", &spare_user.to_string()),
                                ("role", "signing_leader"),
                                ("unit_id", &unit.id.to_string()),
                            ],
                        )
                        .await
                    }
                    Route::RemoveGrant => {
                        c.post(&format!("/admin/grants/{grant_id}/delete"), &[])
                            .await
                    }
                };
                let status = res.status();
                let ok = status == StatusCode::SEE_OTHER && !location(&res).starts_with("/login");
                let expected = allowed(route, user, inside);
                assert_eq!(
                    ok, expected,
                    "{route:?} by {user:?} inside={inside}: status {status}"
                );
                if !ok {
                    assert!(
                        matches!(
                            status,
                            StatusCode::FORBIDDEN
                                | StatusCode::NOT_FOUND
                                | StatusCode::UNAUTHORIZED
                        ),
                        "{route:?} by {user:?}: refused with {status}"
                    );
                    assert_eq!(
                        snapshot(&s.db).await,
                        before,
                        "{route:?} by {user:?} changed data although refused"
                    );
                    assert_eq!(entry_state(&s.db, entry).await, state_before);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 11 * 2 * 13);
}

pub(crate) async fn csrf_missing_or_wrong_is_refused(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let before = snapshot(&s.db).await;
    // No token.
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[("action", "submit"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("CSRF"));
    // Wrong token.
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[("csrf", "00ff00ff"), ("action", "submit"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Another session's token.
    let other = Client::login(&s.base, "canbo.chiengan").await;
    let res = officer
        .http
        .post(format!("{}/entries/{id}/transition", s.base))
        .form(&[
            ("csrf", other.csrf.as_str()),
            ("action", "submit"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Upload without the token.
    let res = officer.upload(id, "a.pdf", pdf_bytes(), false).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Login without the pre-session cookie.
    let bare = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let res = bare
        .post(format!("{}/login", s.base))
        .form(&[
            ("csrf", "abc"),
            ("username", "canbo.tohieu"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&s.db).await, before);
    // The same request with the token works.
    let res = officer
        .post(
            &format!("/entries/{id}/transition"),
            &[("action", "submit"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

pub(crate) async fn stored_xss_comes_back_escaped(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let mut fields = full_form(front_a.id, "<script>alert('xss')</script> Mô hình");
    fields.iter_mut().find(|(k, _)| *k == "content").unwrap().1 =
        "\"><img src=x onerror=alert(1)>".into();
    let res = officer.post("/entries", &as_refs(&fields)).await;
    let id = entry_id_from(&res);
    for page in [
        officer.get_text(&format!("/entries/{id}")).await,
        officer.get_text("/entries").await,
    ] {
        assert!(!page.contains("<script>alert"), "raw script tag in page");
        assert!(!page.contains("<img src=x"), "raw img tag in page");
        assert!(
            page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
            "escaped title missing"
        );
    }
    let edit = officer.get_text(&format!("/entries/{id}/edit")).await;
    assert!(!edit.contains("\"><img"));
    // Security headers are on every page.
    let res = officer.get("/entries").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

pub(crate) async fn round_routes_refuse_outsiders(kind: Kind) {
    let s = start(kind, 0).await;
    let (a, _) = accepted_entries(&s, 1).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let rid = open_round(&secretariat, &s, "score").await;
    let chair_id = user_id(&s.db, "hoidong.chutich").await;
    secretariat
        .post(
            &format!("/rounds/{rid}/members"),
            &[("user_id", &chair_id), ("role", "chair")],
        )
        .await;
    let data = s.db.round_data(rid).await.unwrap().unwrap();
    let full: Vec<(String, String)> = data
        .collective
        .criteria
        .iter()
        .map(|c| (format!("c{}", c.id), "8".to_owned()))
        .collect();
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let mut prop = vec![("round_id".to_owned(), rid.to_string())];
    prop.extend(full.clone());
    assert_eq!(
        officer
            .post(&format!("/entries/{}/propose", a[0]), &pairs(&prop))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let set_id = data.collective.id.to_string();
    let routes: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/rounds/{rid}/members"),
            vec![("user_id", chair_id.clone()), ("role", "member".into())],
        ),
        (format!("/rounds/{rid}/assign"), vec![("how", "all".into())]),
        (format!("/rounds/{rid}/start"), vec![]),
        (
            format!("/rounds/{rid}/conclude"),
            vec![
                ("date", "20/11/2026".into()),
                ("place", "X".into()),
                ("present", "Y".into()),
            ],
        ),
        (
            format!("/rounds/{rid}/notice"),
            vec![
                ("starts", "01/11/2026".into()),
                ("ends", "05/11/2026".into()),
            ],
        ),
        (
            format!("/rounds/{rid}/decision"),
            vec![("number", "1/QĐ".into()), ("entry", a[0].to_string())],
        ),
        (
            format!("/rounds/{rid}/score/{}", a[0]),
            full.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
        ),
        (
            format!("/criteria/{set_id}"),
            vec![
                ("pass", "60".into()),
                ("min", "40".into()),
                ("name", "X".into()),
                ("weight", "1".into()),
                ("max", "10".into()),
            ],
        ),
        (
            format!("/entries/{}/propose", a[0]),
            vec![("round_id", rid.to_string())],
        ),
        (
            "/rounds".to_owned(),
            vec![
                ("unit_id", s.province.id.to_string()),
                ("title", "Đợt lạ".into()),
                ("level", "xa".into()),
                ("phase", "2026-2030".into()),
                ("year", "2026".into()),
                ("kind", "annual".into()),
                ("mode", "score".into()),
            ],
        ),
    ];
    for user in [
        "",
        "canbo.chiengan",
        "canbo.soyte",
        "hoidong.uyvien",
        "mttq.chiengan",
    ] {
        let c = if user.is_empty() {
            Client::anonymous(&s.base).await
        } else {
            Client::login(&s.base, user).await
        };
        for (path, fields) in &routes {
            let before = snapshot(&s.db).await;
            let rounds_before: i64 = sqlx::query("SELECT COUNT(*) FROM rounds")
                .fetch_one(&s.db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = c.post(path, &refs).await;
            let status = res.status();
            assert!(
                matches!(
                    status,
                    StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                        | StatusCode::NOT_FOUND
                        | StatusCode::BAD_REQUEST
                        | StatusCode::CONFLICT
                ),
                "{path} by {user:?} answered {status}"
            );
            assert_ne!(status, StatusCode::SEE_OTHER);
            assert_eq!(
                snapshot(&s.db).await,
                before,
                "{path} by {user:?} changed data"
            );
            let rounds_after: i64 = sqlx::query("SELECT COUNT(*) FROM rounds")
                .fetch_one(&s.db.pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(rounds_before, rounds_after);
        }
        // Outsiders do not see the round page either.
        if user == "canbo.soyte" || user.is_empty() {
            assert_ne!(
                c.get(&format!("/rounds/{rid}")).await.status(),
                StatusCode::OK
            );
        }
    }
}

/// Sends an upload's headers announcing 20 MB and only its first 64 KB;
/// the server's answer if it comes within 3 s without the rest.
async fn answer_before_body(base: &str, path: &str, token: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.strip_prefix("http://").unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 20000000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&vec![b'a'; 64 * 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(std::time::Duration::from_secs(3), s.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        _ => None,
    }
}

/// An upload is authorised, and the entry's room checked, before its body
/// is read; an entry holds at most 20 files, also under concurrent uploads.
pub(crate) async fn uploads_are_refused_before_their_body(kind: Kind) {
    use crate::api::{token_for, Api};
    let s = start(kind, 0).await;
    let (to_hieu, _, _, _) = commune_units(&s.db).await;
    let id = fixture_entry(&s.db, "canbo.tohieu", "", to_hieu.id, false).await;
    let path = format!("/api/v1/entries/{id}/attachments");
    let owner = token_for(&s.db, "canbo.tohieu").await;
    let outsider = token_for(&s.db, "canbo.chiengan").await;

    // Step 1: another unit's officer is answered at once; the owner's
    // upload is waited for (its body is wanted).
    let early = answer_before_body(&s.base, &path, &outsider).await;
    let early = early.expect("the outsider is answered before the body is sent");
    assert!(
        early.starts_with("HTTP/1.1 404") || early.starts_with("HTTP/1.1 403"),
        "{early}"
    );
    let waited = answer_before_body(&s.base, &path, &owner).await;
    assert!(
        waited.is_none(),
        "an allowed upload waits for its body: {waited:?}"
    );

    // Step 2: with 19 files, four concurrent uploads add exactly one.
    let pdf = pdf_bytes();
    for i in 0..19 {
        s.db.insert_attachment(1, id, &format!("f{i}.pdf"), "application/pdf", &pdf, "x")
            .await
            .unwrap()
            .unwrap();
    }
    let api = std::sync::Arc::new(Api::new(&s.base, Some(owner.clone())));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (api, pdf) = (api.clone(), pdf.clone());
            tokio::spawn(async move { api.upload(id, &format!("them-{i}.pdf"), pdf).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        let a = t.await.unwrap();
        if a.status == StatusCode::CREATED {
            created += 1;
        } else {
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
            assert!(a.body.to_string().contains("tối đa 20 tệp"), "{}", a.body);
        }
    }
    assert_eq!(created, 1);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE entry_id = $1")
        .bind(id)
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 20);

    // Step 3: the full entry refuses the next upload before its body too.
    let early = answer_before_body(&s.base, &path, &owner)
        .await
        .expect("a full entry answers before the body");
    assert!(early.starts_with("HTTP/1.1 400"), "{early}");
    assert!(
        early.contains("tối đa 20 tệp") || early.contains("invalid"),
        "{early}"
    );
}

/// Readers' inherited subtrees are kept in memory per units version: a
/// merge recorded while a reader is signed in widens their list at their
/// next request, in this process and in another one over the same database.
pub(crate) async fn a_merge_widens_signed_in_readers_lists_at_once(kind: Kind) {
    let s = start(kind, 0).await;
    // Another process: its own connections and its own memory.
    let other = dvk_store::db::Db::connect(&s.test_db.url, 4).await.unwrap();
    let second = serve(&other).await;
    let (to_hieu, _, chieng_an, front_b) = commune_units(&s.db).await;
    let id = fixture_entry(&s.db, "canbo.chiengan", "", front_b.id, true).await;
    let link = format!("href=\"/entries/{id}\"");

    // Step 1: the commune officer of Tô Hiệu lists its entries (on both
    // servers); Chiềng An's entry is not among them.
    let here = Client::login(&s.base, "mttq.tohieu").await;
    let there = Client::login(&second, "mttq.tohieu").await;
    for c in [&here, &there] {
        let page = c.get_text("/entries?q=thu+nghiem").await;
        assert!(!page.contains(&link), "not yet inherited");
    }

    // Step 2: Chiềng An is merged into Tô Hiệu, as a reform's import
    // records it: the merge map and a new unit in one change of the units.
    let admin = actor_of(&s.db, "quantri").await;
    let mut tx = s.db.pool.begin().await.unwrap();
    sqlx::query("INSERT INTO unit_successors (predecessor_id, successor_id) VALUES ($1, $2)")
        .bind(chieng_an.id)
        .bind(to_hieu.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    dvk_store::service::create_unit(&s.db, &admin, to_hieu.id, "Tổ dân phố thử", "khu_dan_cu")
        .await
        .unwrap();

    // Step 3: the next request of either server lists the inherited entry.
    for c in [&here, &there] {
        let page = c.get_text("/entries?q=thu+nghiem").await;
        assert!(page.contains(&link), "inherited after the merge");
    }
}
