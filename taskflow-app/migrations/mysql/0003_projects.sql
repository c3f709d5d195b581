-- Projects: the name is unique per tenant, so two tenants may both have a "Website" project.
CREATE TABLE projects (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    name VARCHAR(120) NOT NULL,
    description TEXT,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
);

-- The project list pages on (created_at, id) within one tenant.
CREATE INDEX projects_by_created ON projects (tenant_id, created_at, id);
