-- The file of every issued decision, as generated when it was signed: the
-- file signed is the file kept, whatever is edited afterwards.
CREATE TABLE issued_documents (
    id INTEGER PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    template_id INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (record_type, record_id)
);
