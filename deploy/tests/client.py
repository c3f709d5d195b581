"""HTTP clients of the fault tests: one request, a kept-alive connection, and load threads
whose every request is recorded (when, what, how it ended)."""

from __future__ import annotations

import http.client
import json
from collections import Counter
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from layout import Layout, SniHTTPSConnection

# A request that does not answer within this long is recorded as a timeout.
REQUEST_TIMEOUT = 8.0


@dataclass
class Reply:
    status: int  # 0: no answer (refused, reset, timeout)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def code(self) -> str:
        """The API error code, `timeout`/`no answer` without one."""
        if self.status == 0:
            return self.error
        data = self.json()
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            return str(data["error"].get("code"))
        return ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def shown(self) -> str:
        return f"{self.status or self.error}" + (f" {self.code}" if self.status and self.code
                                                  else "")


class Target:
    """Where requests go: nginx over HTTPS (`port=None`), or one app process's port."""

    def __init__(self, layout: Layout, app: str | None = None):
        self.layout = layout
        self.app = app

    @property
    def name(self) -> str:
        return self.app or "nginx"

    def connection(self, host: str, timeout: float = REQUEST_TIMEOUT) -> http.client.HTTPConnection:
        cfg = self.layout.config
        if self.app is None:
            return SniHTTPSConnection(cfg.listen_host, cfg.https_port, host, timeout)
        port = self.layout.procs[self.app].port
        return http.client.HTTPConnection(cfg.listen_host, port, timeout=timeout)


class Conn:
    """One kept-alive connection to `target` for `host`, reopened after a failure."""

    def __init__(self, target: Target, host: str, timeout: float = REQUEST_TIMEOUT):
        self.target, self.host, self.timeout = target, host, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.reused = False  # whether the last request went on a connection used before

    def request(self, method: str, path: str, body=None, token: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        sent = {"Host": self.host, "Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        self.reused = self.conn is not None
        if self.conn is None:
            self.conn = self.target.connection(self.host, self.timeout)
        try:
            self.conn.request(method, path, body=data, headers=sent)
            resp = self.conn.getresponse()
            reply = Reply(resp.status, resp.read(), {k.lower(): v for k, v in resp.getheaders()})
            if resp.will_close:
                self.close()
            return reply
        except (socket.timeout, TimeoutError):
            self.close()
            return Reply(0, error="timeout")
        except (OSError, http.client.HTTPException) as err:
            self.close()
            return Reply(0, error=f"no answer ({type(err).__name__})")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def once(target: Target, host: str, method: str, path: str, body=None, token=None,
         headers=None, timeout: float = REQUEST_TIMEOUT) -> Reply:
    conn = Conn(target, host, timeout)
    try:
        return conn.request(method, path, body, token, headers)
    finally:
        conn.close()


@dataclass
class Tenant:
    subdomain: str
    host: str
    token: str
    tenant_id: str
    project_id: str = ""


def signup(layout: Layout, subdomain: str) -> Tenant:
    base = layout.config.base_domain
    reply = once(Target(layout), base, "POST", "/api/v1/tenants", body={
        "name": f"Fault {subdomain}", "subdomain": subdomain,
        "owner": {"email": f"owner@{subdomain}.example", "name": "Owner",
                  "password": "fault-test-password"}})
    if reply.status != 201:
        raise AssertionError(f"signup {subdomain}: {reply.shown()} {reply.body[:200]!r}")
    data = reply.json()
    tenant = Tenant(subdomain, f"{subdomain}.{base}", data["token"], data["tenant"]["id"])
    project = once(Target(layout), tenant.host, "POST", "/api/v1/projects",
                   body={"name": "Fault project"}, token=tenant.token)
    if project.status != 201:
        raise AssertionError(f"project of {subdomain}: {project.shown()}")
    tenant.project_id = project.json()["id"]
    return tenant


def all_titles(layout: Layout, tenant: Tenant, project_id: str | None = None) -> list[str]:
    """Every task title of the project, page by page, through nginx."""
    titles, cursor = [], None
    project_id = project_id or tenant.project_id
    conn = Conn(Target(layout), tenant.host, timeout=30)
    try:
        while True:
            path = f"/api/v1/projects/{project_id}/tasks?limit=200"
            if cursor:
                path += f"&cursor={cursor}"
            reply = conn.request("GET", path, token=tenant.token)
            if reply.status != 200:
                raise AssertionError(f"listing the tasks: {reply.shown()}")
            page = reply.json()
            titles += [t["title"] for t in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return titles
    finally:
        conn.close()


@dataclass
class Record:
    started: float
    ended: float
    method: str
    target: str
    status: int
    code: str
    title: str = ""  # of a create
    reused: bool = False
    key: str = ""  # the create's Idempotency-Key

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def shown(self) -> str:
        return f"{self.status}" + (f" {self.code}" if self.code else "") if self.status \
            else self.code


class Load:
    """Threads that each keep one connection alive and loop over reads and/or creates of a
    tenant's tasks until `stop()`; every request is a Record. Each create has a unique title
    and its own Idempotency-Key."""

    def __init__(self, tenant: Tenant, targets: list[Target], readers: int = 2,
                 writers: int = 2, pause: float = 0.0, timeout: float = REQUEST_TIMEOUT):
        self.tenant, self.targets, self.pause, self.timeout = tenant, targets, pause, timeout
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(kind, n), daemon=True)
                         for n, kind in enumerate(["read"] * readers + ["write"] * writers)]

    def start(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> list[Record]:
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return self.records

    def _loop(self, kind: str, n: int) -> None:
        target = self.targets[n % len(self.targets)]
        conn = Conn(target, self.tenant.host, self.timeout)
        seq = 0
        path_tasks = f"/api/v1/projects/{self.tenant.project_id}/tasks"
        while not self._stop.is_set():
            seq += 1
            title = key = ""
            started = time.monotonic()
            if kind == "read":
                reply = conn.request("GET", f"{path_tasks}?limit=20", token=self.tenant.token)
                method = "GET"
            else:
                title = f"fault-{n}-{seq}-{uuid.uuid4().hex[:8]}"
                key = str(uuid.uuid4())
                reply = conn.request("POST", path_tasks, body={"title": title},
                                     token=self.tenant.token,
                                     headers={"Idempotency-Key": key})
                method = "POST"
            record = Record(started, time.monotonic(), method, target.name, reply.status,
                            reply.code, title, conn.reused, key)
            with self._lock:
                self.records.append(record)
            if self.pause:
                time.sleep(self.pause)
        conn.close()


def between(records: list[Record], start: float, end: float) -> list[Record]:
    """The records of the requests started in [start, end)."""
    return [r for r in records if start <= r.started < end]


def rate(records: list[Record], start: float, end: float) -> float:
    done = [r for r in records if start <= r.ended < end and r.ok]
    return len(done) / max(end - start, 1e-9)


def tally(records: list[Record]) -> str:
    counts: dict[str, int] = {}
    for r in records:
        key = f"{r.method} {r.shown()}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"


def check_writes(layout: Layout, tenant: Tenant, records: list[Record]) -> tuple[str, list[str]]:
    """Every acknowledged create is there, once; a create that failed is not, unless its
    commit's answer was lost (the database went away between committing and saying so, which
    no server can tell apart from a commit that did not happen): then a retry with its
    Idempotency-Key, as the API tells clients to do after a 503, must get the stored answer and
    make no second row. A summary and the problems found."""
    titles = all_titles(layout, tenant)
    present = set(titles)
    creates = [r for r in records if r.method == "POST"]
    acked = [r for r in creates if r.ok]
    failed = [r for r in creates if not r.ok]
    missing = [r.title for r in acked if r.title not in present]
    written = [r for r in failed if r.title in present]
    problems = []
    if missing:
        problems.append(f"{len(missing)} acknowledged creates are missing, e.g. {missing[:3]}")
    retried = []
    conn = Conn(Target(layout), tenant.host, timeout=30)
    try:
        for r in written:
            reply = conn.request("POST", f"/api/v1/projects/{tenant.project_id}/tasks",
                                 body={"title": r.title}, token=tenant.token,
                                 headers={"Idempotency-Key": r.key})
            retried.append((r, reply))
    finally:
        conn.close()
    not_replayed = [(r, reply) for r, reply in retried
                    if not (200 <= reply.status < 300
                            and reply.headers.get("idempotent-replayed") == "true")]
    if not_replayed:
        problems.append(f"{len(not_replayed)} creates that failed were written, and a retry "
                        f"with their Idempotency-Key was not replayed: "
                        f"{[reply.shown() for _, reply in not_replayed][:3]}")
    after = all_titles(layout, tenant) if written else titles
    doubled = sorted(t for t, n in Counter(after).items() if n > 1)
    if doubled:
        problems.append(f"{len(doubled)} tasks were written twice, e.g. {doubled[:3]}")
    summary = (f"writes acknowledged {len(acked)}, found {len(acked) - len(missing)}; "
               f"failed {len(failed)} ({tally(failed)}), of which written {len(written)}")
    if written:
        summary += (f" (commits whose answer was lost; retried with their Idempotency-Key: "
                    f"replayed {len(retried) - len(not_replayed)} of {len(retried)}, "
                    f"tasks written twice {len(doubled)})")
    return summary, problems
