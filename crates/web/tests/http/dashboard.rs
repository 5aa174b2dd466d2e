//! The dashboard (thống kê): its figures equal the summary table and
//! counts made independently, each opens what it counts, its charts carry
//! their labels and values and download as SVG, and only those who follow
//! a unit see it.

use dvk_domain::unit::RegistrationStatus;
use dvk_store::dashboard::{dashboard, Figures, FIRST_YEAR};
use dvk_store::documents::ReportPeriod;
use reqwest::StatusCode;

use crate::support::*;

/// The key figures as the page shows them: (label, value, link).
fn figures(page: &str) -> Vec<(String, i64, String)> {
    page.split("<li class=\"card figure\"><a href=\"")
        .skip(1)
        .map(|part| {
            let href = part.split('"').next().unwrap().replace("&#38;", "&");
            let n = part.split("<span class=\"n\">").nth(1).unwrap();
            let value: i64 = n
                .split('<')
                .next()
                .unwrap()
                .replace('.', "")
                .parse()
                .unwrap();
            let label = part
                .split("<span class=\"l\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned();
            (label, value, href)
        })
        .collect()
}

pub(crate) async fn dashboard_figures_equal_the_summary_and_open_what_they_count(kind: Kind) {
    let s = start(kind, 400).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;

    // Step 1: the province's dashboard for 2025, in a fixed number of
    // statements.
    let res = secretariat.get("/thong-ke?year=2025").await;
    assert_eq!(res.status(), StatusCode::OK);
    let queries: u32 = res.headers()["x-dvk-queries"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(queries <= 24, "the dashboard issues {queries} queries");
    let page = res.text().await.unwrap();
    assert!(page.contains("Thống kê phong trào năm 2025"), "{page}");
    let shown = figures(&page);
    let labels: Vec<&str> = shown.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Đăng ký",
            "Được tiếp nhận",
            "Được công nhận",
            "Tiêu biểu",
            "Được khen thưởng",
            "Đưa ra khỏi danh sách, thu hồi"
        ]
    );

    // Step 2: they equal counts made straight from the entries.
    let registered = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE year = 2025 AND state NOT IN ('draft', 'withdrawn')",
    )
    .await;
    let accepted = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE year = 2025 AND state NOT IN ('draft', 'withdrawn', 'submitted', 'returned')",
    )
    .await;
    let recognised = count(&s.db, "SELECT COUNT(*) FROM (SELECT DISTINCT x.entry_id, d.level_code FROM decision_entries x JOIN decisions d ON d.id = x.decision_id JOIN entries e ON e.id = x.entry_id WHERE e.year = 2025) t").await;
    let outstanding = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE year = 2025 AND state IN ('outstanding', 'rewarded')",
    )
    .await;
    assert!(
        registered >= accepted && accepted > recognised && recognised > 0,
        "the demo has a funnel: {registered} {accepted} {recognised}"
    );
    assert_eq!(shown[0].1, registered);
    assert_eq!(shown[1].1, accepted);
    assert_eq!(shown[2].1, recognised);
    assert_eq!(shown[3].1, outstanding);

    // Step 3: each opens the list of exactly what it counts (sums over
    // levels and forms open where each part has its own list).
    for (label, value, href) in &shown {
        if href.starts_with("/entries") {
            assert_eq!(
                page_total(&secretariat, href).await as i64,
                *value,
                "{label} → {href}"
            );
        } else {
            assert!(
                href == "#cap" || href.starts_with("/summary?"),
                "{label} → {href}"
            );
        }
    }
    // The change from 2024 is said beside each.
    assert!(page.contains("so với năm 2024"));

    // Step 4: every figure of every year, and of the phase, equals the
    // first row of the summary table of the same scope.
    let cat = s.db.catalogue().await.unwrap();
    let tree = s.db.unit_tree().await.unwrap();
    let actor = actor_of(&s.db, "bandanvan").await;
    let d = dashboard(
        &s.db,
        &cat,
        &tree,
        &actor,
        s.province.id,
        ReportPeriod::Year(2025),
    )
    .await
    .unwrap();
    assert_eq!(d.trend.first().unwrap().0, FIRST_YEAR);
    for (year, f) in &d.trend {
        let table = dvk_store::summary::summary(
            &s.db,
            &cat,
            &tree,
            &actor,
            s.province.id,
            ReportPeriod::Year(*year),
        )
        .await
        .unwrap();
        assert_eq!(*f, Figures::of(&table.rows[0].row.tally), "{year}");
    }
    assert_eq!(
        d.trend
            .iter()
            .find(|(y, _)| *y == 2025)
            .unwrap()
            .1
            .registered,
        registered
    );
    let phase = dashboard(
        &s.db,
        &cat,
        &tree,
        &actor,
        s.province.id,
        ReportPeriod::Phase("2021-2025".into()),
    )
    .await
    .unwrap();
    let phase_registered = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE phase = '2021-2025' AND state NOT IN ('draft', 'withdrawn')",
    )
    .await;
    assert_eq!(phase.figures.registered, phase_registered);
    assert!(phase.previous.is_none(), "no phase before 2021–2025");

    // Step 5: the charts carry their titles, labels and values, with the
    // phases and the 2025 reform on the trend.
    for text in [
        "<title id=\"xa-title\">Số hồ sơ đăng ký theo đơn vị, năm 2025 (15 đơn vị nhiều nhất)</title>",
        "<title id=\"linh-vuc-title\">",
        "<title id=\"cap-title\">",
        "<title id=\"pheu-title\">Từ đăng ký đến khen thưởng, năm 2025</title>",
        "<title id=\"xu-huong-title\">Xu hướng 2021–",
        "1/7/2025: sắp xếp ĐVHC",
        "Đăng ký, năm 2025: ",
    ] {
        assert!(page.contains(text), "{text}");
    }
    let top = d
        .summary
        .rows
        .iter()
        .filter(|l| l.row.kind == dvk_domain::summary::RowKind::Unit)
        // Most registrations first; ties in Vietnamese order.
        .min_by(|a, b| {
            b.row
                .tally
                .registered
                .cmp(&a.row.tally.registered)
                .then_with(|| dvk_domain::text::compare_vi(&a.row.name, &b.row.name))
        })
        .unwrap();
    let xa = &page[page.find("id=\"xa-title\"").unwrap()..page.find("id=\"linh-vuc\"").unwrap()];
    assert!(xa.contains(&top.row.name), "{xa}");
    assert!(
        xa.contains(&format!(">{}</text>", top.row.tally.registered)),
        "{xa}"
    );
    // The chart draws the 15 leaders; its table lists every lower unit.
    let units = d
        .summary
        .rows
        .iter()
        .filter(|l| l.row.kind == dvk_domain::summary::RowKind::Unit)
        .count();
    assert!(units > 15);
    assert_eq!(xa.matches("<rect x=\"4\"").count(), 15);
    assert_eq!(xa.matches("<th scope=\"row\">").count(), units);

    // This year's registration status of the lower units: as many units
    // at each status as the status page shows.
    let year = dvk_store::service::current_year();
    let at = dvk_store::tracking::Followed {
        unit: s.province.clone(),
        year,
    };
    let rows = dvk_store::tracking::registration_status(
        &s.db,
        &actor,
        &at,
        dvk_domain::auth::Following::Tracking,
    )
    .await
    .unwrap();
    let status =
        &page[page.find("id=\"tinh-hinh-title\"").unwrap()..page.find("id=\"xu-huong\"").unwrap()];
    for st in [
        RegistrationStatus::NotSent,
        RegistrationStatus::Waiting,
        RegistrationStatus::Returned,
        RegistrationStatus::Accepted,
    ] {
        let n = rows
            .iter()
            .filter(|r| RegistrationStatus::from_counts(r.waiting, r.returned, r.accepted) == st)
            .count();
        let cell = format!(
            "<th scope=\"row\">{}</th><td class=\"num\"><a href=\"/status?unit={}&#38;year={year}\">{n}</a></td>",
            st.label(),
            s.province.id
        );
        assert!(status.contains(&cell), "{cell} in {status}");
    }

    // Step 6: each chart downloads as an SVG file; an unknown one is refused.
    let res = secretariat.get("/thong-ke?year=2025&chart=xu-huong").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".svg"));
    let svg = res.text().await.unwrap();
    assert!(
        svg.starts_with("<?xml")
            && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            && svg.trim_end().ends_with("</svg>")
    );
    let res = secretariat.get("/thong-ke?year=2025&chart=khac").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Biểu đồ chỉ có thể là"));

    // Step 7: the API answers the same figures.
    let token = crate::api::token_for(&s.db, "bandanvan").await;
    let api = |query: String| {
        let req = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/dashboard?unit={}&{query}",
                s.base, s.province.id
            ))
            .bearer_auth(&token);
        async move { req.send().await.unwrap() }
    };
    let json: serde_json::Value =
        serde_json::from_str(&api("year=2025".into()).await.text().await.unwrap()).unwrap();
    assert_eq!(json["figures"]["registered"], registered);
    assert_eq!(json["figures"]["accepted"], accepted);
    assert_eq!(json["figures"]["recognised"], recognised);
    assert_eq!(json["previous"]["period"], "năm 2024");
    assert_eq!(json["by_unit"][0]["name"], top.row.name.as_str());
    assert_eq!(json["trend"][0]["year"], FIRST_YEAR);
    let bad: serde_json::Value =
        serde_json::from_str(&api("phase=1999".into()).await.text().await.unwrap()).unwrap();
    assert!(bad.to_string().contains("Không có giai đoạn này"), "{bad}");
    // A year far out is refused, not counted year by year up to it.
    for year in ["2147483647", "1900"] {
        let res = api(format!("year={year}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("Chọn năm từ 2021 đến"));
    }

    // Step 8: the models spread widest: a recognised model replicated
    // three times from two communes in 2026, each count opening its list.
    let model: i64 = sqlx::query_scalar("SELECT MIN(id) FROM entries WHERE state = 'recognised'")
        .fetch_one(&s.db.pool)
        .await
        .unwrap();
    let (_, front_a, _, front_b) = commune_units(&s.db).await;
    for (officer, unit) in [
        ("canbo.tohieu", front_a.id),
        ("canbo.tohieu", front_a.id),
        ("canbo.chiengan", front_b.id),
    ] {
        let mut f = full_form(unit, "Nhân rộng mô hình hay");
        f.push(("replicates", model.to_string()));
        let form: dvk_domain::entry::EntryForm =
            serde_urlencoded::from_str(&serde_urlencoded::to_string(&f).unwrap()).unwrap();
        let who = actor_of(&s.db, officer).await;
        let id = dvk_store::service::create_entry(&s.db, &cat, &who, &form)
            .await
            .unwrap();
        dvk_store::service::transition(
            &s.db,
            &who,
            id,
            dvk_domain::state::Transition::Submit,
            "",
            1,
        )
        .await
        .unwrap();
    }
    let page = secretariat.get_text("/thong-ke?year=2026").await;
    let spread = &page[page.find("id=\"nhan-rong\"").unwrap()..];
    let row = spread
        .split("<tr>")
        .find(|r| r.contains(&format!("href=\"/entries/{model}\"")))
        .unwrap_or_else(|| panic!("model #{model} listed: {spread}"));
    let cells: Vec<&str> = row.split("<td class=\"num\">").skip(1).collect();
    assert!(
        cells[0].contains(">3</a>") && cells[1].starts_with("2<"),
        "{row}"
    );
    let href = cells[0].split('"').nth(1).unwrap().replace("&#38;", "&");
    assert_eq!(page_total(&secretariat, &href).await, 3, "{href}");

    // Step 9: a commune's Front follows its own commune only.
    let commune = Client::login(&s.base, "mttq.tohieu").await;
    let own = commune.get_text("/thong-ke?year=2025").await;
    assert!(own.contains("Phường Tô Hiệu"), "{own}");
    // A model it may not see (another commune's draft) is never listed as
    // spread, though an entry of its own names it.
    let hidden = fixture_entry(&s.db, "canbo.chiengan", "", front_b.id, false).await;
    sqlx::query(
        "UPDATE entries SET replicates_id = $1 WHERE id = (SELECT MAX(id) FROM entries WHERE unit_id = $2 AND year = 2026 AND state = 'submitted')",
    )
    .bind(hidden)
    .bind(front_a.id)
    .execute(&s.db.pool)
    .await
    .unwrap();
    let own = commune.get_text("/thong-ke?year=2026").await;
    assert!(!own.contains(&format!("href=\"/entries/{hidden}\"")));
    assert!(
        own.contains(&format!("href=\"/entries/{model}\"")),
        "the recognised model still is"
    );
    let res = commune
        .get(&format!("/thong-ke?year=2025&unit={}", s.province.id))
        .await;
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );

    // Step 10: every role has a dashboard of its own subtree: a commune's
    // registering officer sees the commune, with the same figures as the
    // province's officer sees for it; a council member sees the council's
    // unit; none may pick another commune.
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let mine = officer
        .get(&format!("/thong-ke?year=2025&unit={}", to_hieu.id))
        .await;
    assert_eq!(mine.status(), StatusCode::OK);
    let mine = mine.text().await.unwrap();
    assert!(mine.contains("href=\"/thong-ke\""), "the menu offers it");
    let theirs = secretariat
        .get_text(&format!("/thong-ke?year=2025&unit={}", to_hieu.id))
        .await;
    // The same numbers and words (the links differ: the officer is not
    // led to the summary table).
    let key_figures = |page: &str| {
        let list = page
            .split("class=\"figures\"")
            .nth(1)
            .and_then(|p| p.split("</ul>").next())
            .unwrap()
            .to_owned();
        crate::support::text_of(&list)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(key_figures(&mine), key_figures(&theirs));
    assert_eq!(officer.get("/thong-ke").await.status(), StatusCode::OK);
    let other = officer
        .get(&format!("/thong-ke?year=2025&unit={}", chieng_an.id))
        .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let member = Client::login(&s.base, "hoidong.uyvien").await;
    assert_eq!(member.get("/thong-ke").await.status(), StatusCode::OK);
    // Nor is a reader of figures led to pages it may not open.
    for reader in [&member, &officer] {
        let page = reader.get_text("/thong-ke").await;
        assert!(page.contains("class=\"figures\""), "{page}");
        for refused in ["href=\"/summary", "href=\"/status"] {
            assert!(!page.contains(refused), "{refused} on a reader's dashboard");
        }
    }
    // The summary table stays with those who report upward.
    assert_eq!(
        officer
            .get(&format!("/summary?unit={}", to_hieu.id))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Step 11: each chart downloads as a PNG picture too, drawn from the
    // same SVG (needs the fonts .ci/run installs).
    let png = secretariat
        .get("/thong-ke?year=2025&chart=linh-vuc&format=png")
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".png\""));
    let picture = image::load_from_memory(&png.bytes().await.unwrap()).unwrap();
    assert_eq!(picture.width(), 720, "twice the drawing's 360 units");
    // Not blank: the bars and text drew dark pixels on the white ground.
    let dark = picture.to_luma8().pixels().filter(|p| p.0[0] < 128).count();
    assert!(dark > 500, "{dark} dark pixels");
}
