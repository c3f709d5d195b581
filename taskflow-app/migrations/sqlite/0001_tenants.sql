-- The tenants table, exactly as `TenantStore::<Sqlite>::schema()` creates it: the library reads
-- and writes it, so its shape belongs to the library.
CREATE TABLE IF NOT EXISTS tenants (
    id BLOB NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    subdomain TEXT NOT NULL UNIQUE,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
