"""The TaskFlow production layout on one machine: nginx in front of N `taskflow-app serve`
processes and M `taskflow-app worker` processes, on MariaDB or PostgreSQL and Redis.

`deploy/run-local` is the command line over this module; `deploy/tests/` drives it from
Python to break and restore its pieces. Everything the layout writes (rendered nginx files,
certificate, secrets, pid files, logs, state.json) lives in its state dir. Python 3.11 standard
library only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import string
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

DEPLOY_DIR = Path(__file__).resolve().parent
REPO_ROOT = DEPLOY_DIR.parent
NGINX_DIR = DEPLOY_DIR / "nginx"

# The serve processes' drain timeout (taskflow-app's http::serve grace) plus a margin.
STOP_TIMEOUT = 35.0
START_TIMEOUT = 60.0
# Who may read /metrics: loopback and the private networks a monitoring system sits on.
METRICS_ALLOW = ("127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


class LayoutError(Exception):
    """A piece of the layout could not be started, checked or stopped."""


def log(msg: str) -> None:
    print(f"[layout] {msg}", flush=True)


# --------------------------------------------------------------------------- settings


def default_app_bin() -> str:
    if os.environ.get("TASKFLOW_APP_BIN"):
        return os.environ["TASKFLOW_APP_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO_ROOT / "target")
    return str(Path(target) / "debug" / "taskflow-app")


def default_state_dir() -> Path:
    return Path(tempfile.gettempdir()) / "taskflow-layout"


@dataclass
class LayoutConfig:
    """What to run, where. Ports are on `listen_host` (loopback unless told otherwise)."""

    database_url: str
    redis_url: str
    state_dir: Path = field(default_factory=default_state_dir)
    app_bin: str = field(default_factory=default_app_bin)
    frontend_dir: Path = REPO_ROOT / "frontend" / "dist"
    base_domain: str = "localhost"
    listen_host: str = "127.0.0.1"
    http_port: int = 8080
    https_port: int = 8443
    app_ports: list[int] = field(default_factory=lambda: [8101, 8102, 8103])
    workers: int = 2
    # None keeps the app's default limit; the fault tests turn it off (0) to make load.
    rate_limit: int | None = None
    # A real certificate and key; without them the layout makes a self-signed one.
    tls_certificate: Path | None = None
    tls_certificate_key: Path | None = None
    # PostgreSQL: the role the app serves as (migrations run as DATABASE_URL's owner), and
    # optionally its full URL (with its password); by default DATABASE_URL with that user.
    pg_app_role: str = "taskflow_app"
    pg_app_url: str | None = None
    # Extra environment for the app and worker processes (e.g. RUST_LOG).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        scheme = urlsplit(self.database_url).scheme
        if scheme in ("postgres", "postgresql"):
            return "postgres"
        if scheme in ("mysql", "mariadb"):
            return "mysql"
        raise LayoutError(f"DATABASE_URL: the layout runs on mysql: or postgres:, not {scheme}:")


# --------------------------------------------------------------------------- small helpers


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def log_tail(path: Path, n: int = 20) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return ""
    return "\n".join("    | " + line for line in lines)


def pid_alive(pid: int | None) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def url_with_user(url: str, user: str) -> str:
    """`url` with `user` instead of its user, keeping its password (local trust setups)."""
    parts = urlsplit(url)
    hostport = parts.netloc.rsplit("@", 1)[-1]
    userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    password = userinfo.split(":", 1)[1] if ":" in userinfo else None
    auth = quote(user) + (f":{password}" if password else "")
    return urlunsplit((parts.scheme, f"{auth}@{hostport}", parts.path, parts.query, ""))


class SniHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address (e.g. 127.0.0.1) with another name in SNI: nginx only completes
    the handshake for the names it serves, and `*.localhost` may not resolve here."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float = 10.0,
                 source_address: tuple[str, int] | None = None):
        context = ssl.create_default_context()
        # The local layout's certificate is self-signed.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(address, port, timeout=timeout, context=context,
                         source_address=source_address)
        self.server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout,
                                        self.source_address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)


def http_get_status(host: str, port: int, path: str, host_header: str, *, tls: bool = False,
                    timeout: float = 2.0) -> int | None:
    """The status of one GET, or None when nothing answered."""
    conn = (SniHTTPSConnection(host, port, host_header, timeout) if tls
            else http.client.HTTPConnection(host, port, timeout=timeout))
    try:
        conn.request("GET", path, headers={"Host": host_header})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


# --------------------------------------------------------------------------- nginx files


class _Placeholders(string.Template):
    """Only `${UPPER_CASE}` is ours; nginx's `$host` and friends are left as they are."""

    pattern = r"""\$(?:(?P<escaped>(?!))|(?P<named>(?!))|\{(?P<braced>[A-Z][A-Z0-9_]*)\}|(?P<invalid>(?!)))"""


def render(template: Path, values: dict[str, str]) -> str:
    """`template` with its placeholders filled in; a placeholder without a value is an error."""
    try:
        return _Placeholders(template.read_text()).substitute(values)
    except KeyError as missing:
        raise LayoutError(f"{template.name}: no value for ${{{missing.args[0]}}}") from None


def render_site(*, base_domain: str, http_listen: str, https_listen: str, https_port: int,
                upstreams: list[str], tls_certificate: Path, tls_certificate_key: Path,
                frontend_dir: Path, metrics_allow: tuple[str, ...] = METRICS_ALLOW) -> str:
    """deploy/nginx/taskflow.conf.template for these settings: the production site file."""
    if not re.fullmatch(r"[a-z0-9.-]+", base_domain):
        raise LayoutError(f"base domain {base_domain!r} is not a domain name")
    return render(NGINX_DIR / "taskflow.conf.template", {
        "BASE_DOMAIN": base_domain,
        "HTTP_LISTEN": http_listen,
        "HTTPS_LISTEN": https_listen,
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        # No failure accounting (max_fails=0): the app's 503 means a dependency all its
        # processes share is down, and counted as failures (proxy_next_upstream http_503) it
        # marks every process down, so nginx answers its own 502 "no live upstreams" until
        # fail_timeout passes. A dead process still costs only a refused connect and a retry.
        "UPSTREAM_SERVERS": "\n".join(f"    server {u} max_fails=0;" for u in upstreams),
        "TLS_CERTIFICATE": str(tls_certificate),
        "TLS_CERTIFICATE_KEY": str(tls_certificate_key),
        # nginx reads a relative root against its own prefix, not the working folder.
        "FRONTEND_DIR": str(Path(frontend_dir).resolve()),
        "METRICS_ALLOW": "\n".join(f"        allow {a};" for a in metrics_allow),
    })


def ensure_nginx() -> str:
    """The nginx binary, installed from Debian's package when missing."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                       else None)
    if found:
        return found
    log("nginx is not installed: apt-get install -y --no-install-recommends nginx")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise LayoutError("nginx is still missing after apt-get install")
    return found


def make_self_signed(cert: Path, key: Path, base_domain: str) -> None:
    """A certificate for the base domain and its subdomains, valid 30 days."""
    names = f"DNS:{base_domain},DNS:*.{base_domain}"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
         "-subj", f"/CN={base_domain}", "-addext", f"subjectAltName={names}",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True)
    if done.returncode != 0:
        raise LayoutError(f"openssl could not make a certificate: {done.stderr.strip()}")
    key.chmod(0o600)


class Nginx:
    """One nginx with its own prefix, pid file, logs and temp paths under `state_dir`."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.conf = state_dir / "nginx.conf"
        self.site = state_dir / "taskflow.conf"
        self.pid_file = state_dir / "nginx.pid"
        self.prefix = state_dir / "nginx"
        self.error_log = state_dir / "logs" / "nginx-error.log"

    def write(self, site: str) -> None:
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        self.error_log.parent.mkdir(parents=True, exist_ok=True)
        self.site.write_text(site)
        self.conf.write_text(render(NGINX_DIR / "nginx.conf.template", {
            # A root master would hand its workers to `nobody`, who may not read the
            # frontend or the state dir: locally the workers stay the invoking user.
            "USER_DIRECTIVE": "user root;" if os.geteuid() == 0 else "",
            "WORKER_PROCESSES": "2",
            "STATE_DIR": str(self.state_dir),
            "SITE_CONF": str(self.site),
        }))

    def _cmd(self, *args: str) -> list[str]:
        return [ensure_nginx(), "-p", f"{self.prefix}/", "-c", str(self.conf),
                "-e", str(self.error_log), *args]

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        return pid_alive(self.pid())

    def start(self) -> None:
        test = subprocess.run(self._cmd("-t", "-q"), capture_output=True, text=True)
        if test.returncode != 0:
            raise LayoutError(f"nginx -t refused {self.conf}:\n{test.stderr.strip()}")
        done = subprocess.run(self._cmd(), capture_output=True, text=True)
        if done.returncode != 0:
            raise LayoutError(f"nginx did not start:\n{done.stderr.strip()}\n"
                              f"{log_tail(self.error_log)}")
        deadline = time.monotonic() + 10
        while not self.running():
            if time.monotonic() > deadline:
                raise LayoutError(f"nginx wrote no live pid to {self.pid_file}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """`nginx -s quit` (workers finish their requests), then SIGTERM, then SIGKILL."""
        pid = self.pid()
        if not pid_alive(pid):
            return
        subprocess.run(self._cmd("-s", "quit"), capture_output=True)
        if _wait_gone(pid, timeout):
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if _wait_gone(pid, 5):
                return
        raise LayoutError(f"nginx (pid {pid}) does not stop")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    """One `taskflow-app` process of the layout: `app-N` (serve, with a port) or `worker-N`."""

    name: str
    port: int | None = None
    pid: int | None = None

    @property
    def is_app(self) -> bool:
        return self.port is not None


class Layout:
    """The layout of `config`: `start()`, `stop()`, `status()`, and the pieces one by one
    (`kill`, `terminate`, `restart`) for the fault tests."""

    def __init__(self, config: LayoutConfig):
        self.config = config
        self.state_dir = Path(config.state_dir).resolve()
        self.logs = self.state_dir / "logs"
        self.nginx = Nginx(self.state_dir)
        self.procs: dict[str, Proc] = {}
        # The processes this Python process started, so it can reap them and read exit codes.
        self.popen: dict[str, subprocess.Popen] = {}
        self.log_offsets: dict[str, int] = {}
        self.jwt_secret = ""
        self.admin_token = ""
        self.serve_url = config.database_url

    # ---- state shared between `run-local start` and a later `run-local stop|status`

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    def save(self) -> None:
        config = {k: (str(v) if isinstance(v, Path) else v)
                  for k, v in asdict(self.config).items()}
        state = {"config": config, "procs": [asdict(p) for p in self.procs.values()],
                 "serve_url": self.serve_url}
        self.state_file.write_text(json.dumps(state, indent=2))

    @classmethod
    def load(cls, state_dir: Path) -> "Layout":
        try:
            state = json.loads((Path(state_dir) / "state.json").read_text())
        except (OSError, ValueError):
            raise LayoutError(f"no layout state in {state_dir}") from None
        config = state["config"]
        for key in ("state_dir", "frontend_dir", "tls_certificate", "tls_certificate_key"):
            if config.get(key):
                config[key] = Path(config[key])
        layout = cls(LayoutConfig(**config))
        layout.procs = {p["name"]: Proc(**p) for p in state["procs"]}
        layout.serve_url = state["serve_url"]
        layout._load_secrets()
        return layout

    def _load_secrets(self) -> None:
        """The JWT secret and operator token: made once per state dir, kept owner-only, so
        every process (and a restarted one) signs and checks with the same secret."""
        path = self.state_dir / "secrets.json"
        if path.exists():
            found = json.loads(path.read_text())
        else:
            found = {"jwt_secret": secrets.token_urlsafe(48),
                     "admin_token": secrets.token_urlsafe(32)}
            path.touch(mode=0o600)
            path.write_text(json.dumps(found))
        self.jwt_secret, self.admin_token = found["jwt_secret"], found["admin_token"]

    # ---- the whole layout

    def start(self) -> None:
        cfg = self.config
        if not Path(cfg.app_bin).is_file():
            raise LayoutError(f"no taskflow-app binary at {cfg.app_bin} (--bin or "
                              f"TASKFLOW_APP_BIN; build with cargo build -p taskflow-app)")
        if not (Path(cfg.frontend_dir) / "index.html").is_file():
            raise LayoutError(f"{cfg.frontend_dir} holds no index.html: build the frontend "
                              f"(npm ci --prefix frontend && npm --prefix frontend run build)")
        if self.state_file.exists() and any(self._alive(p) for p in self._stored_procs()):
            raise LayoutError(f"a layout already runs from {self.state_dir}: stop it first")
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        self._load_secrets()
        self.procs = {f"app-{i + 1}": Proc(f"app-{i + 1}", port)
                      for i, port in enumerate(cfg.app_ports)}
        self.procs.update({f"worker-{i + 1}": Proc(f"worker-{i + 1}")
                           for i in range(cfg.workers)})
        self.migrate()
        self.save()
        try:
            for proc in self.procs.values():
                self._spawn(proc)
                self.save()
            for proc in self.procs.values():
                self.wait_ready(proc)
            self.nginx.write(self._site())
            self.nginx.start()
            self.wait_nginx()
        except BaseException:
            self.stop()
            raise
        log(f"up: https://{cfg.base_domain}:{cfg.https_port}/ (tenants on "
            f"*.{cfg.base_domain}), {len(cfg.app_ports)} apps, {cfg.workers} workers, "
            f"state in {self.state_dir}")

    def _stored_procs(self) -> list[Proc]:
        try:
            return [Proc(**p) for p in json.loads(self.state_file.read_text())["procs"]]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def stop(self) -> None:
        """nginx first (no new requests reach the apps), then every process, in parallel:
        SIGTERM, up to STOP_TIMEOUT for it to drain, then SIGKILL."""
        self.nginx.stop()
        pending = [p for p in self.procs.values() if self._alive(p)]
        for proc in pending:
            self._signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in pending:
            if not self._wait_exit(proc, max(0.0, deadline - time.monotonic())):
                log(f"{proc.name} (pid {proc.pid}) ignored SIGTERM for {STOP_TIMEOUT:.0f} s: "
                    f"SIGKILL")
                self._signal(proc, signal.SIGKILL)
                self._wait_exit(proc, 5)
        for proc in self.procs.values():
            proc.pid = None
        if self.state_dir.exists():
            self.save()

    def status(self) -> list[dict]:
        cfg = self.config
        rows = [{"name": "nginx", "pid": self.nginx.pid(), "alive": self.nginx.running(),
                 "address": f"https://{cfg.listen_host}:{cfg.https_port}",
                 "readyz": http_get_status(cfg.listen_host, cfg.https_port, "/readyz",
                                           cfg.base_domain, tls=True)}]
        for proc in self.procs.values():
            row = {"name": proc.name, "pid": proc.pid, "alive": self._alive(proc)}
            if proc.is_app:
                row["address"] = f"http://{cfg.listen_host}:{proc.port}"
                row["readyz"] = http_get_status(cfg.listen_host, proc.port, "/readyz",
                                                cfg.base_domain)
            rows.append(row)
        return rows

    # ---- migrations and the PostgreSQL role

    def migrate(self) -> None:
        """`taskflow-app migrate` once, as DATABASE_URL's user; on PostgreSQL the app's role
        then gets the tables but not the tenant entry key (README, "PostgreSQL roles")."""
        cfg = self.config
        path = self.logs / "migrate.log"
        with open(path, "ab") as out:
            done = subprocess.run([cfg.app_bin, "migrate"], env=self._env(cfg.database_url),
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=300)
        if done.returncode != 0:
            raise LayoutError(f"taskflow-app migrate exited {done.returncode}:\n"
                              f"{log_tail(path)}")
        if cfg.backend == "postgres":
            self.serve_url = cfg.pg_app_url or url_with_user(cfg.database_url, cfg.pg_app_role)
            self._grant_app_role(unquote(urlsplit(self.serve_url).username or ""))
        else:
            self.serve_url = cfg.database_url
        log(f"migrated ({cfg.backend}); the apps serve as "
            f"{unquote(urlsplit(self.serve_url).username or '?')}")

    def _grant_app_role(self, role: str) -> None:
        ident = '"' + role.replace('"', '""') + '"'
        literal = "'" + role.replace("'", "''") + "'"
        sql = (
            # A role given in --pg-app-url is the operator's, with its own password; only a
            # missing one is made here (local trust setups).
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) "
            f"THEN CREATE ROLE {ident} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$;\n"
            f"GRANT USAGE ON SCHEMA public TO {ident};\n"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ident};\n"
            f"REVOKE ALL ON taskflow_entry_key FROM {ident};\n")
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                               "-d", self.config.database_url, "-c", sql],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise LayoutError(f"granting the app role {role}: {done.stderr.strip()}")

    # ---- one process

    def _env(self, database_url: str, port: int | None = None) -> dict[str, str]:
        cfg = self.config
        # Nothing of the caller's own TaskFlow settings leaks into the layout's processes.
        env = {k: v for k, v in os.environ.items()
               if not (k.startswith("TASKFLOW_") or k in ("DATABASE_URL", "REDIS_URL"))}
        env.update({
            "DATABASE_URL": database_url,
            "REDIS_URL": cfg.redis_url,
            "TASKFLOW_BASE_DOMAIN": cfg.base_domain,
            "TASKFLOW_JWT_SECRET": self.jwt_secret,
            "TASKFLOW_ADMIN_TOKEN": self.admin_token,
            "TASKFLOW_DEMO": "0",
            "TASKFLOW_FRONTEND_DIR": str(cfg.frontend_dir),
            # nginx, on this machine, names the client in X-Forwarded-For: the app counts
            # failed logins per client by it.
            "TASKFLOW_TRUSTED_PROXIES": "127.0.0.1,::1",
        })
        if port is not None:
            env["TASKFLOW_BIND"] = f"{cfg.listen_host}:{port}"
        if cfg.rate_limit is not None:
            env["TASKFLOW_RATE_LIMIT"] = str(cfg.rate_limit)
        env.update(cfg.extra_env)
        return env

    def _spawn(self, proc: Proc) -> None:
        argv = ([self.config.app_bin, "serve", "--no-migrate"] if proc.is_app
                else [self.config.app_bin, "worker"])
        log_path = self.logs / f"{proc.name}.log"
        self.log_offsets[proc.name] = log_path.stat().st_size if log_path.exists() else 0
        with open(log_path, "ab") as out:
            # A session of its own: the layout outlives `run-local start`, and a ^C in the
            # terminal of a test run does not reach it before the runner restores things.
            child = subprocess.Popen(argv, env=self._env(self.serve_url, proc.port),
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        proc.pid = child.pid
        self.popen[proc.name] = child
        (self.state_dir / f"{proc.name}.pid").write_text(f"{child.pid}\n")

    def _alive(self, proc: Proc) -> bool:
        child = self.popen.get(proc.name)
        if child is not None and child.pid == proc.pid:
            return child.poll() is None
        return pid_alive(proc.pid)

    def _signal(self, proc: Proc, sig: int) -> None:
        try:
            os.kill(proc.pid, sig)
        except (ProcessLookupError, TypeError):
            pass

    def _wait_exit(self, proc: Proc, timeout: float) -> bool:
        child = self.popen.get(proc.name)
        if child is not None and child.pid == proc.pid:
            try:
                child.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        return _wait_gone(proc.pid, timeout) if proc.pid else True

    def wait_ready(self, proc: Proc, timeout: float = START_TIMEOUT) -> None:
        """An app answers /healthz; a worker has logged that it runs jobs."""
        deadline = time.monotonic() + timeout
        log_path = self.logs / f"{proc.name}.log"
        while time.monotonic() < deadline:
            if not self._alive(proc):
                raise LayoutError(f"{proc.name} exited while starting:\n{log_tail(log_path)}")
            if proc.is_app:
                if http_get_status(self.config.listen_host, proc.port, "/healthz",
                                   self.config.base_domain, timeout=1) == 200:
                    return
            else:
                # Only what this run of the process wrote: the log is appended to.
                with open(log_path, "rb") as f:
                    f.seek(self.log_offsets.get(proc.name, 0))
                    if b"running background jobs" in f.read():
                        return
            time.sleep(0.1)
        raise LayoutError(f"{proc.name} not ready within {timeout:.0f} s:\n{log_tail(log_path)}")

    def wait_nginx(self, timeout: float = 20.0) -> None:
        cfg = self.config
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if http_get_status(cfg.listen_host, cfg.https_port, "/healthz", cfg.base_domain,
                               tls=True, timeout=1) == 200:
                return
            time.sleep(0.1)
        raise LayoutError(f"nginx does not answer /healthz on {cfg.https_port}:\n"
                          f"{log_tail(self.nginx.error_log)}")

    def _site(self) -> str:
        cfg = self.config
        cert, key = cfg.tls_certificate, cfg.tls_certificate_key
        if not (cert and key):
            cert, key = self.state_dir / "tls.crt", self.state_dir / "tls.key"
            if not (cert.exists() and key.exists()):
                make_self_signed(cert, key, cfg.base_domain)
        return render_site(
            base_domain=cfg.base_domain,
            http_listen=f"{cfg.listen_host}:{cfg.http_port}",
            https_listen=f"{cfg.listen_host}:{cfg.https_port}",
            https_port=cfg.https_port,
            upstreams=[f"{cfg.listen_host}:{p}" for p in cfg.app_ports],
            tls_certificate=cert, tls_certificate_key=key, frontend_dir=cfg.frontend_dir)

    # ---- faults, for the tests

    def send_signal(self, name: str, sig: int) -> None:
        """Sends `sig` to process `name` and returns at once."""
        self._signal(self.procs[name], sig)

    def wait_exit(self, name: str, timeout: float) -> bool:
        """Whether process `name` ended within `timeout` seconds."""
        return self._wait_exit(self.procs[name], timeout)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Sends `sig` to process `name` (SIGKILL by default) and waits for it to end."""
        self.send_signal(name, sig)
        if not self.wait_exit(name, STOP_TIMEOUT):
            raise LayoutError(f"{name} (pid {self.procs[name].pid}) still runs "
                              f"{STOP_TIMEOUT:.0f} s after signal {sig}")

    def alive(self, name: str) -> bool:
        return self._alive(self.procs[name])

    def exit_code(self, name: str) -> int | None:
        """The exit status of a process this Python process started and saw end."""
        child = self.popen.get(name)
        return None if child is None else child.poll()

    def restart(self, name: str) -> None:
        """Starts process `name` again (after a kill) and waits until it is ready."""
        proc = self.procs[name]
        if self._alive(proc):
            raise LayoutError(f"{name} still runs (pid {proc.pid})")
        self._spawn(proc)
        self.save()
        self.wait_ready(proc)

    def app_names(self) -> list[str]:
        return [p.name for p in self.procs.values() if p.is_app]

    def worker_names(self) -> list[str]:
        return [p.name for p in self.procs.values() if not p.is_app]
