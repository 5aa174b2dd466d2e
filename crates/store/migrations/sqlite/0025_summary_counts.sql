-- What the summary table (biểu tổng hợp) counts, per registering unit,
-- year, phase, kind, subject, field, state and whether the entry was
-- carried over: kept by triggers in the same transaction as every change
-- of an entry, so the table adds up counters instead of scanning entries.
-- `dvk check counters` recounts it from the entries too.
CREATE TABLE summary_counts (
    unit_path TEXT NOT NULL,
    year INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    phase TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    field_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    carried INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried)
) WITHOUT ROWID;
CREATE INDEX summary_counts_phase ON summary_counts(phase, unit_path);

INSERT INTO summary_counts (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried, n)
    SELECT unit_path, year, unit_id, phase, kind, subject, field_id, state, carried_from_id IS NOT NULL, COUNT(*)
    FROM entries GROUP BY unit_path, year, unit_id, phase, kind, subject, field_id, state, carried_from_id IS NOT NULL;

CREATE TRIGGER summary_counts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO summary_counts (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried, n)
        VALUES (NEW.unit_path, NEW.year, NEW.unit_id, NEW.phase, NEW.kind, NEW.subject, NEW.field_id, NEW.state,
                NEW.carried_from_id IS NOT NULL, 1)
        ON CONFLICT (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER summary_counts_delete AFTER DELETE ON entries BEGIN
    UPDATE summary_counts SET n = n - 1
        WHERE unit_path = OLD.unit_path AND year = OLD.year AND unit_id = OLD.unit_id AND phase = OLD.phase
          AND kind = OLD.kind AND subject = OLD.subject AND field_id = OLD.field_id AND state = OLD.state
          AND carried = (OLD.carried_from_id IS NOT NULL);
END;

CREATE TRIGGER summary_counts_update
    AFTER UPDATE OF unit_path, year, unit_id, phase, kind, subject, field_id, state, carried_from_id ON entries
    WHEN OLD.unit_path IS NOT NEW.unit_path OR OLD.year IS NOT NEW.year OR OLD.unit_id IS NOT NEW.unit_id
      OR OLD.phase IS NOT NEW.phase OR OLD.kind IS NOT NEW.kind OR OLD.subject IS NOT NEW.subject
      OR OLD.field_id IS NOT NEW.field_id OR OLD.state IS NOT NEW.state
      OR (OLD.carried_from_id IS NULL) IS NOT (NEW.carried_from_id IS NULL)
BEGIN
    UPDATE summary_counts SET n = n - 1
        WHERE unit_path = OLD.unit_path AND year = OLD.year AND unit_id = OLD.unit_id AND phase = OLD.phase
          AND kind = OLD.kind AND subject = OLD.subject AND field_id = OLD.field_id AND state = OLD.state
          AND carried = (OLD.carried_from_id IS NOT NULL);
    INSERT INTO summary_counts (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried, n)
        VALUES (NEW.unit_path, NEW.year, NEW.unit_id, NEW.phase, NEW.kind, NEW.subject, NEW.field_id, NEW.state,
                NEW.carried_from_id IS NOT NULL, 1)
        ON CONFLICT (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried) DO UPDATE SET n = n + 1;
END;
