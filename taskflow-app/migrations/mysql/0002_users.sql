-- MySQL ignores a REFERENCES written on a column, so every foreign key here is a table constraint.
-- Users belong to one tenant. The same email may sign up in two tenants, so the email is unique
-- per tenant only. The password is stored as an argon2id PHC string, never in clear.
CREATE TABLE users (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    email VARCHAR(254) NOT NULL,
    name VARCHAR(200) NOT NULL,
    role VARCHAR(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT users_email_key UNIQUE (tenant_id, email)
);
