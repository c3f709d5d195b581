"""Databases, starting and stopping the servers, their RSS."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .common import BenchError, log
from .api import request


# --------------------------------------------------------------------------- databases


class Database:
    """A fresh database of one server; made before it starts, dropped after it stops."""

    def __init__(self, backend: str, server: str, tmpdir: Path, args):
        self.backend = backend
        self.created = False
        tag = secrets.token_hex(3)
        if backend == "sqlite":
            self.path = tmpdir / f"{server}.db"
            self.name = str(self.path)
            self.url = f"sqlite://{self.path}"
            self.shown = self.url
            return
        self.name = f"tf_bench_{server}_{tag}"
        server_url = args.mysql_url if backend == "mysql" else args.postgres_url
        parts = urlsplit(server_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (3306 if backend == "mysql" else 5432)
        self.user = unquote(parts.username or ("root" if backend == "mysql" else "postgres"))
        self.password = unquote(parts.password) if parts.password else None
        netloc = parts.netloc.rsplit("@", 1)[-1]
        auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        self.url = f"{parts.scheme}://{auth}{netloc}/{self.name}"
        self.shown = f"{parts.scheme}://{self.user}@{netloc}/{self.name}"

    def _run(self, cmd: list[str], what: str) -> None:
        env = dict(os.environ)
        if self.password:
            env["MYSQL_PWD" if self.backend == "mysql" else "PGPASSWORD"] = self.password
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        except FileNotFoundError:
            raise BenchError(f"{what}: {cmd[0]} is not installed") from None
        except subprocess.TimeoutExpired:
            raise BenchError(f"{what}: {' '.join(cmd)} took over 120 s") from None
        if proc.returncode != 0:
            raise BenchError(f"{what}: {' '.join(cmd)} exited {proc.returncode}: "
                             f"{(proc.stderr or proc.stdout).strip()}")

    def psql(self, sql: str, what: str) -> None:
        self._run(["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.name,
                   "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], what)

    def url_as(self, role: str) -> str:
        """This database's URL with `role` as the user (trust or the same password)."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        secret = f":{quote(self.password)}" if self.password else ""
        return f"{parts.scheme}://{quote(role)}{secret}@{netloc}{parts.path}"

    def create(self) -> None:
        if self.backend == "mysql":
            self._run(["mariadb", "-h", self.host, "-P", str(self.port), "-u", self.user,
                       "-e", f"CREATE DATABASE `{self.name}`"], f"create database {self.name}")
        elif self.backend == "postgres":
            self._run(["createdb", "-h", self.host, "-p", str(self.port), "-U", self.user,
                       self.name], f"create database {self.name}")
        self.created = True

    def drop(self) -> None:
        if not self.created:
            return
        self.created = False
        if self.backend == "mysql":
            self._run(["mariadb", "-h", self.host, "-P", str(self.port), "-u", self.user,
                       "-e", f"DROP DATABASE IF EXISTS `{self.name}`"], f"drop {self.name}")
        elif self.backend == "postgres":
            self._run(["dropdb", "-h", self.host, "-p", str(self.port), "-U", self.user,
                       "--if-exists", "--force", self.name], f"drop {self.name}")
        # SQLite files go with the temp dir.


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str  # "app" or "baseline"
    url: str = ""
    port: int = 0
    base_domain: str = "localhost"
    started: bool = False  # by this script (else --*-url)
    binary: str | None = None
    proc: subprocess.Popen | None = None
    pid: int | None = None
    log_path: Path | None = None
    db: Database | None = None
    keep_alive: bool | None = None
    # filled by setup
    mode: str = "fresh"  # fresh | login
    subdomain: str = ""
    token: str = ""
    user_id: str | None = None
    read_project: str = ""
    write_project: str = ""
    comment_task: str = ""
    tasks: int = 0
    done_count: int | None = None
    cycle_ids: list[str] = field(default_factory=list)
    noise: list[dict] = field(default_factory=list)
    setup_seconds: float = 0.0
    created_write_project: bool = False
    lua: dict[str, str] = field(default_factory=dict)
    rss_after_setup_kib: int | None = None

    def host(self, sub: str | None = None) -> str:
        name = f"{sub}.{self.base_domain}" if sub else self.base_domain
        return f"{name}:{self.port}"

    def describe(self) -> dict:
        return {
            "name": self.name, "url": self.url, "started_by_script": self.started,
            "binary": self.binary, "binary_info": binary_info(self.binary), "pid": self.pid,
            "database": self.db.shown if self.db else None, "keep_alive": self.keep_alive,
            "mode": self.mode, "tenant_subdomain": self.subdomain,
            "tenant_host": self.host(self.subdomain) if self.subdomain else None,
            "read_project_id": self.read_project, "write_project_id": self.write_project,
            "comment_task_id": self.comment_task, "read_project_tasks": self.tasks,
            "read_project_done_tasks": self.done_count, "get_ids": self.cycle_ids,
            "noise_tenants": self.noise, "setup_seconds": round(self.setup_seconds, 2),
            "rss_after_setup_kib": self.rss_after_setup_kib,
        }


def binary_info(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return {"size": st.st_size,
            "mtime": dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).isoformat(
                timespec="seconds")}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path | None, n: int = 25) -> str:
    if not path or not path.exists():
        return ""
    lines = path.read_text(errors="replace").splitlines()[-n:]
    return "\n".join("    | " + line for line in lines)


def server_env(server: Server, db: Database, args, jwt_secret: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("TASKFLOW_") or k in ("DATABASE_URL", "REDIS_URL"))}
    env.update({
        "DATABASE_URL": db.url,
        "TASKFLOW_BIND": f"127.0.0.1:{server.port}",
        "TASKFLOW_BASE_DOMAIN": args.base_domain,
        "TASKFLOW_JWT_SECRET": jwt_secret,
        "TASKFLOW_RATE_LIMIT": "0",
        "TASKFLOW_DEMO": "0",
    })
    for kv in args.server_env:
        k, _, v = kv.partition("=")
        env[k] = v
    return env


def start_server(server: Server, args, tmpdir: Path, jwt_secret: str) -> None:
    server.started = True
    server.binary = args.app_bin if server.name == "app" else args.baseline_bin
    argv = [server.binary, "serve"] if server.name == "app" else \
        [server.binary, *shlex.split(args.baseline_args)]
    workdir = tmpdir / server.name
    workdir.mkdir()
    server.db = Database(args.backend, server.name, workdir, args)
    server.db.create()
    server.log_path = workdir / "server.log"
    serve_url = None
    if server.name == "app" and args.backend == "postgres" and args.pg_app_role:
        serve_url = migrate_and_grant(server, args, jwt_secret)
        argv = [*argv, "--no-migrate"]
    for attempt in range(3):
        server.port = free_port()
        server.url = f"http://127.0.0.1:{server.port}"
        env = server_env(server, server.db, args, jwt_secret)
        if serve_url:
            env["DATABASE_URL"] = serve_url
        with open(server.log_path, "ab") as logf:
            server.proc = subprocess.Popen(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                           stdout=logf, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        server.pid = server.proc.pid
        log(f"[{server.name}] started {' '.join(argv)} (pid {server.pid}) on {server.url}, "
            f"database {server.db.shown}")
        if wait_healthy(server, args.start_timeout):
            return
        if attempt < 2 and "in use" in log_tail(server.log_path, 5).lower():
            log(f"[{server.name}] port {server.port} was taken, trying another")
            continue
        break
    raise BenchError(f"{server.name}: GET /healthz never answered 200 "
                     f"(exit status {server.proc.poll()}); log {server.log_path}:\n"
                     f"{log_tail(server.log_path)}")


def migrate_and_grant(server: Server, args, jwt_secret: str) -> str:
    """PostgreSQL as deployed (README, "PostgreSQL roles"): `taskflow-app migrate` as the owner,
    then the app's role granted the tables but not the entry key; returns the URL to serve as."""
    db, role = server.db, args.pg_app_role
    env = server_env(server, db, args, jwt_secret)
    with open(server.log_path, "ab") as logf:
        done = subprocess.run([server.binary, "migrate"], env=env, stdin=subprocess.DEVNULL,
                              stdout=logf, stderr=subprocess.STDOUT, timeout=300)
    if done.returncode != 0:
        raise BenchError(f"app: migrate exited {done.returncode}; log {server.log_path}:\n"
                         f"{log_tail(server.log_path)}")
    quoted = '"' + role.replace('"', '""') + '"'
    literal = "'" + role.replace("'", "''") + "'"
    db.psql(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) THEN "
            f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$", "app role")
    db.psql(f"GRANT USAGE ON SCHEMA public TO {quoted}; "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}; "
            # The entry key (taskflow_tenant_entries before migration 0010) is the owner's.
            f"DO $$ BEGIN IF to_regclass('taskflow_entry_key') IS NOT NULL THEN "
            f"REVOKE ALL ON taskflow_entry_key FROM {quoted}; END IF; "
            f"IF to_regclass('taskflow_tenant_entries') IS NOT NULL THEN "
            f"REVOKE ALL ON taskflow_tenant_entries FROM {quoted}; END IF; END $$",
            "grants to the app role")
    log(f"[app] migrated as {db.user}; serves as role {role}")
    return db.url_as(role)


def wait_healthy(server: Server, timeout: int) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc is not None and server.proc.poll() is not None:
            return False
        try:
            if request(server, "GET", "/healthz", server.host()).status == 200:
                return True
        except BenchError:
            pass
        time.sleep(0.1)
    return False


def stop_server(server: Server) -> None:
    proc = server.proc
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"[{server.name}] did not stop within 15 s of SIGTERM: SIGKILL")
        proc.kill()
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def pid_listening_on(port: int) -> int | None:
    """The process that listens on 127.0.0.1/::1 `port`, from /proc (None if not visible)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(entry.name)
        except OSError:
            continue
    return None


def rss_kib(pid: int | None) -> int | None:
    if not pid:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f}"


def check_alive(server: Server) -> None:
    if server.proc is not None and server.proc.poll() is not None:
        raise BenchError(f"{server.name} exited with status {server.proc.returncode}; log "
                         f"{server.log_path}:\n{log_tail(server.log_path)}")
