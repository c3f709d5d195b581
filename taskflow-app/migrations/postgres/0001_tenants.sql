-- The tenants table, exactly as `TenantStore::<Postgres>::schema()` creates it: the library
-- reads and writes it, so its shape belongs to the library.
CREATE TABLE IF NOT EXISTS tenants (
    id UUID NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    subdomain TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT tenants_subdomain_key UNIQUE (subdomain)
);
