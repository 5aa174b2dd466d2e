-- Carrying a model into a new phase (PostgreSQL).
ALTER TABLE entries ADD COLUMN carried_from_id BIGINT REFERENCES entries(id);
