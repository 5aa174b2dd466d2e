-- Rewards and revocation (SQLite).

-- Forms of reward are data: who issues them and at which level.
CREATE TABLE reward_forms (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    issuer_type TEXT NOT NULL,
    level_code TEXT NOT NULL REFERENCES levels(code),
    amount INTEGER,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE reward_rounds (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    level_code TEXT NOT NULL REFERENCES levels(code),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    phase TEXT NOT NULL REFERENCES phases(code),
    title TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);

-- One achievement, one form of reward: one proposal per entry per round.
CREATE TABLE reward_proposals (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES reward_rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    form_id INTEGER NOT NULL REFERENCES reward_forms(id),
    proposed_by INTEGER NOT NULL REFERENCES users(id),
    proposed_at INTEGER NOT NULL,
    UNIQUE (round_id, entry_id)
);

CREATE TABLE reward_decisions (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES reward_rounds(id),
    form_id INTEGER NOT NULL REFERENCES reward_forms(id),
    number TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    signer TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    issuing_body TEXT NOT NULL,
    issuer_type TEXT NOT NULL,
    year INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (issuing_body, number)
);

CREATE TABLE rewards (
    id INTEGER PRIMARY KEY,
    decision_id INTEGER NOT NULL REFERENCES reward_decisions(id),
    round_id INTEGER NOT NULL REFERENCES reward_rounds(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    form_id INTEGER NOT NULL REFERENCES reward_forms(id),
    revoked INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round_id, entry_id)
);
CREATE INDEX rewards_entry ON rewards(entry_id);

CREATE TABLE revocations (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    decision_ref TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX revocations_entry ON revocations(entry_id);
