-- Row-level security keyed on the tenant the transaction entered, which the app's role cannot
-- forge (taskflow_tenancy::postgres, "How a transaction enters a tenant"): the entries table and
-- its three SECURITY DEFINER functions, then every tenant table's policy moved onto them. Written
-- exactly as taskflow_tenancy::postgres::tenant_entry_ddl and rls_policy_ddl render it; a test
-- in src/db.rs holds the two together. The jobs table gets its policy from JobStore::migrate.
CREATE UNLOGGED TABLE IF NOT EXISTS public.taskflow_tenant_entries (
pid integer NOT NULL,
started timestamptz NOT NULL,
tenant uuid,
admin boolean NOT NULL DEFAULT false,
PRIMARY KEY (pid, started));

REVOKE ALL ON public.taskflow_tenant_entries FROM PUBLIC;

CREATE OR REPLACE FUNCTION public.taskflow_enter_tenant(tenant uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
DELETE FROM public.taskflow_tenant_entries
WHERE pid = pg_backend_pid() AND started < transaction_timestamp();
IF random() < 0.01 THEN
DELETE FROM public.taskflow_tenant_entries WHERE ctid IN (
SELECT ctid FROM public.taskflow_tenant_entries
WHERE started < transaction_timestamp() - interval '1 day'
LIMIT 100 FOR UPDATE SKIP LOCKED);
END IF;
INSERT INTO public.taskflow_tenant_entries AS e (pid, started, tenant)
VALUES (pg_backend_pid(), transaction_timestamp(), tenant)
ON CONFLICT (pid, started) DO UPDATE SET tenant = EXCLUDED.tenant WHERE e.admin;
IF NOT FOUND THEN
RAISE EXCEPTION 'this transaction has already entered a tenant'
USING ERRCODE = 'insufficient_privilege';
END IF;
PERFORM set_config('taskflow.tenant_id', tenant::text, true);
END
$$;

CREATE OR REPLACE FUNCTION public.taskflow_enter_admin() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
DELETE FROM public.taskflow_tenant_entries
WHERE pid = pg_backend_pid() AND started < transaction_timestamp();
INSERT INTO public.taskflow_tenant_entries (pid, started, tenant, admin)
VALUES (pg_backend_pid(), transaction_timestamp(), NULL, true)
ON CONFLICT DO NOTHING;
IF NOT FOUND THEN
RAISE EXCEPTION 'this transaction has already entered a tenant'
USING ERRCODE = 'insufficient_privilege';
END IF;
END
$$;

CREATE OR REPLACE FUNCTION public.taskflow_current_tenant() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
SELECT tenant FROM public.taskflow_tenant_entries
WHERE pid = pg_backend_pid() AND started = transaction_timestamp()
$$;

ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "users" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "users";

CREATE POLICY "taskflow_tenant_isolation" ON "users" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));

ALTER TABLE "projects" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "projects" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "projects";

CREATE POLICY "taskflow_tenant_isolation" ON "projects" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));

ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "tasks" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "tasks";

CREATE POLICY "taskflow_tenant_isolation" ON "tasks" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));

ALTER TABLE "comments" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "comments" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "comments";

CREATE POLICY "taskflow_tenant_isolation" ON "comments" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));

ALTER TABLE "reports" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "reports" FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "reports";

CREATE POLICY "taskflow_tenant_isolation" ON "reports" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()));
