-- Public search sees only published text (PostgreSQL): the name and the ten
-- items, without an individual's personal items, under its own trigram
-- index. DVK rebuilds both texts after this migration.
ALTER TABLE entries ADD COLUMN public_text TEXT NOT NULL DEFAULT '';
CREATE INDEX entries_public_search ON entries USING gin (dvk_fold(public_text) gin_trgm_ops);
