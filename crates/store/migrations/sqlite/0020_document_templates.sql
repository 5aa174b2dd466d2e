-- A province's own forms: a DOCX template per document kind and unit
-- subtree, versioned; the newest not retired is used for the subtree.
CREATE TABLE document_templates (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    version INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    placeholders TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    retired_at INTEGER,
    content BLOB NOT NULL,
    UNIQUE (kind, unit_id, version)
);
CREATE INDEX document_templates_kind ON document_templates(kind, unit_path);
