-- The page of a project's reports is ordered on (created_at, id): the index covers the filter
-- and the order, so a page is a range scan. It also serves the foreign key to projects, so the
-- old index can go once it exists.
CREATE INDEX reports_by_project_created ON reports (tenant_id, project_id, created_at, id);
DROP INDEX reports_by_project ON reports;
