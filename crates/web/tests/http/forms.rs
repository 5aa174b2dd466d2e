//! Nothing typed is lost to an error: a refused form comes back with every
//! value as it was typed (the round's decision, the self-assessment of a
//! proposal, the yearly report), and dates are native date pickers.

use crate::support::{
    accepted_entries, open_round, recognised_entries, round_on_notice, start, Client, Kind,
};
use reqwest::StatusCode;

fn field_value(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} on the page"));
    let tag = &page[at..at + page[at..].find('>').unwrap()];
    tag.split("value=\"")
        .nth(1)
        .map(|v| v.split('"').next().unwrap().to_owned())
        .unwrap_or_default()
}

/// The rest of the tag that starts at `at`.
fn tag_at(page: &str, at: usize) -> &str {
    page[at..].split('>').next().unwrap()
}

fn textarea(page: &str, id: &str) -> String {
    let at = page.find(&format!("id=\"{id}\"")).unwrap();
    let open = at + page[at..].find('>').unwrap() + 1;
    page[open..open + page[open..].find("</textarea>").unwrap()].to_owned()
}

pub(crate) async fn refused_forms_keep_what_was_typed(kind: Kind) {
    let s = start(kind, 0).await;

    // Step 1: a decision signed before the notice has run its course is
    // refused; number, date, signer, title and the unticked entry stay.
    let (rid, entry) = round_on_notice(&s).await;
    let leader = Client::login(&s.base, "lanhdao").await;
    let page = leader.get_text(&format!("/rounds/{rid}")).await;
    let signed_on = page.find("id=\"signed_on\"").expect("the decision form");
    assert!(
        tag_at(&page, signed_on).contains("class=\"date\""),
        "a date field (the script adds the calendar)"
    );
    let r = leader
        .post(
            &format!("/rounds/{rid}/decision"),
            &[
                ("number", "99/QĐ-UBND"),
                ("signed_on", "07/12/2026"),
                ("signer", "Cầm Văn Ký"),
                ("signer_title", "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"),
            ],
        )
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let page = r.text().await.unwrap();
    assert!(page.contains("class=\"alert\" role=\"alert\""), "{page}");
    assert_eq!(field_value(&page, "number"), "99/QĐ-UBND");
    assert_eq!(field_value(&page, "signed_on"), "07/12/2026");
    assert_eq!(field_value(&page, "signer"), "Cầm Văn Ký");
    assert_eq!(
        field_value(&page, "signer_title"),
        "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    );
    let entry_box = format!("name=\"entry\" value=\"{entry}\"");
    let at = page
        .find(&entry_box)
        .expect("the entry on notice is offered");
    assert!(
        !tag_at(&page, at).contains("checked"),
        "an unticked entry stays unticked"
    );
    // A fresh page has the defaults: every entry ticked.
    let fresh = leader.get_text(&format!("/rounds/{rid}")).await;
    let at = fresh.find(&entry_box).unwrap();
    assert!(tag_at(&fresh, at).contains("checked"));

    // Step 2: a self-assessment with a point over the maximum comes back
    // with every point typed.
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let open = open_round(&secretariat, &s, "score").await;
    let (mine, _) = accepted_entries(&s, 1).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let page = officer.get_text(&format!("/entries/{}", mine[0])).await;
    let form = &page[page
        .find(&format!("name=\"round_id\" value=\"{open}\""))
        .expect("the open round is offered")..];
    let criteria: Vec<String> = form
        .split("name=\"c")
        .skip(1)
        .map(|c| c.split('"').next().unwrap().to_owned())
        .take_while(|c| c.chars().all(|ch| ch.is_ascii_digit()))
        .collect();
    assert!(criteria.len() >= 3, "{criteria:?}");
    let mut fields: Vec<(String, String)> = vec![("round_id".into(), open.to_string())];
    for (i, c) in criteria.iter().enumerate() {
        let v = if i == 0 {
            "999".to_owned()
        } else {
            format!("{},5", i % 5)
        };
        fields.push((format!("c{c}"), v));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = officer
        .post(&format!("/entries/{}/propose", mine[0]), &refs)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    for (k, v) in &fields[1..] {
        assert_eq!(field_value(&page, &format!("p{open}{k}")), *v, "{k}");
    }

    // Step 3: a yearly report with a year that is not one keeps the
    // results typed and the "still operating" box as left.
    let model = recognised_entries(&s, 1).await[0];
    let owner = Client::login(&s.base, "canbo.tohieu").await;
    let page = owner.get_text(&format!("/entries/{model}")).await;
    assert!(
        page.contains("id=\"report-results\""),
        "the registering officer may report on a recognised model"
    );
    {
        let r = owner
            .post(
                &format!("/entries/{model}/reports"),
                &[
                    ("year", "năm nay"),
                    ("results", "Đã vận động 40 hộ hiến đất"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let page = r.text().await.unwrap();
        assert_eq!(field_value(&page, "report-year"), "năm nay");
        assert_eq!(
            textarea(&page, "report-results"),
            "Đã vận động 40 hộ hiến đất"
        );
        let at = page.find("name=\"operating\"").unwrap();
        assert!(
            !tag_at(&page, at).contains("checked"),
            "unticked stays unticked"
        );
    }
}
