-- Full-text search on a task's title and description (`?q=`): an FTS5 index on the tasks'
-- rowids, kept in step by triggers. The search's filter keeps the tenant's own condition on
-- `tasks`, so the index (which holds every tenant's words) never answers for another tenant.
CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title,
    description,
    content = 'tasks',
    content_rowid = 'rowid'
);
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts (rowid, title, description)
    VALUES (new.rowid, new.title, new.description);
END;

CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
    VALUES ('delete', old.rowid, old.title, old.description);
END;

CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description ON tasks BEGIN
    INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
    VALUES ('delete', old.rowid, old.title, old.description);
    INSERT INTO tasks_fts (rowid, title, description)
    VALUES (new.rowid, new.title, new.description);
END;
