-- A public model's page counts a visitor once per day: the visitor is a
-- keyed hash of address, browser and day (no address is kept in clear),
-- and rows older than two days are dropped.
CREATE TABLE entry_views (
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    day TEXT NOT NULL,
    visitor TEXT NOT NULL,
    PRIMARY KEY (entry_id, day, visitor)
);
CREATE INDEX entry_views_day ON entry_views (day);
