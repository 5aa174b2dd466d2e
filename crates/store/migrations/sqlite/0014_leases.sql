-- Work that one process of several should do at a time (sending deadline
-- reminders): a named lease, taken when free or expired.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
