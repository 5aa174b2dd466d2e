//! The web layer reads records only through the store's services, which
//! take the reader and apply their authority; it never calls a repository
//! read on the database handle itself. The exceptions are reads that are
//! the reader's own or shared by everyone: sessions and tokens, one's own
//! notifications, the catalogues, the public list of notices, a health
//! check. This test reads the web crate's source and holds it to that.

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Database reads the web layer may make directly, and why.
    const ALLOWED: &[&str] = &[
        // Sessions and API tokens: the reader's own credentials.
        "session",
        "token_session",
        "delete_session",
        "tokens_of",
        // One's own notifications.
        "notifications",
        // Catalogues every signed-in person reads.
        "latest_criteria_sets",
        "reward_forms",
        "reward_catalogue",
        // Public: rounds whose results are on public notice.
        "notice_rounds",
        // Readiness check and operational counters for /metrics (no records).
        "ready",
        "email_backlog",
        // The comment box's single-use tokens (a counter, no record).
        "count_attempt",
        "audit_anchor",
        // Idempotency keys: the requester's own claims, keyed by who sent them.
        "claim_request",
        "keep_answer",
        "release_claim",
        "mark_outcome_unknown",
        // The unit tree (names of organisations, no records), cached per
        // process for pickers and filters.
        "unit_tree",
        // A copy of the handle, moved into an export's task (no read).
        "clone",
    ];

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// Every `db.<method>(` call in `code`, whitespace between the parts
    /// ignored (rustfmt splits chains over lines).
    fn db_calls(code: &str) -> Vec<String> {
        let squeezed: String = code.split_whitespace().collect();
        let mut calls = Vec::new();
        let mut rest = squeezed.as_str();
        while let Some(i) = rest.find(".db.") {
            rest = &rest[i + 4..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with('(') {
                calls.push(name);
            }
        }
        calls
    }

    #[test]
    fn web_reads_go_through_guarded_services() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 10, "the web sources are found");
        let mut raw = Vec::new();
        for (path, text) in &files {
            if path.ends_with("layering.rs") {
                continue;
            }
            for call in db_calls(text) {
                if !ALLOWED.contains(&call.as_str()) {
                    raw.push(format!("{path}: db.{call}"));
                }
            }
        }
        assert!(
            raw.is_empty(),
            "raw repository reads in the web layer:\n{}",
            raw.join("\n")
        );
    }

    #[test]
    fn the_scan_sees_split_chains() {
        let code = "let x = state\n    .db\n    .decision_of_entry(id)\n    .await?; f(&state.db, 1); state.db.pool";
        assert_eq!(db_calls(code), vec!["decision_of_entry".to_owned()]);
    }
}
