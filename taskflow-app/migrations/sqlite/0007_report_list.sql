-- The page of a project's reports is ordered on (created_at, id): the index covers the filter
-- and the order, so a page is a range scan.
CREATE INDEX reports_by_project_created ON reports (tenant_id, project_id, created_at, id);
DROP INDEX reports_by_project;
