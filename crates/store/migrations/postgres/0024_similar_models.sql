-- Similar models: each entry filed under the MinHash band keys of its
-- title and text (written with the entry, see dvk_domain::similarity), so
-- a lookup reads a few short lists instead of comparing every entry; and
-- the pairs found alike when an entry was written, both ways, for pages
-- that show many entries at once (a council's round).
CREATE TABLE entry_bands (
    band BIGINT NOT NULL,
    entry_id BIGINT NOT NULL,
    PRIMARY KEY (band, entry_id)
);
CREATE INDEX entry_bands_entry ON entry_bands(entry_id);

CREATE TABLE similar_entries (
    entry_id BIGINT NOT NULL,
    other_id BIGINT NOT NULL,
    score_pct BIGINT NOT NULL,
    title_pct BIGINT NOT NULL,
    text_pct BIGINT,
    PRIMARY KEY (entry_id, other_id)
);
CREATE INDEX similar_entries_other ON similar_entries(other_id);

-- Entries written before this release are filed by the server in the
-- background, in id order, after this one.
INSERT INTO meta (key, value) VALUES ('similar_filed_upto', 0);
