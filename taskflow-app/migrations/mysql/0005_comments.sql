-- Comments on a task: they go with the task. The author is nullable so that removing a user
-- keeps the conversation (the comments stay, without an author) instead of failing.
CREATE TABLE comments (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    task_id BINARY(16) NOT NULL,
    author_id BINARY(16),
    body TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT comments_task_fkey FOREIGN KEY (tenant_id, task_id)
        REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT comments_author_fkey FOREIGN KEY (tenant_id, author_id)
        REFERENCES users (tenant_id, id)
);

-- A task's comments, oldest first.
CREATE INDEX comments_by_task ON comments (tenant_id, task_id, created_at, id);
CREATE INDEX comments_by_author ON comments (tenant_id, author_id);
