-- Row-level security: the database's own wall between tenants, behind the query builder's.
-- Each tenant table admits only the rows of the tenant named by the transaction-local setting
-- `taskflow.tenant_id` (set by `taskflow_tenancy::postgres::begin_scoped`), for reads and writes
-- alike. FORCE binds the tables' owner too; superusers and BYPASSRLS roles are never bound, so
-- the app connects as a role that is neither (see README, "PostgreSQL roles").
-- `tenants` and the job runner's `jobs` table stay outside: the tenant layer and the runner read
-- them before any tenant is known.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY taskflow_tenant_isolation ON users FOR ALL
    USING (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid);

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY taskflow_tenant_isolation ON projects FOR ALL
    USING (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid);

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY taskflow_tenant_isolation ON tasks FOR ALL
    USING (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid);

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY taskflow_tenant_isolation ON comments FOR ALL
    USING (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid);

ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE reports FORCE ROW LEVEL SECURITY;
CREATE POLICY taskflow_tenant_isolation ON reports FOR ALL
    USING (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid);
