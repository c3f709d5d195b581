-- One-time password reset tokens, valid an hour. `id` is a UUID v5 of the token, so no usable
-- token is stored; using one deletes every reset of its user.
CREATE TABLE password_resets (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    user_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT password_resets_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX password_resets_by_user ON password_resets (tenant_id, user_id);

-- The same wall as every tenant table, as taskflow_tenancy::postgres::rls_policy_ddl renders it
-- (a test in src/db.rs holds the two together).
ALTER TABLE "password_resets" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "password_resets" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "password_resets";

CREATE POLICY "taskflow_tenant_isolation" ON "password_resets" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
