-- Appraisal, public notice and recognition (SQLite).

-- Criteria sets are versioned: editing makes a new version, and a round
-- keeps the set it was opened with.
CREATE TABLE criteria_sets (
    id INTEGER PRIMARY KEY,
    phase TEXT NOT NULL REFERENCES phases(code),
    level_code TEXT NOT NULL REFERENCES levels(code),
    subject TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    pass_mean_pct REAL NOT NULL,
    min_criterion_pct REAL NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (phase, level_code, subject, version)
);

CREATE TABLE criteria (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES criteria_sets(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    weight REAL NOT NULL,
    max_points REAL NOT NULL
);
CREATE INDEX criteria_set ON criteria(set_id, position);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    level_code TEXT NOT NULL REFERENCES levels(code),
    year INTEGER NOT NULL,
    phase TEXT NOT NULL REFERENCES phases(code),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    scoring_mode TEXT NOT NULL,
    ballot_threshold_pct REAL NOT NULL,
    collective_set_id INTEGER NOT NULL REFERENCES criteria_sets(id),
    individual_set_id INTEGER NOT NULL REFERENCES criteria_sets(id),
    proposal_deadline TEXT,
    scoring_deadline TEXT,
    quota_per_unit INTEGER,
    state TEXT NOT NULL,
    notice_starts TEXT,
    notice_ends TEXT,
    minutes_date TEXT,
    minutes_place TEXT NOT NULL DEFAULT '',
    minutes_present TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX rounds_unit ON rounds(unit_path, year);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    proposed_by INTEGER NOT NULL REFERENCES users(id),
    proposed_at INTEGER NOT NULL,
    UNIQUE (round_id, entry_id)
);

CREATE TABLE self_assessments (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    criterion_id INTEGER NOT NULL REFERENCES criteria(id),
    points REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, criterion_id)
);

CREATE TABLE council_members (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);

CREATE TABLE assignments (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (round_id, entry_id, user_id)
);
CREATE INDEX assignments_member ON assignments(round_id, user_id);

CREATE TABLE scores (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    criterion_id INTEGER NOT NULL REFERENCES criteria(id),
    points REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, entry_id, user_id, criterion_id)
);

CREATE TABLE ballots (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    approve INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (round_id, entry_id, user_id)
);

-- The council's conclusion per entry, fixed when it concludes.
CREATE TABLE results (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    passed INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    mean_pct REAL,
    reasons TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, entry_id)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    author_name TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    client_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    answer TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES users(id),
    answered_at INTEGER
);
CREATE INDEX comments_round ON comments(round_id, entry_id, id);
CREATE INDEX comments_client ON comments(client_key, created_at);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    number TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    signer TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    issuing_body TEXT NOT NULL,
    issuer_type TEXT NOT NULL,
    level_code TEXT NOT NULL REFERENCES levels(code),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (issuing_body, number)
);

CREATE TABLE decision_entries (
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    PRIMARY KEY (decision_id, entry_id)
);
CREATE INDEX decision_entries_entry ON decision_entries(entry_id);

ALTER TABLE entries ADD COLUMN views INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry_contents ADD COLUMN person_public INTEGER NOT NULL DEFAULT 0;
