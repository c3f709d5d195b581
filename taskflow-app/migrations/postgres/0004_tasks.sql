-- Tasks. Both references include the tenant, so a task can only point at a project and an
-- assignee of its own tenant, even through raw SQL. Deleting a project deletes its tasks.
CREATE TABLE tasks (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    project_id UUID NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    assignee_id UUID,
    due_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id)
        REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assignee_id)
        REFERENCES users (tenant_id, id)
);

-- The task list of a project, filtered by status and paged on (created_at, id).
CREATE INDEX tasks_by_project_status ON tasks (tenant_id, project_id, status, created_at);
-- The same list without a status filter, and the filter on the assignee.
CREATE INDEX tasks_by_project ON tasks (tenant_id, project_id, created_at, id);
CREATE INDEX tasks_by_assignee ON tasks (tenant_id, assignee_id);
