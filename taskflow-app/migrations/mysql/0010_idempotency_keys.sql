-- A create sent with an `Idempotency-Key` header, kept for a day: a retry with the same key gets
-- the stored answer instead of a second row. `id` is derived from the user and the key, so a
-- key belongs to the user who sent it; the row commits in the create's own transaction, so it
-- exists exactly when the create does. `status` is 0 while the create runs.
CREATE TABLE idempotency_keys (
    tenant_id BINARY(16) NOT NULL,
    id BINARY(16) NOT NULL,
    user_id BINARY(16) NOT NULL,
    fingerprint CHAR(64) NOT NULL,
    status INT NOT NULL,
    body MEDIUMTEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT idempotency_keys_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- A user's expired keys, deleted when they send a new one.
CREATE INDEX idempotency_keys_by_user ON idempotency_keys (tenant_id, user_id, created_at);
