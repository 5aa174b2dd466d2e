//! What a refused form sent, so its page shows every field again as the
//! user typed it instead of the defaults (nothing typed is lost to an
//! error). Empty when the page is opened, not re-shown; a page with
//! several forms keeps the defaults of those not sent.

#[derive(Debug, Clone, Default)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    pub fn from_pairs(pairs: &[(String, String)]) -> Typed {
        Typed(pairs.to_vec())
    }

    /// With a field the form did not carry (which row of a page it was
    /// for, taken from the address).
    pub fn with(mut self, name: &str, value: String) -> Typed {
        self.0.push((name.to_owned(), value));
        self
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value typed into `name`, or `default` when its form was not
    /// the one sent.
    pub fn or(&self, name: &str, default: &str) -> String {
        self.first(name).unwrap_or(default).to_owned()
    }

    /// Whether the form sent was the one whose `field` is `value` (a page
    /// with one such form per round, say).
    pub fn is(&self, field: &str, value: &str) -> bool {
        self.first(field) == Some(value)
    }

    /// Whether the form sent was one that has `field`.
    pub fn has(&self, field: &str) -> bool {
        self.first(field).is_some()
    }

    /// The value typed into `{prefix}{id}` (a field of a numbered row),
    /// or empty.
    pub fn nth(&self, prefix: &str, id: i64) -> String {
        self.or(&format!("{prefix}{id}"), "")
    }

    /// A date field's value, dd/mm/yyyy: what was typed (or picked), or
    /// `default_iso` (yyyy-mm-dd).
    pub fn date_or(&self, name: &str, default_iso: &str) -> String {
        date_value(self.first(name).unwrap_or(default_iso))
    }

    /// Whether a checkbox or option `name` = `value` is chosen: as sent
    /// when its form (known by `form_field`, a field it always sends) was
    /// the one sent, else `default`.
    pub fn chose(&self, form_field: &str, name: &str, value: &str, default: bool) -> bool {
        if self.first(form_field).is_none() {
            return default;
        }
        self.0.iter().any(|(k, v)| k == name && v == value)
    }
}

/// A date as date fields show it, dd/mm/yyyy, whichever form it came in
/// (typed, or yyyy-mm-dd from a calendar picker); anything else as it was
/// (the error beside it says why).
pub fn date_value(raw: &str) -> String {
    dvk_domain::calendar::parse_input(raw)
        .map(dvk_domain::calendar::show)
        .unwrap_or_else(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_win_over_defaults_once_sent() {
        let fresh = Typed::default();
        assert_eq!(fresh.or("number", "x"), "x");
        assert_eq!(fresh.date_or("d", "2026-12-05"), "05/12/2026");
        assert!(fresh.chose("number", "entry", "3", true));
        let sent = Typed::from_pairs(&[
            ("number".into(), "15/QĐ-UBND".into()),
            ("d".into(), "7/1/2027".into()),
            ("bad".into(), "31/02/2026".into()),
            ("entry".into(), "4".into()),
        ]);
        assert_eq!(sent.or("number", "x"), "15/QĐ-UBND");
        assert_eq!(
            sent.or("other_form", "x"),
            "x",
            "another form keeps its default"
        );
        assert_eq!(sent.date_or("d", "2026-12-05"), "07/01/2027");
        assert_eq!(sent.date_or("bad", "2026-12-05"), "31/02/2026");
        assert!(sent.chose("number", "entry", "4", false));
        assert!(
            !sent.chose("number", "entry", "3", true),
            "an unticked box stays unticked"
        );
        assert!(
            sent.chose("place", "entry", "3", true),
            "another form's box keeps its default"
        );
        assert!(sent.is("number", "15/QĐ-UBND") && !sent.is("number", "16"));
        let points = Typed::from_pairs(&[("c7".into(), "8,5".into())]);
        assert_eq!(
            (points.nth("c", 7), points.nth("c", 8)),
            ("8,5".into(), String::new())
        );
    }
}
