"""The fault tests: each breaks one piece of the running layout under load, asserts what the
API contract requires, restores what it broke, and reports its figures."""

from __future__ import annotations

import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from client import (
    Conn, Load, Target, Tenant, between, check_writes, once, rate, signup, tally,
)
from layout import Layout, LayoutError
from servers import MariaDb, Postgres, Redis


@dataclass
class Run:
    """What a test is given, and what it found."""

    layout: Layout
    db: MariaDb | Postgres
    redis: Redis
    base: Path
    figures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, msg: str) -> None:
        print(f"    {msg}", flush=True)

    def figure(self, msg: str) -> None:
        self.figures.append(msg)
        self.say(msg)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)
            self.say(f"FAILED: {problem}")

    def nginx(self) -> Target:
        return Target(self.layout)

    def apps(self) -> list[Target]:
        return [Target(self.layout, name) for name in self.layout.app_names()]

    def tenant(self, tag: str) -> Tenant:
        return signup(self.layout, f"{tag}{secrets.token_hex(4)}")

    def platform(self, method: str, path: str, target: Target | None = None, body=None,
                 token: str | None = None, timeout: float = 5.0):
        return once(target or self.nginx(), self.layout.config.base_domain, method, path,
                    body=body, token=token, timeout=timeout)


def wait_until(check, timeout: float, step: float = 0.05):
    """The first truthy value of `check()` within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(step)


def readyz_all(run: Run) -> dict[str, int]:
    return {t.name: run.platform("GET", "/readyz", t, timeout=3).status
            for t in [run.nginx(), *run.apps()]}


# --------------------------------------------------------------------------- a


def database_stopped(run: Run) -> None:
    """The database is stopped ~10 s under load: fast 503s, /readyz 503, quick recovery,
    no acknowledged write lost, and no failed write kept but one whose commit's answer the
    shutdown cut off, which its retry with the same Idempotency-Key replays, once."""
    tenant = run.tenant("fa")
    load = Load(tenant, [run.nginx()], readers=2, writers=2).start()
    t0 = time.monotonic()
    time.sleep(4)
    t_stop = time.monotonic()
    run.db.stop()
    t_down = time.monotonic()
    run.say(f"database stopped in {t_down - t_stop:.1f} s")
    time.sleep(1.5)
    ready_down = readyz_all(run)
    time.sleep(max(0.0, t_down + 10 - time.monotonic()))
    # `start` returns once the server takes queries, which it may do a while before that:
    # the database counts as down only until the start command is given.
    t_starting = time.monotonic()
    run.db.start()
    t_up = time.monotonic()
    run.say("database started again")
    back = wait_until(lambda: run.platform("GET", "/readyz").status == 200 and time.monotonic(),
                      30, 0.1)
    # Load goes on long enough to measure the rate 5 s after the database is back.
    time.sleep(max(0.0, t_up + 9 - time.monotonic()))
    records = load.stop()
    t_end = time.monotonic()

    # Requests sent and answered while it was down (after the shutdown, which already
    # refuses work, and before it was started again).
    down = [r for r in between(records, t_down + 0.2, t_starting) if r.ended < t_starting]
    slow = [r for r in down if r.seconds > 1.5]
    wrong = [r for r in down if not (r.status == 503 and r.code == "unavailable")]
    first_ok = min((r.ended for r in records if r.started >= t_up and r.ok), default=None)
    recovery = (first_ok - t_up) if first_ok else None
    after = between(records, t_up + 5, t_end)
    run.figure(f"req/s (2xx) before {rate(records, t0, t_stop):.0f}, during "
               f"{rate(records, t_down, t_up):.0f} (answers/s "
               f"{len(down) / max(t_starting - t_down, 1e-9):.1f}), after "
               f"{rate(records, t_up + 5, t_end):.0f}")
    run.figure(f"while down: {tally(down)}; slowest "
               f"{max((r.seconds for r in down), default=0):.2f} s")
    run.figure(f"/readyz while down: {ready_down}")
    run.figure(f"recovery: first 2xx {recovery:.2f} s after the database was back"
               if recovery is not None else "recovery: no 2xx after the database was back")
    run.figure(f"/readyz 200 again {back - t_up:.2f} s after" if back else
               "/readyz never 200 again")
    run.expect(bool(down), "no request was sent while the database was down")
    run.expect(not slow, f"{len(slow)} requests took over 1.5 s while it was down "
                         f"(slowest {max((r.seconds for r in slow), default=0):.1f} s, "
                         f"answers {tally(slow)})")
    run.expect(not wrong, f"{len(wrong)} answers while down were not 503 unavailable: "
                          f"{tally(wrong)}")
    run.expect(all(s == 503 for s in ready_down.values()),
               f"/readyz while down answered {ready_down}")
    run.expect(recovery is not None and recovery <= 5.0,
               f"no recovery within 5 s (first 2xx after {recovery})")
    run.expect(all(r.ok for r in after), f"errors 5 s after recovery: "
                                          f"{tally([r for r in after if not r.ok])}")
    summary, problems = check_writes(run.layout, tenant, records)
    run.figure(summary)
    for p in problems:
        run.expect(False, p)


# --------------------------------------------------------------------------- b


def app_killed(run: Run) -> None:
    """SIGKILL to one serve process under load: nginx moves to the others."""
    victim = run.layout.app_names()[0]
    tenant = run.tenant("fb")
    load = Load(tenant, [run.nginx()], readers=3, writers=2).start()
    t0 = time.monotonic()
    time.sleep(3)
    t_kill = time.monotonic()
    run.layout.kill(victim)
    run.say(f"{victim} killed")
    time.sleep(5)
    records = load.stop()
    t_end = time.monotonic()
    run.layout.restart(victim)
    run.say(f"{victim} restarted")
    gets = [r for r in records if r.method == "GET"]
    failed_gets = [r for r in gets if not r.ok]
    run.figure(f"req/s (2xx) before {rate(records, t0, t_kill):.0f}, after the kill "
               f"{rate(records, t_kill, t_end):.0f}")
    run.figure(f"answers after the kill: {tally(between(records, t_kill, t_end))}")
    run.expect(not failed_gets, f"{len(failed_gets)} of {len(gets)} GETs failed: "
                                f"{tally(failed_gets)}")
    summary, problems = check_writes(run.layout, tenant, records)
    run.figure(summary)
    for p in problems:
        run.expect(False, p)


# --------------------------------------------------------------------------- c


def app_terminated(run: Run) -> None:
    """SIGTERM to a serve process with requests in flight, on kept-alive connections to its
    own port and through nginx: they complete, and it exits 0 within its drain timeout."""
    victim = run.layout.app_names()[1]
    tenant = run.tenant("fc")
    direct = Load(tenant, [Target(run.layout, victim)], readers=3, writers=1).start()
    proxied = Load(tenant, [run.nginx()], readers=2, writers=1).start()
    logins: list[tuple[float, float, int, str]] = []
    stop_logins = threading.Event()
    email = f"owner@{tenant.subdomain}.example"

    def login_loop() -> None:
        # Logins hash the password (argon2): the slow requests of the API.
        conn = Conn(Target(run.layout, victim), tenant.host)
        while not stop_logins.is_set():
            started = time.monotonic()
            reply = conn.request("POST", "/api/v1/auth/login",
                                 body={"email": email, "password": "fault-test-password"})
            logins.append((started, time.monotonic(), reply.status, reply.code))
        conn.close()

    login_threads = [threading.Thread(target=login_loop, daemon=True) for _ in range(2)]
    for t in login_threads:
        t.start()
    time.sleep(2.5)
    t_sig = time.monotonic()
    run.layout.send_signal(victim, signal.SIGTERM)
    exited = run.layout.wait_exit(victim, 30)
    t_exit = time.monotonic()
    time.sleep(1)
    stop_logins.set()
    records_direct = direct.stop()
    records_proxied = proxied.stop()
    for t in login_threads:
        t.join(10)
    code = run.layout.exit_code(victim)
    if not exited:
        run.layout.kill(victim)
    run.layout.restart(victim)
    run.say(f"{victim} restarted")

    before = [r for r in records_direct if r.started < t_sig]
    lost = [r for r in before if not r.ok]
    in_flight = [r for r in before if r.ended > t_sig]
    after = [r for r in records_direct if r.started >= t_sig]
    slow_before = [x for x in logins if x[0] < t_sig]
    slow_lost = [x for x in slow_before if not 200 <= x[2] < 300]
    slow_in_flight = [x for x in slow_before if x[1] > t_sig]
    login_secs = sorted(x[1] - x[0] for x in logins if x[2] == 200)
    run.figure(f"exit status {code}, {t_exit - t_sig:.2f} s after SIGTERM" if exited else
               "still running 30 s after SIGTERM")
    run.figure(f"direct, sent before SIGTERM: {len(before)} ({len(in_flight)} in flight), "
               f"failed {len(lost)} ({tally(lost)}); sent after: {tally(after)}")
    run.figure(f"logins (median {login_secs[len(login_secs) // 2] if login_secs else 0:.2f} s) "
               f"sent before SIGTERM: {len(slow_before)} ({len(slow_in_flight)} in flight), "
               f"failed {len(slow_lost)}")
    gets = [r for r in records_proxied if r.method == "GET"]
    run.figure(f"through nginx: {tally(records_proxied)}")
    run.expect(exited and code == 0, f"exit status {code} (exited within 30 s: {exited})")
    run.expect(not lost, f"{len(lost)} requests sent on kept-alive connections before SIGTERM "
                         f"got no answer: {tally(lost)}")
    run.expect(not slow_lost, f"{len(slow_lost)} logins in flight at SIGTERM failed: "
                              f"{sorted({x[3] or x[2] for x in slow_lost})}")
    run.expect(all(r.ok for r in gets), f"GETs through nginx failed: "
                                        f"{tally([r for r in gets if not r.ok])}")
    summary, problems = check_writes(run.layout, tenant, records_direct + records_proxied)
    run.figure(summary)
    for p in problems:
        run.expect(False, p)


# --------------------------------------------------------------------------- d


def jobs_sql(run: Run, where: str) -> list[list[str]]:
    return run.db.sql(f"SELECT status, attempts, progress FROM jobs WHERE {where}")


def seeded_project(run: Run, tasks: int) -> Tenant:
    """A tenant with one project of `tasks` tasks, written by `taskflow-app seed`."""
    prefix = f"fd{secrets.token_hex(3)}"
    started = time.monotonic()
    env = run.layout._env(run.db.url)
    done = subprocess.run([run.layout.config.app_bin, "seed", "--tenants", "1", "--projects",
                           "1", "--tasks", str(tasks), "--prefix", prefix], env=env,
                          capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise LayoutError(f"seed exited {done.returncode}: {done.stderr[-500:]}")
    run.say(f"seeded {tasks} tasks in {time.monotonic() - started:.1f} s")
    host = f"{prefix}-1.{run.layout.config.base_domain}"
    login = once(run.nginx(), host, "POST", "/api/v1/auth/login",
                 body={"email": f"owner@{prefix}-1.example", "password": "taskflow-demo"})
    if login.status != 200:
        raise AssertionError(f"login to the seeded tenant: {login.shown()}")
    data = login.json()
    tenant = Tenant(f"{prefix}-1", host, data["token"], data["user"].get("tenant_id", ""))
    projects = once(run.nginx(), host, "GET", "/api/v1/projects", token=tenant.token).json()
    tenant.project_id = projects["items"][0]["id"]
    return tenant


def report(run: Run, tenant: Tenant, project_id: str | None = None):
    return once(run.nginx(), tenant.host, "POST",
                f"/api/v1/projects/{project_id or tenant.project_id}/reports",
                token=tenant.token)


def report_status(run: Run, tenant: Tenant, report_id: str) -> dict:
    reply = once(run.nginx(), tenant.host, "GET", f"/api/v1/reports/{report_id}",
                 token=tenant.token)
    return reply.json() if reply.status == 200 else {"status": f"http {reply.shown()}"}


def worker_killed(run: Run) -> None:
    """SIGKILL to the worker running a report: another worker finishes it after the lease;
    one CSV, no job left running."""
    tasks = 20_000
    tenant = seeded_project(run, tasks)
    killed, other = run.layout.worker_names()[:2]
    # Only `killed` may claim the job.
    run.layout.kill(other, signal.SIGTERM)
    try:
        asked = report(run, tenant)
        run.expect(asked.status == 202, f"report request answered {asked.shown()}")
        report_id = asked.json()["id"]
        seen = wait_until(lambda: (s := report_status(run, tenant, report_id))["status"]
                          in ("running", "done", "failed") and s, 30, 0.02)
        run.figure(f"report seen {seen and seen['status']} at progress "
                   f"{seen and seen.get('progress')}")
        if not seen or seen["status"] != "running":
            run.expect(False, f"the report was never seen running (saw {seen})")
            return
        t_kill = time.monotonic()
        run.layout.kill(killed)
        run.say(f"{killed} killed mid-report; {other} started again")
        run.layout.restart(other)
        done = wait_until(lambda: (s := report_status(run, tenant, report_id))["status"]
                          in ("done", "failed") and s, 120, 0.5)
        t_done = time.monotonic()
        run.figure(f"report {done and done['status']} {t_done - t_kill:.1f} s after the kill "
                   f"(the lease is 60 s)")
        run.expect(bool(done) and done["status"] == "done",
                   f"the report did not finish after the kill: {done}")
        rows = jobs_sql(run, f"payload LIKE '%{tenant.project_id}%'")
        running = run.db.sql("SELECT COUNT(*) FROM jobs WHERE status = 'running'")[0][0]
        run.figure(f"jobs of the project (status, attempts, progress): {rows}; jobs running "
                   f"anywhere: {running}")
        run.expect(len(rows) == 1 and rows[0][0] == "done",
                   f"the project's jobs are {rows}, not one done job")
        run.expect(running == "0", f"{running} jobs left running")
        csv = once(run.nginx(), tenant.host, "GET", f"/api/v1/reports/{report_id}/download",
                   token=tenant.token, timeout=30)
        lines = csv.body.decode(errors="replace").splitlines()
        ids = {line.split(",", 1)[0] for line in lines[1:]}
        run.figure(f"download: {csv.shown()}, {csv.headers.get('content-type')}, "
                   f"{len(lines) - 1} rows, {len(ids)} distinct ids")
        run.expect(csv.status == 200 and len(lines) - 1 == tasks and len(ids) == tasks,
                   f"the CSV is {csv.status} with {len(lines) - 1} rows for {tasks} tasks")
    finally:
        for name in (killed, other):
            if not run.layout.alive(name):
                run.layout.restart(name)


# --------------------------------------------------------------------------- e


def report_latency(run: Run, tenant: Tenant, n: int) -> list[float]:
    """Seconds from 202 to done for `n` reports asked one after another (None: not done)."""
    found = []
    for _ in range(n):
        asked = report(run, tenant)
        t0 = time.monotonic()
        if asked.status != 202:
            found.append(None)
            continue
        rid = asked.json()["id"]
        done = wait_until(lambda: report_status(run, tenant, rid)["status"] == "done", 15, 0.02)
        found.append(round(time.monotonic() - t0, 2) if done else None)
    return found


def redis_restarted(run: Run) -> None:
    """Redis restarted mid-run: jobs enqueued before are not lost, a report asked while it
    is down is 503 and writes nothing, wake-ups resume after."""
    tenant = run.tenant("fe")
    for k in range(5):
        once(run.nginx(), tenant.host, "POST", f"/api/v1/projects/{tenant.project_id}/tasks",
             body={"title": f"task {k}"}, token=tenant.token)
    run.figure(f"report latencies before (s): {report_latency(run, tenant, 3)}")
    workers = run.layout.worker_names()
    # Frozen workers cannot take the wake-ups: the jobs below wait in the database alone
    # while Redis, and every wake-up in it, goes away.
    for name in workers:
        run.layout.send_signal(name, signal.SIGSTOP)
    try:
        pending = [report(run, tenant) for _ in range(2)]
        run.redis.stop()
    finally:
        for name in workers:
            run.layout.send_signal(name, signal.SIGCONT)
    run.say("Redis stopped with 2 reports waiting")
    pending_ids = [r.json()["id"] for r in pending if r.status == 202]
    run.expect(len(pending_ids) == 2, f"reports before the stop: {[r.shown() for r in pending]}")
    path = f"/api/v1/projects/{tenant.project_id}/reports"
    listed = lambda: len(once(run.nginx(), tenant.host, "GET", path,  # noqa: E731
                              token=tenant.token).json()["items"])
    before = listed()
    refused = [report(run, tenant) for _ in range(3)]
    ready_down = readyz_all(run)
    after = listed()
    run.figure(f"while down: reports asked answered {[r.shown() for r in refused]}, reports "
               f"listed {before} -> {after}; /readyz {ready_down}")
    run.expect(all(r.status == 503 and r.code == "unavailable" for r in refused),
               f"a report asked while Redis was down answered {[r.shown() for r in refused]}")
    run.expect(after == before, f"reports asked while Redis was down were written "
                                f"({before} -> {after})")
    run.expect(all(s == 503 for s in ready_down.values()), f"/readyz while down: {ready_down}")
    time.sleep(2)
    run.redis.start()
    t_up = time.monotonic()
    ready = wait_until(lambda: all(s == 200 for s in readyz_all(run).values()), 20, 0.2)
    run.figure(f"Redis back; /readyz 200 everywhere after {time.monotonic() - t_up:.1f} s"
               if ready else f"/readyz after Redis returned: {readyz_all(run)}")
    run.expect(bool(ready), "/readyz did not come back to 200 within 20 s")
    finished = wait_until(lambda: all(report_status(run, tenant, rid)["status"] == "done"
                                      for rid in pending_ids), 20, 0.2)
    run.figure(f"reports asked before the restart done {time.monotonic() - t_up:.1f} s after "
               f"it" if finished else "reports asked before the restart never finished: "
               f"{[report_status(run, tenant, rid)['status'] for rid in pending_ids]}")
    run.expect(bool(finished), "a job enqueued before the Redis restart was lost")
    latencies = report_latency(run, tenant, 5)
    run.figure(f"report latencies after (s): {latencies}")
    # Idle workers poll only every 5 s: a report done within 1.5 s each time was woken.
    run.expect(all(x is not None and x <= 1.5 for x in latencies),
               f"reports after the restart not promptly done: {latencies}")


# --------------------------------------------------------------------------- f


def tenant_suspended(run: Run) -> None:
    """The operator suspends a tenant under load: after the PATCH answered, no process
    answers that tenant with a 2xx."""
    tenant = run.tenant("ff")
    targets = [run.nginx(), *run.apps()]
    load = Load(tenant, targets, readers=len(targets) * 2, writers=0).start()
    time.sleep(2)
    patched = run.platform("PATCH", f"/api/v1/admin/tenants/{tenant.tenant_id}",
                           body={"is_active": False}, token=run.layout.admin_token)
    t_patch = time.monotonic()
    run.expect(patched.status == 200, f"the PATCH answered {patched.shown()}")
    time.sleep(4)
    records = load.stop()
    resumed = run.platform("PATCH", f"/api/v1/admin/tenants/{tenant.tenant_id}",
                           body={"is_active": True}, token=run.layout.admin_token)
    run.say(f"tenant resumed: {resumed.shown()}")
    after = [r for r in records if r.started >= t_patch]
    for target in targets:
        mine = [r for r in after if r.target == target.name]
        oks = [r for r in mine if r.ok]
        last = max((r.ended - t_patch for r in oks), default=None)
        run.figure(f"{target.name}: after the PATCH {tally(mine)}"
                   + (f"; last 2xx {last:.2f} s after it" if last is not None else ""))
        run.expect(not oks, f"{target.name} answered {len(oks)} requests of the suspended "
                            f"tenant with 2xx, the last {last and round(last, 2)} s after the "
                            f"PATCH")
    run.expect(all(r.status == 403 and r.code == "tenant_suspended" for r in after if not r.ok),
               f"answers after the PATCH: {tally(after)}")
