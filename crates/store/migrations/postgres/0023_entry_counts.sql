-- How many entries each unit has per year and state, kept by triggers in
-- the same transaction as every insert, move or removal of an entry, so the
-- status and register pages add up a few counters instead of scanning
-- entries. `dvk check counters` recounts from the entries.
CREATE TABLE entry_counts (
    unit_path TEXT COLLATE "C" NOT NULL,
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_path, year, state)
);

INSERT INTO entry_counts (unit_path, year, state, n)
    SELECT unit_path, year, state, COUNT(*) FROM entries GROUP BY unit_path, year, state;

CREATE FUNCTION dvk_count_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE entry_counts SET n = n - 1
            WHERE unit_path = OLD.unit_path AND year = OLD.year AND state = OLD.state;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO entry_counts (unit_path, year, state, n) VALUES (NEW.unit_path, NEW.year, NEW.state, 1)
            ON CONFLICT (unit_path, year, state) DO UPDATE SET n = entry_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entry_counts_insert_delete AFTER INSERT OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION dvk_count_entry();

CREATE TRIGGER entry_counts_update AFTER UPDATE OF unit_path, year, state ON entries
    FOR EACH ROW
    WHEN (OLD.unit_path IS DISTINCT FROM NEW.unit_path OR OLD.year IS DISTINCT FROM NEW.year
          OR OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION dvk_count_entry();
