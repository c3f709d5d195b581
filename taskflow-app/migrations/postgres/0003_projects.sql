-- Projects: the name is unique per tenant, so two tenants may both have a "Website" project.
CREATE TABLE projects (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
);

-- The project list pages on (created_at, id) within one tenant.
CREATE INDEX projects_by_created ON projects (tenant_id, created_at, id);
