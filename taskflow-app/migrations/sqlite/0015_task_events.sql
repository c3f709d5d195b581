-- A task's history: who changed what, when. It goes with the task; the actor is nullable so
-- that removing a user keeps the history (without a name) instead of failing.
CREATE TABLE task_events (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id BLOB NOT NULL,
    task_id BLOB NOT NULL,
    actor_id BLOB,
    kind VARCHAR(16) NOT NULL,
    changes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT task_events_task_fkey FOREIGN KEY (tenant_id, task_id)
        REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT task_events_actor_fkey FOREIGN KEY (tenant_id, actor_id)
        REFERENCES users (tenant_id, id)
);

-- A task's history, oldest first; the actor's, found by the foreign key.
CREATE INDEX task_events_by_task ON task_events (tenant_id, task_id, created_at, id);
CREATE INDEX task_events_by_actor ON task_events (tenant_id, actor_id);
