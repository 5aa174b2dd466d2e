//! Every page kind in a real browser, as each role and a visitor reach it
//! by following links from the home page: at 390 px nothing needs sideways
//! scrolling (neither the page nor a visible table), at 1366 px neither;
//! axe-core finds no violation; the page with its stylesheet and script
//! stays under 60 KB before compression, and loads nothing from outside.

use crate::browser::{self, DESKTOP, PHONE};
use crate::support::{round_on_notice, start, Kind};
use std::collections::{BTreeSet, HashSet, VecDeque};

/// Pages a role visits at most (the demo has a few dozen kinds).
const MAX_PAGES_PER_ROLE: usize = 45;
/// The issue's page weight budget, HTML + CSS + JS, uncompressed.
const MAX_PAGE_BYTES: i64 = 60 * 1024;

/// The kind of page an address opens: numbers and slugs replaced, the
/// query dropped. None for what is not a page (files, feeds, sign-out).
fn page_kind(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let skipped = [
        "/export",
        "/documents/",
        "/file",
        "/attachments/",
        "/image",
        "/anh/",
        "/certificate",
        "/static/",
        "/api/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/logout",
    ];
    if skipped.iter().any(|s| path.contains(s))
        || path.ends_with(".atom")
        || path.ends_with(".xml")
        || path.ends_with(".txt")
        || path.ends_with("/template")
        || path.starts_with("/van-ban/")
    {
        return None;
    }
    let mut kind = String::new();
    let mut after_slug_prefix = false;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        kind.push('/');
        if after_slug_prefix {
            kind.push('S');
        } else if seg.chars().all(|c| c.is_ascii_digit()) {
            kind.push('N');
        } else {
            kind.push_str(seg);
        }
        after_slug_prefix = seg == "tin-tuc";
    }
    Some(if kind.is_empty() { "/".into() } else { kind })
}

/// Links a page offers to other pages of the site (not downloads).
async fn links(b: &browser::Browser) -> Vec<String> {
    let v = b
        .js(
            r#"return [...document.querySelectorAll('a[href]:not([download])')]
  .filter(a => a.origin === location.origin).map(a => a.pathname + a.search);"#,
        )
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn every_page_fits_a_phone_and_passes_axe() {
    // The showcase demo (rounds decided and in appraisal, news, guidance)
    // and a notice open for comment.
    let s = start(Kind::Sqlite, 100).await;
    round_on_notice(&s).await;
    let Some(mut b) = browser::open(PHONE).await else {
        return;
    };
    let mut problems: Vec<String> = Vec::new();
    let mut visited: BTreeSet<String> = BTreeSet::new();
    let mut weights: Vec<(i64, String)> = Vec::new();
    let roles = [
        None,
        Some("bandanvan"),
        Some("canbo.tohieu"),
        Some("hoidong.uyvien"),
        Some("lanhdao"),
        Some("quantri"),
    ];
    for role in roles {
        match role {
            Some(user) => b.login(&s.base, user).await,
            None => b.logout(&s.base).await,
        }
        let who = role.unwrap_or("khách");
        menu_opens_without_javascript(&b, &s.base, who).await;
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_owned()]);
        let mut pages = 0;
        while let Some(path) = queue.pop_front() {
            let Some(kind) = page_kind(&path) else {
                continue;
            };
            if !seen.insert(kind.clone()) || pages == MAX_PAGES_PER_ROLE {
                continue;
            }
            pages += 1;
            b.goto(&format!("{}{path}", s.base)).await;
            // A link that leads to an error is a problem of its own.
            let error = b
                .js("const e = document.querySelector('.error-page'); return e ? e.innerText : null")
                .await;
            if let Some(text) = error.as_str() {
                problems.push(format!("{who} {path}: an error page: {text}"));
                continue;
            }
            visited.insert(kind.clone());
            for size in [PHONE, DESKTOP] {
                b.resize(size).await;
                let l = b.layout().await;
                let at = format!("{who} {path} at {} px", size.0);
                if l.scroll_width > l.inner_width {
                    problems.push(format!(
                        "{at}: the page scrolls sideways ({} > {}): {:?}",
                        l.scroll_width, l.inner_width, l.sticking_out
                    ));
                }
                for t in l.wide_tables {
                    problems.push(format!("{at}: a table wider than the screen: {t}"));
                }
                if size == PHONE {
                    // The first screen is the page's, not the menu's or the
                    // filters': both fold away.
                    let v = b
                        .js(r#"const top = document.querySelector('header.top');
const f = document.querySelector('form.filters.fold');
return {top: top ? top.getBoundingClientRect().height : 0,
        filters: f ? f.getBoundingClientRect().height : 0};"#)
                        .await;
                    let top = v["top"].as_f64().unwrap();
                    if top > 72.0 {
                        problems.push(format!("{at}: the header is {top} px high"));
                    }
                    let filters = v["filters"].as_f64().unwrap();
                    if filters > 0.0 {
                        problems.push(format!("{at}: the filters are open ({filters} px)"));
                    }
                }
                for v in b.axe().await {
                    problems.push(format!("{at}: axe {v}"));
                }
            }
            b.resize(PHONE).await;
            let (bytes, foreign) = b.weight().await;
            weights.push((bytes, format!("{who} {path}")));
            if bytes > MAX_PAGE_BYTES {
                problems.push(format!(
                    "{who} {path}: {bytes} bytes of HTML, CSS and JS (at most {MAX_PAGE_BYTES})"
                ));
            }
            for f in foreign {
                problems.push(format!("{who} {path}: loads {f} from outside"));
            }
            for link in links(&b).await {
                if page_kind(&link).is_some_and(|k| !seen.contains(&k)) {
                    queue.push_back(link);
                }
            }
        }
    }
    // The walk reached the pages people work on, so a broken link or menu
    // cannot make this test pass by visiting nothing.
    for kind in [
        "/",
        "/login",
        "/mo-hinh",
        "/mo-hinh/N",
        "/cong-khai",
        "/cong-khai/N",
        "/tin-tuc",
        "/tin-tuc/S",
        "/van-ban",
        "/entries",
        "/entries/N",
        "/entries/new",
        "/entries/N/edit",
        "/rounds",
        "/rounds/N",
        "/rounds/N/score/N",
        "/rewards",
        "/criteria",
        "/register",
        "/summary",
        "/thong-ke",
        "/status",
        "/news",
        "/guidance",
        "/admin/units",
        "/admin/users",
        "/admin/templates",
        "/account/password",
        "/tokens",
    ] {
        if !visited.contains(kind) {
            problems.push(format!("{kind} was not reached"));
        }
    }
    weights.sort();
    eprintln!(
        "heaviest pages (HTML+CSS+JS bytes): {:?}",
        &weights[weights.len().saturating_sub(5)..]
    );
    assert!(
        problems.is_empty(),
        "{} problems on {} page kinds:\n{}\nreached: {visited:?}",
        problems.len(),
        visited.len(),
        problems.join("\n")
    );
}

/// On a phone the menu is one button; pressing it shows the links (a
/// checkbox and its label: no script involved).
async fn menu_opens_without_javascript(b: &browser::Browser, base: &str, who: &str) {
    use fantoccini::Locator;
    b.goto(&format!("{base}/")).await;
    let shown = || async {
        b.js("return [...document.querySelectorAll('header nav a')].filter(a => a.getBoundingClientRect().height > 0).length")
            .await
            .as_i64()
            .unwrap()
    };
    assert_eq!(shown().await, 0, "{who}: the menu starts folded on a phone");
    b.wd.find(Locator::Css("label[for=menu-toggle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(shown().await >= 3, "{who}: the menu opens");
}
