-- Spreadsheet imports: an upload waits here between its preview and the
-- user's confirmation (nothing else is written before), and each imported
-- row's fingerprint is kept so the same file imported twice adds nothing.
-- AUTOINCREMENT: an id is never given twice, so a confirm from an old
-- preview cannot reach a newer upload.
CREATE TABLE pending_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    unit_id INTEGER REFERENCES units(id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX pending_imports_user ON pending_imports(user_id, created_at);

CREATE TABLE import_fingerprints (
    fingerprint TEXT PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    created_at INTEGER NOT NULL
);
