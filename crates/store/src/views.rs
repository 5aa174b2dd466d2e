//! Public view counts: a visitor (an opaque keyed hash of their address
//! and the day, see the web layer) is counted once per item and day.
//! Rows older than two days are dropped, so no visitor key outlives the
//! count it guarded.

use crate::db::{now, q};
use sqlx::AnyConnection;

/// What is counted, with its tables (fixed names, never user input).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Viewed {
    Entry,
    Article,
}

impl Viewed {
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Viewed::Entry => ("entry_views", "entry_id", "entries"),
            Viewed::Article => ("article_views", "article_id", "articles"),
        }
    }
}

/// Counts one view of `id` by `visitor` today, once.
pub(crate) async fn count_view(
    conn: &mut AnyConnection,
    what: Viewed,
    id: i64,
    visitor: &str,
) -> Result<(), sqlx::Error> {
    let (log, key, items) = what.tables();
    let day = crate::appraisal::today();
    let new = q(&format!(
        "INSERT INTO {log} ({key}, day, visitor) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    ))
    .bind(id)
    .bind(&day)
    .bind(visitor)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if new == 1 {
        q(&format!(
            "UPDATE {items} SET views = views + 1 WHERE id = $1"
        ))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        q(&format!("DELETE FROM {log} WHERE day < $1"))
            .bind(crate::appraisal::vn_date(now() - 2 * 86_400))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
