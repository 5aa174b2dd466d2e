-- Ranked search (PostgreSQL): full-text search over text DVK folds itself
-- (the same words SQLite's index keeps), in stored tsvectors under GIN
-- indexes, written by the same statement as the entry. They replace the
-- trigram indexes over unaccent(), which rechecked every candidate row.
-- The title carries weight A so ts_rank puts it first. DVK rebuilds both
-- vectors after this migration.
DROP INDEX entries_search;
DROP INDEX entries_public_search;
ALTER TABLE entries DROP COLUMN search_text;
ALTER TABLE entries DROP COLUMN public_text;
ALTER TABLE entries ADD COLUMN search_tsv tsvector NOT NULL DEFAULT ''::tsvector;
ALTER TABLE entries ADD COLUMN public_tsv tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX entries_search ON entries USING gin (search_tsv);
CREATE INDEX entries_public_search ON entries USING gin (public_tsv)
    WHERE state IN ('recognised', 'outstanding', 'rewarded');

-- Public pages read recognised entries only, newest year first and by
-- title; this index holds just those, in that order, so a page costs what
-- the public entries cost.
CREATE INDEX entries_public ON entries(year DESC, title, id) WHERE state IN ('recognised', 'outstanding', 'rewarded');

-- Words of every title, so a search that finds nothing can try the
-- spellings one typing mistake away.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);
