//! The stylesheets and the script, served under names that carry a hash
//! of their content (`/static/app.3f9c….css`): a browser keeps them for a
//! year, and a release that changes one changes its name, so nobody runs
//! an old script against a new page. The plain names still answer (for a
//! page saved before a release), briefly cached.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    /// The plain name, e.g. `app.css`.
    name: &'static str,
    /// The name with the hash, e.g. `app.3f9c0a12be.css`.
    hashed: String,
    mime: &'static str,
    body: &'static str,
}

fn asset(name: &'static str, mime: &'static str, body: &'static str) -> Asset {
    let digest = Sha256::digest(body.as_bytes());
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    Asset {
        name,
        hashed: format!("{stem}.{}.{ext}", hex::encode(&digest[..5])),
        mime,
        body,
    }
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        asset(
            "app.css",
            "text/css; charset=utf-8",
            include_str!("../static/app.css"),
        ),
        asset(
            "app.js",
            "text/javascript; charset=utf-8",
            include_str!("../static/app.js"),
        ),
        asset(
            "certificate.css",
            "text/css; charset=utf-8",
            include_str!("../static/certificate.css"),
        ),
    ]
});

fn href(i: usize) -> String {
    format!("/static/{}", ASSETS[i].hashed)
}

/// The site's stylesheet, as pages link it.
pub fn app_css() -> String {
    href(0)
}

/// The site's script.
pub fn app_js() -> String {
    href(1)
}

/// The printed certificate's stylesheet.
pub fn certificate_css() -> String {
    href(2)
}

/// `GET /static/{name}`: a hashed name for a year, a plain one for an hour.
pub async fn serve(Path(name): Path<String>) -> Response {
    let found = ASSETS.iter().find_map(|a| {
        if a.hashed == name {
            Some((a, "public, max-age=31536000, immutable"))
        } else if a.name == name {
            Some((a, "public, max-age=3600"))
        } else {
            None
        }
    });
    match found {
        Some((a, cache)) => (
            [
                (header::CONTENT_TYPE, a.mime),
                (header::CACHE_CONTROL, cache),
            ],
            a.body,
        )
            .into_response(),
        None => {
            crate::pages::home::not_found(format!("/static/{name}").parse().unwrap_or_default())
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_content() {
        let css = app_css();
        assert!(
            css.starts_with("/static/app.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/static/app..css".len() + 10);
        assert_ne!(app_css(), certificate_css());
        let other = asset("app.css", "text/css", "body{}");
        assert_ne!(format!("/static/{}", other.hashed), css);
    }
}
