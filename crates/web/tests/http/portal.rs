//! The public portal: news written, previewed, published and withdrawn by
//! the secretariat; what is not published never reaches the public (page,
//! list, home, feed, sitemap, API, image); what writers type is escaped
//! or stripped; the guidance library takes only real PDF and DOCX files.

use crate::api::Api;
use crate::support::*;
use reqwest::StatusCode;

const TITLE: &str = "Đắk Lắk <script>alert('t')</script> nhân rộng “Dân vận khéo”";
const BODY: &str = "## Kết quả\n\n**Đậm** và [liên kết](https://sonla.gov.vn).\n\n\
    <script>alert('body')</script>\n\n[bấm](javascript:alert(1)) <img src=x onerror=alert(2)> \
    <iframe src=\"https://evil.example\"></iframe>";

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Sends the article form (multipart, as the browser does).
async fn send_article(
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
    image: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = image {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    c.http
        .post(format!("{}{path}?csrf={}", c.base, c.csrf))
        .header("connection", "close")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Everything the public could read an article through, as text.
struct PublicView {
    page: StatusCode,
    list: String,
    home: String,
    feed: String,
    sitemap: String,
    api_list: serde_json::Value,
    api_one: StatusCode,
    image: StatusCode,
}

async fn public_view(base: &str, slug: &str, id: i64) -> PublicView {
    let visitor = Client::anonymous(base).await;
    let api = Api::new(base, None);
    PublicView {
        page: visitor.get(&format!("/tin-tuc/{slug}")).await.status(),
        list: visitor.get_text("/tin-tuc").await,
        home: reqwest::get(format!("{base}/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        feed: visitor.get_text("/tin-tuc.atom").await,
        sitemap: visitor.get_text("/sitemap.xml").await,
        api_list: api.get("/public/news").await.body,
        api_one: api.get(&format!("/public/news/{slug}")).await.status,
        image: visitor.get(&format!("/tin-tuc/anh/{id}")).await.status(),
    }
}

fn assert_hidden(v: &PublicView, slug: &str, when: &str) {
    assert_eq!(v.page, StatusCode::NOT_FOUND, "{when}: page");
    assert_eq!(v.api_one, StatusCode::NOT_FOUND, "{when}: API article");
    assert_eq!(v.image, StatusCode::NOT_FOUND, "{when}: image");
    for (what, text) in [
        ("list", &v.list),
        ("home", &v.home),
        ("feed", &v.feed),
        ("sitemap", &v.sitemap),
    ] {
        assert!(!text.contains(slug), "{when}: {what} names the article");
        assert!(
            !text.contains("nhân rộng “Dân vận khéo”"),
            "{when}: {what} shows the title"
        );
    }
    assert_eq!(
        v.api_list["items"].as_array().unwrap().len(),
        0,
        "{when}: API list"
    );
}

pub async fn news_reach_the_public_only_when_published(kind: Kind) {
    let s = start(kind, 12).await;
    // Two models from each of two communes.
    let models = recognised_entries(&s, 2).await;
    let draft_entry = count(
        &s.db,
        "SELECT MIN(id) FROM entries WHERE state NOT IN ('recognised', 'outstanding', 'rewarded')",
    )
    .await;
    let writer = Client::login(&s.base, "bandanvan").await;

    // Step 1: a visitor lands on the portal, not on the sign-in page.
    let home = reqwest::get(format!("{}/", s.base)).await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let home = home.text().await.unwrap();
    assert!(home.contains("Chưa có tin bài"), "{home}");
    let recognised_now = count(
        &s.db,
        "SELECT COUNT(*) FROM entries WHERE state IN ('recognised', 'outstanding', 'rewarded')",
    )
    .await;
    assert!(recognised_now >= 2);
    assert!(
        home.contains(&format!(
            "<strong>{recognised_now}</strong> <span>mô hình, điển hình đang được công nhận"
        )),
        "{home}"
    );
    for m in &models {
        assert!(
            home.contains(&format!("/mo-hinh/{m}\"")),
            "featured model {m}"
        );
    }

    // Step 2: only writers may write; a refused form saves nothing.
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    assert_eq!(officer.get("/news").await.status(), StatusCode::FORBIDDEN);
    let fields = [
        ("title", TITLE),
        ("lead", "Sapo <b>không</b> in đậm"),
        ("body", BODY),
        ("image_alt", "\"><script>alert('alt')</script>"),
    ];
    let r = send_article(&officer, "/news", &fields, None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM articles").await, 0);
    // A model that is not recognised may not be named to the public, and
    // what was typed comes back.
    let mut with_draft = fields.to_vec();
    let draft_str = draft_entry.to_string();
    with_draft.push(("models", &draft_str));
    let r = send_article(&writer, "/news", &with_draft, None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("Hồ sơ số {draft_entry}")), "{page}");
    assert!(
        page.contains("Đắk Lắk &#60;script&#62;"),
        "typed title kept, escaped"
    );
    // Not a picture: refused by its content, whatever its name says.
    let r = send_article(
        &writer,
        "/news",
        &fields,
        Some(("anh.png", b"<html><script>alert(1)</script>".to_vec())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("JPEG hoặc PNG"));
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM articles").await, 0);

    // A form without the session's CSRF token is refused, whoever sends it.
    let mut forged = writer.clone();
    forged.csrf = "forged".into();
    let r = send_article(&forged, "/news", &fields, None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM articles").await, 0);

    // Step 3: the writer saves a draft with a picture and two models.
    let model_list = format!("{}, {}", models[0], models[1]);
    let mut full = fields.to_vec();
    full.push(("models", &model_list));
    let mut picture = png(2400, 1200);
    picture.extend_from_slice(b"<script>appended</script>");
    let r = send_article(
        &writer,
        "/news",
        &full,
        Some(("\"><img src=x onerror=alert(9)>.png", picture)),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let id: i64 = location(&r)
        .trim_start_matches("/news/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let slug = "dak-lak-script-alert-t-script-nhan-rong-dan-van-kheo";
    let preview = writer.get_text(&format!("/news/{id}")).await;
    assert!(preview.contains("<strong>Đậm</strong>"), "preview renders");
    assert!(!preview.contains("<script>alert"), "preview is sanitised");
    assert!(!preview.contains("alert(9)"), "image name is not echoed");
    let staff_image = writer.get(&format!("/news/{id}/image")).await;
    assert_eq!(staff_image.status(), StatusCode::OK);

    // Step 4: a draft is invisible everywhere public.
    assert_hidden(&public_view(&s.base, slug, id).await, slug, "draft");

    // Step 5: published (six clicks at once publish and audit it once),
    // it is everywhere, escaped and sanitised.
    let clicks: Vec<_> = (0..6)
        .map(|_| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .post(&format!("/news/{id}/publish"), &[("publish", "1")])
                    .await
                    .status()
            })
        })
        .collect();
    for click in clicks {
        assert_eq!(click.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let visitor = Client::anonymous(&s.base).await;
    let page = visitor.get(&format!("/tin-tuc/{slug}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("<h1>Đắk Lắk &#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62;"),
        "{page}"
    );
    for bad in [
        "<script>alert",
        "javascript:",
        "onerror",
        "<iframe",
        "<b>không",
    ] {
        assert!(!page.contains(bad), "{bad} reached the page");
    }
    assert!(page.contains("<strong>Đậm</strong>"));
    assert!(page.contains("href=\"https://sonla.gov.vn\" rel=\"noopener noreferrer nofollow\""));
    assert!(page.contains(&format!(
        "<meta property=\"og:url\" content=\"{}/tin-tuc/{slug}\">",
        s.base
    )));
    assert!(page.contains(&format!(
        "<meta property=\"og:image\" content=\"{}/tin-tuc/anh/{id}\">",
        s.base
    )));
    assert!(page.contains("<meta property=\"og:title\" content=\"Đắk Lắk &#60;script&#62;"));
    for m in &models[..2] {
        assert!(
            page.contains(&format!("/mo-hinh/{m}\"")),
            "linked model {m}"
        );
    }
    // Counted once a day per visitor, whatever the browser.
    assert!(page.contains("· 1 lượt xem"), "first view");
    let again = Client::anonymous(&s.base).await;
    let page = again.get_text(&format!("/tin-tuc/{slug}")).await;
    assert!(page.contains("· 1 lượt xem"), "same visitor, same day");
    let stored: Vec<String> = sqlx::query_scalar("SELECT visitor FROM article_views")
        .fetch_all(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains("127.0.0.1") && stored[0].len() == 32,
        "no address kept"
    );

    // The picture is the re-encoded one, scaled down, nothing appended.
    let img = visitor.get(&format!("/tin-tuc/anh/{id}")).await;
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.headers()["content-type"], "image/png");
    let bytes = img.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1600, 800));
    assert!(!bytes.windows(8).any(|w| w == b"<script>"));

    // The feed parses with a feed reader; the title is text, not markup.
    let feed_text = visitor.get_text("/tin-tuc.atom").await;
    let feed: atom_syndication::Feed = feed_text.parse().expect("the feed parses");
    assert_eq!(feed.entries().len(), 1);
    let entry = &feed.entries()[0];
    assert_eq!(entry.title().value, TITLE);
    assert_eq!(
        entry.links()[0].href(),
        format!("{}/tin-tuc/{slug}", s.base)
    );
    let content = entry.content().and_then(|c| c.value()).unwrap();
    assert!(content.contains("<strong>Đậm</strong>"), "{content}");
    for bad in ["<script", "javascript:", "onerror", "<iframe"] {
        assert!(!content.contains(bad), "{bad} in the feed");
    }
    // The sitemap and the API list it; the list and home show it.
    let sitemap = visitor.get_text("/sitemap.xml").await;
    assert!(sitemap.contains(&format!("<loc>{}/tin-tuc/{slug}</loc>", s.base)));
    assert!(sitemap.contains(&format!("<loc>{}/mo-hinh/{}</loc>", s.base, models[0])));
    site_address_is_never_shared_from_a_forged_host(&s.db, &s.base).await;
    let api = Api::new(&s.base, None);
    let list = api.get("/public/news").await;
    assert_eq!(list.body["items"][0]["slug"], slug);
    assert_eq!(list.body["items"][0]["title"], TITLE);
    let one = api.get(&format!("/public/news/{slug}")).await;
    assert_eq!(one.status, StatusCode::OK);
    let html = one.body["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>Đậm</strong>") && !html.contains("<script"));
    assert_eq!(one.body["models"].as_array().unwrap().len(), 2);
    assert!(visitor.get_text("/tin-tuc").await.contains(slug));
    let home = reqwest::get(format!("{}/", s.base)).await.unwrap();
    // A handful of statements, whatever the data's size.
    assert!(queries(&home) <= 6, "{} statements", queries(&home));
    let home = home.text().await.unwrap();
    assert!(home.contains(&format!("/tin-tuc/{slug}\"")));
    let article = visitor.get(&format!("/tin-tuc/{slug}")).await;
    assert!(queries(&article) <= 4, "{} statements", queries(&article));

    // Step 6: a published article keeps its address when retitled; a new
    // article with the same title gets its own.
    let mut retitled = full.clone();
    retitled[0] = ("title", "Tiêu đề mới của bài");
    let r = send_article(&writer, &format!("/news/{id}"), &retitled, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.get(&format!("/tin-tuc/{slug}")).await.status(),
        StatusCode::OK,
        "the address did not change"
    );
    let r = send_article(&writer, "/news", &full, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM articles ORDER BY id")
        .fetch_all(&s.db.pool)
        .await
        .unwrap();
    assert_eq!(slugs, [slug.to_owned(), format!("{slug}-2")]);

    // Step 7: withdrawn, it is gone from everything public again.
    let r = writer
        .post(&format!("/news/{id}/publish"), &[("publish", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = public_view(&s.base, slug, id).await;
    assert_hidden(&v, slug, "withdrawn");
    // Another unit's officer cannot publish it either.
    let r = officer
        .post(&format!("/news/{id}/publish"), &[("publish", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_hidden(
        &public_view(&s.base, slug, id).await,
        slug,
        "refused publish",
    );
    let audit = count(
        &s.db,
        "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'article.%'",
    )
    .await;
    assert_eq!(audit, 5, "create, publish, edit, create, unpublish");
}

pub async fn guidance_library_takes_real_documents_only(kind: Kind) {
    let s = start(kind, 0).await;
    let writer = Client::login(&s.base, "bandanvan").await;
    let send = |c: &Client, name: &'static str, bytes: Vec<u8>, title: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("title", title)
            .text("number", "05-HD/BDVTU")
            .text("issued_on", "06/10/2021")
            .text("description", "Hướng dẫn <b>xây dựng</b> mô hình")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        c.http
            .post(format!("{}/guidance?csrf={}", c.base, c.csrf))
            .header("connection", "close")
            .multipart(form)
            .send()
    };
    // A page disguised as a PDF, and a non-writer, are refused.
    let r = send(
        &writer,
        "hd.pdf",
        b"<html>not a pdf</html>".to_vec(),
        "Hướng dẫn",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("PDF hoặc Word"), "{page}");
    assert!(page.contains("value=\"05-HD/BDVTU\""), "typed values kept");
    let officer = Client::login(&s.base, "canbo.tohieu").await;
    let r = send(&officer, "hd.pdf", pdf_bytes(), "Hướng dẫn")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        count(&s.db, "SELECT COUNT(*) FROM guidance_documents").await,
        0
    );

    // A real PDF whose name carries markup is kept, shown at once, escaped.
    let r = send(
        &writer,
        "<script>x</script>05-HD.exe.pdf",
        pdf_bytes(),
        "Hướng dẫn 05 <script>alert(1)</script>",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let library = reqwest::get(format!("{}/van-ban", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        library.contains("Hướng dẫn 05 &#60;script&#62;"),
        "{library}"
    );
    assert!(!library.contains("<script>"));
    assert!(library.contains("Số 05-HD/BDVTU · ngày 06/10/2021 · PDF"));
    let href = library
        .split("href=\"/van-ban/")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .map(|h| format!("/van-ban/{h}"))
        .unwrap();
    assert!(href.ends_with(".pdf"), "{href}");
    let file = reqwest::get(format!("{}{href}", s.base)).await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert!(file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".pdf"));
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf_bytes());
    let admin = writer.get_text("/guidance").await;
    assert!(
        !admin.contains("<script>x"),
        "file name escaped for staff too"
    );

    // Hidden: gone from the public, still there for its managers.
    let id = count(&s.db, "SELECT MAX(id) FROM guidance_documents").await;
    let r = writer
        .post(&format!("/guidance/{id}/show"), &[("show", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let library = reqwest::get(format!("{}/van-ban", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!library.contains("Hướng dẫn 05"));
    let gone = reqwest::get(format!("{}{href}", s.base)).await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(!reqwest::get(format!("{}/sitemap.xml", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("/van-ban/"));
    let staff = writer.get(&format!("/guidance/{id}/file")).await;
    assert_eq!(staff.status(), StatusCode::OK);
    assert_eq!(
        officer.get(&format!("/guidance/{id}/file")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The portal's pages and news API draw on the public budget.
pub async fn portal_is_rate_limited(kind: Kind) {
    let s = start(kind, 0).await;
    let base = serve_with(
        &s.db,
        dvk_web::WebConfig {
            public_api_per_minute: 3,
            ..Default::default()
        },
    )
    .await;
    let mut statuses = Vec::new();
    for path in [
        "/api/v1/public/news",
        "/",
        "/tin-tuc",
        "/van-ban",
        "/tin-tuc.atom",
        "/api/v1/public/news",
        "/",
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        statuses.push((path, r.status()));
    }
    let ok = statuses
        .iter()
        .filter(|(_, s)| *s == StatusCode::OK)
        .count();
    let limited = statuses
        .iter()
        .filter(|(_, s)| *s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!((3..=4).contains(&ok), "{statuses:?}");
    assert_eq!(ok + limited, statuses.len(), "{statuses:?}");
    assert_eq!(statuses.last().unwrap().1, StatusCode::TOO_MANY_REQUESTS);
}

/// Without `DVK_PUBLIC_URL`, the feed, sitemap and robots.txt name the
/// request's own host, so no shared cache may keep them for others; with
/// it, they name the configured address whatever the request says, and
/// may be shared.
async fn site_address_is_never_shared_from_a_forged_host(db: &dvk_store::Db, base: &str) {
    let forged = |base: String, path: &'static str| async move {
        let r = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let cache = r.headers()["cache-control"].to_str().unwrap().to_owned();
        (cache, r.text().await.unwrap())
    };
    for path in ["/tin-tuc.atom", "/sitemap.xml", "/robots.txt"] {
        let (cache, body) = forged(base.to_owned(), path).await;
        assert!(body.contains("http://evil.example"), "{path}: {body}");
        assert!(cache.starts_with("private,"), "{path}: {cache}");
    }
    let configured = serve_with(
        db,
        dvk_web::WebConfig {
            public_url: Some("https://dvk.sonla.gov.vn/".into()),
            ..Default::default()
        },
    )
    .await;
    for path in ["/tin-tuc.atom", "/sitemap.xml", "/robots.txt"] {
        let (cache, body) = forged(configured.clone(), path).await;
        assert!(!body.contains("evil.example"), "{path}: {body}");
        assert!(body.contains("https://dvk.sonla.gov.vn/"), "{path}: {body}");
        assert!(cache.starts_with("public,"), "{path}: {cache}");
    }
}
