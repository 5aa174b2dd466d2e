-- DVK foundation schema (SQLite). Times are UTC seconds since the epoch;
-- calendar dates are 'YYYY-MM-DD' text. Sort keys are ICU4X Vietnamese
-- collation keys, so ORDER BY gives Vietnamese alphabetical order.

CREATE TABLE levels (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL,
    historical INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE phases (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    first_year INTEGER NOT NULL,
    last_year INTEGER NOT NULL
);

CREATE TABLE fields (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES fields(id),
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units(id),
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    code TEXT,
    name TEXT NOT NULL,
    name_sort BLOB NOT NULL,
    kind TEXT NOT NULL,
    level_code TEXT REFERENCES levels(code),
    valid_from TEXT,
    valid_to TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_code ON units(code, valid_from);
CREATE INDEX units_level ON units(level_code);

-- Counters other processes watch: a page learns the unit tree changed
-- from the same query that reads its session, and reloads its copy.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('units_version', 1);

CREATE TABLE unit_successors (
    predecessor_id INTEGER NOT NULL REFERENCES units(id),
    successor_id INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (predecessor_id, successor_id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    name_sort BLOB NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, role, unit_id)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

-- The entry row stays narrow (lists scan it); the long registration
-- texts live in entry_contents, read only by the entry page.
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    field_id INTEGER NOT NULL REFERENCES fields(id),
    target_level TEXT NOT NULL REFERENCES levels(code),
    phase TEXT NOT NULL REFERENCES phases(code),
    year INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    confirming_unit_id INTEGER NOT NULL REFERENCES units(id),
    confirming_path TEXT NOT NULL,
    replicates_id INTEGER REFERENCES entries(id),
    title TEXT NOT NULL,
    title_sort BLOB NOT NULL,
    person_name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted_at INTEGER
);

CREATE TABLE entry_contents (
    entry_id INTEGER PRIMARY KEY REFERENCES entries(id),
    situation TEXT NOT NULL DEFAULT '',
    objectives TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    area TEXT NOT NULL DEFAULT '',
    forces TEXT NOT NULL DEFAULT '',
    resources TEXT NOT NULL DEFAULT '',
    timeline TEXT NOT NULL DEFAULT '',
    outputs TEXT NOT NULL DEFAULT '',
    sustainability TEXT NOT NULL DEFAULT '',
    birth_year INTEGER,
    gender TEXT,
    ethnicity TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    party_member INTEGER NOT NULL DEFAULT 0,
    example TEXT NOT NULL DEFAULT ''
);
-- Lists are served from covering indexes: the sort key first, then what
-- the visibility filter needs, so a page reads index entries in order and
-- touches table rows only for the rows it shows.
CREATE INDEX entries_unit_path ON entries(unit_path, year);
CREATE INDEX entries_confirming ON entries(confirming_path, year, state);
CREATE INDEX entries_updated ON entries(updated_at, unit_path);
CREATE INDEX entries_title ON entries(title_sort, unit_path);
CREATE INDEX entries_year_state ON entries(year, state, updated_at, unit_path);

-- Search runs over diacritics-folded text written by DVK (đ → d included),
-- so the tokenizer itself needs no folding.
CREATE VIRTUAL TABLE entries_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_entry ON attachments(entry_id);

CREATE TABLE attachment_blobs (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id),
    content BLOB NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT,
    changes TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_record ON audit_log(record_type, record_id, id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
