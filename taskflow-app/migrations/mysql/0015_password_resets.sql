-- One-time password reset tokens, valid an hour. `id` is a UUID v5 of the token, so no usable
-- token is stored; using one deletes every reset of its user.
CREATE TABLE password_resets (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    user_id BINARY(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT password_resets_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX password_resets_by_user ON password_resets (tenant_id, user_id);
