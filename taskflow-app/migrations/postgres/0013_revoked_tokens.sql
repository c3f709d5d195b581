-- Tokens logged out with (`POST /api/v1/auth/logout`), refused until they would have expired.
-- `id` is a UUID v5 of the token, so no usable token is stored.
CREATE TABLE revoked_tokens (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    user_id UUID NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT revoked_tokens_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The expired rows a logout deletes; the user's rows, found by the foreign key.
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (tenant_id, expires_at);
CREATE INDEX revoked_tokens_by_user ON revoked_tokens (tenant_id, user_id);

-- The same wall as every tenant table, as taskflow_tenancy::postgres::rls_policy_ddl renders it
-- (a test in src/db.rs holds the two together).
ALTER TABLE "revoked_tokens" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "revoked_tokens" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "revoked_tokens";

CREATE POLICY "taskflow_tenant_isolation" ON "revoked_tokens" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
