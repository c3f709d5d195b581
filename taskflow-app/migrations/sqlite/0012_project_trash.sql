-- When a project went to the trash (null while it is live). A trashed project and everything in
-- it is out of every list and lookup; an owner or admin restores it within 30 days, after which
-- it is purged with its tasks, comments and reports.
ALTER TABLE projects ADD COLUMN deleted_at TEXT NULL;
