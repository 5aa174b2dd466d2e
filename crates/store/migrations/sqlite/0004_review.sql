-- The yearly review of the register (rà soát), SQLite.
CREATE TABLE yearly_reports (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    year INTEGER NOT NULL,
    operating INTEGER NOT NULL,
    results TEXT NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at INTEGER NOT NULL,
    outcome TEXT,
    outcome_reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users(id),
    decided_at INTEGER,
    UNIQUE (entry_id, year)
);
CREATE INDEX yearly_reports_year ON yearly_reports(year, outcome);
