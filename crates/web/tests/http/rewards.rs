//! Rewards: the funnel through one form, and revocation.

use reqwest::StatusCode;

use crate::support::*;
use dvk_domain::issuer::in_sentence;

pub(crate) async fn rewards_funnel_one_form_and_revocation(kind: Kind) {
    let s = start(kind, 0).await;
    let ids = recognised_entries(&s, 2).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;
    // A year that is not one: refused, and the form comes back as typed.
    let res = secretariat
        .post(
            "/rewards",
            &[
                ("unit_id", &s.province.id.to_string()),
                ("title", "Khen thưởng gõ dở"),
                ("level", "tinh"),
                ("kind", "annual"),
                ("phase", "2026-2030"),
                ("year", "hai nghìn"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = res.text().await.unwrap();
    for kept in [
        "value=\"Khen thưởng gõ dở\"",
        "value=\"hai nghìn\"",
        "<option value=\"tinh\" selected>",
    ] {
        assert!(refused.contains(kept), "{kept} in {refused}");
    }
    let res = secretariat
        .post(
            "/rewards",
            &[
                ("unit_id", &s.province.id.to_string()),
                (
                    "title",
                    "Khen thưởng mô hình “Dân vận khéo” cấp xã năm 2026",
                ),
                ("level", "xa"),
                ("kind", "annual"),
                ("phase", "2026-2030"),
                ("year", "2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rr: i64 = location(&res)
        .trim_start_matches("/rewards/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for id in &ids[..2] {
        let res = secretariat
            .post(
                &format!("/entries/{id}/outstanding"),
                &[("back", &rr.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let forms = s.db.reward_forms().await.unwrap();
    let form = |code: &str| {
        forms
            .iter()
            .find(|f| f.code == code)
            .unwrap()
            .id
            .to_string()
    };
    let (e0, e1) = (ids[0].to_string(), ids[1].to_string());
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e0), ("form_id", &form("gk-ubnd-xa"))]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // One achievement, one form of reward.
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/rewards/{rr}/proposals"),
            &[("entry_id", &e0), ("form_id", &form("gk-dang-uy-xa"))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Mỗi thành tích chỉ được đề nghị một hình thức khen thưởng"));
    assert_eq!(snapshot(&s.db).await, before);
    // A province-level form is not for a commune-level round; a not-outstanding entry is refused.
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e1), ("form_id", &form("bk-ubnd-tinh"))]
            )
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[
                    ("entry_id", &ids[2].to_string()),
                    ("form_id", &form("gk-ubnd-xa"))
                ]
            )
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/proposals"),
                &[("entry_id", &e1), ("form_id", &form("gk-dang-uy-xa"))]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // A form with a proposal waiting for its decision cannot be retired
    // or moved to another level; its wording can still be edited.
    let dang =
        s.db.reward_forms()
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.code == "gk-dang-uy-xa")
            .unwrap();
    let edit = |active: &'static str, name: &'static str| {
        vec![
            ("name", name),
            ("title_pattern", "Giấy khen của {cơ quan}"),
            ("issuer_type", "dang"),
            ("issuer_kind", ""),
            ("level_code", "xa"),
            ("amount", ""),
            ("active", active),
        ]
    };
    let before = snapshot(&s.db).await;
    let res = secretariat
        .post(
            &format!("/rewards/forms/{}", dang.id),
            &edit("", "Giấy khen của Đảng ủy cấp xã"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("đang được đề nghị cho 1 hồ sơ"));
    assert_eq!(snapshot(&s.db).await, before);
    let res = secretariat
        .post(
            &format!("/rewards/forms/{}", dang.id),
            &edit("1", "Giấy khen của Đảng ủy xã, phường"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let leader = Client::login(&s.base, "lanhdao").await;
    let (to_hieu, _, _, _) = commune_units(&s.db).await;
    let party = unit_by_name(&s.db, &format!("Đảng ủy {}", in_sentence(&to_hieu.name))).await;
    let mut issuer = party.id;
    let decision =
        |form_id: String, entry: &str, number: &str, issuer: i64| -> Vec<(&'static str, String)> {
            vec![
                ("form_id", form_id),
                ("number", number.to_owned()),
                ("signed_on", "25/11/2026".into()),
                ("signer", "Trần Quốc Khánh".into()),
                ("signer_title", "CHỦ TỊCH".into()),
                ("issuer_unit_id", issuer.to_string()),
                ("entry", entry.to_owned()),
            ]
        };
    assert_eq!(
        secretariat
            .post(
                &format!("/rewards/{rr}/decisions"),
                &as_refs(&decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND", to_hieu.id))
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The People's Committee's form is not the Party committee's to issue.
    let res = leader
        .post(
            &format!("/rewards/{rr}/decisions"),
            &as_refs(&decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND", issuer)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("phải là loại “Ủy ban nhân dân”"));
    issuer = to_hieu.id;
    // Not signed in the future.
    let mut future = decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND", issuer);
    future[2] = ("signed_on", "31/12/2099".into());
    let res = leader
        .post(&format!("/rewards/{rr}/decisions"), &as_refs(&future))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("Ngày ký không được sau hôm nay"));
    // Nothing typed is lost: the decision form comes back as sent.
    for expected in [
        "name=\"number\" maxlength=\"60\" value=\"5/QĐ-UBND\"".to_owned(),
        "value=\"31/12/2099\"".to_owned(),
        format!("<option value=\"{issuer}\" selected>"),
        "value=\"Trần Quốc Khánh\"".to_owned(),
        "value=\"CHỦ TỊCH\"".to_owned(),
    ] {
        assert!(refused.contains(&expected), "{expected} in {refused}");
    }
    let page = leader.get_text(&format!("/rewards/{rr}")).await;
    assert!(
        page.contains(&format!(
            "<option value=\"{issuer}\">Ủy ban nhân dân phường Tô Hiệu"
        )),
        "{page}"
    );
    let res = leader
        .post(
            &format!("/rewards/{rr}/decisions"),
            &as_refs(&decision(form("gk-ubnd-xa"), &e0, "5/QĐ-UBND", issuer)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, ids[0]).await.0, "rewarded");
    // The same achievement cannot receive a second form in the round.
    let res = leader
        .post(
            &format!("/rewards/{rr}/decisions"),
            &as_refs(&decision(form("gk-dang-uy-xa"), &e0, "6/QĐ-ĐU", party.id)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Mỗi thành tích chỉ nhận một hình thức khen thưởng"));
    let round = s.db.reward_round(rr).await.unwrap().unwrap();
    let (_, funnel) = s.db.reward_funnel(&round).await.unwrap();
    assert_eq!(
        funnel,
        dvk_store::rewards::Funnel {
            recognised: 4,
            outstanding: 2,
            proposed: 2,
            rewarded: 1
        }
    );
    let page = secretariat.get_text(&format!("/rewards/{rr}")).await;
    assert!(
        page.contains("Đã khen: Giấy khen của Chủ tịch UBND cấp xã"),
        "{page}"
    );
    // The same round as a spreadsheet: the funnel in the heading, the
    // form given on the rewarded entry's row; nothing for an outsider.
    let (status, _, _, bytes) =
        crate::exports::download(&secretariat, &format!("/rewards/{rr}/export")).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
    let cells: Vec<String> = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap()
        .rows()
        .flatten()
        .map(|d| d.to_string())
        .collect();
    assert!(
        cells.iter().any(|c| c.contains("được khen thưởng 1")),
        "{cells:?}"
    );
    assert!(cells
        .iter()
        .any(|c| c == "Giấy khen của Chủ tịch UBND cấp xã"));
    let outsider = Client::login(&s.base, "canbo.soyte").await;
    assert_eq!(
        crate::exports::download(&outsider, &format!("/rewards/{rr}/export"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The documents: the proposal per form, the decision as stored, with
    // its amounts in figures and words.
    let docx = |res: reqwest::Response| async move {
        assert_eq!(res.status(), StatusCode::OK);
        dvk_docs::package::paragraphs(&res.bytes().await.unwrap()).unwrap()
    };
    let proposal = docx(
        secretariat
            .get(&format!(
                "/rewards/{rr}/documents/to-trinh?form={}",
                form("gk-ubnd-xa")
            ))
            .await,
    )
    .await;
    assert!(proposal.iter().any(|p| p == "TỜ TRÌNH"));
    assert!(proposal
        .iter()
        .any(|p| p.contains("Đề nghị khen thưởng mô hình, điển hình “Dân vận khéo” năm 2026")));
    let decision_id: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT id FROM reward_decisions WHERE round_id = $1")
            .bind(rr)
            .fetch_one(&s.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    };
    let decision = docx(
        secretariat
            .get(&format!(
                "/rewards/{rr}/documents/quyet-dinh?decision={decision_id}"
            ))
            .await,
    )
    .await;
    assert!(
        decision.iter().any(|p| p == "Số: 5/QĐ-UBND"),
        "{decision:?}"
    );
    // The catalogue's form carries no money: no amounts are printed.
    assert_eq!(
        forms
            .iter()
            .find(|f| f.code == "gk-ubnd-xa")
            .unwrap()
            .amount,
        None
    );
    assert!(decision
        .iter()
        .any(|p| p.contains("không kèm theo tiền thưởng")));
    assert!(!decision
        .iter()
        .any(|p| p.contains("Bằng chữ") || p.contains("Số tiền")));
    let res = outsider
        .get(&format!(
            "/rewards/{rr}/documents/quyet-dinh?decision={decision_id}"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A printable certificate per reward.
    let admin = actor_of(&s.db, "quantri").await;
    let reward_id = dvk_store::entry_record::entry_record(&s.db, &admin, ids[0])
        .await
        .unwrap()
        .rewards[0]
        .0;
    let cert = secretariat
        .get_text(&format!("/entries/{e0}/rewards/{reward_id}/certificate"))
        .await;
    // The printed title names the real body and kind (phường, not xã);
    // the State letterhead; the commune's place before the date.
    assert!(
        cert.contains("GIẤY KHEN")
            && cert.contains("5/QĐ-UBND")
            && cert.contains("Giấy khen của Chủ tịch Ủy ban nhân dân phường Tô Hiệu"),
        "{cert}"
    );
    assert!(cert.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") && !cert.contains("ĐẢNG CỘNG SẢN"));
    assert!(
        cert.contains("Tô Hiệu, ngày 25 tháng 11 năm 2026"),
        "{cert}"
    );
    assert_eq!(
        Client::login(&s.base, "canbo.chiengan")
            .await
            .get(&format!("/entries/{e0}/rewards/{reward_id}/certificate"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Revocation: reason and decision required; refused to others; kept in the history.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(
        officer
            .post(
                &format!("/entries/{e0}/revoke"),
                &[("reason", "Khai sai"), ("decision_ref", "12/QĐ")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = leader
        .post(
            &format!("/entries/{e0}/revoke"),
            &[("reason", ""), ("decision_ref", "Quyết định số 12/QĐ-UBND")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // What was typed comes back.
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("name=\"decision_ref\" maxlength=\"200\" value=\"Quyết định số 12/QĐ-UBND\""));
    let res = leader
        .post(
            &format!("/entries/{e0}/revoke"),
            &[
                ("reason", "Số liệu kết quả khai không đúng thực tế"),
                ("decision_ref", "Quyết định số 12/QĐ-UBND ngày 26/11/2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry_state(&s.db, ids[0]).await.0, "revoked");
    let page = leader.get_text(&format!("/entries/{e0}")).await;
    assert!(
        page.contains("Đã thu hồi khen thưởng")
            && page.contains("(đã thu hồi)")
            && page.contains("Thu hồi")
    );
    let public = Client::anonymous(&s.base)
        .await
        .get_text(&format!("/mo-hinh/{e0}"))
        .await;
    assert!(public.contains("đã bị thu hồi"));
    assert!(!Client::anonymous(&s.base)
        .await
        .get_text("/mo-hinh")
        .await
        .contains(&format!("/mo-hinh/{e0}\"")));
    assert!(s.db.verify_audit().await.unwrap().fault.is_none());
}

pub(crate) async fn reward_catalogue_is_managed(kind: Kind) {
    let s = start(kind, 0).await;
    // The catalogue carries the province's Party and Front Giấy khen.
    let forms = s.db.reward_forms().await.unwrap();
    for code in ["gk-ban-tgdv-tinh-uy", "gk-mttq-tinh"] {
        let f = forms
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(f.level_code, "tinh");
    }
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let page = secretariat.get_text("/rewards/forms").await;
    assert!(page.contains("Giấy khen của Ban Tuyên giáo và Dân vận Tỉnh ủy"));
    let new_form = [
        ("name", "Giấy khen của Hội Nông dân tỉnh"),
        ("title_pattern", "Giấy khen của {cơ quan}"),
        ("issuer_type", "mttq"),
        ("issuer_kind", "doan_the"),
        ("level_code", "tinh"),
        ("amount", "500.000"),
        ("active", "1"),
    ];
    // A commune officer may read the catalogue but not change it.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(officer.get("/rewards/forms").await.status(), StatusCode::OK);
    let before = snapshot(&s.db).await;
    assert_eq!(
        officer.post("/rewards/forms", &new_form).await.status(),
        StatusCode::FORBIDDEN
    );
    // A unit kind that is not of the issuer type, and a bad amount, are refused with what was typed kept.
    let mut bad = new_form;
    bad[3] = ("issuer_kind", "ban_dang");
    bad[5] = ("amount", "năm trăm");
    let res = secretariat.post("/rewards/forms", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Loại đơn vị ban hành phải thuộc loại cơ quan đã chọn")
            && body.contains("value=\"năm trăm\""),
        "{body}"
    );
    assert_eq!(snapshot(&s.db).await, before);
    let res = secretariat.post("/rewards/forms", &new_form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let added =
        s.db.reward_forms()
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.name == "Giấy khen của Hội Nông dân tỉnh")
            .unwrap();
    assert_eq!(
        (added.amount, added.issuer_kind.as_deref()),
        (Some(500_000), Some("doan_the"))
    );
    // Retired, it is offered no more; the catalogue keeps it.
    let mut retire: Vec<(&str, &str)> = new_form
        .iter()
        .filter(|(k, _)| *k != "active")
        .copied()
        .collect();
    retire.push(("name", "Giấy khen của Hội Nông dân tỉnh Sơn La"));
    retire.remove(0);
    let res = secretariat
        .post(&format!("/rewards/forms/{}", added.id), &retire)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!s
        .db
        .reward_forms()
        .await
        .unwrap()
        .iter()
        .any(|f| f.id == added.id));
    let kept =
        s.db.reward_catalogue()
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.id == added.id)
            .unwrap();
    assert_eq!(kept.name, "Giấy khen của Hội Nông dân tỉnh Sơn La");
    assert!(!kept.active);
}
