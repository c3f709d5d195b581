-- Tokens logged out with (`POST /api/v1/auth/logout`), refused until they would have expired.
-- `id` is a UUID v5 of the token, so no usable token is stored.
CREATE TABLE revoked_tokens (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    user_id BINARY(16) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT revoked_tokens_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The expired rows a logout deletes; the user's rows, found by the foreign key.
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (tenant_id, expires_at);
CREATE INDEX revoked_tokens_by_user ON revoked_tokens (tenant_id, user_id);
