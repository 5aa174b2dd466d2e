-- Carrying a model into a new phase (SQLite).
ALTER TABLE entries ADD COLUMN carried_from_id INTEGER REFERENCES entries(id);
