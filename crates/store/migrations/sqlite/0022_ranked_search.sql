-- Ranked search (SQLite): the title gets a column of its own so bm25 can
-- weigh it above the other items; the body holds the other published items
-- and personal items stay apart for public search. DVK rebuilds the index
-- after this migration.
DROP TABLE entries_fts;
CREATE VIRTUAL TABLE entries_fts USING fts5(title, body, personal, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');

-- Titles alone, for ranking: bm25 reads how many entries hold each word,
-- which over every item of every entry costs a scan of long lists; over
-- titles it is cheap, and title matches are what come first.
CREATE VIRTUAL TABLE entries_title_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');

-- Public pages read recognised entries only, newest year first and by
-- title; this index holds just those, in that order, so a page costs what
-- the public entries cost.
CREATE INDEX entries_public ON entries(year DESC, title_sort, id, unit_path) WHERE state IN ('recognised', 'outstanding', 'rewarded');

-- Words of every title, so a search that finds nothing can try the
-- spellings one typing mistake away.
CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
