-- The tenants table, exactly as `TenantStore::<MySql>::schema()` creates it: the library reads
-- and writes it, so its shape belongs to the library.
CREATE TABLE IF NOT EXISTS tenants (
    id BINARY(16) NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    subdomain VARCHAR(63) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT tenants_subdomain_key UNIQUE (subdomain)
);
