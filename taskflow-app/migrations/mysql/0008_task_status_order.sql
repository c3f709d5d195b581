-- The task list filtered by status is ordered on (created_at, id). InnoDB already ends every
-- secondary index with the primary key (tenant_id, id); the column is named here so that the
-- index reads the same on every backend (tests/api/plans.rs).
ALTER TABLE tasks
    DROP INDEX tasks_by_project_status,
    ADD INDEX tasks_by_project_status (tenant_id, project_id, status, created_at, id);
