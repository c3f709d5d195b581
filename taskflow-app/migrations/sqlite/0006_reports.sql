-- A report of a project's tasks, computed by a background job (the `jobs` table of
-- taskflow-tenancy holds its status, progress and CSV). It goes with its project.
CREATE TABLE reports (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id BLOB NOT NULL,
    project_id BLOB NOT NULL,
    job_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT reports_project_fkey FOREIGN KEY (tenant_id, project_id)
        REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX reports_by_project ON reports (tenant_id, project_id);
