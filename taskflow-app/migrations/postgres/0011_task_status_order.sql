-- The task list filtered by status is ordered on (created_at, id): with `id` in the index the
-- page is a range scan in order, instead of a sort of the filtered rows (tests/api/plans.rs).
DROP INDEX tasks_by_project_status;
CREATE INDEX tasks_by_project_status ON tasks (tenant_id, project_id, status, created_at, id);
