-- What the summary table (biểu tổng hợp) counts, per registering unit,
-- year, phase, kind, subject, field, state and whether the entry was
-- carried over: kept by triggers in the same transaction as every change
-- of an entry, so the table adds up counters instead of scanning entries.
-- `dvk check counters` recounts it from the entries too.
CREATE TABLE summary_counts (
    unit_path TEXT COLLATE "C" NOT NULL,
    year BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    phase TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    field_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    carried BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried)
);
CREATE INDEX summary_counts_phase ON summary_counts(phase, unit_path);

INSERT INTO summary_counts (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried, n)
    SELECT unit_path, year, unit_id, phase, kind, subject, field_id, state,
           CASE WHEN carried_from_id IS NULL THEN 0 ELSE 1 END, COUNT(*)
    FROM entries GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

CREATE FUNCTION dvk_count_summary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE summary_counts SET n = n - 1
            WHERE unit_path = OLD.unit_path AND year = OLD.year AND unit_id = OLD.unit_id AND phase = OLD.phase
              AND kind = OLD.kind AND subject = OLD.subject AND field_id = OLD.field_id AND state = OLD.state
              AND carried = CASE WHEN OLD.carried_from_id IS NULL THEN 0 ELSE 1 END;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO summary_counts (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried, n)
            VALUES (NEW.unit_path, NEW.year, NEW.unit_id, NEW.phase, NEW.kind, NEW.subject, NEW.field_id, NEW.state,
                    CASE WHEN NEW.carried_from_id IS NULL THEN 0 ELSE 1 END, 1)
            ON CONFLICT (unit_path, year, unit_id, phase, kind, subject, field_id, state, carried)
            DO UPDATE SET n = summary_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER summary_counts_insert_delete AFTER INSERT OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION dvk_count_summary();

CREATE TRIGGER summary_counts_update
    AFTER UPDATE OF unit_path, year, unit_id, phase, kind, subject, field_id, state, carried_from_id ON entries
    FOR EACH ROW
    WHEN (OLD.unit_path IS DISTINCT FROM NEW.unit_path OR OLD.year IS DISTINCT FROM NEW.year
          OR OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.phase IS DISTINCT FROM NEW.phase
          OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.subject IS DISTINCT FROM NEW.subject
          OR OLD.field_id IS DISTINCT FROM NEW.field_id OR OLD.state IS DISTINCT FROM NEW.state
          OR (OLD.carried_from_id IS NULL) IS DISTINCT FROM (NEW.carried_from_id IS NULL))
    EXECUTE FUNCTION dvk_count_summary();
