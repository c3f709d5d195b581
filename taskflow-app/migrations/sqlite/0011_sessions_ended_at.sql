-- When a user last ended every session ("log out everywhere", a password change): tokens
-- issued at or before that second are refused.
ALTER TABLE users ADD COLUMN sessions_ended_at TEXT NULL;
