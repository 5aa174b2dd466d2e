//! The public side: search covers published text only, never an
//! individual's personal items.

use crate::api::{api_as, Api};
use crate::support::*;
use dvk_domain::entry::EntryForm;
use dvk_store::service;

pub(crate) async fn public_search_ignores_personal_items(kind: Kind) {
    let s = start(kind, 0).await;
    let cat = s.db.catalogue().await.unwrap();
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let officer = actor_of(&s.db, "canbo.tohieu").await;
    let mut fields = full_form(front_a.id, "Bà Lò Thị Én – điển hình vận động hiến đất");
    fields.retain(|(k, _)| *k != "subject" && *k != "kind");
    fields.extend([
        ("kind", "exemplar".to_owned()),
        ("subject", "individual".to_owned()),
        ("person_name", "Lò Thị Én".to_owned()),
        ("birth_year", "1975".to_owned()),
        ("gender", "nu".to_owned()),
        ("ethnicity", "Thái".to_owned()),
        (
            "position",
            "Giáo viên Trường Tiểu học Xuôngkhoang".to_owned(),
        ),
        ("party_member", "1".to_owned()),
        ("example", "Gia đình văn hóa nhiều năm.".to_owned()),
    ]);
    let form: EntryForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&fields).unwrap()).unwrap();
    let id = service::create_entry(&s.db, &cat, &officer, &form)
        .await
        .unwrap();
    // Made public as a recognised model (the search index is what is tested).
    sqlx::query("UPDATE entries SET state = 'recognised' WHERE id = $1")
        .bind(id)
        .execute(&s.db.pool)
        .await
        .unwrap();
    let citizen = Api::new(&s.base, None);
    let by_title = citizen
        .get("/public/entries?q=dien%20hinh%20hien%20dat")
        .await;
    assert_eq!(by_title.body["total"], 1, "{}", by_title.body);
    for q in ["xuongkhoang", "giao%20vien%20truong"] {
        let hidden = citizen.get(&format!("/public/entries?q={q}")).await;
        assert_eq!(hidden.body["total"], 0, "{q}: {}", hidden.body);
        let page = Client::anonymous(&s.base)
            .await
            .get_text(&format!("/mo-hinh?q={q}"))
            .await;
        assert!(!page.contains("Lò Thị Én"), "{q} on the public page");
    }
    // Staff still find the person by position.
    let staff = api_as(&s, "bandanvan").await;
    let found = staff.get("/entries?q=xuongkhoang").await;
    assert_eq!(found.body["total"], 1, "{}", found.body);
}
