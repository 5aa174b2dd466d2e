//! National scale: lists move on by cursor and stop counting at a cap,
//! search means the same on both backends, and the statements behind
//! search and lists use their indexes once the table is large.

use crate::api::api_as;
use crate::support::*;
use dvk_domain::search::SearchQuery;
use dvk_domain::state::EntryState;
use dvk_store::entries::{EntryFilter, Sort};
use dvk_store::{service, Db};
use serde_json::Value;
use sqlx::Row;

fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// Copies every entry `times` times (list columns and search vectors;
/// SQLite's index rows are not copied, so copies are found by lists only).
async fn multiply_entries(db: &Db, kind: Kind, times: i64) {
    let vectors = match kind {
        Kind::Postgres => ", search_tsv, public_tsv",
        Kind::Sqlite => "",
    };
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {times}) \
         INSERT INTO entries (kind, subject, field_id, target_level, phase, year, unit_id, unit_path, \
         confirming_unit_id, confirming_path, title, title_sort, person_name, state, version, created_by, \
         created_at, updated_at{vectors}) \
         SELECT kind, subject, field_id, target_level, phase, year, unit_id, unit_path, confirming_unit_id, \
         confirming_path, title, title_sort, person_name, state, version, created_by, created_at, updated_at + n.i{vectors} \
         FROM entries CROSS JOIN n"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&db.pool)
        .await
        .unwrap();
    let analyse = match kind {
        Kind::Postgres => "VACUUM ANALYZE entries",
        Kind::Sqlite => "ANALYZE",
    };
    sqlx::query(analyse).execute(&db.pool).await.unwrap();
}

pub(crate) async fn lists_page_by_cursor_and_stop_counting_at_a_cap(kind: Kind) {
    let s = start(kind, 60).await;
    let api = api_as(&s, "bandanvan").await;

    // step 1: for each order, walking the cursors gives exactly the list.
    for sort in ["updated", "title", "year"] {
        let all = api.get(&format!("/entries?sort={sort}&per_page=100")).await;
        let all = ids(&all.body);
        assert!(all.len() >= 50, "{sort}: {}", all.len());
        let mut walked = Vec::new();
        let mut pages = Vec::new();
        let mut path = format!("/entries?sort={sort}&per_page=7");
        loop {
            let page = api.get(&path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            walked.extend(ids(&page.body));
            pages.push(page.body.clone());
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/entries?sort={sort}&per_page=7&after={c}"),
                None => break,
            }
        }
        assert_eq!(walked, all, "{sort}: cursors walk the whole list once");
        assert!(pages[0]["prev_cursor"].is_null());
        // step 2: back from the third page gives the second.
        let back = pages[2]["prev_cursor"].as_str().unwrap();
        let second = api
            .get(&format!("/entries?sort={sort}&per_page=7&before={back}"))
            .await;
        assert_eq!(ids(&second.body), ids(&pages[1]), "{sort}: previous page");
    }

    // step 3: a forged cursor or two directions are refused in Vietnamese.
    let bad = api.get("/entries?after=abc").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["fields"][0]["field"], "after");
    assert!(bad.body.to_string().contains("Con trỏ"), "{}", bad.body);
    let both = api.get("/entries?after=1.1.1.61&before=1.1.1.61").await;
    assert_eq!(both.status, 400);

    // step 4: the page offers the next page by cursor.
    let web = Client::login(&s.base, "bandanvan").await;
    let page = web.get_text("/entries?sort=title").await;
    let next = page
        .split("href=\"")
        .skip(1)
        .map(|h| h[..h.find('"').unwrap()].replace("&#38;", "&"))
        .find(|h| h.contains("after="))
        .expect("a next page by cursor");
    let second = web.get_text(&next).await;
    assert!(
        second.contains("rel=\"prev\""),
        "the second page links back"
    );

    // step 5: past the cap the list says "more than" and numbered pages stop.
    multiply_entries(&s.db, kind, 20).await;
    let first = api.get("/entries").await;
    assert_eq!(first.body["total"], 1_000);
    assert_eq!(first.body["total_more"], true);
    assert!(first.body["next_cursor"].is_string());
    let page = web.get_text("/entries").await;
    assert!(page.contains("hơn 1.000 hồ sơ"), "capped count shown");
    let far = api.get("/entries?page=41").await;
    assert_eq!(far.status, 400);
    assert!(far.body.to_string().contains("next_cursor"), "{}", far.body);
    // A narrow filter still counts exactly.
    let narrow = api.get("/entries?year=2023&state=withdrawn").await;
    assert_eq!(narrow.body["total_more"], false);
}

/// One fixed set of queries, the same answers on SQLite and PostgreSQL.
pub(crate) async fn search_means_the_same_on_both_backends(kind: Kind) {
    let s = start(kind, 0).await;
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let (_, front_a, _, _) = commune_units(&s.db).await;
    let titles = [
        "Dân vận khéo trong xóa nhà tạm tại bản Mòng",
        "Đường làng sạch đẹp",
        "Âm nhạc dân tộc Thái giữ bản sắc",
        "Nhà văn hóa tạm thời của bản",
        "Khéo vận động dân hiến đất làm đường",
    ];
    for t in titles {
        let res = officer
            .post("/entries", &as_refs(&full_form(front_a.id, t)))
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    }
    let api = api_as(&s, "canbo.tohieu").await;
    let cases: [(&str, &[&str]); 9] = [
        // Diacritics ignored, words in any order: title matches first.
        ("dan van kheo", &[titles[0], titles[4]]),
        // đ is d (every entry's other items say "đường" too).
        ("duong", &titles),
        ("ĐƯỜNG LÀNG", &[titles[1]]),
        // A quoted phrase keeps its order.
        ("\"nha tam\"", &[titles[0]]),
        ("\"tam nha\"", &[]),
        // The last word is a prefix while being typed; a closed quote is not.
        ("nhac dan to", &[titles[2]]),
        ("\"van ho\"", &[]),
        // A typing mistake finds the title word one edit away.
        ("nhac thaii", &[titles[2]]),
        // A phrase and a word together.
        ("\"dan van\" kheo", &[titles[0]]),
    ];
    for (q, expected) in cases {
        let res = api
            .get(&format!("/entries?q={}&per_page=50", urlencode(q)))
            .await;
        assert_eq!(res.status, 200, "{q}: {}", res.body);
        let mut got: Vec<String> = res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|t| t.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{kind:?}: {q}");
    }
    // Body words: every entry has "bê tông" in its objectives.
    let res = api.get("/entries?q=be+tong&per_page=50").await;
    assert_eq!(res.body["total"], 5);
    // Ranking: title matches come before entries matching elsewhere only.
    let res = api.get("/entries?q=hien+dat").await;
    assert_eq!(res.body["items"][0]["title"], titles[4], "{}", res.body);
    assert_eq!(res.body["total"], 5);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// At a size where the planner prefers them, search and filtered lists
/// read through their indexes: no full scan of entries in any statement.
pub(crate) async fn search_and_lists_use_their_indexes(kind: Kind) {
    let s = start(kind, 60).await;
    if kind == Kind::Postgres {
        // The README's planner settings (as `.ci/run` sets them): with the
        // stock random_page_cost of 4 a filtered count at this size reads
        // the table until its cap instead of the index.
        let cost: String = sqlx::query("SHOW random_page_cost")
            .fetch_one(&s.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert!(
            cost.parse::<f64>().unwrap() <= 2.0,
            "run PostgreSQL with the README's settings (random_page_cost 1.1), as .ci/run does; it has {cost}"
        );
    }
    multiply_entries(&s.db, kind, 400).await;
    let province = s.province.path.clone();
    let base = EntryFilter {
        visible: vec![province],
        per_page: 25,
        page: 1,
        ..Default::default()
    };
    let searching = |q: &str| EntryFilter {
        search: SearchQuery::parse(q),
        sort: Sort::Relevance,
        ..base.clone()
    };
    let cases = [
        ("unfiltered first page", base.clone()),
        (
            "filtered list",
            EntryFilter {
                year: Some(2026),
                state: Some(dvk_domain::state::EntryState::Accepted),
                ..base.clone()
            },
        ),
        (
            "title order",
            EntryFilter {
                sort: Sort::Title,
                ..base.clone()
            },
        ),
        ("search, common words", searching("dan van kheo")),
        ("search, rare word", searching("xim vang")),
        (
            "search within a filter",
            EntryFilter {
                year: Some(2026),
                ..searching("dan van")
            },
        ),
    ];
    for (name, f) in cases {
        for plan in s.db.list_plans(&f).await.unwrap() {
            let full_scan = match kind {
                Kind::Postgres => plan.contains("Seq Scan on entries"),
                Kind::Sqlite => plan
                    .lines()
                    .any(|l| l.trim() == "SCAN e" || l.trim() == "SCAN entries"),
            };
            assert!(!full_scan, "{kind:?} {name}: full scan of entries\n{plan}");
        }
    }
}

/// Counters kept by the database equal a recount after a random run of
/// registrations, imports, edits that move an entry to another unit,
/// submissions, returns, acceptances, withdrawals, removals from the
/// register and revocations (fixed seed), and `check_counters` finds and
/// repairs a tampered counter in either counter table.
pub(crate) async fn counters_equal_a_recount_after_random_work(kind: Kind) {
    use crate::imports::{confirm_path, filled, row, template_header, upload};
    use dvk_domain::auth::{Actor, Grant, Role};
    use dvk_domain::state::Transition;
    use rand::{RngExt, SeedableRng};
    let s = start(kind, 100).await;
    let cat = s.db.catalogue().await.unwrap();
    let officer = actor_of(&s.db, "canbo.tohieu").await;
    let front = actor_of(&s.db, "mttq.tohieu").await;
    let secretariat = actor_of(&s.db, "bandanvan").await;
    let leader = actor_of(&s.db, "lanhdao").await;
    // Recognised models anywhere report through a unit officer of the
    // province (an actor as a session would make it).
    let reporter = Actor {
        user_id: officer.user_id,
        grants: vec![Grant {
            role: Role::UnitOfficer,
            unit: s.province.path.clone(),
        }],
    };
    let (commune, front_a, _, _) = commune_units(&s.db).await;
    let units = [front_a.id, commune.id];
    let form_for = |unit: i64, title: &str| -> dvk_domain::entry::EntryForm {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(full_form(unit, title)).unwrap())
            .unwrap()
    };
    let web = Client::login(&s.base, "canbo.tohieu").await;
    let template = web
        .get(&format!("/entries/import/template?unit={}", commune.id))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let header = template_header(&template);
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    // Each entry's state as this run left it, to pick moves that apply;
    // the recognised models of the demo's decided round among them.
    let mut states: Vec<(i64, EntryState)> =
        sqlx::query("SELECT id FROM entries WHERE state = 'recognised' ORDER BY id")
            .fetch_all(&s.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get::<i64, _>(0).unwrap(), EntryState::Recognised))
            .collect();
    assert!(states.len() >= 2, "recognised models to remove and revoke");
    let mut done = [0usize; 8];
    let (mut removals, mut revocations) = (0, 0);
    for step in 0..150 {
        let op = rng.random_range(0..8);
        let fits = |st: EntryState| match op {
            1 | 2 => matches!(st, EntryState::Draft | EntryState::Returned),
            3 | 4 => st == EntryState::Submitted,
            5 => matches!(
                st,
                EntryState::Draft | EntryState::Submitted | EntryState::Accepted
            ),
            6 => st == EntryState::Recognised,
            _ => false,
        };
        let eligible: Vec<usize> = (0..states.len()).filter(|i| fits(states[*i].1)).collect();
        if op == 7 {
            // An import of two rows: two drafts in one transaction.
            let titles = [
                format!("Mô hình nhập bộ đếm số {step}"),
                format!("Mô hình nhập bộ đếm số {step}b"),
            ];
            let rows: Vec<_> = titles
                .iter()
                .map(|t| {
                    row(
                        Box::leak(t.clone().into_boxed_str()),
                        cat.field_name(2),
                        cat.level_name("xa"),
                        vec![],
                    )
                })
                .collect();
            let file = filled(&header, "dang-ky-1", &rows, |_| {});
            let (status, page) = upload(
                &web,
                "/entries/import",
                &[("unit_id", commune.id.to_string())],
                "bo-dem.xlsx",
                file,
            )
            .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{page}");
            let res = web.post(&confirm_path(&page), &[("mode", "all")]).await;
            assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
            for t in &titles {
                let id: i64 = sqlx::query("SELECT id FROM entries WHERE title = $1")
                    .bind(t)
                    .fetch_one(&s.db.pool)
                    .await
                    .unwrap()
                    .try_get(0)
                    .unwrap();
                states.push((id, EntryState::Draft));
            }
            done[7] += 1;
            continue;
        }
        if op == 0 || eligible.is_empty() {
            let unit = units[rng.random_range(0..2)];
            let form = form_for(unit, &format!("Mô hình thử bộ đếm số {step}"));
            let id = service::create_entry(&s.db, &cat, &officer, &form)
                .await
                .unwrap();
            states.push((id, EntryState::Draft));
            done[0] += 1;
            continue;
        }
        let at = eligible[rng.random_range(0..eligible.len())];
        let id = states[at].0;
        let e = s.db.entry(id).await.unwrap().unwrap();
        let moved = match op {
            1 => {
                let unit = units[rng.random_range(0..2)];
                let form = form_for(unit, &e.registration.items[0]);
                service::update_entry(&s.db, &cat, &officer, id, &form, e.version)
                    .await
                    .map(|_| e.state)
            }
            2 => service::transition(&s.db, &officer, id, Transition::Submit, "", e.version).await,
            3 => {
                service::transition(
                    &s.db,
                    &front,
                    id,
                    Transition::Return,
                    "Bổ sung số liệu.",
                    e.version,
                )
                .await
            }
            4 => service::transition(&s.db, &front, id, Transition::Accept, "", e.version).await,
            5 => {
                service::transition(&s.db, &officer, id, Transition::Withdraw, "", e.version).await
            }
            // Removal from the register after a yearly report, and
            // revocation, in turn.
            _ if removals <= revocations => {
                removals += 1;
                dvk_store::review::submit_report(
                    &s.db,
                    &reporter,
                    id,
                    "2026",
                    false,
                    "Mô hình đã dừng hoạt động từ tháng 6.",
                )
                .await
                .unwrap();
                dvk_store::review::review(
                    &s.db,
                    &secretariat,
                    id,
                    2026,
                    false,
                    "Không còn duy trì.",
                )
                .await
                .map(|_| EntryState::Removed)
            }
            _ => {
                revocations += 1;
                dvk_store::rewards::revoke(
                    &s.db,
                    &leader,
                    id,
                    "Hồ sơ khai không đúng sự thật.",
                    "Quyết định số 15/QĐ-BDV",
                )
                .await
                .map(|_| EntryState::Revoked)
            }
        };
        let moved = moved.unwrap_or_else(|err| panic!("step {step}, op {op}: {err}"));
        states[at].1 = moved;
        done[op] += 1;
    }
    // Every kind of change happened; the recognised models ran out into
    // both removals and revocations.
    let removed = states
        .iter()
        .filter(|(_, st)| *st == EntryState::Removed)
        .count();
    let revoked = states
        .iter()
        .filter(|(_, st)| *st == EntryState::Revoked)
        .count();
    assert!(
        removed >= 1 && revoked >= 1,
        "removed {removed}, revoked {revoked}"
    );
    assert!(
        done.iter().enumerate().all(|(op, n)| *n >= 3 || op == 6),
        "{done:?}"
    );
    assert_eq!(s.db.check_counters(false).await.unwrap(), vec![]);

    // The summary table's figures come from its counters: registered, by
    // field, recognised and removed equal a count of the entries.
    let sent: i64 = sqlx::query(
        "SELECT COUNT(*) FROM entries WHERE state NOT IN ('draft', 'withdrawn') AND year = 2026",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let summed: i64 = sqlx::query(
        "SELECT CAST(SUM(n) AS BIGINT) FROM summary_counts WHERE state NOT IN ('draft', 'withdrawn') AND year = 2026",
    )
    .fetch_one(&s.db.pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(summed, sent);

    // A counter set wrong by hand is found, and repaired, in each table.
    for sql in [
        "UPDATE entry_counts SET n = n + 5 WHERE state = 'draft'",
        "UPDATE summary_counts SET n = n + 5 WHERE state = 'draft'",
    ] {
        sqlx::query(sql).execute(&s.db.pool).await.unwrap();
    }
    let found = s.db.check_counters(true).await.unwrap();
    for table in ["entry_counts", "summary_counts"] {
        assert!(found.iter().any(|d| d.table == table), "{table}: {found:?}");
    }
    assert!(
        found.iter().all(|d| d.counted == d.recounted + 5),
        "{found:?}"
    );
    assert_eq!(s.db.check_counters(false).await.unwrap(), vec![]);
}

/// Public pages carry an ETag and a short public Cache-Control and answer
/// 304 to a request naming the current ETag; pages go out compressed when
/// the browser accepts it, each with its CSRF token disguised differently.
pub(crate) async fn public_pages_cache_and_pages_compress(kind: Kind) {
    let s = start(kind, 120).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // step 1: the public list, its tag, and the answer without a body.
    let first = http
        .get(format!("{}/mo-hinh", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(first.headers()["cache-control"], "public, max-age=60");
    assert!(
        first.headers().get("set-cookie").is_none(),
        "a cached page sets no cookie"
    );
    let again = http
        .get(format!("{}/mo-hinh", s.base))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = http
        .get(format!("{}/mo-hinh?q=khong+co+gi", s.base))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "another page has another tag");
    // A visitor with cookies is never served from a shared cache.
    let visitor = Client::anonymous(&s.base).await;
    let own = visitor.get("/mo-hinh").await;
    assert!(own.headers().get("etag").is_none());
    assert!(own
        .headers()
        .get("cache-control")
        .is_none_or(|v| !v.to_str().unwrap().contains("public")));
    // A search box stuffed with very long words is cut, not expanded into
    // spelling variants (which took gigabytes before the cut).
    let word = "a".repeat(2_000);
    let stuffed = format!("{word}+{word}+{word}+{word}+{word}+{word}");
    let res = http
        .get(format!("{}/mo-hinh?q={stuffed}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // step 2: a staff page is compressed on request and never cached publicly.
    let web = Client::login(&s.base, "bandanvan").await;
    let plain = web.get("/entries?per_page=25").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain
        .headers()
        .get("cache-control")
        .is_none_or(|v| !v.to_str().unwrap().contains("public")));
    let plain_len = plain.bytes().await.unwrap().len();
    for encoding in ["br", "gzip"] {
        let res = web
            .http
            .get(format!("{}/entries", s.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], encoding);
        let len = res.bytes().await.unwrap().len();
        assert!(len * 3 < plain_len, "{encoding}: {len} of {plain_len}");
    }

    // step 3: the CSRF token differs on every page, and each one works.
    let a = extract_csrf(&web.get_text("/").await).unwrap();
    let b = extract_csrf(&web.get_text("/").await).unwrap();
    assert_ne!(a, b, "each page disguises the token afresh");
    let post = |token: String| {
        let web = web.clone();
        async move {
            web.http
                .post(format!("{}/entries", web.base))
                .form(&[("csrf", token.as_str()), ("title", "")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for t in [a.clone(), b] {
        assert_ne!(post(t).await, 403, "a disguised token is accepted");
    }
    // The same bytes changed are refused.
    let mut forged = a.into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    assert_eq!(post(String::from_utf8(forged).unwrap()).await, 403);
}
