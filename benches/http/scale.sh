#!/usr/bin/env bash
# The scale run: seeds a fresh database of TENANTS tenants x 1 project x TASKS tasks on BACKEND
# (sqlite, mysql or postgres, on the machine's servers: a database of its own, dropped at the
# end), serves it with the release binary (on PostgreSQL as a role bound by row-level security,
# migrated by the owner, as the README's deployment has it) and runs the read scenarios of
# benches/http/run.py against tenant demo-1. Extra arguments go to run.py.
#
#   benches/http/scale.sh postgres 10000 1000 --rounds 3 --duration 10s
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 3 ]; then
  echo "usage: $0 sqlite|mysql|postgres TENANTS TASKS [run.py arguments...]" >&2
  exit 1
fi
backend=$1 tenants=$2 tasks=$3
shift 3
bin=${APP_BIN:-${CARGO_TARGET_DIR:-target}/release/taskflow-app}
mysql_host=${MYSQL_HOST:-127.0.0.1} pg_host=${PG_HOST:-127.0.0.1}
name=tf_scale_$$
role=tf_bench_app
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
pid=

case $backend in
  sqlite)
    url=sqlite://$dir/scale.db serve_url=$url serve_args=() ;;
  mysql)
    mariadb -h "$mysql_host" -u root -e "CREATE DATABASE $name"
    url=mysql://root@$mysql_host:3306/$name serve_url=$url serve_args=() ;;
  postgres)
    createdb -h "$pg_host" -U postgres "$name"
    url=postgres://postgres@$pg_host:5432/$name serve_url=postgres://$role@$pg_host:5432/$name
    serve_args=(--no-migrate) ;;
  *)
    echo "unknown backend $backend" >&2
    exit 1 ;;
esac

cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  case $backend in
    mysql) mariadb -h "$mysql_host" -u root -e "DROP DATABASE IF EXISTS $name" || true ;;
    postgres) dropdb -h "$pg_host" -U postgres --if-exists --force "$name" || true ;;
  esac
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== seed: $tenants tenants x 1 project x $tasks tasks on $backend"
DATABASE_URL=$url RUST_LOG=warn "$bin" seed --tenants "$tenants" --projects 1 --tasks "$tasks" --prefix demo
case $backend in
  postgres)
    psql -h "$pg_host" -U postgres -d "$name" -v ON_ERROR_STOP=1 -q -c "
      DO \$\$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
          CREATE ROLE $role LOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END \$\$;
      GRANT USAGE ON SCHEMA public TO $role;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $role;
      REVOKE ALL ON taskflow_entry_key FROM $role;
      ANALYZE;"
    psql -h "$pg_host" -U postgres -d "$name" -At -c \
      "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))" ;;
  mysql)
    mariadb -h "$mysql_host" -u root "$name" -e "ANALYZE TABLE tenants, users, projects, tasks" >/dev/null
    mariadb -h "$mysql_host" -u root -N -e "SELECT CONCAT('database size: ', ROUND(SUM(data_length + index_length) / 1048576), ' MiB') FROM information_schema.tables WHERE table_schema = '$name'" ;;
  sqlite)
    echo "database size: $(du -h "$dir/scale.db" | cut -f1)" ;;
esac

echo "== serve on 127.0.0.1:$port"
DATABASE_URL=$serve_url TASKFLOW_BIND=127.0.0.1:$port TASKFLOW_RATE_LIMIT=0 TASKFLOW_DEMO=0 \
  RUST_LOG=warn "$bin" serve "${serve_args[@]}" >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null -H "Host: localhost:$port" "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    break
  fi
  sleep 0.2
done

python3 benches/http/run.py --servers app --app-url "http://127.0.0.1:$port" --app-pid "$pid" \
  --login owner@demo-1.example:taskflow-demo@demo-1 --scenarios list,list_done,get "$@"
