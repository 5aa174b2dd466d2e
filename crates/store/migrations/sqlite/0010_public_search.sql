-- Public search sees only published text (SQLite): the index keeps an
-- individual's personal items in a column of their own. DVK rebuilds the
-- index after this migration.
DROP TABLE entries_fts;
CREATE VIRTUAL TABLE entries_fts USING fts5(body, personal, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');
