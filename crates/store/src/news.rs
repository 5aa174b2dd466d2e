//! News articles (Điểm tin) of the public portal: the secretariat writes,
//! previews, publishes and unpublishes them; the public reads only what is
//! published. Every write is one transaction with its audit record.

use crate::audit::{append, lock_for_write, AuditEvent};
use crate::db::{now, q, Db};
use crate::error::ServiceError;
use crate::similar::PUBLIC_STATES;
use dvk_docs::images::WebImage;
use dvk_domain::auth::{Actor, Denied};
use dvk_domain::news::{may_write_news, slugify, writing_unit, ArticleText, WRITERS};
use dvk_domain::unit::UnitPath;
use serde_json::json;
use sqlx::Row;

/// A line of an article list.
#[derive(Debug, Clone)]
pub struct ArticleLine {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub lead: String,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Published now.
    pub published: bool,
    /// The date readers see: when it was first published.
    pub first_published_at: Option<i64>,
    pub has_image: bool,
    pub views: i64,
}

/// A recognised model an article links to.
#[derive(Debug, Clone)]
pub struct LinkedModel {
    pub id: i64,
    pub title: String,
    pub unit_name: String,
}

/// A whole article.
#[derive(Debug, Clone)]
pub struct Article {
    pub line: ArticleLine,
    /// Markdown, rendered and sanitised where it is shown.
    pub body: String,
    pub image_alt: String,
    /// (width, height) of the lead image.
    pub image_size: Option<(i64, i64)>,
    /// Only models still recognised are linked for readers.
    pub models: Vec<LinkedModel>,
}

const LINE_COLS: &str =
    "a.id, a.slug, a.title, a.lead, COALESCE(u.full_name, '') AS author, a.created_at, \
     a.updated_at, a.published_at, a.first_published_at, a.views, \
     (SELECT COUNT(*) FROM article_images i WHERE i.article_id = a.id) AS images";

fn line_from_row(r: &sqlx::any::AnyRow) -> Result<ArticleLine, sqlx::Error> {
    Ok(ArticleLine {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        lead: r.try_get("lead")?,
        author: r.try_get("author")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        published: r.try_get::<Option<i64>, _>("published_at")?.is_some(),
        first_published_at: r.try_get("first_published_at")?,
        has_image: r.try_get::<i64, _>("images")? > 0,
        views: r.try_get("views")?,
    })
}

/// The subtrees whose articles (or guidance documents) an actor may edit:
/// an SQL condition on `alias.unit_path` and its binds.
pub(crate) fn editable_condition(actor: &Actor, alias: &str) -> (String, Vec<String>) {
    let roots: Vec<String> = actor
        .grants
        .iter()
        .filter(|g| WRITERS.contains(&g.role))
        .map(|g| g.unit.as_str().to_owned())
        .collect();
    let conds: Vec<String> = (0..roots.len())
        .map(|i| format!("{alias}.unit_path LIKE ${} || '%'", i + 1))
        .collect();
    let cond = if conds.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("({})", conds.join(" OR "))
    };
    (cond, roots)
}

/// Every article the actor may edit, drafts included, newest first.
pub async fn articles_for(db: &Db, actor: &Actor) -> Result<Vec<ArticleLine>, ServiceError> {
    if !may_write_news(actor) {
        return Err(ServiceError::Denied(Denied::NoRole("viết tin bài")));
    }
    let (cond, roots) = editable_condition(actor, "a");
    let sql = format!(
        "SELECT {LINE_COLS} FROM articles a LEFT JOIN users u ON u.id = a.author_id \
         WHERE {cond} ORDER BY a.updated_at DESC, a.id DESC LIMIT 200"
    );
    let mut query = q(&sql);
    for r in &roots {
        query = query.bind(r.clone());
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(line_from_row).collect::<Result<_, _>>()?)
}

/// How an article is looked up.
enum Key<'a> {
    Id(i64),
    Slug(&'a str),
}

async fn article_where(
    db: &Db,
    cond: &str,
    key: Key<'_>,
    extra: Option<&(String, Vec<String>)>,
) -> Result<Option<Article>, ServiceError> {
    let mut sql = format!(
        "SELECT {LINE_COLS}, a.body, a.image_alt, \
         (SELECT i.width FROM article_images i WHERE i.article_id = a.id) AS image_width, \
         (SELECT i.height FROM article_images i WHERE i.article_id = a.id) AS image_height \
         FROM articles a LEFT JOIN users u ON u.id = a.author_id WHERE "
    );
    let offset = extra.map(|e| e.1.len()).unwrap_or(0);
    if let Some((c, _)) = extra {
        sql.push_str(c);
        sql.push_str(" AND ");
    }
    sql.push_str(&cond.replace("$K", &format!("${}", offset + 1)));
    let mut query = q(&sql);
    if let Some((_, binds)) = extra {
        for b in binds {
            query = query.bind(b.clone());
        }
    }
    query = match key {
        Key::Id(id) => query.bind(id),
        Key::Slug(slug) => query.bind(slug.to_owned()),
    };
    let Some(row) = query.fetch_optional(&db.pool).await? else {
        return Ok(None);
    };
    let line = line_from_row(&row)?;
    let models = q(&format!(
        "SELECT e.id, e.title, un.name FROM article_models m JOIN entries e ON e.id = m.entry_id \
         JOIN units un ON un.id = e.unit_id WHERE m.article_id = $1 AND {PUBLIC_STATES} ORDER BY m.position"
    ))
    .bind(line.id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(LinkedModel {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            unit_name: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let width: Option<i64> = row.try_get("image_width")?;
    let height: Option<i64> = row.try_get("image_height")?;
    Ok(Some(Article {
        body: row.try_get("body")?,
        image_alt: row.try_get("image_alt")?,
        image_size: width.zip(height),
        line,
        models,
    }))
}

/// An article its writer's subtree may edit, drafts included.
pub async fn article_for_edit(db: &Db, actor: &Actor, id: i64) -> Result<Article, ServiceError> {
    if !may_write_news(actor) {
        return Err(ServiceError::Denied(Denied::NoRole("viết tin bài")));
    }
    let editable = editable_condition(actor, "a");
    article_where(db, "a.id = $K", Key::Id(id), Some(&editable))
        .await?
        .ok_or(ServiceError::NotFound("bài viết"))
}

/// A published article by its slug, counted as read once a day by
/// `visitor`; unknown when it is not published.
pub async fn public_article(
    db: &Db,
    slug: &str,
    visitor: Option<&str>,
) -> Result<Article, ServiceError> {
    let mut a = article_where(
        db,
        "a.published_at IS NOT NULL AND a.slug = $K",
        Key::Slug(slug),
        None,
    )
    .await?
    .ok_or(ServiceError::NotFound("bài viết"))?;
    if let Some(visitor) = visitor {
        let mut tx = db.pool.begin().await?;
        crate::views::count_view(&mut tx, crate::views::Viewed::Article, a.line.id, visitor)
            .await?;
        tx.commit().await?;
        a.line.views = q("SELECT views FROM articles WHERE id = $1")
            .bind(a.line.id)
            .fetch_one(&db.pool)
            .await?
            .try_get(0)?;
    }
    Ok(a)
}

/// A page of published articles, newest first, and whether more follow.
pub async fn published(
    db: &Db,
    page: i64,
    per_page: i64,
) -> Result<(Vec<ArticleLine>, bool), ServiceError> {
    let sql = format!(
        "SELECT {LINE_COLS} FROM articles a LEFT JOIN users u ON u.id = a.author_id \
         WHERE a.published_at IS NOT NULL ORDER BY a.first_published_at DESC, a.id DESC \
         LIMIT $1 OFFSET $2"
    );
    let rows = q(&sql)
        .bind(per_page + 1)
        .bind((page.max(1) - 1) * per_page)
        .fetch_all(&db.pool)
        .await?;
    let mut lines: Vec<ArticleLine> = rows.iter().map(line_from_row).collect::<Result<_, _>>()?;
    let more = lines.len() as i64 > per_page;
    lines.truncate(per_page as usize);
    Ok((lines, more))
}

/// The newest published articles with their bodies (for the feed), in
/// one statement.
pub async fn newest_with_bodies(
    db: &Db,
    n: i64,
) -> Result<Vec<(ArticleLine, String)>, ServiceError> {
    let sql = format!(
        "SELECT {LINE_COLS}, a.body FROM articles a LEFT JOIN users u ON u.id = a.author_id \
         WHERE a.published_at IS NOT NULL ORDER BY a.first_published_at DESC, a.id DESC LIMIT $1"
    );
    let rows = q(&sql).bind(n).fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|r| Ok((line_from_row(r)?, r.try_get("body")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The lead image of an article: of a published one for anybody, of a
/// draft only for those who may edit it.
pub async fn article_image(
    db: &Db,
    actor: Option<&Actor>,
    id: i64,
) -> Result<(String, Vec<u8>), ServiceError> {
    let row = q(
        "SELECT a.unit_path, a.published_at, i.content_type, i.content FROM articles a \
                 JOIN article_images i ON i.article_id = a.id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServiceError::NotFound("ảnh"))?;
    let published = row.try_get::<Option<i64>, _>(1)?.is_some();
    let path = UnitPath::parse(&row.try_get::<String, _>(0)?);
    let editor = actor.is_some_and(|a| path.is_some_and(|p| a.holds_any(&WRITERS, &p)));
    if !published && !editor {
        return Err(ServiceError::NotFound("ảnh"));
    }
    Ok((row.try_get(2)?, row.try_get(3)?))
}

/// What an edit does to the lead image.
#[derive(Debug)]
pub enum ImageChange {
    Keep,
    Replace(WebImage),
    Remove,
}

/// Saves a new article (`id` None) or an edit of one, as a draft or
/// keeping its publication; its slug follows the title until it is first
/// published, then never changes (links to it keep working).
pub async fn save_article(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    text: &ArticleText,
    image: ImageChange,
) -> Result<i64, ServiceError> {
    let unit = writing_unit(actor).ok_or(ServiceError::Denied(Denied::NoRole("viết tin bài")))?;
    if let Some(id) = id {
        // Authority only; what the edit starts from is read under the lock.
        article_for_edit(db, actor, id).await?;
    }
    let mut tx = db.pool.begin().await?;
    lock_for_write(&mut tx).await?;
    let existing = match id {
        Some(id) => Some(saved_version(&mut tx, id).await?),
        None => None,
    };
    // Linked models must be public: nothing else may be named to the public.
    for (i, model) in text.models.iter().enumerate() {
        let public = q(&format!(
            "SELECT COUNT(*) FROM entries e WHERE e.id = $1 AND {PUBLIC_STATES}"
        ))
        .bind(*model)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?;
        if public == 0 {
            return Err(ServiceError::invalid(
                "models",
                format!(
                    "Hồ sơ số {model} (vị trí {}) không phải mô hình, điển hình đang được công nhận nên không gắn vào bài viết được.",
                    i + 1
                ),
            ));
        }
    }
    let slug = match &existing {
        Some(v) if v.first_published => v.slug.clone(),
        _ => free_slug(&mut tx, &slugify(&text.title), id).await?,
    };
    let t = now();
    let id = match id {
        Some(id) => {
            q("UPDATE articles SET slug = $1, title = $2, lead = $3, body = $4, image_alt = $5, updated_at = $6 WHERE id = $7")
                .bind(&slug)
                .bind(&text.title)
                .bind(&text.lead)
                .bind(&text.body)
                .bind(&text.image_alt)
                .bind(t)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            q("DELETE FROM article_models WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => q("INSERT INTO articles (slug, title, lead, body, image_alt, unit_id, unit_path, author_id, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
            .bind(&slug)
            .bind(&text.title)
            .bind(&text.lead)
            .bind(&text.body)
            .bind(&text.image_alt)
            .bind(unit.id())
            .bind(unit.as_str())
            .bind(actor.user_id)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?,
    };
    for (pos, model) in text.models.iter().enumerate() {
        q("INSERT INTO article_models (article_id, entry_id, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*model)
            .bind(pos as i64)
            .execute(&mut *tx)
            .await?;
    }
    let image_note = match image {
        ImageChange::Keep => serde_json::Value::Null,
        ImageChange::Remove => {
            q("DELETE FROM article_images WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            json!("removed")
        }
        ImageChange::Replace(img) => {
            let sha = dvk_domain::audit::hash_hex(&img.bytes);
            q("DELETE FROM article_images WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            q("INSERT INTO article_images (article_id, content_type, width, height, sha256, content) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(img.mime)
                .bind(i64::from(img.width))
                .bind(i64::from(img.height))
                .bind(&sha)
                .bind(img.bytes)
                .execute(&mut *tx)
                .await?;
            json!({"sha256": sha})
        }
    };
    let before = existing.as_ref().map(|v| {
        json!({"title": v.title, "lead": v.lead, "slug": v.slug, "image_alt": v.image_alt,
            "body_sha256": dvk_domain::audit::hash_hex(v.body.as_bytes()), "models": v.models})
    });
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: if existing.is_some() { "article.edit" } else { "article.create" },
            record_type: "article",
            record_id: id,
            changes: json!({
                "article": [before, {"title": text.title, "lead": text.lead, "slug": slug,
                    "image_alt": text.image_alt,
                    "body_sha256": dvk_domain::audit::hash_hex(text.body.as_bytes()), "models": text.models}],
                "image": image_note,
            }),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An article as saved, read under the write lock: what an edit replaces.
struct SavedVersion {
    slug: String,
    first_published: bool,
    title: String,
    lead: String,
    body: String,
    image_alt: String,
    models: Vec<i64>,
}

async fn saved_version(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<SavedVersion, ServiceError> {
    let row = q(
        "SELECT slug, first_published_at, title, lead, body, image_alt FROM articles WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound("bài viết"))?;
    let models = q("SELECT entry_id FROM article_models WHERE article_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    Ok(SavedVersion {
        slug: row.try_get(0)?,
        first_published: row.try_get::<Option<i64>, _>(1)?.is_some(),
        title: row.try_get(2)?,
        lead: row.try_get(3)?,
        body: row.try_get(4)?,
        image_alt: row.try_get(5)?,
        models,
    })
}

/// `base`, or `base-2`, `base-3` … the first no other article holds.
async fn free_slug(
    conn: &mut sqlx::AnyConnection,
    base: &str,
    own: Option<i64>,
) -> Result<String, sqlx::Error> {
    let taken: Vec<String> =
        q("SELECT slug FROM articles WHERE (slug = $1 OR slug LIKE $1 || '-%') AND id <> $2")
            .bind(base)
            .bind(own.unwrap_or(0))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_owned());
    }
    let n = (2..)
        .find(|n| !taken.contains(&format!("{base}-{n}")))
        .unwrap_or(2);
    Ok(format!("{base}-{n}"))
}

/// Publishes (`true`) or withdraws an article from the public.
pub async fn set_published(
    db: &Db,
    actor: &Actor,
    id: i64,
    publish: bool,
) -> Result<Article, ServiceError> {
    let a = article_for_edit(db, actor, id).await?;
    let t = now();
    let mut tx = db.pool.begin().await?;
    lock_for_write(&mut tx).await?;
    // Read again under the lock: two clicks at once publish (and audit) once.
    let published = q("SELECT published_at FROM articles WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<Option<i64>, _>(0)?
        .is_some();
    if published == publish {
        tx.rollback().await?;
        return Ok(a);
    }
    if publish {
        q("UPDATE articles SET published_at = $1, first_published_at = COALESCE(first_published_at, $1) WHERE id = $2")
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    } else {
        q("UPDATE articles SET published_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    append(
        &mut tx,
        AuditEvent {
            actor_id: Some(actor.user_id),
            action: if publish {
                "article.publish"
            } else {
                "article.unpublish"
            },
            record_type: "article",
            record_id: id,
            changes: json!({"published": [!publish, publish], "slug": a.line.slug}),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    article_for_edit(db, actor, id).await
}
