-- Invitations to join the tenant by a one-time link, valid 7 days. `id` is a UUID v5 of the
-- link's token, so no usable token is stored; accepting one deletes it.
CREATE TABLE invitations (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id UUID NOT NULL,
    email VARCHAR(254) NOT NULL,
    role VARCHAR(16) NOT NULL,
    invited_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT invitations_inviter_fkey FOREIGN KEY (tenant_id, invited_by)
        REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The pending invitations, newest last; the inviter's, found by the foreign key.
CREATE INDEX invitations_by_creation ON invitations (tenant_id, created_at, id);
CREATE INDEX invitations_by_inviter ON invitations (tenant_id, invited_by);

-- The same wall as every tenant table, as taskflow_tenancy::postgres::rls_policy_ddl renders it
-- (a test in src/db.rs holds the two together).
ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "invitations";

CREATE POLICY "taskflow_tenant_isolation" ON "invitations" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
