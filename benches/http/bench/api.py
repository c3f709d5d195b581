"""HTTP client, seeding the servers through the API, checking each scenario once."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import http.client
import json
import random
import secrets
import string
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .common import (
    BenchError, PAGE_LIMIT, PRIORITIES, REQUEST_TIMEOUT, STATUSES, WRITE_SCENARIOS, log
)

if TYPE_CHECKING:  # servers.py imports this module; Server is only an annotation here
    from .servers import Server


# --------------------------------------------------------------------------- HTTP client


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer to report, not to follow


# No proxies (loopback traffic must never go through http_proxy), no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def excerpt(self, n: int = 300) -> str:
        text = self.body.decode("utf-8", "replace").strip()
        return text if len(text) <= n else text[:n] + "..."


def request(server: Server, method: str, path: str, host: str, token: str | None = None,
            body: dict | None = None) -> Reply:
    headers = {"Host": host, "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=REQUEST_TIMEOUT) as resp:
            return Reply(resp.status, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.read() or b"")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise BenchError(f"{server.name}: {method} {path} (Host {host}): no answer: {err}") from None


def call(server: Server, method: str, path: str, want: int, what: str, sub: str | None = None,
         token: str | None = None, body: dict | None = None) -> dict:
    host = server.host(sub)
    reply = request(server, method, path, host, token, body)
    if reply.status != want:
        raise BenchError(f"{server.name}: {what}: {method} {path} (Host {host}) answered "
                         f"{reply.status}, the contract says {want}; body: {reply.excerpt()}")
    data = reply.json()
    if not isinstance(data, dict):
        raise BenchError(f"{server.name}: {what}: {method} {path}: body is not a JSON object: "
                         f"{reply.excerpt()}")
    return data


def probe_keep_alive(server: Server) -> bool | None:
    conn = http.client.HTTPConnection("127.0.0.1" if server.started else urlsplit(server.url).hostname,
                                      server.port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"Host": server.host()})
        resp = conn.getresponse()
        resp.read()
        return not resp.will_close
    except OSError:
        return None
    finally:
        conn.close()


# --------------------------------------------------------------------------- setup


def random_subdomain(rng: random.Random, prefix: str) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(12))


def signup(server: Server, rng: random.Random, prefix: str) -> tuple[str, str, str | None]:
    """Signs up a fresh tenant; returns (subdomain, token, owner user id)."""
    for _ in range(3):
        sub = random_subdomain(rng, prefix)
        password = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20))
        email = f"owner@{sub}.example.com"
        body = {"name": f"Bench {sub}", "subdomain": sub,
                "owner": {"email": email, "name": "Bench Owner", "password": password}}
        reply = request(server, "POST", "/api/v1/tenants", server.host(), body=body)
        if reply.status == 409:
            continue
        if reply.status != 201 or not isinstance(reply.json(), dict):
            raise BenchError(f"{server.name}: sign up a tenant: POST /api/v1/tenants answered "
                             f"{reply.status}, the contract says 201; body: {reply.excerpt()}")
        data = reply.json()
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        token = data.get("token")
        if not isinstance(token, str) or not token:
            login = call(server, "POST", "/api/v1/auth/login", 200, "log in after sign-up",
                         sub=sub, body={"email": email, "password": password})
            token = login.get("token")
            user = login.get("user") if isinstance(login.get("user"), dict) else user
            if not isinstance(token, str) or not token:
                raise BenchError(f"{server.name}: neither sign-up nor login gave a token")
        return sub, token, user.get("id")
    raise BenchError(f"{server.name}: three random subdomains were all taken (409)")


def create_project(server: Server, sub: str, token: str, name: str) -> str:
    data = call(server, "POST", "/api/v1/projects", 201, f"create project {name!r}", sub=sub,
                token=token, body={"name": name, "description": "made by benches/http/run.py"})
    if not isinstance(data.get("id"), str):
        raise BenchError(f"{server.name}: project answer has no id: {data}")
    return data["id"]


def task_body(k: int, assignee: str | None) -> dict:
    body = {
        "title": f"Bench task {k + 1}",
        "description": f"Task {k + 1} made by benches/http/run.py for load tests",
        "status": STATUSES[k % 3],
        "priority": PRIORITIES[(k // 3) % 3],
    }
    if k % 4 == 0:
        body["due_date"] = (dt.date(2030, 1, 1) + dt.timedelta(days=k % 90)).isoformat()
    if assignee and k % 2 == 0:
        body["assignee_id"] = assignee
    return body


def create_task(server: Server, sub: str, token: str, project: str, k: int,
                assignee: str | None) -> tuple[int, str, str]:
    body = task_body(k, assignee)
    data = call(server, "POST", f"/api/v1/projects/{project}/tasks", 201, f"create task {k + 1}",
                sub=sub, token=token, body=body)
    if not isinstance(data.get("id"), str):
        raise BenchError(f"{server.name}: task answer has no id: {data}")
    if data.get("status") != body["status"] or data.get("priority") != body["priority"]:
        raise BenchError(f"{server.name}: created task answers status={data.get('status')!r} "
                         f"priority={data.get('priority')!r}, sent {body['status']!r}/"
                         f"{body['priority']!r}")
    return k, data["id"], data["status"]


def run_pool(fn, jobs: list[tuple], workers: int, what: str, every: int) -> list:
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, *job) for job in jobs]
        try:
            for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
                results.append(fut.result())
                if n % every == 0 or n == len(jobs):
                    log(f"  {what} {n}/{len(jobs)}")
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return results


def pick_cycle(ids: list[str], n: int) -> list[str]:
    n = min(n, len(ids))
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def setup_fresh(server: Server, args, rng: random.Random, scenarios: list[str]) -> None:
    started = time.monotonic()
    server.subdomain, server.token, server.user_id = signup(server, rng, "hb")
    sub, token = server.subdomain, server.token
    log(f"  [{server.name}] tenant {sub} (Host {server.host(sub)}) signed up")
    server.read_project = create_project(server, sub, token, "bench-read")
    server.write_project = create_project(server, sub, token, "bench-write")
    comment = create_task(server, sub, token, server.write_project, 0, server.user_id)
    server.comment_task = comment[1]
    jobs = [(server, sub, token, server.read_project, k, server.user_id) for k in range(args.tasks)]
    results = sorted(run_pool(create_task, jobs, args.setup_concurrency, f"[{server.name}] tasks",
                              max(1, args.tasks // 4)))
    ids = [tid for _, tid, _ in results]
    server.tasks = len(ids)
    server.done_count = sum(1 for _, _, st in results if st == "done")
    server.cycle_ids = pick_cycle(ids, args.get_ids)

    def noise_tenant(i: int) -> dict:
        nsub, ntoken, nuser = signup(server, rng, "hn")
        pid = create_project(server, nsub, ntoken, f"noise-{i}")
        for k in range(args.noise_tasks):
            create_task(server, nsub, ntoken, pid, k, nuser)
        return {"subdomain": nsub, "project_id": pid, "tasks": args.noise_tasks}

    if args.noise_tenants:
        server.noise = run_pool(noise_tenant, [(i,) for i in range(args.noise_tenants)],
                                args.setup_concurrency, f"[{server.name}] noise tenants",
                                max(1, args.noise_tenants // 4))
    server.setup_seconds = time.monotonic() - started
    log(f"  [{server.name}] setup done in {server.setup_seconds:.1f}s: {server.tasks} tasks "
        f"({server.done_count} done), {len(server.noise)} noise tenants")


def setup_login(server: Server, args, rng: random.Random, scenarios: list[str]) -> None:
    """An already seeded server: log in, find a project with tasks; writes get a project of
    their own (deleted at the end)."""
    started = time.monotonic()
    server.mode = "login"
    email, password, sub = args.login
    server.subdomain = sub
    data = call(server, "POST", "/api/v1/auth/login", 200, f"log in as {email}", sub=sub,
                body={"email": email, "password": password})
    if not isinstance(data.get("token"), str):
        raise BenchError(f"{server.name}: login answer has no token")
    server.token = data["token"]
    server.user_id = (data.get("user") or {}).get("id")
    token = server.token
    if args.project:
        candidates = [args.project]
    else:
        page = call(server, "GET", "/api/v1/projects?limit=200", 200, "list projects", sub=sub,
                    token=token)
        candidates = [p.get("id") for p in page.get("items") or [] if isinstance(p, dict)]
        if not candidates:
            raise BenchError(f"{server.name}: tenant {sub} has no project")
    best: tuple[int, str, list] | None = None
    for pid in candidates[:50]:
        page = call(server, "GET", f"/api/v1/projects/{pid}/tasks?limit={PAGE_LIMIT}", 200,
                    "look for a project with tasks", sub=sub, token=token)
        items = page.get("items") or []
        if best is None or len(items) > best[0]:
            best = (len(items), pid, items)
        if len(items) >= PAGE_LIMIT:
            break
    if not best or best[0] == 0:
        raise BenchError(f"{server.name}: no project of tenant {sub} has tasks")
    server.tasks, server.read_project, items = best
    server.done_count = None  # unknown: the check only requires done items
    server.cycle_ids = pick_cycle([t["id"] for t in items], args.get_ids)
    if any(s in WRITE_SCENARIOS for s in scenarios):
        server.write_project = create_project(server, sub, token,
                                              f"bench-http-write-{secrets.token_hex(4)}")
        server.created_write_project = True
        server.comment_task = create_task(server, sub, token, server.write_project, 0,
                                          server.user_id)[1]
    server.setup_seconds = time.monotonic() - started
    log(f"  [{server.name}] logged in to {sub}; read project {server.read_project} "
        f"(first page: {server.tasks} tasks); write project {server.write_project or '-'}")


def cleanup_login(server: Server) -> None:
    if server.created_write_project and server.token:
        server.created_write_project = False
        try:
            reply = request(server, "DELETE", f"/api/v1/projects/{server.write_project}",
                            server.host(server.subdomain), server.token)
            log(f"[{server.name}] deleted write project {server.write_project}: {reply.status}")
        except BenchError as err:
            log(f"[{server.name}] could not delete write project: {err}")


# --------------------------------------------------------------------------- scenarios


WRITE_BODY = {"title": "Bench write", "description": "written by benches/http/run.py under load",
              "status": "todo", "priority": "high", "due_date": "2030-06-30"}
COMMENT_BODY = {"body": "A comment written by benches/http/run.py under load."}


def scenario_request(server: Server, scenario: str) -> tuple[str, str, dict | None]:
    if scenario == "list":
        return "GET", f"/api/v1/projects/{server.read_project}/tasks?limit={PAGE_LIMIT}", None
    if scenario == "list_done":
        return ("GET", f"/api/v1/projects/{server.read_project}/tasks?limit={PAGE_LIMIT}"
                       f"&status=done", None)
    if scenario == "get":
        return "GET", f"/api/v1/tasks/{server.cycle_ids[0]}", None
    if scenario == "create":
        return "POST", f"/api/v1/projects/{server.write_project}/tasks", WRITE_BODY
    if scenario == "comment":
        return "POST", f"/api/v1/tasks/{server.comment_task}/comments", COMMENT_BODY
    raise ValueError(scenario)


SCENARIO_DOC = {
    "list": "GET /api/v1/projects/{read}/tasks?limit=50",
    "list_done": "GET /api/v1/projects/{read}/tasks?limit=50&status=done",
    "get": "GET /api/v1/tasks/{id}, cycling over --get-ids ids",
    "create": "POST /api/v1/projects/{write}/tasks",
    "comment": "POST /api/v1/tasks/{id}/comments",
}


def check_page(server: Server, data: dict, what: str, want_len: int | None,
               status: str | None) -> int:
    items = data.get("items")
    if not isinstance(items, list) or "next_cursor" not in data:
        raise BenchError(f"{server.name}: {what}: not a page {{items, next_cursor}}: {data!r:.300}")
    if want_len is not None and len(items) != want_len:
        raise BenchError(f"{server.name}: {what}: {len(items)} items, expected {want_len}")
    if len(items) > PAGE_LIMIT:
        raise BenchError(f"{server.name}: {what}: {len(items)} items, over limit={PAGE_LIMIT}")
    for item in items:
        if not isinstance(item, dict) or item.get("project_id") != server.read_project:
            raise BenchError(f"{server.name}: {what}: item of another project: {item!r:.300}")
        if status and item.get("status") != status:
            raise BenchError(f"{server.name}: {what}: item with status {item.get('status')!r}")
    return len(items)


def check_scenarios(server: Server, scenarios: list[str]) -> list[str]:
    """One request per scenario (every id for `get`), before anything is timed."""
    sub, token = server.subdomain, server.token
    notes = []
    for scenario in scenarios:
        method, path, body = scenario_request(server, scenario)
        want = 201 if method == "POST" else 200
        data = call(server, method, path, want, f"check {scenario}", sub=sub, token=token,
                    body=body)
        if scenario == "list":
            want_len = min(PAGE_LIMIT, server.tasks) if server.mode == "fresh" else None
            n = check_page(server, data, "check list", want_len, None)
            notes.append(f"list {n} items")
        elif scenario == "list_done":
            want_len = min(PAGE_LIMIT, server.done_count) if server.done_count is not None else None
            n = check_page(server, data, "check list_done", want_len, "done")
            if n == 0:
                log(f"  WARNING: [{server.name}] list_done answers an empty page")
            notes.append(f"list_done {n} items")
        elif scenario == "get":
            for tid in server.cycle_ids:
                got = call(server, "GET", f"/api/v1/tasks/{tid}", 200, "check get", sub=sub,
                           token=token)
                if got.get("id") != tid:
                    raise BenchError(f"{server.name}: GET /api/v1/tasks/{tid} answered id "
                                     f"{got.get('id')!r}")
            notes.append(f"get {len(server.cycle_ids)} ids")
        elif scenario == "create":
            if data.get("title") != WRITE_BODY["title"] or data.get("project_id") != \
                    server.write_project or not isinstance(data.get("id"), str):
                raise BenchError(f"{server.name}: check create: unexpected body {data!r:.300}")
            notes.append("create 201")
        elif scenario == "comment":
            if data.get("body") != COMMENT_BODY["body"] or data.get("task_id") != \
                    server.comment_task or not isinstance(data.get("id"), str):
                raise BenchError(f"{server.name}: check comment: unexpected body {data!r:.300}")
            notes.append("comment 201")
    log(f"  [{server.name}] checks passed: {', '.join(notes)}")
    return notes
