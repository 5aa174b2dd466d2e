-- Creates sent with an Idempotency-Key (API header or form field): the
-- first answer is kept for a day so a retried request gets it again
-- instead of creating a duplicate.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'unknown')),
    status INTEGER,
    content_type TEXT,
    location TEXT,
    body BYTEA,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key, path)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
