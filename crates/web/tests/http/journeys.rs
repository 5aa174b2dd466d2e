//! The movement's main journey, done the way people do it — in a real
//! browser on a phone-sized screen, through the pages only: a unit
//! registers with evidence and submits; the Front returns it, then
//! accepts it; the secretariat opens a round; the unit proposes it with
//! its self-assessment; a council member scores it; the council concludes;
//! the notice gets a citizen's comment that the secretariat answers; the
//! leader signs the decision; the public finds the model.

use crate::browser::{self, PHONE};
use crate::support::{
    at_day, commune_units, entry_state, full_form, pdf_bytes, start, user_id, Kind,
};

/// The id at the end of a page's path (`/entries/12?msg=…` → 12).
fn id_in(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '/']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{prefix}… expected, at {path}"))
}

pub(crate) async fn main_journey_in_a_real_browser() {
    let s = start(Kind::Sqlite, 0).await;
    let Some(b) = browser::open(PHONE).await else {
        return;
    };
    let base = s.base.as_str();
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let title = "Mô hình “Dân vận khéo” vận động nhân dân hiến đất làm đường bản Nà Sản";

    // Step 1: the unit's officer registers, attaches the meeting minutes
    // and submits.
    b.login(base, "canbo.tohieu").await;
    b.goto(&format!("{base}/entries/new")).await;
    // Saved with no title: refused, and focus lands on the summary of
    // what to fix (a screen reader reads it first).
    b.fill("#entry-form", &[("unit_id", &front_a.id.to_string())])
        .await;
    b.click_and_wait("#entry-form button.primary").await;
    let focused = b
        .js("const a = document.activeElement; return a && a.matches('.alert[role=alert]') ? a.innerText : null")
        .await;
    assert!(
        focused.as_str().is_some_and(|t| t.contains("tên mô hình")),
        "focus on the error summary: {focused}"
    );
    let form = full_form(front_a.id, title);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.fill("#entry-form", &fields).await;
    b.click_and_wait("#entry-form button.primary").await;
    let id = id_in(&b.path().await, "/entries/");
    let dir = tempfile::tempdir().unwrap();
    let minutes = dir.path().join("bien-ban-hop-dan.pdf");
    std::fs::write(&minutes, pdf_bytes()).unwrap();
    b.wd.find(fantoccini::Locator::Css("form.upload input[type=file]"))
        .await
        .unwrap()
        .send_keys(&minutes.display().to_string())
        .await
        .unwrap();
    b.click_and_wait("form.upload button").await;
    assert!(
        b.text().await.contains("bien-ban-hop-dan.pdf"),
        "evidence listed"
    );
    let submit = "form.action:has(input[name=action][value=submit]) button";
    b.click_and_wait(submit).await;
    assert_eq!(entry_state(&s.db, id).await.0, "submitted");

    // Step 2: the commune's Front returns it with a reason; the officer
    // completes it and sends it again; the Front accepts it.
    b.login(base, "mttq.tohieu").await;
    b.goto(&format!("{base}/entries/{id}")).await;
    b.fill(
        "form.action:has(input[name=action][value=return])",
        &[("reason", "Bổ sung số hộ đã hiến đất.")],
    )
    .await;
    b.click_and_wait("form.action:has(input[name=action][value=return]) button")
        .await;
    assert_eq!(entry_state(&s.db, id).await.0, "returned");
    b.login(base, "canbo.tohieu").await;
    b.goto(&format!("{base}/entries/{id}/edit")).await;
    b.fill(
        "#entry-form",
        &[(
            "outputs",
            "2 km đường; 118 hộ hiến 9.400 m² đất; biên bản họp dân.",
        )],
    )
    .await;
    b.click_and_wait("#entry-form button.primary").await;
    b.click_and_wait(submit).await;
    b.login(base, "mttq.tohieu").await;
    b.goto(&format!("{base}/entries/{id}")).await;
    b.click_and_wait("form.action:has(input[name=action][value=accept]) button")
        .await;
    assert_eq!(entry_state(&s.db, id).await.0, "accepted");

    // Step 3: the secretariat opens a round and seats a council chair.
    b.login(base, "bandanvan").await;
    b.goto(&format!("{base}/rounds")).await;
    b.fill(
        "form[action='/rounds']",
        &[
            (
                "title",
                "Xét công nhận mô hình “Dân vận khéo” cấp xã năm 2026",
            ),
            ("unit_id", &s.province.id.to_string()),
            ("level", "xa"),
            ("phase", "2026-2030"),
            ("year", "2026"),
            ("kind", "annual"),
            ("mode", "score"),
            ("proposal_deadline", "2099-12-31"),
        ],
    )
    .await;
    b.click_and_wait("form[action='/rounds'] button.primary")
        .await;
    let round = id_in(&b.path().await, "/rounds/");
    let chair = user_id(&s.db, "hoidong.chutich").await;
    let members = format!("form[action='/rounds/{round}/members']");
    b.fill(&members, &[("user_id", &chair), ("role", "chair")])
        .await;
    b.click_and_wait(&format!("{members} button[type=submit]"))
        .await;

    // Step 4: the unit proposes its model with a self-assessment.
    b.login(base, "canbo.tohieu").await;
    b.goto(&format!("{base}/entries/{id}")).await;
    let propose = format!("form[action='/entries/{id}/propose']");
    let points: Vec<String> = b
        .js(&format!(
            "return [...document.querySelectorAll(\"{propose} input[name^=c]\")].map(i => i.name).filter(n => /^c[0-9]+$/.test(n))"
        ))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(points.len() >= 3, "criteria to assess: {points:?}");
    let assessed: Vec<(&str, &str)> = points.iter().map(|p| (p.as_str(), "8")).collect();
    b.fill(&propose, &assessed).await;
    b.click_and_wait(&format!("{propose} button[type=submit]"))
        .await;
    assert_eq!(
        entry_state(&s.db, id).await.0,
        "proposed",
        "{}",
        b.text().await
    );

    // Step 5: the secretariat assigns every entry and starts appraisal.
    b.login(base, "bandanvan").await;
    b.goto(&format!("{base}/rounds/{round}")).await;
    b.click_and_wait(&format!(
        "form[action='/rounds/{round}/assign']:has(input[name=how][value=all]) button"
    ))
    .await;
    b.click_and_wait(&format!("form[action='/rounds/{round}/start'] button"))
        .await;

    // Step 6: the chair scores it on the phone, the running total
    // following each point typed, then concludes.
    b.login(base, "hoidong.chutich").await;
    b.goto(&format!("{base}/rounds/{round}/score/{id}")).await;
    let maxes = b
        .js("return [...document.querySelectorAll('#score-form input.points')].map(i => [i.name, i.dataset.max])")
        .await;
    let scores: Vec<(String, String)> = maxes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = scores
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.fill("#score-form", &refs).await;
    let total = b
        .js("return document.getElementById('running-total').textContent")
        .await;
    assert_eq!(total, "100%", "the running total follows the points");
    b.click_and_wait("#score-form button.primary").await;
    b.goto(&format!("{base}/rounds/{round}")).await;
    let conclude = format!("form[action='/rounds/{round}/conclude']");
    // The meeting's day picked on the calendar shows as dd/mm/yyyy.
    let picked = b
        .js("const f = document.getElementById('date'); \
             const p = f.parentNode.querySelector('input.date-picker'); \
             p.value = '2026-11-02'; p.dispatchEvent(new Event('change')); return f.value")
        .await;
    assert_eq!(picked, "02/11/2026");
    b.fill(
        &conclude,
        &[
            ("place", "Hội trường Tỉnh ủy Sơn La"),
            ("present", "1/1 thành viên"),
        ],
    )
    .await;
    b.click_and_wait(&format!("{conclude} button[type=submit]"))
        .await;

    // Step 7: the notice is published; a citizen comments on it; the
    // secretariat answers.
    b.login(base, "bandanvan").await;
    b.goto(&format!("{base}/rounds/{round}")).await;
    b.click_and_wait(&format!(
        "form[action='/rounds/{round}/notice'] button[type=submit]"
    ))
    .await;
    assert_eq!(entry_state(&s.db, id).await.0, "in_public_notice");
    b.logout(base).await;
    b.goto(&format!("{base}/cong-khai/{round}")).await;
    let comment = format!("form[action='/cong-khai/{round}/comments']");
    b.fill(
        &comment,
        &[
            ("name", "Lò Văn Dân"),
            ("body", "Đường làm xong, bà con rất phấn khởi."),
        ],
    )
    .await;
    b.click_and_wait(&format!("{comment} button[type=submit]"))
        .await;
    b.login(base, "bandanvan").await;
    b.goto(&format!("{base}/rounds/{round}")).await;
    let answer = "form[action^='/comments/']:has(input[name=answer])";
    b.fill(answer, &[("answer", "Cảm ơn ông đã góp ý.")]).await;
    b.click_and_wait(&format!("{answer} button[type=submit]"))
        .await;
    assert!(b.text().await.contains("Trả lời: Cảm ơn ông đã góp ý."));

    // Step 8: the notice has run its course (moved into the past: the
    // law's working days cannot pass inside a test); the leader signs.
    sqlx::query(
        "UPDATE rounds SET notice_starts = '2026-11-03', notice_ends = '2026-11-17', \
         notice_published_at = $2 WHERE id = $1",
    )
    .bind(round)
    .bind(at_day("03/11/2026"))
    .execute(&s.db.pool)
    .await
    .unwrap();
    b.login(base, "lanhdao").await;
    b.goto(&format!("{base}/rounds/{round}")).await;
    let decision = format!("form[action='/rounds/{round}/decision']");
    b.fill(
        &decision,
        &[
            ("number", "215/QĐ-UBND"),
            ("signer_title", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
        ],
    )
    .await;
    b.click_and_wait(&format!("{decision} button[type=submit]"))
        .await;
    let state = entry_state(&s.db, id).await.0;
    assert_eq!(state, "recognised", "{}", b.text().await);

    // Step 9: printed from the browser, the certificate takes exactly one
    // A4 landscape page, the round with its decision A4 portrait pages.
    b.goto(&format!("{base}/entries/{id}/certificate")).await;
    let certificate = b.print().await;
    assert!(
        certificate.pages == 1 && certificate.is_a4_landscape(),
        "certificate: {certificate:?}"
    );
    b.goto(&format!("{base}/rounds/{round}")).await;
    let decided = b.print().await;
    assert!(
        decided.pages >= 1 && decided.is_a4_portrait(),
        "round with its decision: {decided:?}"
    );

    // Step 10: anybody finds the model, typing without diacritics.
    b.logout(base).await;
    b.goto(&format!("{base}/mo-hinh")).await;
    // On a phone the search is folded away: open it first.
    b.wd.find(fantoccini::Locator::Css("label[for=filters-toggle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill(
        "form[action='/mo-hinh']",
        &[("q", "van dong hien dat ban na san")],
    )
    .await;
    b.click_and_wait("form[action='/mo-hinh'] button.primary")
        .await;
    b.click_and_wait(&format!("a[href='/mo-hinh/{id}']")).await;
    assert!(b.text().await.contains("vận động nhân dân hiến đất"));
}
