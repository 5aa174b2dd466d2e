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
-- A long list of common words in the statistics: a word outside it is then
-- estimated as rare as it is, so the planner reads the text index for it
-- instead of walking every entry newest first looking for one.
ALTER TABLE entries ALTER COLUMN search_tsv SET STATISTICS 1000;
ALTER TABLE entries ALTER COLUMN public_tsv SET STATISTICS 1000;
CREATE INDEX entries_search ON entries USING gin (search_tsv);
CREATE INDEX entries_public_search ON entries USING gin (public_tsv)
    WHERE state IN ('recognised', 'outstanding', 'rewarded');

-- Public pages read recognised entries only, newest year first and by
-- title; this index holds just those, in that order, so a page costs what
-- the public entries cost.
CREATE INDEX entries_public ON entries(year DESC, title, id, unit_path) WHERE state IN ('recognised', 'outstanding', 'rewarded');

-- Words of every title, so a search that finds nothing can try the
-- spellings one typing mistake away.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);
