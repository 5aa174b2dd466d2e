-- E-mail for notifications (PostgreSQL).
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending';
CREATE INDEX notifications_email ON notifications(email_state, id);
