-- The public portal: news articles (Điểm tin) the secretariat writes and
-- publishes, their lead images (re-encoded on upload), the recognised
-- models they link, and the guidance library. An article is public while
-- published_at is set; first_published_at is the date readers see.
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    lead TEXT NOT NULL,
    body TEXT NOT NULL,
    image_alt TEXT NOT NULL DEFAULT '',
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    first_published_at INTEGER,
    views INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX articles_recent ON articles (first_published_at);

CREATE TABLE article_images (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE article_models (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, entry_id)
);

-- Like entry_views: a keyed daily hash per visitor, no address in clear.
CREATE TABLE article_views (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    day TEXT NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (article_id, day, visitor)
);
CREATE INDEX article_views_day ON article_views (day);

CREATE TABLE guidance_documents (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    description TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX guidance_documents_published ON guidance_documents (published_at);

CREATE TABLE guidance_files (
    document_id INTEGER PRIMARY KEY REFERENCES guidance_documents(id),
    content BLOB NOT NULL
);

-- Lineage walks and the list's "replicates" filter look replicas up by
-- the model they replicate.
CREATE INDEX entries_replicates ON entries (replicates_id) WHERE replicates_id IS NOT NULL;
