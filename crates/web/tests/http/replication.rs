//! Replication (nhân rộng): the replicated model is chosen from a search,
//! never typed blind; each model's page shows its lineage across units and
//! years and how far it spread, listing only what the reader may see.

use crate::support::*;
use reqwest::StatusCode;

/// The entry form's fields for `unit`, in `year`, with the replicated
/// model's field as typed.
fn form(unit: i64, title: &str, year: &str, replicates: &str) -> Vec<(&'static str, String)> {
    let mut f = full_form(unit, title);
    for (k, v) in f.iter_mut() {
        if *k == "year" {
            *v = year.to_owned();
        }
        if *k == "phase" && year < "2026" {
            *v = "2021-2025".to_owned();
        }
    }
    f.push(("replicates", replicates.to_owned()));
    f
}

/// Submits entry `id` as its officer.
async fn submit(s: &Server, officer: &str, id: i64) {
    let who = actor_of(&s.db, officer).await;
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

/// The lineage section of a page.
fn lineage_of(page: &str) -> &str {
    let start = page.find("id=\"nhan-rong\"").expect("a lineage section");
    let end = page[start..].find("</section>").unwrap() + start;
    &page[start..end]
}

pub async fn lineage_is_chosen_shown_and_counted(kind: Kind) {
    let s = start(kind, 0).await;
    // Step 1: two recognised models, one from each commune.
    let recognised = recognised_entries(&s, 1).await;
    let (model, other_model) = (recognised[0], recognised[1]);
    let (to_hieu, front_a, chieng_an, front_b) = commune_units(&s.db).await;
    let chiengan = Client::login(&s.base, "canbo.chiengan").await;
    let tohieu = Client::login(&s.base, "canbo.tohieu").await;

    // Step 2: words typed in the field are searched, not saved; what was
    // typed stays; a model found is picked with a button.
    let title = "Nhân rộng camera an ninh ở Chiềng An";
    let typed = form(front_b.id, title, "2025", "thu nghiem");
    let mut fields = as_refs(&typed);
    fields.push(("check_replicates", "1"));
    let before = count(&s.db, "SELECT COUNT(*) FROM entries").await;
    let page = chiengan.post("/entries", &fields).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Mô hình tìm được với “thu nghiem”"), "{page}");
    for m in [model, other_model] {
        assert!(
            page.contains(&format!("name=\"pick_model\" value=\"{m}\"")),
            "recognised model {m} offered"
        );
    }
    assert!(
        page.contains(&format!("value=\"{title}\"")),
        "typed title kept"
    );
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM entries").await, before);
    // Saving with words in the field searches too, and saves nothing.
    let page = chiengan.post("/entries", &as_refs(&typed)).await;
    assert!(page.text().await.unwrap().contains("Hồ sơ chưa được lưu"));
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM entries").await, before);
    let model_str = model.to_string();
    let mut picking = as_refs(&typed);
    picking.push(("pick_model", &model_str));
    let page = chiengan
        .post("/entries", &picking)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(
        "id=\"replicates\" name=\"replicates\" value=\"{model}\""
    )));
    assert!(page.contains(&format!("Đã chọn mô hình #{model}")));
    // Saved with the model picked.
    let chosen = form(front_b.id, title, "2025", &model_str);
    let r = chiengan.post("/entries", &as_refs(&chosen)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let from_chieng_an = entry_id_from(&r);
    submit(&s, "canbo.chiengan", from_chieng_an).await;

    // Step 3: Tô Hiệu replicates it in 2026, and a replica of that replica
    // follows; a draft replica is neither listed nor counted.
    let r = tohieu
        .post(
            "/entries",
            &as_refs(&form(front_a.id, "Nhân rộng lần một", "2026", &model_str)),
        )
        .await;
    let from_to_hieu = entry_id_from(&r);
    submit(&s, "canbo.tohieu", from_to_hieu).await;
    let r = tohieu
        .post(
            "/entries",
            &as_refs(&form(
                to_hieu.id,
                "Nhân rộng lần hai",
                "2026",
                &from_to_hieu.to_string(),
            )),
        )
        .await;
    let grandchild = entry_id_from(&r);
    submit(&s, "canbo.tohieu", grandchild).await;
    let r = tohieu
        .post(
            "/entries",
            &as_refs(&form(front_a.id, "Bản nháp nhân rộng", "2026", &model_str)),
        )
        .await;
    let draft = entry_id_from(&r);
    // Another unit's draft replicating Chiềng An's model: not sent, so
    // not told to Chiềng An (not even as a count).
    let r = tohieu
        .post(
            "/entries",
            &as_refs(&form(
                front_a.id,
                "Bản nháp nhân rộng khác",
                "2026",
                &other_model.to_string(),
            )),
        )
        .await;
    entry_id_from(&r);

    // Step 4: the province sees the whole lineage and its spread: three
    // replicas, in units other than the model's, one other commune,
    // 2025–2026.
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let page = secretariat.get_text(&format!("/entries/{model}")).await;
    let l = lineage_of(&page);
    let origin_unit = count(&s.db, "SELECT unit_id FROM entries WHERE id = (SELECT MIN(id) FROM entries WHERE state = 'recognised')").await;
    let mut units: Vec<i64> = Vec::new();
    for id in [from_chieng_an, from_to_hieu, grandchild] {
        let unit: i64 = sqlx::query_scalar("SELECT unit_id FROM entries WHERE id = $1")
            .bind(id)
            .fetch_one(&s.db.pool)
            .await
            .unwrap();
        if unit != origin_unit && !units.contains(&unit) {
            units.push(unit);
        }
    }
    let sentence = format!(
        "Đã nhân rộng ra 3 mô hình, điển hình tại {} đơn vị khác, 1 xã, phường khác, trong các năm 2025–2026.",
        units.len()
    );
    assert!(l.contains(&sentence), "{l}");
    for id in [from_chieng_an, from_to_hieu, grandchild] {
        assert!(
            l.contains(&format!("href=\"/entries/{id}\"")),
            "replica {id} listed"
        );
    }
    assert!(
        !l.contains(&format!("/entries/{draft}\"")),
        "a draft is not listed"
    );
    // The grandchild sits under its parent.
    let parent_at = l.find(&format!("/entries/{from_to_hieu}\"")).unwrap();
    let child_at = l.find(&format!("/entries/{grandchild}\"")).unwrap();
    assert!(child_at > parent_at);
    assert!(
        l[..child_at].ends_with("<li class=\"depth-1\"><a href=\""),
        "{l}"
    );
    assert!(l.contains(&format!("href=\"/entries?replicates={model}\"")));

    // Step 5: the grandchild's page shows the chain it came from, first
    // model first.
    let page = tohieu.get_text(&format!("/entries/{grandchild}")).await;
    let l = lineage_of(&page);
    let first = l.find(&format!("/entries/{model}\"")).unwrap();
    let second = l.find(&format!("/entries/{from_to_hieu}\"")).unwrap();
    assert!(first < second, "{l}");
    assert!(l.contains("Chưa có mô hình, điển hình nào nhân rộng từ mô hình này."));

    // Step 6: Tô Hiệu's officer may not see Chiềng An's replica: counted,
    // not named.
    let page = tohieu.get_text(&format!("/entries/{model}")).await;
    let l = lineage_of(&page);
    assert!(!l.contains(&format!("/entries/{from_chieng_an}\"")));
    assert!(!l.contains(title));
    assert!(
        l.contains("Và 1 mô hình, điển hình nhân rộng khác ở đơn vị ngoài phạm vi bạn được xem.")
    );
    assert!(l.contains("Đã nhân rộng ra 3 mô hình"));

    let page = chiengan.get_text(&format!("/entries/{other_model}")).await;
    assert!(
        !page.contains("id=\"nhan-rong\""),
        "a draft replica gives no lineage"
    );

    // Step 7: the public sees recognised models only. Chiềng An's
    // recognised model is recorded as replicating Tô Hiệu's.
    sqlx::query("UPDATE entries SET replicates_id = $1 WHERE id = $2")
        .bind(model)
        .bind(other_model)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let public = reqwest::get(format!("{}/mo-hinh/{model}", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let l = lineage_of(&public);
    assert!(l.contains(&format!("href=\"/mo-hinh/{other_model}\"")));
    assert!(
        l.contains(
            "Đã nhân rộng ra 1 mô hình, điển hình tại 1 đơn vị khác, 1 xã, phường khác, năm 2026."
        ),
        "{l}"
    );
    for id in [from_chieng_an, from_to_hieu, grandchild] {
        assert!(
            !l.contains(&format!("/{id}\"")),
            "unrecognised {id} not public"
        );
    }
    assert!(
        !l.contains("ngoài phạm vi"),
        "the public is told nothing of the others"
    );
    let public = reqwest::get(format!("{}/mo-hinh/{other_model}", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(lineage_of(&public).contains(&format!("href=\"/mo-hinh/{model}\"")));
    let _ = chieng_an;
}
