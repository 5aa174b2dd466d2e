//! Spreadsheet exports: the list as the reader sees it, with its filters,
//! every registration item a column, read back cell by cell with a real
//! XLSX reader; formula payloads stay text; other units' entries never
//! leave; the API gives the same files.

use crate::api::token_for;
use crate::support::{
    actor_of, commune_units, count, full_form, page_total, start, Client, Kind, Server,
};
use calamine::{Data, Reader, Xlsx};
use dvk_domain::entry::EntryForm;
use dvk_store::service;
use reqwest::StatusCode;
use std::io::Cursor;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn create(s: &Server, officer: &str, pairs: Vec<(&'static str, String)>) -> i64 {
    let form: EntryForm =
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap()).unwrap();
    let cat = s.db.catalogue().await.unwrap();
    let actor = actor_of(&s.db, officer).await;
    service::create_entry(&s.db, &cat, &actor, &form)
        .await
        .unwrap()
}

/// The rows of the first sheet, from the row after the header rows.
pub(crate) struct Sheet {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<Data>>,
    formulas: usize,
}

pub(crate) fn read_xlsx(bytes: &[u8]) -> Sheet {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let formulas = book
        .worksheet_formula(&name)
        .unwrap()
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .count();
    let all: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        _ => String::new(),
    };
    let top = all
        .iter()
        .position(|r| text(&r[0]) == "TT")
        .expect("a header row starting with TT");
    // Two header rows (groups, then labels) when the table has groups: a
    // label merged down shows in the first only. Without groups, the row
    // under the header is the first row of data (its TT is a number).
    let two = all
        .get(top + 1)
        .is_some_and(|r| !matches!(r[0], Data::Float(_)));
    let header: Vec<String> = (0..all[top].len())
        .map(|c| {
            let below = if two {
                text(&all[top + 1][c])
            } else {
                String::new()
            };
            if below.is_empty() {
                text(&all[top][c])
            } else {
                below
            }
        })
        .collect();
    Sheet {
        header,
        rows: all[top + if two { 2 } else { 1 }..].to_vec(),
        formulas,
    }
}

impl Sheet {
    pub(crate) fn col(&self, label: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == label)
            .unwrap_or_else(|| panic!("no column {label} in {:?}", self.header))
    }

    fn ids(&self) -> Vec<i64> {
        let c = self.col("Mã hồ sơ");
        self.rows
            .iter()
            .map(|r| match &r[c] {
                Data::Float(f) => *f as i64,
                other => panic!("id cell {other:?}"),
            })
            .collect()
    }

    fn text(&self, id: i64, label: &str) -> String {
        let i = self
            .ids()
            .iter()
            .position(|x| *x == id)
            .expect("the entry's row");
        match &self.rows[i][self.col(label)] {
            Data::String(s) => s.clone(),
            Data::Empty => String::new(),
            other => format!("{other:?}"),
        }
    }
}

pub(crate) async fn download(c: &Client, path: &str) -> (StatusCode, String, String, Vec<u8>) {
    let res = c.get(path).await;
    let h = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    let (ct, cd) = (h("content-type"), h("content-disposition"));
    (res.status(), ct, cd, res.bytes().await.unwrap().to_vec())
}

pub async fn entries_export_as_the_list_shows_them(kind: Kind) {
    let s = start(kind, 40).await;
    let (_, front_a, _, _) = commune_units(&s.db).await;

    // Step 1: a commune officer's entries with formula payloads and an
    // individual's personal items.
    let payload = "=HYPERLINK(\"http://evil.example\",\"Bấm vào\")";
    let mut pairs = full_form(front_a.id, payload);
    for (k, v) in pairs.iter_mut() {
        if *k == "situation" {
            *v = "@SUM(A1:A9) -2+3".into();
        }
    }
    let injected = create(&s, "canbo.tohieu", pairs).await;
    let mut pairs = full_form(front_a.id, "Điển hình trưởng bản gương mẫu");
    for (k, v) in pairs.iter_mut() {
        match *k {
            "kind" => *v = "exemplar".into(),
            "subject" => *v = "individual".into(),
            _ => {}
        }
    }
    pairs.extend([
        ("person_name", "Lò Văn Hùng".to_owned()),
        ("birth_year", "1968".to_owned()),
        ("gender", "nam".to_owned()),
        ("ethnicity", "Thái".to_owned()),
        ("position", "Trưởng bản Hua Pàng".to_owned()),
        ("party_member", "1".to_owned()),
        ("example", "Gia đình gương mẫu.".to_owned()),
    ]);
    let person = create(&s, "canbo.tohieu", pairs).await;

    // Step 2: the province's secretariat: the page links the export, and
    // the file holds exactly the list, every item a column.
    let secretariat = Client::login(&s.base, "bandanvan").await;
    let page = secretariat.get_text("/entries").await;
    assert!(
        page.contains("/entries/export?format=xlsx"),
        "the list links its export"
    );
    let (status, ct, cd, bytes) = download(&secretariat, "/entries/export?format=xlsx").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, XLSX));
    assert!(cd.contains("filename*=UTF-8''Danh%20s%C3%A1ch"), "{cd}");
    let sheet = read_xlsx(&bytes);
    let total = page_total(&secretariat, "/entries").await;
    assert_eq!(sheet.rows.len(), total, "one row per entry of the list");
    for label in [
        "Tên mô hình, điển hình",
        "Thực trạng, lý do xây dựng",
        "Khả năng duy trì, nhân rộng",
        "Họ và tên",
        "Gương mẫu của bản thân và gia đình",
        "Trạng thái",
        "Đơn vị đăng ký",
    ] {
        sheet.col(label);
    }
    // Cell by cell against the entry as the service reads it.
    let detail = service::view_entry(&s.db, &actor_of(&s.db, "bandanvan").await, injected)
        .await
        .unwrap();
    assert_eq!(sheet.text(injected, "Tên mô hình, điển hình"), payload);
    assert_eq!(
        sheet.text(injected, "Thực trạng, lý do xây dựng"),
        "@SUM(A1:A9) -2+3"
    );
    for (i, (_, label)) in dvk_domain::entry::ITEMS.iter().enumerate() {
        assert_eq!(
            sheet.text(injected, label),
            detail.registration.items[i],
            "{label}"
        );
    }
    assert_eq!(sheet.text(injected, "Đơn vị đăng ký"), detail.unit_name);
    assert_eq!(sheet.text(injected, "Trạng thái"), detail.state.label());
    assert_eq!(sheet.formulas, 0, "no cell holds a formula");
    assert_eq!(sheet.text(person, "Họ và tên"), "Lò Văn Hùng");
    assert_eq!(sheet.text(person, "Dân tộc"), "Thái");
    assert_eq!(sheet.text(person, "Đảng viên"), "Có");
    assert_eq!(
        sheet.text(injected, "Họ và tên"),
        "",
        "a collective has no person"
    );

    // Step 3: filters are honoured, as CSV (UTF-8 with BOM).
    let (status, ct, _, csv) = download(
        &secretariat,
        "/entries/export?year=2026&kind=exemplar&format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let filtered = page_total(&secretariat, "/entries?year=2026&kind=exemplar").await;
    assert!(filtered >= 1);
    // Quoted fields may hold line breaks: count records by their id column.
    let records = text.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    assert_eq!(records, filtered, "{text}");
    assert!(text.contains("Lò Văn Hùng"));
    let (_, _, _, csv) = download(&secretariat, "/entries/export?format=csv").await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.contains("'=HYPERLINK(") && !text.contains(",=HYPERLINK("),
        "a formula payload is text in CSV"
    );

    // Step 4: another commune's officer never gets these entries.
    let other = Client::login(&s.base, "canbo.chiengan").await;
    let (_, _, _, bytes) = download(&other, "/entries/export").await;
    let theirs = read_xlsx(&bytes);
    assert_eq!(theirs.rows.len(), page_total(&other, "/entries").await);
    assert!(!theirs.ids().contains(&injected) && !theirs.ids().contains(&person));
    let own = Client::login(&s.base, "canbo.tohieu").await;
    let (_, _, _, bytes) = download(&own, "/entries/export").await;
    assert!(read_xlsx(&bytes).ids().contains(&person));

    // Step 4b: a council member reads entries to appraise them, but gets
    // no individual's personal items in bulk.
    let council = Client::login(&s.base, "hoidong.chutich").await;
    let (status, _, _, bytes) = download(&council, "/entries/export?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(!text.contains("Lò Văn Hùng") && !text.contains("Trưởng bản Hua Pàng"));

    // Step 5: a bad format is refused by name; signed-out readers get nothing.
    let (status, _, _, body) = download(&secretariat, "/entries/export?format=pdf").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("xlsx hoặc csv"));
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = anonymous
        .get(format!("{}/entries/export", s.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection() || res.status() == StatusCode::UNAUTHORIZED);

    // Step 6: the API gives the same file with a token.
    let token = token_for(&s.db, "canbo.chiengan").await;
    let res = anonymous
        .get(format!("{}/api/v1/entries/export?format=xlsx", s.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let api = read_xlsx(&res.bytes().await.unwrap());
    assert_eq!(api.ids(), theirs.ids());
    let res = anonymous
        .get(format!("{}/api/v1/entries/export?format=ods", s.base))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

/// A row of the summary page: (row class, name, [(value, href)]).
type Line = (String, String, Vec<(i64, String)>);

/// A summary table as the page shows it.
struct Table {
    rows: Vec<Line>,
}

fn parse_summary(page: &str) -> Table {
    let body = &page[page.find("<tbody>").expect("a table")..];
    let body = &body[..body.find("</tbody>").unwrap()];
    let strip = |s: &str| crate::support::text_of(s).trim().to_owned();
    let rows = body
        .split("<tr class=\"s-")
        .skip(1)
        .map(|chunk| {
            let css = chunk[..chunk.find('"').unwrap()].to_owned();
            let th = &chunk[chunk.find("<th scope=\"row\">").unwrap()..];
            let name = strip(&th[..th.find("</th>").unwrap()]);
            let cells = chunk
                .split("<td class=\"num\"")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()];
                    match c.find("href=\"") {
                        Some(i) => {
                            let rest = &c[i + 6..];
                            let href = rest[..rest.find('"').unwrap()]
                                .replace("&amp;", "&")
                                .replace("&#38;", "&");
                            (strip(c).parse().unwrap(), href)
                        }
                        None => (strip(c).parse().unwrap(), String::new()),
                    }
                })
                .collect();
            (css, name, cells)
        })
        .collect();
    Table { rows }
}

/// Every page of a summary table: the total row once, then each page's
/// units in order, following the pager's "next" link.
async fn whole_summary(c: &Client, path: &str) -> (String, Table) {
    let first = c.get_text(path).await;
    let mut table = parse_summary(&first);
    let mut page = first.clone();
    let mut pages = 1;
    while let Some(i) = page.find("rel=\"next\"") {
        let before = &page[..i];
        let href = before[before.rfind("href=\"").unwrap() + 6..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        page = c.get_text(&href).await;
        let more = parse_summary(&page);
        assert_eq!(more.rows[0], table.rows[0], "the total heads every page");
        table.rows.extend(more.rows.into_iter().skip(1));
        pages += 1;
        assert!(pages < 50, "the pager ends");
    }
    (first, table)
}

impl Table {
    fn sum(&self, rows: &[&Line]) -> Vec<i64> {
        let width = self.rows[0].2.len();
        (0..width)
            .map(|i| rows.iter().map(|r| r.2[i].0).sum())
            .collect()
    }
}

pub async fn summary_figures_add_up_and_open_what_they_count(kind: Kind) {
    let s = start(kind, 400).await;
    let secretariat = Client::login(&s.base, "bandanvan").await;

    // Step 1: the province's table for 2025: subtotals are the sums of
    // their rows, the total the sum of the communes.
    let (page, t) = whole_summary(&secretariat, "/summary?year=2025").await;
    assert!(page.contains("Biểu tổng hợp năm 2025"), "{page}");
    assert_eq!(t.rows[0].0, "total");
    let top: Vec<_> = t.rows.iter().filter(|r| r.0 == "unit").collect();
    assert!(top.len() > 10, "the province's lower units are listed");
    let own: Vec<_> = t
        .rows
        .iter()
        .filter(|r| r.0 == "sub" && r.1.contains("trực tiếp") && r.1.contains("Tỉnh"))
        .collect();
    let mut parts: Vec<_> = top.clone();
    parts.extend(own);
    assert_eq!(
        t.sum(&parts),
        t.rows[0].2.iter().map(|c| c.0).collect::<Vec<_>>()
    );
    for (i, r) in t.rows.iter().enumerate() {
        if r.0 != "unit" {
            continue;
        }
        let below: Vec<_> = t.rows[i + 1..]
            .iter()
            .take_while(|x| x.0 == "sub")
            .collect();
        if !below.is_empty() {
            assert_eq!(
                t.sum(&below),
                r.2.iter().map(|c| c.0).collect::<Vec<_>>(),
                "{}",
                r.1
            );
        }
    }
    // Step 2: the totals equal counts made independently.
    let registered = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE year = 2025 AND state NOT IN ('draft', 'withdrawn')",
    )
    .await;
    assert!(registered > 0);
    assert_eq!(t.rows[0].2[0].0, registered);
    let individual = count(&s.db, "SELECT COUNT(*) FROM entries WHERE year = 2025 AND subject = 'individual' AND state NOT IN ('draft', 'withdrawn')").await;
    assert_eq!(t.rows[0].2[2].0, individual);
    let recognised = count(&s.db, "SELECT COUNT(DISTINCT x.entry_id) FROM decision_entries x JOIN entries e ON e.id = x.entry_id WHERE e.year = 2025").await;
    assert!(recognised > 0, "the demo decided 2025");
    let header = &page[page.find("<thead>").unwrap()..page.find("</thead>").unwrap()];
    assert!(header.contains("Được công nhận") && header.contains("Theo lĩnh vực"));

    // Step 3: every figure of the total row, and of the first communes,
    // opens the list of exactly the entries it counts.
    let mut checked = 0;
    for r in t.rows.iter().take(6) {
        for (value, href) in &r.2 {
            if *value == 0 {
                assert!(href.is_empty());
                continue;
            }
            assert_eq!(
                page_total(&secretariat, href).await as i64,
                *value,
                "{} → {href}",
                r.1
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} links checked");

    // Step 4: the same table as XLSX and DOCX.
    let (status, ct, _, bytes) = download(&secretariat, "/summary?year=2025&format=xlsx").await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, XLSX));
    let sheet = read_xlsx(&bytes);
    assert_eq!(sheet.rows.len(), t.rows.len());
    let first: Vec<i64> = sheet.rows[0][2..2 + t.rows[0].2.len()]
        .iter()
        .map(|d| match d {
            Data::Float(f) => *f as i64,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(first, t.rows[0].2.iter().map(|c| c.0).collect::<Vec<_>>());
    let (status, _, _, docx) = download(&secretariat, "/summary?year=2025&format=docx").await;
    assert_eq!(status, StatusCode::OK);
    let p = dvk_docs::package::paragraphs(&docx).unwrap();
    assert!(p.iter().any(|x| x == "BIỂU TỔNG HỢP"), "{p:?}");
    assert!(p.iter().any(|x| x == &registered.to_string()));

    // Step 4a: the province's tables before the reform and for the whole
    // phase (old and new units side by side): every figure opens exactly
    // what it counts.
    for path in ["/summary?year=2024", "/summary?phase=2021-2025"] {
        let (_, t) = whole_summary(&secretariat, path).await;
        let mut checked = 0;
        for r in &t.rows {
            for (value, href) in &r.2 {
                if *value > 0 && (checked < 120 || r.0 == "total") {
                    assert_eq!(
                        page_total(&secretariat, href).await as i64,
                        *value,
                        "{path}: {} → {href}",
                        r.1
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 5, "{path}: {checked}");
        let total = t.rows[0].2[0].0;
        let independent = if path.contains("phase") {
            count(&s.db, "SELECT COUNT(*) FROM entries WHERE phase = '2021-2025' AND state NOT IN ('draft', 'withdrawn')").await
        } else {
            count(&s.db, "SELECT COUNT(*) FROM entries WHERE year = 2024 AND state NOT IN ('draft', 'withdrawn')").await
        };
        assert_eq!(total, independent, "{path}");
    }

    // Step 4b: the status and register tables as spreadsheets, with a
    // total row equal to the sum of the units' rows.
    for path in [
        "/status?year=2025&format=xlsx",
        "/register?year=2025&format=xlsx",
    ] {
        let (status, ct, _, bytes) = download(&secretariat, path).await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, XLSX), "{path}");
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let total_at = rows
            .iter()
            .position(|r| r.get(1) == Some(&Data::String("Tổng cộng".into())))
            .expect("a total row");
        let first = rows
            .iter()
            .position(|r| r.first() == Some(&Data::Float(1.0)))
            .expect("the first unit");
        let last = rows[total_at].len() - 1;
        let sum: f64 = rows[first..total_at]
            .iter()
            .map(|r| match &r[last] {
                Data::Float(f) => *f,
                _ => 0.0,
            })
            .sum();
        assert_eq!(rows[total_at][last], Data::Float(sum), "{path}");
        assert!(total_at - first > 10, "{path}: the province's units");
    }
    let res = Client::login(&s.base, "canbo.tohieu")
        .await
        .get("/status?year=2025&format=xlsx")
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Step 4c: the API serves the same tables; an entry's history comes
    // as a sheet to its readers only.
    let token = token_for(&s.db, "bandanvan").await;
    let api = |path: String| {
        let (token, base) = (token.clone(), s.base.clone());
        async move {
            let res = reqwest::Client::new()
                .get(format!("{base}{path}"))
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap();
            (res.status(), res.bytes().await.unwrap().to_vec())
        }
    };
    let province = s.province.id;
    for (page, api_path) in [
        (
            "/status?year=2025&format=csv".to_owned(),
            format!("/api/v1/status/export?unit={province}&year=2025&format=csv"),
        ),
        (
            "/register?year=2025&format=csv".to_owned(),
            format!("/api/v1/register/export?unit={province}&year=2025&format=csv"),
        ),
        (
            format!("/summary?unit={province}&year=2024&format=csv"),
            format!("/api/v1/summary/export?unit={province}&year=2024&format=csv"),
        ),
    ] {
        let (_, _, _, from_page) = download(&secretariat, &page).await;
        let (status, from_api) = api(api_path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{api_path}");
        // The same table; only the export time in the heading may differ.
        let body = |b: &[u8]| {
            String::from_utf8(b.to_vec())
                .unwrap()
                .lines()
                .filter(|l| !l.contains("Xuất lúc"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(body(&from_page), body(&from_api), "{api_path}");
        assert!(body(&from_api).len() > 10);
    }
    let entry: i64 = count(
        &s.db,
        "SELECT MIN(id) FROM entries WHERE state = 'accepted'",
    )
    .await;
    let (status, ct, _, bytes) =
        download(&secretariat, &format!("/entries/{entry}/history/export")).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, XLSX));
    let h = read_xlsx(&bytes);
    let event = h.col("Việc");
    assert!(h
        .rows
        .iter()
        .any(|r| r[event] == Data::String("Tạo hồ sơ".into())));
    let outsider = Client::login(&s.base, "canbo.soyte").await;
    assert_eq!(
        download(&outsider, &format!("/entries/{entry}/history/export"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Step 5: before the 2025 reform, a merged commune's table holds the
    // communes it was formed from, and its links open their entries.
    let commune = Client::login(&s.base, "mttq.tohieu").await;
    let (page, t) = whole_summary(&commune, "/summary?year=2024").await;
    assert!(page.contains("trước 1/7/2025"), "{page}");
    let total = &t.rows[0].2[0];
    let old_registered = count(&s.db, "SELECT COUNT(*) FROM entries e WHERE e.year = 2024 AND e.state NOT IN ('draft', 'withdrawn') AND \
         (e.unit_path LIKE (SELECT path FROM units WHERE code = '03646' AND valid_to IS NULL) || '%' \
          OR EXISTS (SELECT 1 FROM unit_successors s JOIN units p ON p.id = s.predecessor_id JOIN units n ON n.id = s.successor_id \
                     WHERE n.code = '03646' AND n.valid_to IS NULL AND e.unit_path LIKE p.path || '%'))")
    .await;
    assert_eq!(
        total.0,
        old_registered,
        "{:?}",
        t.rows
            .iter()
            .map(|r| (&r.0, &r.1, r.2[0].0))
            .collect::<Vec<_>>()
    );
    if total.0 > 0 {
        assert_eq!(page_total(&commune, &total.1).await as i64, total.0);
    }

    // Step 6: a unit officer does not follow lower units.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let res = officer.get("/summary?year=2025").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
