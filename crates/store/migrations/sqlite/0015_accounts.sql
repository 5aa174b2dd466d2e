-- Accounts people can run: a password reset by an admin must be changed at
-- the next sign-in; login attempts are counted atomically per key (one
-- row per account-and-address and per address, updated in one statement).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);
DROP TABLE login_failures;
