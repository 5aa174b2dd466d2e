//! A real browser for the tests: Debian's Chromium, headless, driven over
//! WebDriver (ChromeDriver) with fantoccini, against the real server. With
//! `CI` set, a missing browser, driver or axe-core fails the test;
//! elsewhere the browser tests say so and pass.

use fantoccini::{Client as WebDriver, ClientBuilder};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The phone the issue names (an iPhone 12–15 class screen) and a laptop.
pub(crate) const PHONE: (u32, u32) = (390, 844);
pub(crate) const DESKTOP: (u32, u32) = (1366, 900);

pub(crate) struct Browser {
    pub(crate) wd: WebDriver,
    driver: Child,
    _profile: tempfile::TempDir,
    axe: Option<String>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Something the browser tests need is missing: fatal in CI.
fn missing(what: &str) -> Option<Browser> {
    assert!(!in_ci(), "{what} is needed in CI (.ci/run installs it)");
    eprintln!("{what} not installed here; skipping the browser test");
    None
}

fn found(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|p| (*p).to_owned())
}

/// axe-core's script: `DVK_AXE_JS`, or where `.ci/run` installs it.
fn axe_source() -> Option<String> {
    let path = std::env::var("DVK_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/npm/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(path).ok()
}

/// Starts ChromeDriver on a free loopback port and opens a headless
/// Chromium through it, `size` wide and high.
pub(crate) async fn open(size: (u32, u32)) -> Option<Browser> {
    let Some(driver_bin) = found(&["chromedriver"]) else {
        return missing("ChromeDriver (Debian's chromium-driver)");
    };
    let Some(chromium) = found(&["chromium", "chromium-browser"]) else {
        return missing("Chromium");
    };
    let axe = axe_source();
    if axe.is_none() {
        missing("axe-core (npm)")?;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ChromeDriver starts");
    let profile = tempfile::tempdir().unwrap();
    let chromium_path = which(&chromium);
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium_path,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--lang=vi-VN",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={},{}", size.0, size.1),
            ],
            "prefs": {"intl.accept_languages": "vi-VN,vi"},
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    // The driver is spoken to over plain HTTP, but the client is built
    // with rustls, which wants its provider named.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let mut last_error = String::new();
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(wd) => {
                let mut b = Browser {
                    wd,
                    driver,
                    _profile: profile,
                    axe,
                };
                b.resize(size).await;
                return Some(b);
            }
            Err(e) => {
                last_error = e.to_string();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("ChromeDriver did not answer on {url}: {last_error}");
}

fn which(program: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Chromium's own "Save as PDF" (DevTools' `Page.printToPDF`, through
/// ChromeDriver): unlike WebDriver's print, it takes the paper size and
/// margins from the page's CSS `@page`, as the browser's print dialog does.
#[derive(Debug)]
struct PrintAsTheBrowserDoes;

impl fantoccini::wd::WebDriverCompatibleCommand for PrintAsTheBrowserDoes {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "cmd": "Page.printToPDF",
            "params": {"preferCSSPageSize": true, "printBackground": true},
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// A printed PDF as `pdfinfo` reads it.
#[derive(Debug)]
pub(crate) struct Printed {
    pub(crate) pages: u32,
    /// Width and height of the first page, in points.
    pub(crate) size: (f64, f64),
}

impl Printed {
    pub(crate) fn is_a4_portrait(&self) -> bool {
        (self.size.0 - 595.0).abs() < 2.0 && (self.size.1 - 842.0).abs() < 2.0
    }

    pub(crate) fn is_a4_landscape(&self) -> bool {
        (self.size.0 - 842.0).abs() < 2.0 && (self.size.1 - 595.0).abs() < 2.0
    }
}

/// What the layout check found on one page.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) inner_width: i64,
    pub(crate) scroll_width: i64,
    /// Visible tables wider than the screen (their captions or classes).
    pub(crate) wide_tables: Vec<String>,
    /// Visible elements sticking out past the right edge.
    pub(crate) sticking_out: Vec<String>,
}

impl Browser {
    /// Makes the page's viewport exactly `size` (the window's frame, if
    /// any, added).
    pub(crate) async fn resize(&mut self, size: (u32, u32)) {
        self.wd.set_window_size(size.0, size.1).await.unwrap();
        let inner = self.js("return window.innerWidth").await.as_i64().unwrap() as u32;
        if inner != size.0 {
            let frame = size.0.saturating_sub(inner);
            self.wd
                .set_window_size(size.0 + frame, size.1)
                .await
                .unwrap();
        }
    }

    pub(crate) async fn js(&self, script: &str) -> Value {
        self.wd.execute(script, vec![]).await.unwrap()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.wd.goto(url).await.unwrap();
    }

    /// Signs in through the real form (whoever was signed in before is
    /// signed out).
    pub(crate) async fn login(&self, base: &str, user: &str) {
        use fantoccini::Locator;
        self.logout(base).await;
        let form = self
            .wd
            .form(Locator::Css("form[action='/login']"))
            .await
            .unwrap();
        form.set_by_name("username", user).await.unwrap();
        form.set_by_name("password", dvk_store::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        form.submit().await.unwrap();
        // The submit returns before the next page has loaded.
        let mut url = self.wd.current_url().await.unwrap();
        for _ in 0..100 {
            if !url.path().starts_with("/login") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            url = self.wd.current_url().await.unwrap();
        }
        if url.path().starts_with("/login") {
            let text = self.js("return document.body.innerText").await;
            panic!("{user} did not sign in: {url}\n{text}");
        }
    }

    /// Sets fields of the form `form` (CSS) by name, as a person would:
    /// text, textarea, select (by value), checkbox ("1" ticks it); each
    /// then fires `input` and `change`.
    pub(crate) async fn fill(&self, form: &str, fields: &[(&str, &str)]) {
        let pairs: Vec<Value> = fields.iter().map(|(k, v)| json!([k, v])).collect();
        let missing = self
            .wd
            .execute(
                r#"const [sel, pairs] = arguments;
const form = document.querySelector(sel);
if (!form) return ['form ' + sel];
const missing = [];
for (const [name, value] of pairs) {
  const el = form.querySelector(`[name="${name}"]`);
  if (!el) { missing.push(name); continue; }
  if (el.type === 'checkbox') el.checked = value === '1'; else el.value = value;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
}
return missing;"#,
                vec![json!(form), json!(pairs)],
            )
            .await
            .unwrap();
        assert_eq!(missing, json!([]), "fields missing in {form}");
    }

    /// Clicks the element `css` and waits until the next page has loaded.
    pub(crate) async fn click_and_wait(&self, css: &str) {
        use fantoccini::Locator;
        self.js("window.__dvkBefore = true; return 1").await;
        self.wd
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} on the page: {e}"))
            .click()
            .await
            .unwrap();
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let loaded = self
                .wd
                .execute(
                    "return window.__dvkBefore === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
        }
        panic!("no page came after clicking {css}");
    }

    /// Prints the page as the browser's print dialog would, to PDF, and
    /// reads its pages and paper size with `pdfinfo`.
    pub(crate) async fn print(&self) -> Printed {
        use base64::Engine;
        let v = self.wd.issue_cmd(PrintAsTheBrowserDoes).await.unwrap();
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(v["data"].as_str().expect("a PDF"))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("printed.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = Command::new("pdfinfo")
            .arg(&path)
            .output()
            .expect("pdfinfo (poppler-utils)");
        let info = String::from_utf8_lossy(&out.stdout).into_owned();
        let field = |k: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let size: Vec<f64> = field("Page size:")
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        Printed {
            pages: field("Pages:").parse().unwrap_or(0),
            size: (
                size.first().copied().unwrap_or(0.0),
                size.get(1).copied().unwrap_or(0.0),
            ),
        }
    }

    /// The visible text of the page.
    pub(crate) async fn text(&self) -> String {
        self.js("return document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) async fn path(&self) -> String {
        let url = self.wd.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub(crate) async fn logout(&self, base: &str) {
        self.wd.delete_all_cookies().await.unwrap();
        self.goto(&format!("{base}/login")).await;
    }

    /// Sideways overflow of the page and of the tables in it.
    pub(crate) async fn layout(&self) -> Layout {
        let v = self
            .js(r#"
const w = window.innerWidth;
const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
const name = e => (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
  + '<' + e.tagName.toLowerCase() + '> ' + (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
const tables = [...document.querySelectorAll('table')].filter(t => visible(t) && t.getBoundingClientRect().width > w + 1).map(name);
// Leaves only: an element inside a scrolled box is reported by its box.
const out = [...document.body.querySelectorAll('*')].filter(e => {
  if (!visible(e)) return false;
  const r = e.getBoundingClientRect();
  if (r.right <= w + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return false;
  }
  return ![...e.children].some(c => visible(c) && c.getBoundingClientRect().right > w + 1);
}).slice(0, 8).map(name);
return {inner: w, scroll: document.documentElement.scrollWidth, tables, out};
"#)
            .await;
        let strings = |k: &str| -> Vec<String> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        Layout {
            inner_width: v["inner"].as_i64().unwrap(),
            scroll_width: v["scroll"].as_i64().unwrap(),
            wide_tables: strings("tables"),
            sticking_out: strings("out"),
        }
    }

    /// axe-core's violations on the page: "rule: target" lines. Empty when
    /// axe-core is not installed here (outside CI).
    pub(crate) async fn axe(&self) -> Vec<String> {
        let Some(source) = &self.axe else {
            return Vec::new();
        };
        self.wd
            .execute(&format!("{source}\n;return true;"), vec![])
            .await
            .unwrap();
        let v = self
            .wd
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.flatMap(v =>
  v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\n').slice(1, 2).join(''))
))).catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }

    /// Bytes the page took before compression: its HTML and every
    /// stylesheet and script it loaded, and where any came from outside.
    pub(crate) async fn weight(&self) -> (i64, Vec<String>) {
        let v = self
            .js(r#"
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource').filter(r => ['link', 'script', 'css'].includes(r.initiatorType) || /\.(css|js)(\?|$)/.test(r.name));
const foreign = performance.getEntriesByType('resource').filter(r => new URL(r.name).origin !== location.origin).map(r => r.name);
return {bytes: nav.decodedBodySize + res.reduce((s, r) => s + r.decodedBodySize, 0), foreign};
"#)
            .await;
        let foreign = v["foreign"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        (v["bytes"].as_i64().unwrap(), foreign)
    }
}
