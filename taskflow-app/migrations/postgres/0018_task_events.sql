-- A task's history: who changed what, when. It goes with the task; the actor is nullable so
-- that removing a user keeps the history (without a name) instead of failing.
CREATE TABLE task_events (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    task_id UUID NOT NULL,
    actor_id UUID,
    kind VARCHAR(16) NOT NULL,
    changes TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT task_events_task_fkey FOREIGN KEY (tenant_id, task_id)
        REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT task_events_actor_fkey FOREIGN KEY (tenant_id, actor_id)
        REFERENCES users (tenant_id, id)
);

-- A task's history, oldest first; the actor's, found by the foreign key.
CREATE INDEX task_events_by_task ON task_events (tenant_id, task_id, created_at, id);
CREATE INDEX task_events_by_actor ON task_events (tenant_id, actor_id);

-- The same wall as every tenant table, as taskflow_tenancy::postgres::rls_policy_ddl renders it
-- (a test in src/db.rs holds the two together).
ALTER TABLE "task_events" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "task_events" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "task_events";

CREATE POLICY "taskflow_tenant_isolation" ON "task_events" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
