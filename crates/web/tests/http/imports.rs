//! Imports: registrations from the template and from DVK's own export
//! (a round trip into another unit), accounts from CSV; every row checked
//! with errors naming row and column, nothing written before the confirm,
//! one audit record per row, no duplicates on a second import, and bad
//! files refused without a trace.

use crate::support::{actor_of, commune_units, full_form, start, Client, Kind, Server};
use calamine::{Data, Reader, Xlsx};
use dvk_domain::entry::{EntryForm, ITEMS, PERSON_ITEMS};
use dvk_store::service;
use reqwest::StatusCode;
use rust_xlsxwriter::{Formula, Workbook};
use sqlx::Row;
use std::io::Cursor;

async fn count(s: &Server, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&s.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// What an upload may leave behind: entries, users, audit records.
async fn footprint(s: &Server) -> (i64, i64, i64) {
    (
        count(s, "SELECT COUNT(*) FROM entries").await,
        count(s, "SELECT COUNT(*) FROM users").await,
        count(s, "SELECT COUNT(*) FROM audit_log").await,
    )
}

pub(crate) async fn upload(
    c: &Client,
    path: &str,
    fields: &[(&str, String)],
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.clone());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let res = c
        .http
        .post(format!("{}{path}?csrf={}", c.base, c.csrf))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The header labels of the template, as the file has them.
pub(crate) fn template_header(bytes: &[u8]) -> Vec<String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Đăng ký", "Hướng dẫn", "Danh mục"],
        "the form, its instructions and its lists"
    );
    assert!(book
        .defined_names()
        .iter()
        .any(|(n, v)| n == "DVK_MAU" && v.contains("dang-ky-1")));
    let range = book.worksheet_range("Đăng ký").unwrap();
    range
        .rows()
        .nth(dvk_sheets::FORM_HEADER_ROW as usize)
        .unwrap()
        .iter()
        .map(|d| match d {
            Data::String(s) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

pub(crate) enum V {
    T(&'static str),
    S(String),
    N(f64),
    Date(u16, u8, u8),
    F(&'static str, &'static str),
}

/// A file made the way a person fills the template: its header, then rows
/// of (label, value).
pub(crate) fn filled(
    header: &[String],
    form: &str,
    rows: &[Vec<(&str, V)>],
    build: impl FnOnce(&mut Workbook),
) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    {
        let s = book.add_worksheet();
        s.set_name("Đăng ký").unwrap();
        s.write_string(0, 0, "MẪU NHẬP").unwrap();
        let h = dvk_sheets::FORM_HEADER_ROW;
        for (c, l) in header.iter().enumerate() {
            s.write_string(h, c as u16, l).unwrap();
        }
        for (i, row) in rows.iter().enumerate() {
            let r = h + 1 + i as u32;
            for (label, v) in row {
                let c = header
                    .iter()
                    .position(|x| x == label)
                    .unwrap_or_else(|| panic!("{label}")) as u16;
                match v {
                    V::T(t) => s.write_string(r, c, *t).map(|_| ()),
                    V::S(t) => s.write_string(r, c, t).map(|_| ()),
                    V::N(n) => s.write_number(r, c, *n).map(|_| ()),
                    V::Date(y, m, d) => s
                        .write_datetime_with_format(
                            r,
                            c,
                            rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                            &date,
                        )
                        .map(|_| ()),
                    V::F(f, cached) => s
                        .write_formula(r, c, Formula::new(*f).set_result(*cached))
                        .map(|_| ()),
                }
                .unwrap();
            }
        }
    }
    if !form.is_empty() {
        book.define_name("DVK_MAU", &format!("=\"{form}\""))
            .unwrap();
    }
    build(&mut book);
    book.save_to_buffer().unwrap()
}

pub(crate) fn items(title: &'static str) -> Vec<(&'static str, V)> {
    let mut v: Vec<(&'static str, V)> = vec![(ITEMS[0].1, V::T(title))];
    for (_, label) in &ITEMS[1..] {
        v.push((label, V::S(format!("{label}: nội dung đầy đủ."))));
    }
    v
}

pub(crate) fn row(
    title: &'static str,
    field: &str,
    level: &str,
    extra: Vec<(&'static str, V)>,
) -> Vec<(&'static str, V)> {
    let mut r = items(title);
    r.extend([
        ("Loại", V::T("Mô hình")),
        ("Đối tượng", V::T("Tập thể")),
        ("Lĩnh vực", V::S(field.to_owned())),
        ("Cấp đề nghị công nhận", V::S(level.to_owned())),
        ("Năm", V::N(2026.0)),
    ]);
    for (label, value) in extra {
        r.retain(|(l, _)| *l != label);
        r.push((label, value));
    }
    r
}

/// The issues the preview lists for Excel row `n`.
fn issues_of(page: &str, n: usize) -> String {
    let marker = format!("<td class=\"num\">{n}</td>");
    let i = page
        .find(&marker)
        .unwrap_or_else(|| panic!("row {n} in the preview"));
    page[i..].split("</tr>").next().unwrap().to_owned()
}

pub(crate) fn confirm_path(page: &str) -> String {
    let i = page
        .find("action=\"/entries/import/")
        .expect("a confirm form")
        + "action=\"".len();
    page[i..].split('"').next().unwrap().to_owned()
}

pub async fn registrations_import_checks_every_row_and_writes_once(kind: Kind) {
    let s = start(kind, 10).await;
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let cat = s.db.catalogue().await.unwrap();
    let field = cat.field_name(2).to_owned();
    let level = cat.level_name("xa").to_owned();
    let officer = Client::login(&s.base, "canbo.tohieu").await;

    // Step 1: the template for the officer's unit, with the ten items, the
    // personal items and the choices.
    let res = officer
        .get(&format!("/entries/import/template?unit={}", to_hieu.id))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let template = res.bytes().await.unwrap().to_vec();
    let header = template_header(&template);
    for (_, l) in ITEMS.iter().chain(PERSON_ITEMS.iter()) {
        assert!(header.iter().any(|h| h == l), "column {l} in {header:?}");
    }
    // Not for a unit the officer does not register for.
    let other = officer
        .get(&format!("/entries/import/template?unit={}", chieng_an.id))
        .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    // Step 2: a file with good rows and each kind of mistake.
    let long: &'static str = Box::leak("Rất dài ".repeat(60).into_boxed_str());
    let rows = vec![
        /* 5 */ row("Mô hình nhập thứ nhất", &field, &level, vec![]),
        /* 6 */
        row(
            "Điển hình nhập thứ hai",
            &field,
            &level,
            vec![
                ("Loại", V::T("điển hình")),
                ("Đối tượng", V::T("Cá nhân")),
                ("Năm", V::Date(2026, 3, 15)),
                ("Họ và tên", V::T("Lò Thị Hoa")),
                ("Năm sinh", V::T("1980")),
                ("Giới tính", V::T("Nữ")),
                ("Dân tộc", V::T("Thái")),
                ("Chức vụ, đơn vị công tác", V::T("Bí thư chi bộ bản Hìn")),
                ("Đảng viên", V::T("Có")),
                (
                    "Gương mẫu của bản thân và gia đình",
                    V::T("Gia đình văn hóa nhiều năm liền."),
                ),
            ],
        ),
        /* 7 */
        row(
            "Mô hình thiếu mục",
            &field,
            &level,
            vec![(ITEMS[3].1, V::T(""))],
        ),
        /* 8 */ row("Mô hình sai lĩnh vực", "Lĩnh vực không có", &level, vec![]),
        /* 9 */
        row(
            "Mô hình năm ngoài giai đoạn",
            &field,
            &level,
            vec![("Năm", V::N(2019.0))],
        ),
        /* 10 */ row(long, &field, &level, vec![]),
        /* 11 */ row("Mô hình nhập thứ nhất", &field, &level, vec![]),
        /* 12 */
        row(
            "Mô hình từ công thức",
            &field,
            &level,
            vec![(
                ITEMS[0].1,
                V::F("=\"Mô hình \"&\"từ công thức\"", "Mô hình từ công thức"),
            )],
        ),
    ];
    let file = filled(&header, "dang-ky-1", &rows, |_| {});
    let before = footprint(&s).await;
    let (status, page) = upload(
        &officer,
        "/entries/import",
        &[("unit_id", to_hieu.id.to_string())],
        "phieu.xlsx",
        file.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("8 dòng: <strong>3</strong> hợp lệ"), "{page}");
    assert!(issues_of(&page, 5).contains("Hợp lệ"));
    assert!(
        issues_of(&page, 6).contains("Hợp lệ"),
        "{}",
        issues_of(&page, 6)
    );
    assert!(issues_of(&page, 7).contains(&format!("Cột “{}”", ITEMS[3].1)));
    assert!(issues_of(&page, 8)
        .contains("Cột “Lĩnh vực”: Lĩnh vực “Lĩnh vực không có” không có trong danh mục."));
    assert_eq!(
        issues_of(&page, 8).matches("Cột “Lĩnh vực”").count(),
        1,
        "one message per column"
    );
    assert!(
        issues_of(&page, 9).contains("Cột “Năm”: Năm 2019 không thuộc giai đoạn nào"),
        "{}",
        issues_of(&page, 9)
    );
    assert!(issues_of(&page, 10).contains("vượt quá giới hạn 300 ký tự"));
    assert!(issues_of(&page, 11).contains("Trùng với dòng 5 trong tệp."));
    assert!(
        issues_of(&page, 12).contains("Hợp lệ"),
        "a formula's cached value is the title"
    );
    // Step 3: nothing is written before the confirm.
    assert_eq!(footprint(&s).await, before);
    let confirm = confirm_path(&page);

    // Step 4: "all or nothing" with bad rows writes nothing; someone else
    // cannot confirm the upload.
    let res = officer.post(&confirm, &[("mode", "all")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(footprint(&s).await, before);
    let stranger = Client::login(&s.base, "canbo.chiengan").await;
    assert_eq!(
        stranger.post(&confirm, &[("mode", "valid")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(footprint(&s).await, before);

    // Step 5: "valid rows only" makes three drafts, one audit record each,
    // with the file and row in the history.
    let res = officer.post(&confirm, &[("mode", "valid")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(crate::support::location(&res).starts_with("/entries/import?done=3"));
    let after = footprint(&s).await;
    assert_eq!(after.0, before.0 + 3);
    assert_eq!(after.2, before.2 + 3, "one audit record per row");
    let imported: Vec<(i64, String, String)> = sqlx::query(
        "SELECT e.id, e.title, e.state FROM entries e WHERE e.id > (SELECT MAX(id) - 3 FROM entries) ORDER BY e.id",
    )
    .fetch_all(&s.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap(), r.try_get(2).unwrap()))
    .collect();
    assert_eq!(
        imported.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
        vec![
            "Mô hình nhập thứ nhất",
            "Điển hình nhập thứ hai",
            "Mô hình từ công thức"
        ]
    );
    assert!(imported.iter().all(|x| x.2 == "draft"));
    let actor = actor_of(&s.db, "canbo.tohieu").await;
    let person = service::view_entry(&s.db, &actor, imported[1].0)
        .await
        .unwrap();
    assert_eq!(person.registration.person.name, "Lò Thị Hoa");
    assert_eq!(person.registration.person.birth_year, Some(1980));
    assert!(person.registration.person.party_member);
    assert_eq!(person.registration.year, 2026, "a date cell gives its year");
    let history = officer
        .get_text(&format!("/entries/{}", imported[0].0))
        .await;
    assert!(
        history.contains("Nhập từ tệp «phieu.xlsx», dòng 5"),
        "{history}"
    );
    // The same upload cannot be confirmed twice.
    assert_eq!(
        officer.post(&confirm, &[("mode", "valid")]).await.status(),
        StatusCode::NOT_FOUND
    );

    // Step 6: the same file again adds nothing: every row once imported is
    // recognised.
    let (_, again) = upload(
        &officer,
        "/entries/import",
        &[("unit_id", to_hieu.id.to_string())],
        "phieu.xlsx",
        file,
    )
    .await;
    assert!(
        again.contains("8 dòng: <strong>0</strong> hợp lệ"),
        "{again}"
    );
    assert!(issues_of(&again, 5).contains("Dòng này đã được nhập trước đây"));
    assert_eq!(footprint(&s).await, after);

    // Step 7: the officer cannot import into another commune.
    let (status, _) = upload(
        &officer,
        "/entries/import",
        &[("unit_id", chieng_an.id.to_string())],
        "phieu.xlsx",
        template.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Step 8: bad files, each refused with its reason and no trace.
    let pending_before = count(&s, "SELECT COUNT(*) FROM pending_imports").await;
    let good_row = vec![row("Mô hình tệp xấu", &field, &level, vec![])];
    let merged = filled(&header, "dang-ky-1", &good_row, |b| {
        let sheet = b.worksheet_from_index(0).unwrap();
        sheet
            .merge_range(5, 1, 6, 1, "Gộp", &rust_xlsxwriter::Format::new())
            .unwrap();
    });
    let hidden = filled(&header, "dang-ky-1", &good_row, |b| {
        b.add_worksheet().set_name("Ẩn").unwrap().set_hidden(true);
    });
    let many: Vec<Vec<(&str, V)>> = (0..2_001)
        .map(|_| vec![(ITEMS[0].1, V::T("Dòng"))])
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a.xlsx",
            b"%PDF-1.7\n%\xe2\xe3\x00 binary".to_vec(),
            "không phải bảng tính",
        ),
        (
            "a.xlsx",
            include_bytes!("../../../sheets/tests/fixtures/encrypted.xlsx").to_vec(),
            "đặt mật khẩu",
        ),
        (
            "a.xlsx",
            filled(&header, "dang-ky-0", &good_row, |_| {}),
            "mẫu cũ (dang-ky-0)",
        ),
        (
            "a.xlsx",
            filled(&header, "", &good_row, |_| {}),
            "không làm từ mẫu nhập",
        ),
        ("a.xlsx", merged, "ô gộp (B6:B7)"),
        ("a.xlsx", hidden, "trang tính bị ẩn"),
        (
            "a.xlsx",
            filled(&header, "dang-ky-1", &many, |_| {}),
            "vượt giới hạn 2000 dòng",
        ),
        (
            "a.xlsx",
            filled(&header[..5], "dang-ky-1", &[], |_| {}),
            "Tệp thiếu cột",
        ),
    ];
    for (name, bytes, reason) in cases {
        let (status, page) = upload(
            &officer,
            "/entries/import",
            &[("unit_id", to_hieu.id.to_string())],
            name,
            bytes,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}: {page}");
        assert!(
            page.to_lowercase().contains(&reason.to_lowercase()),
            "{reason}: {page}"
        );
    }
    assert_eq!(footprint(&s).await, after);
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM pending_imports").await,
        pending_before
    );
}

pub async fn export_imports_into_another_unit_with_the_same_items(kind: Kind) {
    let s = start(kind, 0).await;
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let cat = s.db.catalogue().await.unwrap();
    let actor = actor_of(&s.db, "canbo.tohieu").await;
    // Step 1: two entries of Tô Hiệu, one an individual's exemplar, with
    // a formula payload that must stay text.
    let mut ids = Vec::new();
    for (title, individual) in [("=1+1 mô hình khéo", false), ("Bà Lò Thị Ban", true)] {
        let mut pairs = full_form(to_hieu.id, title);
        if individual {
            pairs.retain(|(k, _)| *k != "subject" && *k != "kind");
            pairs.extend([
                ("kind", "exemplar".to_owned()),
                ("subject", "individual".to_owned()),
                ("person_name", "Lò Thị Ban".to_owned()),
                ("birth_year", "1975".to_owned()),
                ("gender", "nu".to_owned()),
                ("ethnicity", "Thái".to_owned()),
                ("position", "Chi hội trưởng phụ nữ".to_owned()),
                ("party_member", "1".to_owned()),
                ("example", "Gương mẫu.".to_owned()),
            ]);
        }
        let form: EntryForm =
            serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap()).unwrap();
        ids.push(
            service::create_entry(&s.db, &cat, &actor, &form)
                .await
                .unwrap(),
        );
    }
    // Step 2: the officer exports the list and Chiềng An's officer imports it.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let export = officer
        .get("/entries/export?format=xlsx")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let other = Client::login(&s.base, "canbo.chiengan").await;
    let (status, page) = upload(
        &other,
        "/entries/import",
        &[("unit_id", chieng_an.id.to_string())],
        "ds.xlsx",
        export,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("2 dòng: <strong>2</strong> hợp lệ"), "{page}");
    let res = other.post(&confirm_path(&page), &[("mode", "all")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Step 3: the copies hold the same items and personal items, in the
    // other unit.
    let theirs = actor_of(&s.db, "canbo.chiengan").await;
    let new_ids: Vec<i64> = sqlx::query("SELECT id FROM entries WHERE unit_id = $1 ORDER BY id")
        .bind(chieng_an.id)
        .fetch_all(&s.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    assert_eq!(new_ids.len(), 2);
    let mut copies = Vec::new();
    for id in &new_ids {
        copies.push(
            service::view_entry(&s.db, &theirs, *id)
                .await
                .unwrap()
                .registration,
        );
    }
    for orig in &ids {
        let a = service::view_entry(&s.db, &actor, *orig)
            .await
            .unwrap()
            .registration;
        let b = copies
            .iter()
            .find(|b| b.items[0] == a.items[0])
            .expect("a copy of each entry, the formula-like title as text");
        assert_eq!(a.items, b.items);
        assert_eq!(a.person, b.person);
        assert_eq!(
            (a.kind, a.subject, a.field_id, a.year, &a.phase),
            (b.kind, b.subject, b.field_id, b.year, &b.phase)
        );
        assert_eq!(b.unit_id, chieng_an.id);
    }

    // Step 4: the API does the same: template, export, preview, confirm.
    let http = reqwest::Client::new();
    let bearer = |t: &str| format!("Bearer {t}");
    let mine = crate::api::token_for(&s.db, "canbo.tohieu").await;
    let res = http
        .get(format!(
            "{}/api/v1/entries/import/template?unit_id={}",
            s.base, to_hieu.id
        ))
        .header("authorization", bearer(&mine))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let template = res.bytes().await.unwrap().to_vec();
    assert!(!template_header(&template).is_empty());
    let export = http
        .get(format!("{}/api/v1/entries/export?format=xlsx", s.base))
        .header("authorization", bearer(&mine))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let form = reqwest::multipart::Form::new()
        .text("unit_id", to_hieu.id.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(export).file_name("ds.xlsx"),
        );
    let preview: serde_json::Value = serde_json::from_str(
        &http
            .post(format!("{}/api/v1/entries/import", s.base))
            .header("authorization", bearer(&mine))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    // Back into the same unit: both rows exist already.
    assert_eq!(preview["total"], 2, "{preview}");
    assert_eq!(preview["valid"], 0, "{preview}");
    assert!(preview["rows"][0]["issues"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Đơn vị đã có hồ sơ cùng tên"));
    let res = http
        .post(format!(
            "{}/api/v1/entries/import/{}/confirm",
            s.base, preview["id"]
        ))
        .header("authorization", bearer(&mine))
        .header("content-type", "application/json")
        .body(r#"{"mode":"all"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = http
        .post(format!(
            "{}/api/v1/entries/import/{}/confirm",
            s.base, preview["id"]
        ))
        .header("authorization", bearer(&mine))
        .header("content-type", "application/json")
        .body(r#"{"mode":"valid"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let out: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(out["entries"].as_array().unwrap().len(), 0);
    // Accounts are for admins only.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"username;full name\n".to_vec()).file_name("a.csv"),
    );
    let res = http
        .post(format!("{}/api/v1/users/import", s.base))
        .header("authorization", bearer(&mine))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

pub async fn accounts_import_gives_one_time_passwords(kind: Kind) {
    let s = start(kind, 0).await;
    let (to_hieu, _, chieng_an, _) = commune_units(&s.db).await;
    let admin = Client::login(&s.base, "quantri").await;
    let code = to_hieu.code.clone().unwrap();
    // Step 1: a CSV (semicolons, BOM) with one person holding two roles,
    // and a bad row.
    let csv = format!(
        "\u{feff}Tên đăng nhập;Họ và tên;Thư điện tử;Mã đơn vị;Vai trò\n\
         canbo.moi;Nguyễn Văn Mới;moi@example.vn;{code};Cán bộ đơn vị (đăng ký)\n\
         canbo.moi;Nguyễn Văn Mới;moi@example.vn;{};Thành viên Hội đồng\n\
         quantri;=HYPERLINK(\"x\");khong-phai-thu;ZZZ;vua\n",
        chieng_an.name
    );
    let before = footprint(&s).await;
    let (status, page) = upload(
        &admin,
        "/admin/users/import",
        &[],
        "tk.csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let bad = issues_of(&page, 4);
    for m in [
        "Tên đăng nhập “quantri” đã có người dùng.",
        "“khong-phai-thu” không phải địa chỉ thư điện tử.",
        "Không có đơn vị “ZZZ”",
        "Vai trò “vua” không có",
    ] {
        assert!(bad.contains(m), "{m} in {bad}");
    }
    assert!(
        !page.contains("action=\"/admin/users/import/"),
        "no confirm while a row is bad"
    );
    assert_eq!(footprint(&s).await, before);
    // A unit officer may not import accounts.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let (status, _) = upload(
        &officer,
        "/admin/users/import",
        &[],
        "tk.csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Step 2: the good rows only, confirmed: one account, two roles, a
    // one-time password shown once and in a sheet.
    let good: String = csv.lines().take(3).map(|l| format!("{l}\n")).collect();
    let (_, page) = upload(
        &admin,
        "/admin/users/import",
        &[],
        "tk.csv",
        good.into_bytes(),
    )
    .await;
    assert!(page.contains("2 dòng: <strong>2</strong> hợp lệ"), "{page}");
    let i = page.find("action=\"/admin/users/import/").unwrap() + "action=\"".len();
    let confirm = page[i..].split('"').next().unwrap().to_owned();
    let res = admin.post(&confirm, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done = res.text().await.unwrap();
    let i = done.find("<code>").unwrap() + "<code>".len();
    let password = done[i..].split('<').next().unwrap().to_owned();
    assert_eq!(password.len(), 16);
    let i = done.find("base64,").unwrap() + "base64,".len();
    use base64::Engine;
    let sheet = base64::engine::general_purpose::STANDARD
        .decode(done[i..].split('"').next().unwrap())
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(sheet)).unwrap();
    let range = book.worksheet_range("Tài khoản").unwrap();
    let cells: Vec<String> = range.rows().flatten().map(|d| d.to_string()).collect();
    assert!(cells.contains(&"canbo.moi".to_owned()) && cells.contains(&password));
    let after = footprint(&s).await;
    assert_eq!(after.1, before.1 + 1);
    assert_eq!(
        after.2,
        before.2 + 3,
        "an audit record for the account and each role"
    );
    let grants = count(&s, "SELECT COUNT(*) FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'canbo.moi'").await;
    assert_eq!(grants, 2);
    // Confirming again creates nothing.
    assert_eq!(
        admin.post(&confirm, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(footprint(&s).await, after);

    // Step 2b: over the API with a retry key: the answer holds passwords,
    // so it is never kept for a replay (a second try finds nothing to do).
    let csv2 = format!(
        "Tên đăng nhập,Họ và tên,Thư điện tử,Mã đơn vị,Vai trò\ncanbo.moi2,Lò Văn Hai,,{code},Thành viên Hội đồng\n"
    );
    let (_, page2) = upload(
        &admin,
        "/admin/users/import",
        &[],
        "tk2.csv",
        csv2.into_bytes(),
    )
    .await;
    let i = page2.find("action=\"/admin/users/import/").unwrap()
        + "action=\"/admin/users/import/".len();
    let id2 = page2[i..].split('"').next().unwrap().to_owned();
    let token = crate::api::token_for(&s.db, "quantri").await;
    let keyed = || {
        reqwest::Client::new()
            .post(format!("{}/api/v1/users/import/{id2}/confirm", s.base))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "import-confirm-0001")
            .send()
    };
    let first = keyed().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.text().await.unwrap().contains("one_time_password"));
    let again = keyed().await.unwrap();
    assert!(again.headers().get("idempotent-replayed").is_none());
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM idempotency_keys").await, 0);
    assert_eq!(footprint(&s).await.1, after.1 + 1, "one more account, once");

    // Step 3: the new officer signs in with the one-time password and must
    // change it first.
    let mut c = Client::anonymous(&s.base).await;
    let res = c
        .post(
            "/login",
            &[
                ("username", "canbo.moi"),
                ("password", password.as_str()),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = c.get("/entries").await;
    assert_eq!(crate::support::location(&home), "/account/password");
    c.csrf.clear();
}
