-- Keys the servers of one deployment share (e.g. to sign the pre-login
-- form token), created on first use; never shown by any command.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
