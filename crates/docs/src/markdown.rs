//! Article bodies: Markdown rendered by pulldown-cmark, then sanitised by
//! ammonia's allow-list, so nothing a writer types (raw HTML, script,
//! `javascript:` links, event attributes) reaches a reader's browser.

use pulldown_cmark::{html, Options, Parser};

/// Safe HTML for a Markdown text.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        // Links leave DVK without telling the other site where from.
        .link_rel(Some("noopener noreferrer nofollow"))
        // Pictures come from the lead image; the page's policy would block
        // pictures from other sites anyway.
        .rm_tags(["img"])
        .clean(&raw)
        .to_string()
}

/// The text of a Markdown body without markup, for descriptions.
pub fn to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let mut out = String::new();
    for ev in Parser::new(markdown) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock,
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_script_is_stripped() {
        let html = to_html(
            "# Tin **mới**\n\n<script>alert(1)</script>\n\n[bấm](javascript:alert(2)) \
             <img src=x onerror=alert(3)> <a href=\"https://sonla.gov.vn\" onclick=\"x()\">Sở</a>\n\n\
             | A | B |\n|---|---|\n| 1 | 2 |",
        );
        assert!(html.contains("<h1>Tin <strong>mới</strong></h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        for bad in ["<script", "javascript:", "onerror", "onclick", "<img"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("href=\"https://sonla.gov.vn\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            to_text("# Đầu đề\n\nMột *đoạn*\nhai dòng.\n\n- mục"),
            "Đầu đề Một đoạn hai dòng. mục"
        );
    }
}
