-- Comments on a task: they go with the task. The author is nullable so that removing a user
-- keeps the conversation (the comments stay, without an author) instead of failing.
CREATE TABLE comments (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id BLOB NOT NULL,
    task_id BLOB NOT NULL,
    author_id BLOB,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT comments_task_fkey FOREIGN KEY (tenant_id, task_id)
        REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT comments_author_fkey FOREIGN KEY (tenant_id, author_id)
        REFERENCES users (tenant_id, id)
);

-- A task's comments, oldest first.
CREATE INDEX comments_by_task ON comments (tenant_id, task_id, created_at, id);
CREATE INDEX comments_by_author ON comments (tenant_id, author_id);
