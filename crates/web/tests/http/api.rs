//! The JSON API, driven through HTTP alone: the whole cycle, the
//! authorisation matrix, tokens, sessions with CSRF, errors, the public
//! endpoints' limit, and the OpenAPI document (validated and fuzzed by
//! external tools that `.ci/run` installs).

use dvk_store::Db;
use dvk_web::{AppState, WebConfig};
use reqwest::{redirect, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::*;

pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Api {
        Api {
            http: reqwest::Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            token,
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).unwrap());
        }
        let res = req.send().await.unwrap();
        answer(res).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(&body)).await
    }
    pub async fn delete(&self, path: &str) -> Answer {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn upload(&self, entry: i64, name: &str, bytes: Vec<u8>) -> Answer {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self
            .http
            .post(format!("{}/api/v1/entries/{entry}/attachments", self.base))
            .header("connection", "close")
            .multipart(form);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        answer(req.send().await.unwrap()).await
    }
}

async fn answer(res: Response) -> Answer {
    let status = res.status();
    let json = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let bytes = res.bytes().await.unwrap();
    let body = if json && !bytes.is_empty() {
        serde_json::from_slice(&bytes).unwrap()
    } else {
        Value::Null
    };
    if !status.is_success() {
        // Every refusal is JSON with a machine code and a Vietnamese message.
        assert!(json, "error {status} is JSON");
        assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(body["fields"].is_array());
    }
    Answer { status, body }
}

/// A token for a demo user, made the way `dvk token create` makes one.
pub async fn token_for(db: &Db, username: &str) -> String {
    let user = db.user_by_username(username).await.unwrap().unwrap();
    let new = dvk_store::tokens::NewToken::parse("Kiểm thử", None).unwrap();
    dvk_store::tokens::create_token(db, user.id, None, &new)
        .await
        .unwrap()
        .1
}

pub async fn api_as(s: &Server, username: &str) -> Api {
    Api::new(&s.base, Some(token_for(&s.db, username).await))
}

pub(crate) fn entry_json(unit_id: i64, title: &str) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in full_form(unit_id, title) {
        let v = match k {
            "field_id" | "year" | "unit_id" => json!(v.parse::<i64>().unwrap()),
            _ => json!(v),
        };
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

pub(crate) fn today_iso(days: i64) -> String {
    let day = dvk_domain::calendar::vn_day(dvk_store::db::now()) + time::Duration::days(days);
    dvk_domain::calendar::iso(day)
}

pub async fn api_whole_cycle(kind: Kind) {
    let s = start(kind, 0).await;
    let (to_hieu, front_a, _, _) = commune_units(&s.db).await;
    let officer = api_as(&s, "canbo.tohieu").await;
    let secretariat = api_as(&s, "bandanvan").await;
    let chair = api_as(&s, "hoidong.chutich").await;
    let member = api_as(&s, "hoidong.uyvien").await;
    let leader = api_as(&s, "lanhdao").await;
    let citizen = Api::new(&s.base, None);

    // Registration.
    let a = officer
        .post(
            "/entries",
            entry_json(front_a.id, "Mô hình “Dân vận khéo” qua API"),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    assert_eq!(a.body["state"], "draft");
    assert!(a.body["allowed_transitions"]
        .as_array()
        .unwrap()
        .contains(&json!("submit")));
    let up = officer.upload(id, "bien-ban.pdf", pdf_bytes()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    assert_eq!(up.body["content_type"], "application/pdf");
    let att = up.body["id"].as_i64().unwrap();
    let bad = officer.upload(id, "x.pdf", b"MZ not a pdf".to_vec()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["fields"][0]["field"], "file");
    let list = officer.get(&format!("/entries/{id}/attachments")).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let dl = reqwest::Client::new()
        .get(format!("{}/api/v1/attachments/{att}", s.base))
        .header(
            "authorization",
            format!("Bearer {}", officer.token.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(dl.bytes().await.unwrap().to_vec(), pdf_bytes());

    let version = a.body["version"].as_i64().unwrap();
    let stale = officer
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "submit", "version": version + 5}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "stale version refused");
    let sub = officer
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "submit", "version": version}),
        )
        .await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.body);
    assert_eq!(sub.body["state"], "submitted");
    let acc = secretariat
        .post(
            &format!("/entries/{id}/transitions"),
            json!({"transition": "accept", "version": sub.body["version"]}),
        )
        .await;
    assert_eq!(acc.body["state"], "accepted", "{}", acc.body);

    // A round: council, proposal with self-assessment, scoring, conclusion.
    let r = secretariat
        .post(
            "/rounds",
            json!({"unit_id": s.province.id, "title": "Xét công nhận cấp xã năm 2026 (API)",
                   "level": "xa", "year": 2026, "phase": "2026-2030", "kind": "annual",
                   "mode": "score", "proposal_deadline": "2099-12-31"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rid = r.body["id"].as_i64().unwrap();
    for (u, role) in [("hoidong.chutich", "chair"), ("hoidong.uyvien", "member")] {
        let uid = s.db.user_by_username(u).await.unwrap().unwrap().id;
        let m = secretariat
            .post(
                &format!("/rounds/{rid}/members"),
                json!({"user_id": uid, "role": role}),
            )
            .await;
        assert_eq!(m.status, StatusCode::NO_CONTENT, "{}", m.body);
    }
    let detail = secretariat.get(&format!("/rounds/{rid}")).await;
    let criteria: Vec<(i64, f64)> = detail.body["collective_criteria"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["max_points"].as_f64().unwrap()))
        .collect();
    assert_eq!(criteria.len(), 8);
    let own: Vec<Value> = criteria
        .iter()
        .map(|(c, max)| json!({"criterion_id": c, "points": max - 1.0}))
        .collect();
    let p = officer
        .post(
            &format!("/rounds/{rid}/proposals"),
            json!({"entry_id": id, "self_assessment": own[..7]}),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "a criterion is missing");
    let p = officer
        .post(
            &format!("/rounds/{rid}/proposals"),
            json!({"entry_id": id, "self_assessment": own}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let asg = secretariat
        .post(&format!("/rounds/{rid}/assignments"), json!({"how": "all"}))
        .await;
    assert_eq!(asg.body["added"], 2, "{}", asg.body);
    assert_eq!(
        secretariat
            .post(&format!("/rounds/{rid}/start"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    for m in [&chair, &member] {
        let sheet = m.get(&format!("/rounds/{rid}/sheets/{id}")).await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
        assert_eq!(sheet.body["lines"].as_array().unwrap().len(), 8);
        let lines: Vec<Value> = criteria
            .iter()
            .map(|(c, max)| json!({"criterion_id": c, "points": max * 0.9, "comment": ""}))
            .collect();
        let saved = m
            .put(
                &format!("/rounds/{rid}/sheets/{id}"),
                json!({"lines": lines}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert!(saved.body["total_pct"].as_f64().unwrap() > 85.0);
    }
    let bad_points = chair
        .put(
            &format!("/rounds/{rid}/sheets/{id}"),
            json!({"lines": [{"criterion_id": criteria[0].0, "points": 999}]}),
        )
        .await;
    assert_eq!(bad_points.status, StatusCode::BAD_REQUEST);
    assert!(!bad_points.body["fields"].as_array().unwrap().is_empty());
    let concl = chair
        .post(
            &format!("/rounds/{rid}/conclude"),
            json!({"date": today_iso(0), "place": "Hội trường", "present": "5/5 thành viên"}),
        )
        .await;
    assert_eq!(concl.status, StatusCode::NO_CONTENT, "{}", concl.body);
    let detail = secretariat.get(&format!("/rounds/{rid}")).await;
    assert_eq!(detail.body["results"][0]["passes"], true, "{}", detail.body);
    assert_eq!(detail.body["provisional"], false);

    // Public notice with a citizen's comment and its answer.
    let n = secretariat
        .post(
            &format!("/rounds/{rid}/notice"),
            json!({"starts": today_iso(0), "ends": today_iso(7)}),
        )
        .await;
    assert_eq!(n.status, StatusCode::NO_CONTENT, "{}", n.body);
    let notices = citizen.get("/public/notices").await;
    assert!(notices
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["round_id"] == rid));
    let token = citizen.get(&format!("/public/notices/{rid}")).await.body["comment_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = citizen
        .post(
            &format!("/public/notices/{rid}/comments"),
            json!({"entry_id": id, "body": "Mô hình rất thiết thực với bà con.", "comment_token": token}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let comments = secretariat.get(&format!("/rounds/{rid}/comments")).await;
    let cid = comments.body[0]["id"].as_i64().unwrap();
    let ans = secretariat
        .post(
            &format!("/comments/{cid}/moderation"),
            json!({"answer": "Cảm ơn ý kiến của bạn."}),
        )
        .await;
    assert_eq!(ans.status, StatusCode::NO_CONTENT);
    let public = citizen.get(&format!("/public/notices/{rid}")).await;
    assert_eq!(public.body["open"], true);
    assert_eq!(
        public.body["entries"][0]["comments"][0]["answer"],
        "Cảm ơn ý kiến của bạn."
    );

    // The decision waits for the notice to end.
    let decision = json!({"number": "21/QĐ-UBND", "signed_on": today_iso(0), "signer": "Trần Quốc Khánh",
        "signer_title": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "issuer_unit_id": to_hieu.id, "entry_ids": [id]});
    let early = leader
        .post(&format!("/rounds/{rid}/decisions"), decision.clone())
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    sqlx::query(
        "UPDATE rounds SET notice_starts = '2026-01-01', notice_ends = '2026-01-08', notice_published_at = 1767225600 WHERE id = $1",
    )
    .bind(rid)
    .execute(&s.db.pool)
    .await
    .unwrap();
    let d = leader
        .post(&format!("/rounds/{rid}/decisions"), decision)
        .await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
    let e = officer.get(&format!("/entries/{id}")).await;
    assert_eq!(e.body["state"], "recognised");
    assert_eq!(e.body["decision"]["number"], "21/QĐ-UBND");
    let found = citizen
        .get("/public/entries?q=dan%20van%20kheo%20qua%20api")
        .await;
    assert_eq!(found.body["total"], 1, "{}", found.body);
    let pe = citizen.get(&format!("/public/entries/{id}")).await;
    assert!(pe.body["decision"].as_str().unwrap().contains("21/QĐ-UBND"));

    // Rewards: outstanding, proposal, decision.
    let rr = secretariat
        .post(
            "/reward-rounds",
            json!({"unit_id": s.province.id, "title": "Khen thưởng năm 2026", "level": "xa",
                   "kind": "annual", "year": 2026, "phase": "2026-2030"}),
        )
        .await;
    assert_eq!(rr.status, StatusCode::CREATED, "{}", rr.body);
    let rrid = rr.body["id"].as_i64().unwrap();
    assert_eq!(
        secretariat
            .post(&format!("/entries/{id}/outstanding"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let forms = secretariat.get("/reward-forms").await;
    let form = forms
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "gk-ubnd-xa")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let prop = secretariat
        .post(
            &format!("/reward-rounds/{rrid}/proposals"),
            json!({"entry_id": id, "form_id": form}),
        )
        .await;
    assert_eq!(prop.status, StatusCode::NO_CONTENT, "{}", prop.body);
    let again = secretariat
        .post(
            &format!("/reward-rounds/{rrid}/proposals"),
            json!({"entry_id": id, "form_id": form}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "one achievement, one form"
    );
    let funnel = secretariat.get(&format!("/reward-rounds/{rrid}")).await;
    assert_eq!(funnel.body["funnel"]["proposed"], 1);
    let rd = leader
        .post(
            &format!("/reward-rounds/{rrid}/decisions"),
            json!({"form_id": form, "number": "30/QĐ-UBND", "signed_on": today_iso(0),
                   "signer": "Trần Quốc Khánh", "signer_title": "CHỦ TỊCH",
                   "issuer_unit_id": to_hieu.id, "entry_ids": [id]}),
        )
        .await;
    assert_eq!(rd.status, StatusCode::CREATED, "{}", rd.body);
    let e = officer.get(&format!("/entries/{id}")).await;
    assert_eq!(e.body["state"], "rewarded");
    assert_eq!(e.body["rewards"].as_array().unwrap().len(), 1);

    // Yearly review.
    let rep = officer
        .post(
            &format!("/entries/{id}/reports"),
            json!({"year": 2026, "operating": true, "results": "Thêm 40 hộ tham gia."}),
        )
        .await;
    assert_eq!(rep.status, StatusCode::OK, "{}", rep.body);
    let rev = secretariat
        .post(
            &format!("/entries/{id}/reports/2026/review"),
            json!({"continuing": true}),
        )
        .await;
    assert_eq!(rev.status, StatusCode::OK, "{}", rev.body);
    assert_eq!(rev.body["reports"][0]["outcome"], "continuing");

    // History, notifications, register, status.
    let h = officer.get(&format!("/entries/{id}/history")).await;
    let events: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["event"].as_str().unwrap())
        .collect();
    assert!(
        events.contains(&"Tạo hồ sơ") && events.contains(&"Gửi đăng ký"),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.starts_with("Hội đồng đã chấm: ")),
        "appraisal shows as a step: {events:?}"
    );
    let text = h.body.to_string();
    assert!(
        !text.contains("score.save") && !text.contains("\"points\""),
        "no sheet in the history"
    );
    let notes = secretariat.get("/notifications").await;
    assert!(notes.body[0]["message"].is_string(), "{}", notes.body);
    assert!(!notes.body.as_array().unwrap().is_empty());
    let reg = secretariat
        .get(&format!("/register?unit={}&year=2026", s.province.id))
        .await;
    assert_eq!(reg.status, StatusCode::OK, "{}", reg.body);
    let st = secretariat
        .get(&format!("/status?unit={}&year=2026", s.province.id))
        .await;
    assert!(st
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["status"] == "accepted"));

    // Revocation keeps the records.
    let rv = leader
        .post(
            &format!("/entries/{id}/revocation"),
            json!({"reason": "Số liệu không đúng thực tế", "decision_ref": "Quyết định số 40/QĐ-UBND"}),
        )
        .await;
    assert_eq!(rv.status, StatusCode::NO_CONTENT, "{}", rv.body);
    let e = officer.get(&format!("/entries/{id}")).await;
    assert_eq!(e.body["state"], "revoked");
    assert_eq!(e.body["revocations"].as_array().unwrap().len(), 1);
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

/// The foundation's matrix again, through the API with each user's token.
pub async fn api_authorisation_matrix(kind: Kind) {
    let s = start(kind, 0).await;
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    let mut apis = Vec::new();
    for u in USERS {
        apis.push(if u.is_empty() {
            Api::new(&s.base, None)
        } else {
            api_as(&s, u).await
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
                let c = &apis[ui];
                let needs_submitted = matches!(route, Route::Accept | Route::Return);
                let entry =
                    fixture_entry(&s.db, officer, "bandanvan", unit.id, needs_submitted).await;
                let version = entry_state(&s.db, entry).await.1;
                let grant_id = spare_grant(&s.db, spare_user, unit.id).await;
                let before = snapshot(&s.db).await;
                let state_before = entry_state(&s.db, entry).await;
                let step = |t: &str, reason: &str| json!({"transition": t, "reason": reason, "version": version});
                let res = match route {
                    Route::Create => c.post("/entries", entry_json(unit.id, "Mô hình mới")).await,
                    Route::Edit => {
                        let mut body = entry_json(unit.id, "Tên đã sửa");
                        body["version"] = json!(version);
                        c.put(&format!("/entries/{entry}"), body).await
                    }
                    Route::Submit => {
                        c.post(&format!("/entries/{entry}/transitions"), step("submit", ""))
                            .await
                    }
                    Route::Withdraw => {
                        c.post(
                            &format!("/entries/{entry}/transitions"),
                            step("withdraw", "Không tiếp tục"),
                        )
                        .await
                    }
                    Route::Accept => {
                        c.post(&format!("/entries/{entry}/transitions"), step("accept", ""))
                            .await
                    }
                    Route::Return => {
                        c.post(
                            &format!("/entries/{entry}/transitions"),
                            step("return", "Thiếu số liệu"),
                        )
                        .await
                    }
                    Route::Upload => c.upload(entry, "a.pdf", pdf_bytes()).await,
                    Route::AddUnit => {
                        c.post(
                            "/units",
                            json!({"parent_id": unit.id, "name": "Bản Mới", "kind": "khu_dan_cu"}),
                        )
                        .await
                    }
                    Route::AddUser => {
                        c.post(
                            "/users",
                            json!({"username": format!("nguoimoi{checked}"), "full_name": "Người Mới",
                                   "password": "mat-khau-du-dai-1"}),
                        )
                        .await
                    }
                    Route::AddGrant => {
                        c.post(
                            "/grants",
                            json!({"user_id": spare_user, "role": "signing_leader", "unit_id": unit.id}),
                        )
                        .await
                    }
                    Route::RemoveGrant => c.delete(&format!("/grants/{grant_id}")).await,
                };
                let ok = res.status.is_success();
                let expected = allowed(route, user, inside);
                assert_eq!(
                    ok, expected,
                    "API {route:?} by {user:?} inside={inside}: {} {}",
                    res.status, res.body
                );
                if !ok {
                    assert!(
                        matches!(
                            res.status,
                            StatusCode::FORBIDDEN
                                | StatusCode::NOT_FOUND
                                | StatusCode::UNAUTHORIZED
                        ),
                        "API {route:?} by {user:?}: refused with {}",
                        res.status
                    );
                    let code = res.body["code"].as_str().unwrap();
                    assert!(
                        ["forbidden", "not_found", "not_signed_in"].contains(&code),
                        "{code}"
                    );
                    assert_eq!(snapshot(&s.db).await, before, "API {route:?} by {user:?}");
                    assert_eq!(entry_state(&s.db, entry).await, state_before);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 11 * 2 * 13);
    // Reading follows the same subtrees: another commune's entry is unknown.
    let outsider = api_as(&s, "canbo.chiengan").await;
    let theirs = fixture_entry(&s.db, "canbo.tohieu", "", front_a.id, false).await;
    let r = outsider.get(&format!("/entries/{theirs}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = outsider.get("/entries?per_page=100").await;
    assert!(list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"] != theirs));
}

/// Tokens: shown once, stored hashed, revocable, expiring, acting with the
/// owner's current rights; sessions need the CSRF header, tokens do not.
pub async fn api_tokens_and_sessions(kind: Kind) {
    let s = start(kind, 0).await;
    // A browser session creates a token through the API with its CSRF token.
    let browser = Client::login(&s.base, "canbo.tohieu").await;
    let me = browser
        .http
        .get(format!("{}/api/v1/me", s.base))
        .send()
        .await
        .unwrap();
    let me: Value = serde_json::from_slice(&me.bytes().await.unwrap()).unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    // Pages carry the session's token disguised afresh each time (so a
    // compressed page never repeats it); the API names it as it is.
    assert_ne!(csrf, browser.csrf);
    let before = snapshot(&s.db).await;
    for header in [None, Some("sai-ma")] {
        let mut req = browser
            .http
            .post(format!("{}/api/v1/tokens", s.base))
            .header("content-type", "application/json")
            .body(r#"{"name":"Cổng thông tin"}"#);
        if let Some(h) = header {
            req = req.header("x-csrf-token", h);
        }
        let res = answer(req.send().await.unwrap()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(res.body["code"], "csrf_failed");
    }
    assert_eq!(snapshot(&s.db).await, before);
    let created = answer(
        browser
            .http
            .post(format!("{}/api/v1/tokens", s.base))
            .header("content-type", "application/json")
            .header("x-csrf-token", &csrf)
            .body(r#"{"name":"Cổng thông tin","expires_in_days":30}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let tid = created.body["token"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("dvk_") && secret.len() == 68);
    // Stored hashed: the secret is nowhere in the database.
    let stored: i64 =
        sqlx::query("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1")
            .bind(&secret)
            .fetch_one(&s.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
    assert_eq!(stored, 0);
    // The token works without CSRF and acts with the owner's rights.
    let api = Api::new(&s.base, Some(secret.clone()));
    let me = api.get("/me").await;
    assert_eq!(me.body["username"], "canbo.tohieu");
    assert_eq!(me.body["csrf_token"], Value::Null);
    let listed = api.get("/tokens").await;
    assert_eq!(listed.body[0]["prefix"], secret[..12]);
    assert!(listed.body[0].get("secret").is_none(), "never shown again");
    assert!(listed.body[0]["expires_at"].is_string());
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let e = api
        .post("/entries", entry_json(front_a.id, "Qua mã truy cập"))
        .await;
    assert_eq!(e.status, StatusCode::CREATED);
    // Rights follow the grants: once the role is taken away, the token can no longer register.
    let grant: i64 = sqlx::query("SELECT g.id FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'canbo.tohieu'")
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let admin = api_as(&s, "quantri").await;
    assert_eq!(
        admin.delete(&format!("/grants/{grant}")).await.status,
        StatusCode::NO_CONTENT
    );
    let refused = api
        .post("/entries", entry_json(front_a.id, "Không còn quyền"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Someone else's token cannot be revoked (it reads as unknown).
    let other = api_as(&s, "canbo.chiengan").await;
    assert_eq!(
        other.delete(&format!("/tokens/{tid}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.delete(&format!("/tokens/{tid}")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = api.get("/me").await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.body["code"], "invalid_token");
    // Expired tokens stop working.
    let t2 = token_for(&s.db, "canbo.chiengan").await;
    sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE prefix = $1")
        .bind(&t2[..12])
        .execute(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(
        Api::new(&s.base, Some(t2)).get("/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Bad names and expiries name their field.
    let bad = other
        .post("/tokens", json!({"name": "", "expires_in_days": 0}))
        .await;
    let fields: Vec<&str> = bad.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "expires_in_days"]);
    // The token page: create (shown once), list, revoke.
    let page = browser
        .post(
            "/tokens",
            &[("name", "Hệ thống thống kê"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::CREATED);
    let html = page.text().await.unwrap();
    let i = html.find("value=\"dvk_").unwrap() + 7;
    let shown = &html[i..i + 68];
    let fresh = Api::new(&s.base, Some(shown.to_owned()));
    assert_eq!(fresh.get("/me").await.body["username"], "canbo.tohieu");
    let listed = fresh.get("/tokens").await;
    let newest = listed.body[0]["id"].as_i64().unwrap();
    assert!(
        !html.contains(&secret),
        "an earlier secret is never shown again"
    );
    let res = browser.post(&format!("/tokens/{newest}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(fresh.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

/// Errors are JSON with stable codes and field names.
pub async fn api_errors_name_fields(kind: Kind) {
    let s = start(kind, 0).await;
    // Every answer carries a request id for the logs; a proxy's is kept.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/api/v1/me", s.base))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let r = http
        .get(format!("{}/login", s.base))
        .header("x-request-id", "tu-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "tu-proxy-42");
    let officer = api_as(&s, "canbo.tohieu").await;
    let before = snapshot(&s.db).await;
    let r = officer
        .post("/entries", json!({"kind": "model", "year": "năm nay"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], "invalid_body");
    assert_eq!(r.body["fields"][0]["field"], "year");
    let r = officer
        .post("/entries", json!({"title": "Chỉ có tên"}))
        .await;
    assert_eq!(r.body["code"], "validation_failed");
    assert!(r.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field"] == "unit_id"));
    let r = officer.post("/entries", json!({"khong_co": 1})).await;
    assert_eq!(r.body["fields"][0]["field"], "khong_co");
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/entries", s.base))
        .header(
            "authorization",
            format!("Bearer {}", officer.token.clone().unwrap()),
        )
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = officer.get("/entries/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], "invalid_parameter");
    let r = officer.get("/entries?page=0").await;
    assert_eq!(r.body["fields"][0]["field"], "page");
    let r = officer.get("/entries?state=khong-ro").await;
    assert_eq!(r.body["fields"][0]["field"], "state");
    let r = officer.get("/khong-co").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["code"], "not_found");
    assert_eq!(snapshot(&s.db).await, before);
    // Pagination with a total, filters as on the pages.
    let page = officer.get("/entries?per_page=1&sort=title").await;
    assert_eq!(page.body["per_page"], 1);
    assert!(page.body["total"].as_i64().unwrap() >= 0);
}

/// The public API needs no token and is limited per address.
pub async fn public_api_is_rate_limited(kind: Kind) {
    let s = start(kind, 0).await;
    let base = crate::support::serve_with(
        &s.db,
        WebConfig {
            public_api_per_minute: 5,
            ..Default::default()
        },
    )
    .await;
    let citizen = Api::new(&base, None);
    // Eleven requests span at most two one-minute windows of five each.
    let mut ok = 0;
    let mut limited = None;
    for _ in 0..11 {
        let res = reqwest::get(format!("{base}/api/v1/public/entries"))
            .await
            .unwrap();
        match res.status() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited = Some(res),
            other => panic!("unexpected {other}"),
        }
    }
    assert!((5..=10).contains(&ok), "{ok} allowed");
    let limited = limited.expect("the limit was reached");
    assert!(limited.headers().contains_key("retry-after"));
    let body = answer(limited).await;
    assert_eq!(body.body["code"], "too_many_requests");
    // Signed-in endpoints need a token.
    let r = citizen.get("/entries").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "not_signed_in");
}

/// The document validates as OpenAPI 3 (openapi-spec-validator) and a
/// property-based run of schemathesis finds no server error and no
/// response outside the document.
pub async fn openapi_validates_and_schemathesis_finds_nothing(kind: Kind) {
    let s = start(kind, 30).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", s.base))
        .await
        .unwrap()
        .json_value()
        .await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"].as_object().unwrap().len() >= 40);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let required = std::env::var("CI").is_ok_and(|v| v == "true");
    let run = |program: &str, args: &[&str]| -> Option<std::process::Output> {
        // Run in the temporary directory: schemathesis keeps a cache in its
        // working directory, which must not land in the repository.
        match std::process::Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .output()
        {
            Ok(o) => Some(o),
            Err(e) => {
                assert!(
                    !required,
                    "{program} is needed in CI (.ci/run installs it): {e}"
                );
                eprintln!("{program} not installed here; skipping the external check");
                None
            }
        }
    };
    if let Some(out) = run("openapi-spec-validator", &[file.to_str().unwrap()]) {
        assert!(
            out.status.success(),
            "openapi-spec-validator: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let token = token_for(&s.db, "bandanvan").await;
    let auth = format!("Authorization: Bearer {token}");
    if let Some(out) = run(
        "st",
        &[
            "run",
            file.to_str().unwrap(),
            "--url",
            &s.base,
            "-H",
            &auth,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            // Revoking its own token would end the run's authentication.
            "--exclude-path",
            "/api/v1/tokens/{id}",
            "--max-time",
            "100",
            "--workers",
            "2",
            "--no-color",
            "--seed",
            "20261126",
        ],
    ) {
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "schemathesis found problems:\n{}\n{}",
            // The failures come first in its report, the warnings after.
            text.chars().take(8000).collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for Response {
    async fn json_value(self) -> Value {
        serde_json::from_slice(&self.bytes().await.unwrap()).unwrap()
    }
}

/// A client that opens a connection and sends its headers slowly (or not
/// at all) is disconnected after the header time; others are served.
pub async fn slow_clients_are_disconnected(kind: Kind) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start(kind, 0).await;
    let state = AppState::new(
        s.db.clone(),
        WebConfig {
            header_read_timeout_secs: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(dvk_web::serve(
        listener,
        state,
        tokio::sync::watch::channel(false).1,
        std::time::Duration::from_secs(1),
    ));
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: dvk\r\n")
        .await
        .unwrap();
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Meanwhile a normal client is served.
    let ok = reqwest::get(format!("http://{addr}/login")).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the slow client was not disconnected");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    let mut idle = idle;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        idle.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the idle connection was not closed");
}

/// Behind a trusted proxy each citizen has their own public-API budget
/// (the address the proxy saw); without one, a client cannot buy a fresh
/// budget by sending X-Forwarded-For itself.
pub async fn forwarded_addresses_count_only_from_trusted_proxies(kind: Kind) {
    let s = start(kind, 0).await;
    let serve_trusting = |trusted: &'static str| {
        crate::support::serve_with(
            &s.db,
            WebConfig {
                public_api_per_minute: 3,
                trusted_proxies: dvk_web::client::parse_networks(trusted).unwrap(),
                ..Default::default()
            },
        )
    };
    let http = reqwest::Client::new();
    let status = |base: String, forwarded: String| {
        let http = http.clone();
        async move {
            http.get(format!("{base}/api/v1/public/entries"))
                .header("x-forwarded-for", forwarded)
                .send()
                .await
                .unwrap()
                .status()
        }
    };

    // Step 1: through a trusted proxy, one citizen reaches the limit
    // (seven requests span at most two one-minute windows of three) ...
    let proxied = serve_trusting("127.0.0.1/32").await;
    let mut limited = false;
    for _ in 0..7 {
        limited |=
            status(proxied.clone(), "203.0.113.5".into()).await == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "one forwarded address is limited");
    // ... and another citizen behind the same proxy is not.
    assert_eq!(
        status(proxied.clone(), "198.51.100.7".into()).await,
        StatusCode::OK
    );

    // Step 2: with no trusted proxy, a forged header buys nothing.
    let direct = serve_trusting("").await;
    let mut limited = false;
    for i in 0..7 {
        limited |= status(direct.clone(), format!("203.0.113.{}", 10 + i)).await
            == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "forged X-Forwarded-For is ignored");
}
