-- Lawful notice and conclusion (sqlite): the notice's minimum length and the
-- council's quorum per round, when the notice was really published, and
-- what the minutes keep of missing sheets and a chair's override.
ALTER TABLE rounds ADD COLUMN notice_min_days INTEGER NOT NULL DEFAULT 5;
ALTER TABLE rounds ADD COLUMN quorum_pct REAL NOT NULL DEFAULT 66.67;
ALTER TABLE rounds ADD COLUMN notice_published_at INTEGER;
ALTER TABLE rounds ADD COLUMN concluded_at INTEGER;
ALTER TABLE rounds ADD COLUMN minutes_missing TEXT NOT NULL DEFAULT '';
ALTER TABLE rounds ADD COLUMN quorum_override TEXT NOT NULL DEFAULT '';
-- Deployment settings an operator may change (key → value as text).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('notice_min_working_days', '5');
INSERT INTO settings (key, value) VALUES ('quorum_pct', '66.67');
