-- Uniqueness means byte-for-byte equality, as on SQLite and PostgreSQL. MariaDB's default
-- collation calls "Cafe" and "Café", or "Launch 🚀" and "Launch 😀", the same name, and (as a
-- PAD SPACE collation) "a" and "a ": a project, a user or a tenant would be refused as a
-- duplicate on MariaDB only. utf8mb4_nopad_bin compares the bytes and nothing else.
ALTER TABLE tenants MODIFY subdomain VARCHAR(63) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

ALTER TABLE projects MODIFY name VARCHAR(120) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
