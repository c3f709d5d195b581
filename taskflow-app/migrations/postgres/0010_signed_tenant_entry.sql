-- The tenant entry as a transaction-local setting signed under an owner-only key, instead of
-- a row per transaction (taskflow_tenancy::postgres, "How a transaction enters a tenant"):
-- entering writes nothing, so a read-only request needs no transaction id. Written exactly as
-- taskflow_tenancy::postgres::tenant_entry_ddl renders it; a test in src/db.rs holds the two
-- together. The policies of 0009 stand: they read taskflow_current_tenant().
CREATE TABLE IF NOT EXISTS public.taskflow_entry_key (
only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
key bytea NOT NULL);

REVOKE ALL ON public.taskflow_entry_key FROM PUBLIC;

INSERT INTO public.taskflow_entry_key (key)
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION public.taskflow_current_tenant() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
entry text := current_setting('taskflow.entry', true);
entered text;
k bytea;
BEGIN
IF entry IS NULL OR entry = '' THEN
RETURN NULL;
END IF;
entered := split_part(entry, ':', 1);
SELECT key INTO STRICT k FROM public.taskflow_entry_key;
IF entry IS DISTINCT FROM entered || ':' || encode(sha256(k || sha256(k || convert_to('tenant ' || entered || '/' || pg_backend_pid() || '/' || extract(epoch FROM transaction_timestamp()), 'UTF8'))), 'hex') THEN
RETURN NULL;
END IF;
RETURN entered::uuid;
END
$$;

CREATE OR REPLACE FUNCTION public.taskflow_enter_tenant(tenant uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
k bytea;
BEGIN
IF tenant IS NULL THEN
RAISE EXCEPTION 'no tenant to enter' USING ERRCODE = 'null_value_not_allowed';
END IF;
SELECT key INTO STRICT k FROM public.taskflow_entry_key;
IF current_setting('taskflow.entry_admin', true) IS DISTINCT FROM encode(sha256(k || sha256(k || convert_to('admin' || '/' || pg_backend_pid() || '/' || extract(epoch FROM transaction_timestamp()), 'UTF8'))), 'hex') THEN
IF public.taskflow_current_tenant() IS NOT NULL THEN
RAISE EXCEPTION 'this transaction has already entered a tenant'
USING ERRCODE = 'insufficient_privilege';
END IF;
IF statement_timestamp() <> transaction_timestamp() THEN
RAISE EXCEPTION 'a tenant is entered only by the statement that begins the transaction'
USING ERRCODE = 'insufficient_privilege';
END IF;
END IF;
PERFORM set_config('taskflow.tenant_id', tenant::text, true);
PERFORM set_config('taskflow.entry', tenant::text || ':' || encode(sha256(k || sha256(k || convert_to('tenant ' || tenant::text || '/' || pg_backend_pid() || '/' || extract(epoch FROM transaction_timestamp()), 'UTF8'))), 'hex'), true);
END
$$;

CREATE OR REPLACE FUNCTION public.taskflow_enter_admin() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
k bytea;
BEGIN
IF public.taskflow_current_tenant() IS NOT NULL THEN
RAISE EXCEPTION 'this transaction has already entered a tenant'
USING ERRCODE = 'insufficient_privilege';
END IF;
IF statement_timestamp() <> transaction_timestamp() THEN
RAISE EXCEPTION 'an admin transaction is marked only by the statement that begins it'
USING ERRCODE = 'insufficient_privilege';
END IF;
SELECT key INTO STRICT k FROM public.taskflow_entry_key;
PERFORM set_config('taskflow.entry_admin', encode(sha256(k || sha256(k || convert_to('admin' || '/' || pg_backend_pid() || '/' || extract(epoch FROM transaction_timestamp()), 'UTF8'))), 'hex'), true);
END
$$;

DROP TABLE IF EXISTS public.taskflow_tenant_entries;
