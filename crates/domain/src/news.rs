//! The public portal's writing: news articles (Điểm tin) and the guidance
//! library, as plain types parsed from what the secretariat typed, and
//! the URL slugs they are reached by.

use crate::auth::{Actor, Role};
use crate::entry::FieldError;
use crate::text::{fold, is_unfit_char};

pub const MAX_TITLE_CHARS: usize = 250;
pub const MAX_LEAD_CHARS: usize = 600;
pub const MAX_BODY_CHARS: usize = 60_000;
pub const MAX_LINKED_MODELS: usize = 12;
pub const MAX_SLUG_CHARS: usize = 80;

/// Who writes for the portal: the movement's officers (the secretariat)
/// and administrators, each for articles of their own subtree.
pub const WRITERS: [Role; 2] = [Role::MovementOfficer, Role::Admin];

pub fn may_write_news(actor: &Actor) -> bool {
    WRITERS.iter().any(|r| actor.has_role(*r))
}

/// The unit an actor writes for: the highest unit where they hold a
/// writer's role.
pub fn writing_unit(actor: &Actor) -> Option<crate::unit::UnitPath> {
    actor
        .grants
        .iter()
        .filter(|g| WRITERS.contains(&g.role))
        .min_by_key(|g| g.unit.as_str().len())
        .map(|g| g.unit.clone())
}

/// A URL slug without diacritics: "Dân vận khéo ở Điện Biên" →
/// "dan-van-kheo-o-dien-bien"; cut after a whole word.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for word in fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > MAX_SLUG_CHARS && !slug.is_empty() {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word[..word.len().min(MAX_SLUG_CHARS)]);
    }
    if slug.is_empty() {
        "bai-viet".into()
    } else {
        slug
    }
}

/// An article as the secretariat wrote it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleText {
    pub title: String,
    pub lead: String,
    /// Markdown; rendered and sanitised whenever it is shown.
    pub body: String,
    /// Describes the lead image for those who cannot see it.
    pub image_alt: String,
    /// Recognised models the article is about, by entry number.
    pub models: Vec<i64>,
}

fn clean(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_owned()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a length and unfit characters, in the words a user reads.
fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) {
    let n = value.chars().count();
    if required && n == 0 {
        errors.push(FieldError::new(field, format!("Hãy nhập {label}.")));
    } else if n > max {
        errors.push(FieldError::new(
            field,
            format!("{} dài {n} ký tự, tối đa {max}.", capitalise(label)),
        ));
    }
    if value.chars().any(is_unfit_char) {
        errors.push(FieldError::new(
            field,
            format!("{} có ký tự điều khiển không hợp lệ.", capitalise(label)),
        ));
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl ArticleText {
    /// Parses the form's fields; `models` is a list of entry numbers
    /// separated by commas or spaces.
    pub fn parse(
        title: &str,
        lead: &str,
        body: &str,
        image_alt: &str,
        models: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let (title, lead, body, image_alt) = (
            one_line(title),
            clean(lead),
            clean(body),
            one_line(image_alt),
        );
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "title",
            "tiêu đề",
            &title,
            MAX_TITLE_CHARS,
            true,
        );
        check_text(
            &mut errors,
            "lead",
            "tóm tắt (sapo)",
            &lead,
            MAX_LEAD_CHARS,
            true,
        );
        check_text(&mut errors, "body", "nội dung", &body, MAX_BODY_CHARS, true);
        check_text(
            &mut errors,
            "image_alt",
            "mô tả ảnh",
            &image_alt,
            300,
            false,
        );
        let mut ids = Vec::new();
        for part in models
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            match part.trim_start_matches('#').parse::<i64>() {
                Ok(id) if id > 0 => {
                    if !ids.contains(&id) {
                        ids.push(id)
                    }
                }
                _ => {
                    errors.push(FieldError::new(
                        "models",
                        format!("“{}” không phải số hồ sơ.", crate::text::truncate(part, 20)),
                    ));
                    break;
                }
            }
        }
        if ids.len() > MAX_LINKED_MODELS {
            errors.push(FieldError::new(
                "models",
                format!("Một bài viết gắn tối đa {MAX_LINKED_MODELS} mô hình, điển hình."),
            ));
        }
        if errors.is_empty() {
            Ok(ArticleText {
                title,
                lead,
                body,
                image_alt,
                models: ids,
            })
        } else {
            Err(errors)
        }
    }
}

/// A guidance document's description, checked (the file is checked by
/// its content elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidanceText {
    pub title: String,
    /// "Số, ký hiệu", e.g. "05-HD/BDVTU"; may be empty for forms.
    pub number: String,
    /// Issued on, dd/mm/yyyy as typed; may be empty.
    pub issued_on: String,
    pub description: String,
}

impl GuidanceText {
    pub fn parse(
        title: &str,
        number: &str,
        issued_on: &str,
        description: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let (title, number, description) = (one_line(title), one_line(number), clean(description));
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "title",
            "tên văn bản",
            &title,
            MAX_TITLE_CHARS,
            true,
        );
        check_text(&mut errors, "number", "số, ký hiệu", &number, 60, false);
        check_text(
            &mut errors,
            "description",
            "mô tả",
            &description,
            2000,
            false,
        );
        let issued_on = match crate::calendar::parse_input(issued_on) {
            _ if issued_on.trim().is_empty() => String::new(),
            Some(d) => crate::calendar::iso(d),
            None => {
                errors.push(FieldError::new(
                    "issued_on",
                    "Ngày ban hành phải có dạng ngày/tháng/năm, ví dụ 06/10/2021.",
                ));
                String::new()
            }
        };
        if errors.is_empty() {
            Ok(GuidanceText {
                title,
                number,
                issued_on,
                description,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_drop_diacritics_and_d_stroke() {
        assert_eq!(
            slugify("Đảng ủy xã Chiềng Ngần: “Dân vận khéo” năm 2025!"),
            "dang-uy-xa-chieng-ngan-dan-van-kheo-nam-2025"
        );
        assert_eq!(
            slugify("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
        assert_eq!(slugify("   "), "bai-viet");
        let long = slugify(&"nhân rộng mô hình ".repeat(20));
        assert!(long.len() <= MAX_SLUG_CHARS, "{long}");
        assert!(!long.ends_with('-'));
        let last = long.rsplit('-').next().unwrap();
        assert!(["nhan", "rong", "mo", "hinh"].contains(&last), "{long}");
    }

    #[test]
    fn an_article_needs_title_lead_and_body_and_valid_model_numbers() {
        let e = ArticleText::parse(" ", "", "", "", "").unwrap_err();
        let fields: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "lead", "body"]);
        let e = ArticleText::parse("T", "L", "B", "", "12, abc").unwrap_err();
        assert_eq!(e[0].field, "models");
        assert!(e[0].message.contains("abc"));
        let a =
            ArticleText::parse("  Tin   mới ", "Sapo\r\n", "# Nội dung", "", "#12, 12 7").unwrap();
        assert_eq!(a.title, "Tin mới");
        assert_eq!(a.lead, "Sapo");
        assert_eq!(a.models, [12, 7]);
        let e = ArticleText::parse("T\u{0}", "L", "B", "", "").unwrap_err();
        assert!(e[0].message.contains("ký tự điều khiển"));
    }

    #[test]
    fn guidance_dates_are_checked() {
        let g = GuidanceText::parse("Hướng dẫn", "05-HD/BDVTU", "06/10/2021", "").unwrap();
        assert_eq!(g.issued_on, "2021-10-06");
        let e = GuidanceText::parse("Hướng dẫn", "", "31/02/2021", "").unwrap_err();
        assert_eq!(e[0].field, "issued_on");
    }
}
