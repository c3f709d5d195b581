#!/usr/bin/env python3
"""TaskFlow HTTP load benchmark: real release binaries over loopback, driven by wrk.

Starts `taskflow-app serve` and the hand-written baseline `taskflow-baseline`, each on a free
loopback port and a fresh database of its own (SQLite file, MariaDB or PostgreSQL database),
seeds them through the HTTP API only, checks every scenario once, then runs wrk (`--latency`
and a generated Lua script per server and scenario) and prints, per scenario and server,
req/s, p50, p99, RSS and the ratio of the app to the baseline. Python 3.11 standard library.

    python3 benches/http/run.py --backend sqlite --rounds 3 --duration 10s \
        --connections 16 --threads 2 --tasks 500 --noise-tenants 20

See benches/http/README.md for the flags. Exit status: 0 ok; 1 bad arguments or a plan over
--max-minutes; 2 a server, the setup, a scenario check or wrk failed; 3 timed runs saw non-2xx
answers or socket errors (the numbers are still printed); 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import (
    BACKENDS, BenchError, Interrupted, LOOPBACK_HOSTS, REPO_ROOT, SCENARIOS, SERVER_NAMES, T0,
    WRITE_SCENARIOS, log
)
from bench.servers import (
    Server, check_alive, mib, pid_listening_on, rss_kib, start_server, stop_server
)
from bench.api import (
    check_scenarios, cleanup_login, probe_keep_alive, request, scenario_request, setup_fresh,
    setup_login
)
from bench.wrk import finish_wrk, run_line, run_wrk, sock_total, write_lua, wrk_cmd
from bench.report import print_report, summarize, write_json


# --------------------------------------------------------------------------- arguments


def parse_seconds(text: str) -> int:
    """wrk-style duration ('10s', '2m', '1h', '10') -> whole seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smh]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (use e.g. 10s, 2m)")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def parse_login(text: str) -> tuple[str, str, str]:
    """EMAIL:PASSWORD@SUBDOMAIN -> (email, password, subdomain)."""
    left, at, sub = text.rpartition("@")
    email, colon, password = left.partition(":")
    if not (at and colon and email and password and sub):
        raise argparse.ArgumentTypeError(
            f"--login: expected EMAIL:PASSWORD@SUBDOMAIN, e.g. "
            f"owner@demo-1.example:taskflow-demo@demo-1; got {text!r}")
    return email, password, sub.lower()


def default_bin(name: str) -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO_ROOT / "target")
    return str(Path(target) / "release" / name)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="HTTP load benchmark of taskflow-app against taskflow-baseline (wrk).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("servers")
    g.add_argument("--servers", default="app,baseline",
                   help="comma list from app,baseline (the app is A, the baseline B)")
    g.add_argument("--backend", choices=BACKENDS, default="sqlite",
                   help="database of the servers this script starts (a fresh one each)")
    g.add_argument("--app-bin", default=default_bin("taskflow-app"),
                   help="taskflow-app binary (run as `taskflow-app serve`)")
    g.add_argument("--baseline-bin", default=default_bin("taskflow-baseline"),
                   help="taskflow-baseline binary")
    g.add_argument("--baseline-args", default="",
                   help="arguments for the baseline binary (shell words), e.g. 'serve'")
    g.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the started servers (repeatable), e.g. RUST_LOG=warn")
    g.add_argument("--mysql-url", default="mysql://root@127.0.0.1:3306",
                   help="MariaDB server for --backend mysql (a database tf_bench_* is made and dropped)")
    g.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432",
                   help="PostgreSQL server for --backend postgres")
    g.add_argument("--pg-app-role", default="tf_bench_app",
                   help="on PostgreSQL the app is migrated as the URL's user, then serves as this "
                        "role (made if missing: LOGIN NOSUPERUSER NOBYPASSRLS, granted the app's "
                        "tables, not the entry key), as the README's deployment has it; '' serves "
                        "as the URL's user (a superuser bypasses row-level security)")
    g.add_argument("--base-domain", default="localhost", help="TASKFLOW_BASE_DOMAIN")
    g.add_argument("--start-timeout", type=parse_seconds, default=120,
                   help="seconds to wait for GET /healthz after starting a server")
    g.add_argument("--app-url", help="measure an already running app here instead of starting one")
    g.add_argument("--baseline-url", help="measure an already running baseline here")
    g.add_argument("--app-pid", type=int, help="pid of the --app-url server, for RSS "
                   "(default: the process listening on its port, when it can be found)")
    g.add_argument("--baseline-pid", type=int, help="pid of the --baseline-url server, for RSS")
    g.add_argument("--login", type=parse_login, metavar="EMAIL:PASSWORD@SUBDOMAIN",
                   help="with --app-url/--baseline-url: no setup, log in to this already seeded "
                        "tenant and measure one of its projects with tasks "
                        "(taskflow-app seed: owner@demo-1.example:taskflow-demo@demo-1)")
    g.add_argument("--project", help="with --login: the project to list (default: the first "
                                     "with a full page of tasks)")
    g.add_argument("--allow-remote", action="store_true", help="allow non-loopback --*-url")

    g = p.add_argument_group("load")
    g.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma list from {','.join(SCENARIOS)}")
    g.add_argument("--duration", type=parse_seconds, default=10, help="each timed run (wrk -d)")
    g.add_argument("--write-duration", type=parse_seconds,
                   help="each timed run of create/comment (default: --duration)")
    g.add_argument("--warmup", type=parse_seconds, default=2,
                   help="untimed run per scenario and server before its rounds (0: none)")
    g.add_argument("--rounds", type=int, default=3,
                   help="timed runs per scenario and server, alternating app,baseline then baseline,app")
    g.add_argument("--connections", type=int, default=16, help="wrk -c")
    g.add_argument("--threads", type=int, default=2, help="wrk -t")
    g.add_argument("--wrk-timeout", type=int, default=5, help="wrk --timeout, seconds")
    g.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk", help="wrk binary")
    g.add_argument("--soak", type=parse_seconds, metavar="DURATION",
                   help="instead of the scenarios: run `list` on the app alone this long and "
                        "print its RSS every --soak-interval")
    g.add_argument("--soak-interval", type=parse_seconds, default=10, help="RSS sampling period")

    g = p.add_argument_group("data")
    g.add_argument("--tasks", type=int, default=500, help="tasks in the read project")
    g.add_argument("--noise-tenants", type=int, default=20, help="more tenants per server")
    g.add_argument("--noise-tasks", type=int, default=5, help="tasks per noise tenant")
    g.add_argument("--get-ids", type=int, default=32, help="task ids `get` cycles over")
    g.add_argument("--setup-concurrency", type=int, default=4, help="parallel setup requests")
    g.add_argument("--seed", type=int, help="random seed of subdomains and names")

    g = p.add_argument_group("output")
    g.add_argument("--json", metavar="OUT", help="write config, every raw run and the summary here "
                                                "(rewritten after every run)")
    g.add_argument("--max-minutes", type=float, default=30.0,
                   help="refuse plans longer than this (wrk time plus a setup estimate)")
    g.add_argument("--keep-temp", action="store_true",
                   help="keep the temp dir (Lua scripts hold tokens, server logs, SQLite files)")
    return p



# --------------------------------------------------------------------------- phases


def diagnose(server: Server, scenario: str) -> str:
    method, path, body = scenario_request(server, scenario)
    try:
        reply = request(server, method, path, server.host(server.subdomain), server.token, body)
        return f"a single {method} {path} now answers {reply.status}: {reply.excerpt(200)}"
    except BenchError as err:
        return str(err)


def record_failure(doc: dict, res: dict, server: Server, scenario: str, what: str) -> bool:
    if not (res["non2xx"] or sock_total(res)):
        return False
    msg = (f"{what} {scenario} {server.name}: {res['non2xx']} non-2xx answers "
           f"{res.get('statuses') or ''}, socket errors {res['socket_errors']}")
    if res["non2xx"]:
        sample = (res.get("wrk_done") or {}).get("bad_body")
        if sample:
            msg += f"; first such answer: {sample[:200]}"
        msg += f"; {diagnose(server, scenario)}"
    doc["failures"].append(msg)
    log(f"  FAIL: {msg}")
    return True


def run_scenarios(args, doc: dict, servers: list[Server], scenarios: list[str]) -> int:
    rc = 0

    def dur(s: str) -> int:
        return args.write_duration if s in WRITE_SCENARIOS else args.duration

    for scenario in scenarios:
        if args.warmup:
            for s in servers:
                res = run_wrk(args, s, scenario, args.warmup)
                doc["warmups"].append({"scenario": scenario, "server": s.name} | res)
                log(f"warm-up  {scenario:<9} {s.name:<8} {run_line(res)}")
        for rnd in range(1, args.rounds + 1):
            order = servers if rnd % 2 == 1 else servers[::-1]
            for s in order:
                res = run_wrk(args, s, scenario, dur(scenario))
                res["rss_kib_after"] = rss_kib(s.pid)
                doc["runs"].append({"round": rnd, "scenario": scenario, "server": s.name} | res)
                log(f"round {rnd}/{args.rounds} {scenario:<9} {s.name:<8} {run_line(res)}  "
                    f"RSS {mib(res['rss_kib_after'])} MiB")
                if record_failure(doc, res, s, scenario, f"round {rnd}"):
                    rc = 3
                write_json(args.json, doc)
        doc["rss"][scenario] = {s.name: rss_kib(s.pid) for s in servers}
        doc["summary"] = summarize(doc, servers, scenarios)
        write_json(args.json, doc)
    return rc


def run_soak(args, doc: dict, app: Server) -> int:
    if args.warmup:
        res = run_wrk(args, app, "list", args.warmup)
        doc["warmups"].append({"scenario": "list", "server": app.name} | res)
        log(f"warm-up  list      {app.name:<8} {run_line(res)}")
    if not app.pid:
        log("WARNING: no pid of the app is known: RSS cannot be sampled (pass --app-pid)")
    check_alive(app)
    cmd = wrk_cmd(args, app, "list", args.soak)
    samples = [{"t_s": 0.0, "rss_kib": rss_kib(app.pid)}]
    log(f"soak: list on {app.name} for {args.soak}s; RSS {mib(samples[0]['rss_kib'])} MiB at 0 s")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    try:
        nxt = args.soak_interval
        while proc.poll() is None:
            now = time.monotonic() - start
            if now >= nxt:
                kib = rss_kib(app.pid)
                samples.append({"t_s": round(now, 1), "rss_kib": kib})
                log(f"soak {now:6.0f}s  RSS {mib(kib)} MiB")
                nxt += args.soak_interval
            time.sleep(min(0.2, max(0.0, nxt - now)))
        res = finish_wrk(proc, cmd, args.soak)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check_alive(app)
    end_t = time.monotonic() - start
    if end_t - samples[-1]["t_s"] >= 1.0:  # else the last periodic sample is the end
        samples.append({"t_s": round(end_t, 1), "rss_kib": rss_kib(app.pid)})
    doc["soak"] = {"seconds": args.soak, "samples": samples} | res
    rc = 3 if record_failure(doc, res, app, "list", "soak") else 0
    known = [x["rss_kib"] for x in samples if x["rss_kib"] is not None]
    print()
    print(f"## Soak: `list` on the app for {args.soak}s (wrk -t{args.threads} -c{args.connections})")
    print()
    print(f"- {run_line(res).strip()}")
    if len(known) >= 2:
        first, last = known[0], known[-1]
        growth = last - first
        doc["soak"]["rss_growth_kib"] = growth
        print(f"- RSS first -> last: {mib(first)} -> {mib(last)} MiB ({growth / 1024:+.1f} MiB, "
              f"{100.0 * growth / first:+.1f} %); max {mib(max(known))} MiB; "
              f"{len(known)} samples every {args.soak_interval}s")
        print()
        print("| t s | RSS MiB |")
        print("| ---: | ---: |")
        for x in samples:
            print(f"| {x['t_s']:.0f} | {mib(x['rss_kib'])} |")
    else:
        print("- RSS: not available (no pid)")
    return rc


# --------------------------------------------------------------------------- main


def redact(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.netloc.rsplit('@', 1)[-1]}"
    return parts._replace(netloc=netloc).geturl()


def setup_estimate(args, started: int) -> float:
    """Seconds to start and seed the servers this script starts (rough, conservative)."""
    per = 3.0 + (1 + args.noise_tenants) * 0.3 + (args.tasks + args.noise_tenants *
                                                  (args.noise_tasks + 1)) / 150.0
    return started * per


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    if not names or any(n not in SERVER_NAMES for n in names) or len(set(names)) != len(names):
        raise SystemExit(f"--servers: choose from {','.join(SERVER_NAMES)}, got {args.servers!r}")
    names = [n for n in SERVER_NAMES if n in names]  # the app is always A
    if args.soak:
        if "app" not in names:
            raise SystemExit("--soak runs on the app: include it in --servers")
        if names != ["app"]:
            print("note: --soak runs on the app alone; the baseline is not started", flush=True)
        names = ["app"]
        scenarios = ["list"]
    else:
        wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
        bad = [s for s in wanted if s not in SCENARIOS]
        if bad or not wanted:
            raise SystemExit(f"--scenarios: unknown {bad} (choose from {', '.join(SCENARIOS)})")
        scenarios = [s for s in SCENARIOS if s in wanted]  # reads before writes
    if args.write_duration is None:
        args.write_duration = args.duration
    if args.threads < 1 or args.connections < args.threads:
        raise SystemExit("--connections must be >= --threads >= 1")
    if args.rounds < 1 or args.duration < 1 or args.write_duration < 1:
        raise SystemExit("--rounds, --duration and --write-duration must be >= 1")
    if args.tasks < 1 or args.get_ids < 1 or args.noise_tenants < 0 or args.noise_tasks < 0:
        raise SystemExit("--tasks and --get-ids must be >= 1, noise counts >= 0")
    if args.soak_interval < 1:
        raise SystemExit("--soak-interval must be >= 1")
    if not (os.path.isfile(args.wrk) and os.access(args.wrk, os.X_OK)):
        raise SystemExit(f"wrk not found at {args.wrk!r} (apt-get install wrk, or pass --wrk)")
    urls = {"app": args.app_url, "baseline": args.baseline_url}
    pids = {"app": args.app_pid, "baseline": args.baseline_pid}
    if args.login and not any(urls[n] for n in names):
        raise SystemExit("--login needs --app-url and/or --baseline-url (an already running server)")
    servers: list[Server] = []
    for n in names:
        s = Server(name=n, base_domain=args.base_domain.lower().strip("."))
        if urls[n]:
            parts = urlsplit(urls[n])
            if parts.scheme != "http" or not parts.hostname or not parts.port:
                raise SystemExit(f"--{n}-url: expected http://HOST:PORT, got {urls[n]!r}")
            if parts.hostname not in LOOPBACK_HOSTS and not args.allow_remote:
                raise SystemExit(f"--{n}-url: {parts.hostname} is not loopback (--allow-remote)")
            s.url, s.port = f"http://{parts.netloc}", parts.port
        else:
            binary = args.app_bin if n == "app" else args.baseline_bin
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                hint = (" (cargo build --release -p taskflow-app)" if n == "app" else
                        " (pass --baseline-bin, or --servers app to measure the app alone)")
                raise SystemExit(f"{n}: no executable at {binary!r}{hint}")
        servers.append(s)
    n_started = sum(1 for n in names if not urls[n])
    if n_started and args.backend == "mysql" and not shutil.which("mariadb"):
        raise SystemExit("--backend mysql needs the mariadb command-line client")
    if n_started and args.backend == "postgres" and not (shutil.which("createdb") and shutil.which("dropdb")):
        raise SystemExit("--backend postgres needs createdb and dropdb")

    # ---- the plan
    n_setup = sum(1 for n in names if not (urls[n] and args.login))
    if args.soak:
        wrk_s = args.soak + args.warmup
        runs = 1
    else:
        per_round = sum(args.write_duration if s in WRITE_SCENARIOS else args.duration
                        for s in scenarios)
        wrk_s = per_round * args.rounds * len(servers) + args.warmup * len(scenarios) * len(servers)
        runs = len(scenarios) * args.rounds * len(servers)
    setup_s = setup_estimate(args, n_setup)
    total = wrk_s + setup_s
    what = (f"soak of `list` on the app for {args.soak}s" if args.soak else
            f"{len(servers)} server(s) x {len(scenarios)} scenario(s) x {args.rounds} round(s) = "
            f"{runs} timed wrk runs")
    print(f"plan: {what}; {wrk_s}s of wrk (warm-ups included) + ~{setup_s:.0f}s start and setup "
          f"= ~{total / 60:.1f} min total; wrk -t{args.threads} -c{args.connections}", flush=True)
    if total / 60 > args.max_minutes:
        print(f"refused: the plan (~{total / 60:.1f} min) exceeds --max-minutes "
              f"{args.max_minutes:g}; lower --rounds/--duration or raise --max-minutes",
              file=sys.stderr, flush=True)
        return 1

    wrk_version = subprocess.run([args.wrk, "--version"], capture_output=True, text=True)
    wrk_version = ((wrk_version.stdout or wrk_version.stderr).splitlines() or ["?"])[0].strip()
    doc: dict = {
        "tool": "benches/http/run.py",
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "config": dict(vars(args)) | {"scenarios": scenarios, "servers": names,
                                      "mysql_url": redact(args.mysql_url),
                                      "postgres_url": redact(args.postgres_url),
                                      "login": (args.login[0] + "@" + args.login[2])
                                      if args.login else None},
        "plan": {"wrk_seconds": wrk_s, "setup_estimate_seconds": round(setup_s), "runs": runs},
        "environment": {"wrk": wrk_version, "cpus": os.cpu_count(),
                        "platform": platform.platform(), "python": platform.python_version(),
                        "RUST_LOG": os.environ.get("RUST_LOG")},
        "servers": {}, "warmups": [], "runs": [], "rss": {}, "summary": {}, "failures": [],
    }
    rng = random.Random(args.seed)
    jwt_secret = secrets.token_urlsafe(32)
    tmpdir = Path(tempfile.mkdtemp(prefix="taskflow_http_bench_"))
    rc = 0

    def on_signal(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        for s in servers:
            if urls[s.name]:
                s.pid = pids[s.name] or pid_listening_on(s.port)
                log(f"[{s.name}] already running at {s.url} (pid {s.pid or 'unknown'})")
                if request(s, "GET", "/healthz", s.host()).status != 200:
                    raise BenchError(f"{s.name}: GET /healthz on {s.url} (Host {s.host()}) is not 200")
            else:
                start_server(s, args, tmpdir, jwt_secret)
            s.keep_alive = probe_keep_alive(s)
            log(f"[{s.name}] healthz ok; keep-alive {s.keep_alive}")
        for s in servers:
            log(f"[{s.name}] setup")
            if urls[s.name] and args.login:
                setup_login(s, args, rng, scenarios)
            else:
                setup_fresh(s, args, rng, scenarios)
            check_scenarios(s, scenarios)
            for sc in scenarios:
                s.lua[sc] = write_lua(s, sc, tmpdir)
            s.rss_after_setup_kib = rss_kib(s.pid)
            doc["servers"][s.name] = s.describe()
        log("RSS after setup: " + ", ".join(f"{s.name} {mib(s.rss_after_setup_kib)} MiB"
                                            for s in servers))
        write_json(args.json, doc)
        if args.soak:
            rc = run_soak(args, doc, servers[0])
        else:
            rc = run_scenarios(args, doc, servers, scenarios)
            doc["summary"] = summarize(doc, servers, scenarios)
            print_report(doc["summary"], servers, args)
        if doc["failures"]:
            print(f"\nFAILED: {len(doc['failures'])} timed run(s) saw non-2xx answers or socket "
                  f"errors:", flush=True)
            for f in doc["failures"]:
                print(f"  - {f}", flush=True)
        return rc
    except BenchError as err:
        doc["error"] = str(err)
        print(f"\nFAILED: {err}", file=sys.stderr, flush=True)
        if doc["runs"]:
            doc["summary"] = summarize(doc, servers, scenarios)
            print_report(doc["summary"], servers, args)
        rc = 2
        return rc
    except (Interrupted, KeyboardInterrupt) as err:
        doc["error"] = f"interrupted ({err or 'SIGINT'})"
        print(f"\ninterrupted ({err or 'SIGINT'}): stopping the servers", file=sys.stderr, flush=True)
        if doc["runs"]:
            doc["summary"] = summarize(doc, servers, scenarios)
            print_report(doc["summary"], servers, args)
        rc = 130
        return rc
    finally:
        # Nothing interrupts the cleanup: the servers stop and their databases go.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        for s in servers:
            if not s.started:
                cleanup_login(s)
        for s in servers:
            if s.started:
                stop_server(s)
                if s.proc is not None:
                    log(f"[{s.name}] stopped (exit status {s.proc.returncode})")
        for s in servers:
            if s.db:
                try:
                    s.db.drop()
                    if s.db.backend != "sqlite":
                        log(f"[{s.name}] dropped database {s.db.name}")
                except BenchError as err:
                    log(f"WARNING: {err}")
        doc["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        doc["elapsed_seconds"] = round(time.monotonic() - T0, 1)
        doc["exit_status"] = rc
        try:
            write_json(args.json, doc)
            if args.json:
                log(f"JSON written to {args.json}")
        except OSError as err:
            log(f"WARNING: cannot write {args.json}: {err}")
        if args.keep_temp:
            log(f"temp dir kept: {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
        log(f"elapsed {time.monotonic() - T0:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
