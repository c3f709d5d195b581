"""The fault tests' own database and Redis servers: on free loopback ports, with their data
under the run's temp dir, so a test may stop, kill and restart them. Never the machine's own."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from layout import LayoutError, free_port, log_tail

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _wait_port(port: int, up: bool, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise LayoutError(f"{what} on port {port} is still {'down' if up else 'up'} after "
                      f"{timeout:.0f} s:\n{log_tail(log)}")


def _run(cmd: list[str], what: str, timeout: float = 120, **kw) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if done.returncode != 0:
        raise LayoutError(f"{what}: {' '.join(cmd)} exited {done.returncode}: "
                          f"{(done.stderr or done.stdout).strip()}")
    return done.stdout


class MariaDb:
    """A MariaDB server of its own (`mariadbd --no-defaults`), root without a password."""

    backend = "mysql"

    def __init__(self, base: Path, database: str = "taskflow"):
        self.dir = base / "mariadb"
        self.datadir = self.dir / "data"
        self.socket = self.dir / "mariadb.sock"
        self.log = self.dir / "mariadb.log"
        self.port = free_port()
        self.database = database
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{self.database}"

    def init(self) -> None:
        self.datadir.mkdir(parents=True)
        _run(["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={self.datadir}",
              "--auth-root-authentication-method=normal", "--skip-test-db"],
             "mariadb-install-db")
        self.start()
        self.sql(f"CREATE DATABASE `{self.database}`", database="")

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                ["mariadbd", "--no-defaults", "--user=root", f"--datadir={self.datadir}",
                 f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                 f"--pid-file={self.dir / 'mariadb.pid'}", "--innodb-buffer-pool-size=128M",
                 "--max-connections=500", "--skip-log-bin"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        _wait_port(self.port, True, 60, "MariaDB", self.log)
        # The port opens a moment before the server takes queries.
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sql("SELECT 1", database="")
                return
            except LayoutError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the server refuses connections until `start`."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sql(self, query: str, database: str | None = None) -> list[list[str]]:
        """Rows of `query`, run with the `mariadb` client over TCP."""
        out = _run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(self.port), "-u",
                    "root", "--batch", "--skip-column-names", "-e", query,
                    *([self.database] if database is None else [])], "mariadb", timeout=30)
        return [line.split("\t") for line in out.splitlines()]


class Postgres:
    """A PostgreSQL 15 cluster of its own, run as the `postgres` user, trust auth."""

    backend = "postgres"

    def __init__(self, base: Path, database: str = "taskflow"):
        self.dir = base / "postgres"
        self.datadir = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.database = database

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def _as_postgres(self, *cmd: str, what: str, timeout: float = 120) -> str:
        return _run(["runuser", "-u", "postgres", "--", *cmd], what, timeout=timeout)

    def init(self) -> None:
        pw = pwd.getpwnam("postgres")
        self.dir.mkdir(parents=True)
        # The temp dir above is root's; postgres must reach its own folder through it.
        for parent in [self.dir, *self.dir.parents]:
            if parent == Path("/tmp") or parent == Path(parent.anchor):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                          "-A", "trust", "--no-sync", "-E", "UTF8", what="initdb")
        self.start()
        self.sql(f'CREATE DATABASE "{self.database}"', database="postgres")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                   f"-c max_connections=300 -c shared_buffers=64MB")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.log),
                          "-o", options, "-w", "-t", "60", "start", what="pg_ctl start")

    def stop(self) -> None:
        if self.running():
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                              "-w", "-t", "60", "stop", what="pg_ctl stop")

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def sql(self, query: str, database: str | None = None) -> list[list[str]]:
        out = _run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                    "-d", database or self.database, "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t",
                    "-c", query], "psql", timeout=30)
        return [line.split("\t") for line in out.splitlines()]


class Redis:
    """A Redis of its own, nothing saved to disk."""

    def __init__(self, base: Path):
        self.dir = base / "redis"
        self.log = self.dir / "redis.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                 str(self.dir)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        _wait_port(self.port, True, 20, "Redis", self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)
        _wait_port(self.port, False, 10, "Redis", self.log)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def database_server(backend: str, base: Path) -> MariaDb | Postgres:
    return MariaDb(base) if backend == "mysql" else Postgres(base)
