-- How many entries each unit has per year and state, kept by triggers in
-- the same transaction as every insert, move or removal of an entry, so the
-- status and register pages add up a few counters instead of scanning
-- entries. `dvk check counters` recounts from the entries.
CREATE TABLE entry_counts (
    unit_path TEXT NOT NULL,
    year INTEGER NOT NULL,
    state TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_path, year, state)
) WITHOUT ROWID;

INSERT INTO entry_counts (unit_path, year, state, n)
    SELECT unit_path, year, state, COUNT(*) FROM entries GROUP BY unit_path, year, state;

CREATE TRIGGER entry_counts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entry_counts (unit_path, year, state, n) VALUES (NEW.unit_path, NEW.year, NEW.state, 1)
        ON CONFLICT (unit_path, year, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER entry_counts_delete AFTER DELETE ON entries BEGIN
    UPDATE entry_counts SET n = n - 1
        WHERE unit_path = OLD.unit_path AND year = OLD.year AND state = OLD.state;
END;

CREATE TRIGGER entry_counts_update AFTER UPDATE OF unit_path, year, state ON entries
    WHEN OLD.unit_path IS NOT NEW.unit_path OR OLD.year IS NOT NEW.year OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE entry_counts SET n = n - 1
        WHERE unit_path = OLD.unit_path AND year = OLD.year AND state = OLD.state;
    INSERT INTO entry_counts (unit_path, year, state, n) VALUES (NEW.unit_path, NEW.year, NEW.state, 1)
        ON CONFLICT (unit_path, year, state) DO UPDATE SET n = n + 1;
END;
