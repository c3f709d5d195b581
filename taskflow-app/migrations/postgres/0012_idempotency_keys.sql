-- A create sent with an `Idempotency-Key` header, kept for a day: a retry with the same key gets
-- the stored answer instead of a second row. `id` is derived from the user and the key, so a
-- key belongs to the user who sent it; the row commits in the create's own transaction, so it
-- exists exactly when the create does. `status` is 0 while the create runs.
CREATE TABLE idempotency_keys (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    user_id UUID NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT idempotency_keys_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- A user's expired keys, deleted when they send a new one.
CREATE INDEX idempotency_keys_by_user ON idempotency_keys (tenant_id, user_id, created_at);

-- The same wall as every tenant table, as taskflow_tenancy::postgres::rls_policy_ddl renders it
-- (a test in src/db.rs holds the two together).
ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "idempotency_keys" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "idempotency_keys";

CREATE POLICY "taskflow_tenant_isolation" ON "idempotency_keys" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
