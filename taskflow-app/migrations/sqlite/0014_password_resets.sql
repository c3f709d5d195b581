-- One-time password reset tokens, valid an hour. `id` is a UUID v5 of the token, so no usable
-- token is stored; using one deletes every reset of its user.
CREATE TABLE password_resets (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT password_resets_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX password_resets_by_user ON password_resets (tenant_id, user_id);
