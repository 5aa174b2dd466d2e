//! Documents as files: each comes from the records through the same guards
//! as the pages; an issued decision's file is the one stored when it was
//! signed; the public gets the notice and the annex without personal
//! items; PDF only where LibreOffice is.

use crate::api::api_as;
use crate::support::{actor_of, at_day, commune_units, full_form, start, Client, Kind, Server};
use dvk_domain::entry::EntryForm;
use dvk_store::appraisal as ap;
use dvk_store::service;
use reqwest::StatusCode;
use sqlx::Row;
use std::collections::HashMap;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A score-mode commune-level round, decided: two collective models of Tô
/// Hiệu and an individual's exemplar of Chiềng An, scored by three members.
struct Decided {
    round: i64,
    /// (decision id, number) per commune: Tô Hiệu's first.
    decisions: Vec<(i64, String)>,
    to_hieu: Vec<i64>,
    individual: i64,
}

const PERSON: &str = "Lò Văn Pâng";

async fn entry(s: &Server, officer: &str, unit: i64, title: &str, individual: bool) -> i64 {
    let mut pairs = full_form(unit, title);
    if individual {
        for (k, v) in pairs.iter_mut() {
            match *k {
                "kind" => *v = "exemplar".into(),
                "subject" => *v = "individual".into(),
                _ => {}
            }
        }
        pairs.extend([
            ("person_name", PERSON.to_owned()),
            ("birth_year", "1968".to_owned()),
            ("gender", "nam".to_owned()),
            ("ethnicity", "Thái".to_owned()),
            ("position", "Trưởng bản Hua Pàng".to_owned()),
            ("party_member", "1".to_owned()),
            ("example", "Gia đình gương mẫu.".to_owned()),
        ]);
    }
    let form: EntryForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap()).unwrap();
    let cat = s.db.catalogue().await.unwrap();
    let actor = actor_of(&s.db, officer).await;
    let id = service::create_entry(&s.db, &cat, &actor, &form)
        .await
        .unwrap();
    service::transition(
        &s.db,
        &actor,
        id,
        dvk_domain::state::Transition::Submit,
        "",
        1,
    )
    .await
    .unwrap();
    let reviewer = actor_of(&s.db, "bandanvan").await;
    service::transition(
        &s.db,
        &reviewer,
        id,
        dvk_domain::state::Transition::Accept,
        "",
        2,
    )
    .await
    .unwrap();
    id
}

async fn decided_round(s: &Server) -> Decided {
    let (to_hieu, front_a, chieng_an, front_b) = commune_units(&s.db).await;
    let a1 = entry(
        s,
        "canbo.tohieu",
        front_a.id,
        "Mô hình “Dân vận khéo” đường làng",
        false,
    )
    .await;
    let a2 = entry(
        s,
        "canbo.tohieu",
        front_a.id,
        "Mô hình “Dân vận khéo” nước sạch",
        false,
    )
    .await;
    let b1 = entry(
        s,
        "canbo.chiengan",
        front_b.id,
        "Điển hình trưởng bản gương mẫu",
        true,
    )
    .await;
    let organiser = actor_of(&s.db, "bandanvan").await;
    let rid = ap::create_round(
        &s.db,
        &organiser,
        &ap::RoundForm {
            unit_id: s.province.id.to_string(),
            title: "Xét công nhận cấp xã năm 2026".into(),
            level: "xa".into(),
            year: "2026".into(),
            phase: "2026-2030".into(),
            kind: "annual".into(),
            mode: "score".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    use dvk_domain::appraisal::CouncilRole;
    for (u, role) in [
        ("hoidong.chutich", CouncilRole::Chair),
        ("hoidong.uyvien", CouncilRole::Member),
        ("hoidong.thuky", CouncilRole::Secretary),
    ] {
        let id = actor_of(&s.db, u).await.user_id;
        ap::add_member(&s.db, &organiser, rid, id, role)
            .await
            .unwrap();
    }
    let data = s.db.round_core(rid).await.unwrap().unwrap();
    for (officer, id) in [
        ("canbo.tohieu", a1),
        ("canbo.tohieu", a2),
        ("canbo.chiengan", b1),
    ] {
        let subject = if id == b1 {
            dvk_domain::entry::Subject::Individual
        } else {
            dvk_domain::entry::Subject::Collective
        };
        let points = data
            .set_for(subject)
            .criteria
            .iter()
            .map(|c| (c.id, "8".to_owned()))
            .collect();
        ap::propose(&s.db, &actor_of(&s.db, officer).await, rid, id, &points)
            .await
            .unwrap();
    }
    ap::assign(&s.db, &organiser, rid, ap::Assignment::All)
        .await
        .unwrap();
    ap::start_appraisal(&s.db, &organiser, rid).await.unwrap();
    let data = s.db.round_core(rid).await.unwrap().unwrap();
    for (m, u) in ["hoidong.chutich", "hoidong.uyvien", "hoidong.thuky"]
        .iter()
        .enumerate()
    {
        let member = actor_of(&s.db, u).await;
        for e in &data.entries {
            let sheet: HashMap<i64, (String, String)> = data
                .set_for(e.subject)
                .criteria
                .iter()
                .map(|c| {
                    let p = (c.max_points * (0.7 + 0.1 * m as f64)).round();
                    (c.id, (p.to_string(), format!("Nhận xét của {u}")))
                })
                .collect();
            ap::save_scores(&s.db, &member, rid, e.entry_id, &sheet)
                .await
                .unwrap();
        }
    }
    let chair = actor_of(&s.db, "hoidong.chutich").await;
    ap::conclude(
        &s.db,
        &chair,
        rid,
        &ap::MinutesForm {
            date: "01/11/2026".into(),
            place: "Hội trường Tỉnh ủy Sơn La".into(),
            present: "3/3".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ap::publish_notice_at(
        &s.db,
        &organiser,
        rid,
        "02/11/2026",
        "16/11/2026",
        at_day("02/11/2026"),
    )
    .await
    .unwrap();
    let leader = actor_of(&s.db, "lanhdao").await;
    let mut decisions = Vec::new();
    for (n, (commune, ids)) in [(&to_hieu, vec![a1, a2]), (&chieng_an, vec![b1])]
        .iter()
        .enumerate()
    {
        let number = format!("{}/QĐ-UBND", 201 + n);
        let d = ap::DecisionForm {
            number: number.clone(),
            signed_on: "20/11/2026".into(),
            signer: "Trần Quốc Khánh".into(),
            signer_title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into(),
            issuer_unit_id: commune.id.to_string(),
        };
        let id = ap::decide_at(&s.db, &leader, rid, &d, ids, at_day("20/11/2026"))
            .await
            .unwrap();
        decisions.push((id, number));
    }
    Decided {
        round: rid,
        decisions,
        to_hieu: vec![a1, a2],
        individual: b1,
    }
}

/// (status, content type, content disposition, body).
async fn fetch(c: &Client, path: &str) -> (StatusCode, String, String, Vec<u8>) {
    let res = c.get(path).await;
    let header = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (res.status(), ct, cd, res.bytes().await.unwrap().to_vec())
}

fn text(docx: &[u8]) -> Vec<String> {
    dvk_docs::package::paragraphs(docx).expect("a DOCX")
}

fn has(paragraphs: &[String], needle: &str) -> bool {
    paragraphs.iter().any(|p| p.contains(needle))
}

pub async fn documents_come_from_the_records_to_those_allowed(kind: Kind) {
    let s = start(kind, 0).await;
    let d = decided_round(&s).await;
    let r = d.round;
    let (decision, number) = d.decisions[0].clone();
    let secretariat = Client::login(&s.base, "bandanvan").await;

    // Step 1: the decision's file is the one stored when it was signed,
    // its SHA-256 in the trail, under a Vietnamese file name.
    let path = format!("/rounds/{r}/documents/quyet-dinh?decision={decision}");
    let (status, ct, cd, first) = fetch(&secretariat, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, DOCX);
    assert!(
        cd.starts_with("attachment; filename=\"Quyet dinh 201-QD-UBND.docx\""),
        "{cd}"
    );
    assert!(
        cd.contains("filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20201"),
        "{cd}"
    );
    let sha = dvk_domain::audit::hash_hex(&first);
    let trail: Vec<String> = sqlx::query(
        "SELECT changes FROM audit_log WHERE action = 'document.issue' AND record_type = 'round' AND record_id = $1",
    )
    .bind(r)
    .fetch_all(&s.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String, _>(0).unwrap())
    .collect();
    assert!(
        trail
            .iter()
            .any(|c| c.contains(&sha) && c.contains("201/QĐ-UBND") && c.contains("\"file\"")),
        "the trail holds the file's SHA-256: {trail:?}"
    );
    let p = text(&first);
    assert!(has(&p, "Số: 201/QĐ-UBND"));
    assert!(has(&p, "ngày 20 tháng 11 năm 2026"));
    assert!(has(&p, "ỦY BAN NHÂN DÂN"));
    assert!(has(&p, "KT. CHỦ TỊCH") && has(&p, "PHÓ CHỦ TỊCH") && has(&p, "Trần Quốc Khánh"));
    let rows: Vec<usize> = ["đường làng", "nước sạch"]
        .iter()
        .map(|t| p.iter().position(|x| x.contains(t)).expect(t))
        .collect();
    assert!(rows[0] < rows[1], "annex rows in the order of the records");
    assert!(
        !has(&p, "trưởng bản gương mẫu"),
        "another commune's entry is in its own decision"
    );

    // Step 2: later edits of the records leave the issued file unchanged.
    sqlx::query("UPDATE units SET name = 'Tên đã đổi' WHERE id = (SELECT unit_id FROM entries WHERE id = $1)")
        .bind(d.to_hieu[0])
        .execute(&s.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE entries SET title = 'Tên đã sửa sau khi ký' WHERE id = $1")
        .bind(d.to_hieu[0])
        .execute(&s.db.pool)
        .await
        .unwrap();
    let (_, _, _, again) = fetch(&secretariat, &path).await;
    assert_eq!(again, first, "the file signed is the file kept");

    // Step 3: minutes and proposal for those with full sight; the judged
    // unit and an outsider get none.
    let chair = Client::login(&s.base, "hoidong.chutich").await;
    let (status, _, _, minutes) = fetch(&chair, &format!("/rounds/{r}/documents/bien-ban")).await;
    assert_eq!(status, StatusCode::OK);
    let m = text(&minutes);
    assert!(has(
        &m,
        "Hôm nay, ngày 01/11/2026, tại Hội trường Tỉnh ủy Sơn La"
    ));
    assert!(has(&m, "Bạc Cầm Ngọc — Chủ tịch Hội đồng"));
    assert!(has(&m, "Trung vị (%)"));
    assert!(has(&m, "80,0"), "the mean of 70%, 80%, 90% sheets: {m:?}");
    let (status, _, _, proposal) =
        fetch(&secretariat, &format!("/rounds/{r}/documents/to-trinh")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has(&text(&proposal), "TỜ TRÌNH"));
    let judged = Client::login(&s.base, "canbo.chiengan").await;
    for kind in ["bien-ban", "to-trinh"] {
        let (status, _, _, _) = fetch(&judged, &format!("/rounds/{r}/documents/{kind}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{kind} for a judged unit");
    }
    let outsider = Client::login(&s.base, "canbo.soyte").await;
    for kind in ["bien-ban", "phieu-cham", "quyet-dinh", "to-trinh"] {
        let (status, _, _, _) = fetch(&outsider, &format!("/rounds/{r}/documents/{kind}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind} for an outsider");
    }

    // Step 4: a member's score sheet to that member (and full sight), never
    // to another member.
    let member = Client::login(&s.base, "hoidong.uyvien").await;
    let (status, _, _, sheet) = fetch(&member, &format!("/rounds/{r}/documents/phieu-cham")).await;
    assert_eq!(status, StatusCode::OK);
    let sh = text(&sheet);
    assert!(has(&sh, "Vì Văn Thanh"));
    assert!(has(&sh, "Nhận xét của hoidong.uyvien"));
    assert!(!has(&sh, "Nhận xét của hoidong.chutich"));
    let chair_id = actor_of(&s.db, "hoidong.chutich").await.user_id;
    let other = format!("/rounds/{r}/documents/phieu-cham?member={chair_id}");
    assert_eq!(fetch(&member, &other).await.0, StatusCode::FORBIDDEN);
    let (status, _, _, chairs) = fetch(&secretariat, &other).await;
    assert_eq!(status, StatusCode::OK);
    assert!(has(&text(&chairs), "Nhận xét của hoidong.chutich"));
    let (status, _, _, blank) = fetch(
        &member,
        &format!("/rounds/{r}/documents/phieu-cham?blank=1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!has(&text(&blank), "Nhận xét của"));
    assert_eq!(
        fetch(
            &judged,
            &format!("/rounds/{r}/documents/phieu-cham?blank=1")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // Step 5: the public gets the notice and the annex, without personal items.
    let public = Client::anonymous(&s.base).await;
    let (status, ct, _, notice) =
        fetch(&public, &format!("/cong-khai/{r}/documents/thong-bao")).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, DOCX));
    let n = text(&notice);
    assert!(has(
        &n,
        "Thời gian thông báo công khai: từ ngày 02/11/2026 đến hết ngày 16/11/2026."
    ));
    let second = d.decisions[1].0;
    let (status, _, _, annex) = fetch(
        &public,
        &format!("/cong-khai/{r}/documents/phu-luc?decision={second}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let a = text(&annex);
    assert!(has(&a, "trưởng bản gương mẫu"));
    for personal in [PERSON, "1968", "Trưởng bản Hua Pàng", "Thái"] {
        assert!(
            !has(&a, personal),
            "personal item “{personal}” in the public annex"
        );
        assert!(
            !has(&n, personal),
            "personal item “{personal}” in the public notice"
        );
    }
    // A round not public has no public documents.
    let open = ap::create_round(
        &s.db,
        &actor_of(&s.db, "bandanvan").await,
        &ap::RoundForm {
            unit_id: s.province.id.to_string(),
            title: "Đợt chưa công khai".into(),
            level: "xa".into(),
            year: "2026".into(),
            phase: "2026-2030".into(),
            kind: "annual".into(),
            mode: "ballot".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        fetch(&public, &format!("/cong-khai/{open}/documents/thong-bao"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Step 6: the registration form, with the personal items, to the
    // entry's readers only.
    let registrar = Client::login(&s.base, "canbo.chiengan").await;
    let (status, _, _, form) = fetch(
        &registrar,
        &format!("/entries/{}/documents/phieu-dang-ky", d.individual),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let f = text(&form);
    assert!(has(&f, PERSON) && has(&f, "1968") && has(&f, "Thái"));
    assert!(has(
        &f,
        "Xây dựng điển hình cá nhân “Dân vận khéo” năm 2026"
    ));
    let other_unit = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(
        fetch(
            &other_unit,
            &format!("/entries/{}/documents/phieu-dang-ky", d.individual)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The certificate as one landscape page.
    let (status, _, _, cert) = fetch(
        &registrar,
        &format!("/entries/{}/documents/giay-chung-nhan", d.individual),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let xml = dvk_docs::package::read_part(&cert, "word/document.xml").unwrap();
    assert!(xml.contains("w:orient=\"landscape\""));
    assert!(has(&text(&cert), "GIẤY CHỨNG NHẬN"));

    // Step 7: the unit's report counts the records; those who do not
    // follow the unit get none.
    let (status, _, _, report) = fetch(
        &secretariat,
        &format!("/units/{}/documents/bao-cao?year=2026", s.province.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rp = text(&report);
    assert!(
        has(&rp, "Tổng số mô hình, điển hình đăng ký: 3 (tập thể: 2, cá nhân: 1; mô hình: 2, điển hình: 1)"),
        "{rp:?}"
    );
    assert!(has(&rp, "Được công nhận: 3 (cấp xã: 3)"), "{rp:?}");
    // Its annex is the summary table's main columns by lower unit, whose
    // total agrees with the report's own figures.
    assert_eq!(
        rp.iter()
            .filter(|p| p.contains("KẾT QUẢ THEO ĐƠN VỊ"))
            .count(),
        1,
        "{rp:?}"
    );
    let i = rp
        .iter()
        .position(|p| p.starts_with("Tổng cộng ("))
        .expect("the annex's total row");
    // Registered 3 (collective 2, individual 1), recognised 3: as above.
    assert_eq!(
        &rp[i..i + 8],
        ["Tổng cộng (Tỉnh Sơn La)", "3", "2", "1", "3", "0", "0", "0"],
        "{rp:?}"
    );
    assert_eq!(
        fetch(
            &other_unit,
            &format!("/units/{}/documents/bao-cao?year=2026", s.province.id)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (status, _, _, review) = fetch(
        &secretariat,
        &format!("/units/{}/documents/ra-soat?year=2026", s.province.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(has(&text(&review), "BIỂU TỔNG HỢP, RÀ SOÁT"));

    // Step 8: bad requests get clear answers.
    let bad = secretariat
        .get(&format!("/rounds/{r}/documents/khong-co"))
        .await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);
    let bad = secretariat
        .get(&format!("/rounds/{r}/documents/bien-ban?format=xls"))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("docx hoặc pdf"));

    // Step 9: the API gives the same files, JSON errors otherwise.
    let api = api_as(&s, "bandanvan").await;
    let res = api
        .get(&format!(
            "/rounds/{r}/documents/quyet-dinh?decision={decision}"
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = api.get(&format!("/rounds/{r}/documents/khong-co")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.body["code"], "not_found");
    let _ = number;
}

/// Without LibreOffice no PDF is offered; with it (always in CI) a PDF is
/// the document, converted on the server.
pub async fn pdf_only_where_libreoffice_is(kind: Kind) {
    let s = start(kind, 0).await;
    let d = decided_round(&s).await;
    let r = d.round;
    let (decision, _) = d.decisions[0].clone();
    let off = crate::support::serve_with(
        &s.db,
        dvk_web::WebConfig {
            soffice: Some(std::path::PathBuf::new()),
            ..Default::default()
        },
    )
    .await;
    let c = Client::login(&off, "bandanvan").await;
    let page = c.get_text(&format!("/rounds/{r}")).await;
    assert!(page.contains("Tải văn bản"));
    assert!(page.contains(&format!("/rounds/{r}/documents/bien-ban")));
    assert!(
        !page.contains("format=pdf"),
        "no PDF link without LibreOffice"
    );
    let res = c
        .get(&format!("/rounds/{r}/documents/bien-ban?format=pdf"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("chưa cài LibreOffice"));

    let has_office = ["soffice", "libreoffice"].iter().any(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !has_office {
        assert!(
            std::env::var("CI").is_err(),
            "LibreOffice is needed in CI (.ci/run installs it)"
        );
        eprintln!("LibreOffice not installed here; skipping the PDF conversion");
        return;
    }
    let on = crate::support::serve_with(
        &s.db,
        dvk_web::WebConfig {
            metrics_allow: dvk_web::client::parse_networks("127.0.0.1/32").unwrap(),
            ..Default::default()
        },
    )
    .await;
    let conversions = || async {
        let text = reqwest::get(format!("{on}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("dvk_pdf_conversions "))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or_else(|| panic!("no conversion count in {text}"))
    };
    let c = Client::login(&on, "bandanvan").await;
    let page = c.get_text(&format!("/rounds/{r}")).await;
    assert!(page.contains("format=pdf"));
    let res = c
        .get(&format!(
            "/rounds/{r}/documents/quyet-dinh?decision={decision}&format=pdf"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".pdf"));
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qd.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("Số: 201/QĐ-UBND"), "{t}");
    assert!(t.contains("ngày 20 tháng 11 năm 2026"), "{t}");
    // The stored decision is converted once: the second request is served
    // from the cache, byte for byte.
    assert_eq!(conversions().await, 1);
    let again = c
        .get(&format!(
            "/rounds/{r}/documents/quyet-dinh?decision={decision}&format=pdf"
        ))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, pdf);
    assert_eq!(conversions().await, 1);
    // The certificate prints on exactly one page.
    let res = c
        .get(&format!(
            "/entries/{}/documents/giay-chung-nhan?format=pdf",
            d.individual
        ))
        .await;
    std::fs::write(&file, res.bytes().await.unwrap()).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&file)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 1")),
        "{info}"
    );
}

async fn upload_template(
    c: &Client,
    kind: &str,
    unit: i64,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .text("unit_id", unit.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    c.http
        .post(format!("{}/admin/templates?csrf={}", c.base, c.csrf))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn template_count(s: &Server) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM document_templates")
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A province uploads its own decision form: refused when it names what
/// DVK cannot fill; kept as a version; used for the decisions issued in
/// its subtree (the issued file records the version); retired, the
/// built-in form is back.
pub async fn provinces_fill_their_own_forms(kind: Kind) {
    let s = start(kind, 0).await;
    let admin = Client::login(&s.base, "quantri").await;
    let page = admin.get_text("/admin/templates").await;
    assert!(
        page.contains("{{so_van_ban}}"),
        "the placeholders are listed"
    );
    // Step 1: the built-in form as a starting point, edited as a province would.
    let (status, ct, _, start_point) = fetch(&admin, "/admin/templates/start/quyet-dinh").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, DOCX));
    let xml = dvk_docs::package::read_part(&start_point, "word/document.xml").unwrap();
    assert!(xml.contains("{{ds.ten}}"));
    let own = |from: &str, to: &str| {
        let edited = xml.replace(from, to);
        dvk_docs::package::replace_parts(
            &start_point,
            &[("word/document.xml", edited.into_bytes())],
        )
        .unwrap()
    };
    let province_form = own("Căn cứ …;", "Căn cứ Quy chế của Tỉnh ủy (mẫu riêng);");

    // Step 2: refusals name the problem and keep nothing.
    let res = upload_template(
        &admin,
        "quyet-dinh",
        s.province.id,
        "mau.docx",
        own("{{cap}}", "{{cap_bac}}"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("{{cap_bac}}"));
    let res = upload_template(
        &admin,
        "quyet-dinh",
        s.province.id,
        "mau.docm",
        province_form.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("macro"));
    let res = upload_template(
        &admin,
        "quyet-dinh",
        s.province.id,
        "mau.docx",
        b"PK not really".to_vec(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let officer = Client::login(&s.base, "bandanvan").await;
    let res = upload_template(
        &officer,
        "quyet-dinh",
        s.province.id,
        "mau.docx",
        province_form.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(template_count(&s).await, 0);

    // Step 3: kept as version 1, shown with its placeholders.
    let res = upload_template(
        &admin,
        "quyet-dinh",
        s.province.id,
        "Mẫu QĐ tỉnh.docx",
        province_form,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query("SELECT id FROM document_templates")
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let page = admin.get_text("/admin/templates").await;
    assert!(page.contains("Mẫu QĐ tỉnh.docx"));
    assert!(page.contains(&format!("/admin/templates/{id}/preview")));
    // The preview with no decisions yet is filled with the sample data.
    let (status, _, cd, _) = fetch(&admin, &format!("/admin/templates/{id}/preview")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        cd.contains("m%E1%BA%ABu"),
        "sample data named in the file: {cd}"
    );

    // Step 4: decisions issued in the province are filled into it, and
    // the issued file records the version.
    let d = decided_round(&s).await;
    let (decision, _) = d.decisions[0].clone();
    let (status, _, _, file) = fetch(
        &officer,
        &format!(
            "/rounds/{}/documents/quyet-dinh?decision={decision}",
            d.round
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&file));
    let p = text(&file);
    assert!(has(&p, "Căn cứ Quy chế của Tỉnh ủy (mẫu riêng);"), "{p:?}");
    assert!(has(&p, "Số: 201/QĐ-UBND"));
    assert!(has(&p, "Mô hình “Dân vận khéo” đường làng"));
    assert!(!p.iter().any(|x| x.contains("{{")));
    let used: Option<i64> = sqlx::query("SELECT template_id FROM issued_documents WHERE record_type = 'decision' AND record_id = $1")
        .bind(decision)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(used, Some(id));
    // The file itself says which form and version made it.
    let core = dvk_docs::package::read_part(&file, "docProps/core.xml").unwrap();
    assert!(core.contains(&format!("mẫu #{id}, phiên bản 1")), "{core}");
    // The preview now shows a real decision.
    let (status, _, cd, preview) = fetch(&admin, &format!("/admin/templates/{id}/preview")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&preview)
    );
    assert!(
        cd.contains("th%E1%BA%ADt"),
        "real data named in the file: {cd}"
    );
    assert!(has(&text(&preview), "/QĐ-UBND"));

    // Step 5: retired, the built-in form is back for new documents; the
    // issued file stays as it was.
    let res = admin
        .post(&format!("/admin/templates/{id}/retire"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, _, _, again) = fetch(
        &officer,
        &format!(
            "/rounds/{}/documents/quyet-dinh?decision={decision}",
            d.round
        ),
    )
    .await;
    assert_eq!(again, file);
    let (_, _, _, other) = fetch(
        &officer,
        &format!(
            "/cong-khai/{}/documents/phu-luc?decision={decision}",
            d.round
        ),
    )
    .await;
    assert!(!has(&text(&other), "mẫu riêng"));
    let core = dvk_docs::package::read_part(&other, "docProps/core.xml").unwrap();
    assert!(core.contains("mẫu có sẵn"), "{core}");

    // Step 6: a certificate is printed on the form of the unit that issued
    // the decision (the commune), not of the unit that registered.
    let (to_hieu, front_a, _, _) = commune_units(&s.db).await;
    let (status, _, _, cert_start) = fetch(&admin, "/admin/templates/start/giay-chung-nhan").await;
    assert_eq!(status, StatusCode::OK);
    let cert_xml = dvk_docs::package::read_part(&cert_start, "word/document.xml").unwrap();
    let cert_form = |mark: &str| {
        let edited = cert_xml.replacen("{{tieu_de}}", &format!("{{{{tieu_de}}}} {mark}"), 1);
        dvk_docs::package::replace_parts(&cert_start, &[("word/document.xml", edited.into_bytes())])
            .unwrap()
    };
    for (unit, mark) in [(front_a.id, "MẪU-MẶT-TRẬN"), (to_hieu.id, "MẪU-CỦA-XÃ")] {
        let res =
            upload_template(&admin, "giay-chung-nhan", unit, "gcn.docx", cert_form(mark)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{mark}");
    }
    let (status, _, _, cert) = fetch(
        &officer,
        &format!("/entries/{}/documents/giay-chung-nhan", d.to_hieu[0]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&cert));
    let p = text(&cert);
    assert!(has(&p, "MẪU-CỦA-XÃ"), "{p:?}");
    assert!(!has(&p, "MẪU-MẶT-TRẬN"), "{p:?}");
}

/// Debian's Chromium, if installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|p| {
            std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

pub async fn html_certificates_print_on_one_landscape_page(kind: Kind) {
    let s = start(kind, 0).await;
    let d = decided_round(&s).await;
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is needed in CI (.ci/run installs it)"
        );
        eprintln!("Chromium not installed here; skipping the print check");
        return;
    };
    // The longest title a registration allows, in a long unit name: the
    // hardest case for one page.
    let long = "Mô hình “Dân vận khéo” trong xây dựng nông thôn mới, giữ gìn an ninh trật tự và phát triển kinh tế hộ gia đình đồng bào dân tộc thiểu số vùng cao biên giới của bản Nà Sản, ".repeat(2);
    let long: String = long.chars().take(300).collect();
    sqlx::query("UPDATE entries SET title = $1 WHERE id = $2")
        .bind(&long)
        .bind(d.to_hieu[0])
        .execute(&s.db.pool)
        .await
        .unwrap();
    let c = Client::login(&s.base, "bandanvan").await;
    let dir = tempfile::tempdir().unwrap();
    for (name, id) in [("ca-nhan", d.individual), ("dai", d.to_hieu[0])] {
        let html = c.get_text(&format!("/entries/{id}/certificate")).await;
        assert!(html.contains("GIẤY CHỨNG NHẬN") || html.contains("Giấy chứng nhận"));
        // Saved as a file that still loads the site's stylesheet.
        let html = html.replacen("<head>", &format!("<head><base href=\"{}/\">", s.base), 1);
        let page = dir.path().join(format!("{name}.html"));
        let pdf = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&page, html).unwrap();
        let out = std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(pdf.exists(), "{}", String::from_utf8_lossy(&out.stderr));
        let info = std::process::Command::new("pdfinfo")
            .arg(&pdf)
            .output()
            .expect("pdfinfo (poppler-utils)");
        let info = String::from_utf8_lossy(&info.stdout);
        let field = |k: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(field("Pages:"), "1", "{name}: {info}");
        // A4 landscape: 842 × 595 pt.
        let size: Vec<f64> = field("Page size:")
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(
            size.len() == 2 && (size[0] - 842.0).abs() < 2.0 && (size[1] - 595.0).abs() < 2.0,
            "{name}: {info}"
        );
        let text = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("Mã kiểm tra"), "{name}: {text}");
        if name == "dai" {
            assert!(
                text.contains("bản Nà Sản"),
                "the whole title printed: {text}"
            );
        }
    }
}
