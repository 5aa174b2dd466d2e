-- In-app notifications (SQLite). One row per person per event: the
-- unique key makes a retried request unable to notify twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    event_key TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    message TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    resolved_at INTEGER,
    resolved_note TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_subject ON notifications(subject_key, resolved_at);
