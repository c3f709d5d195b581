#!/usr/bin/env python3
"""Fault tests of the TaskFlow production layout (deploy/run-local): they start their own
database server and Redis on free loopback ports, the layout (nginx, 3 serve processes,
2 workers) against them, then break one piece at a time under load and check what the API
contract requires.

    python3 deploy/tests/run.py --backend mysql
    python3 deploy/tests/run.py --backend postgres --only a,d --keep

Tests: n nginx checks; a database stopped ~10 s; b serve process SIGKILLed; c serve process
SIGTERMed with requests in flight; d worker SIGKILLed mid-report; e Redis restarted; f tenant
suspended. Exit status 0 when every test selected passed, 1 when one failed, 2 when the
layout could not be started.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from faults import (  # noqa: E402
    Run, app_killed, app_terminated, database_stopped, redis_restarted, tenant_suspended,
    worker_killed,
)
from layout import Layout, LayoutConfig, LayoutError, default_app_bin, free_port  # noqa: E402
from nginx_checks import nginx_checks  # noqa: E402
from servers import Redis, database_server  # noqa: E402
from client import Target, once  # noqa: E402

TESTS = {
    "n": ("nginx checks", nginx_checks),
    "f": ("tenant suspended under load", tenant_suspended),
    "b": ("serve process SIGKILLed under load", app_killed),
    "c": ("serve process SIGTERMed with requests in flight", app_terminated),
    "a": ("database stopped ~10 s under load", database_stopped),
    "e": ("Redis restarted", redis_restarted),
    "d": ("worker SIGKILLed mid-report", worker_killed),
}


def restore(run: Run) -> None:
    """Whatever a failed test left broken, back up: servers, then every process."""
    if not run.db.running():
        run.db.start()
    if not run.redis.running():
        run.redis.start()
    for name in run.layout.procs:
        run.layout.send_signal(name, signal.SIGCONT)
        if not run.layout.alive(name):
            print(f"    restoring {name}", flush=True)
            run.layout.restart(name)
    if not run.layout.nginx.running():
        run.layout.nginx.start()


def metrics_after_load(layout: Layout, out: Path | None) -> list[str]:
    """`/metrics` of one app process through nginx after the tests' load: printed (the
    busiest series and the pool, queue and job figures), written to `out`; problems found."""
    reply = once(Target(layout), layout.config.base_domain, "GET", "/metrics")
    text = reply.body.decode(errors="replace")
    if reply.status != 200 or "taskflow_http_requests_total" not in text:
        return [f"/metrics through nginx from loopback answered {reply.shown()}"]
    if out is not None:
        out.write_text(text)
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    requests = sorted((line for line in samples if line.startswith("taskflow_http_requests_total")),
                      key=lambda line: -float(line.rsplit(" ", 1)[1]))
    shown = requests[:12] + [line for line in samples if line.startswith(
        ("taskflow_db_", "taskflow_jobs", "taskflow_http_requests_in_flight"))]
    print("\n== /metrics of one serve process after the load (through nginx)")
    print("\n".join(shown), flush=True)
    # Under the faults an answer may be 503 (a dependency is down), never another 5xx: an
    # internal error means a fault was taken for a bug.
    failed = [line for line in requests
              if re.search(r'status="5\d\d"', line) and 'status="503"' not in line]
    return [f"answers other than 503 among the 5xx: {line}" for line in failed]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("mysql", "postgres"), default="mysql")
    p.add_argument("--only", help=f"comma-separated tests to run, of {','.join(TESTS)}")
    p.add_argument("--keep", action="store_true",
                   help="leave the layout and servers running (and the temp dir) at the end")
    p.add_argument("--bin", default=default_app_bin(), help="taskflow-app to run")
    p.add_argument("--frontend-dir", type=Path, default=HERE.parents[1] / "frontend" / "dist")
    p.add_argument("--metrics-out", type=Path, help="write /metrics after the tests to this file")
    args = p.parse_args()
    selected = list(TESTS) if not args.only else [t.strip() for t in args.only.split(",")]
    unknown = [t for t in selected if t not in TESTS]
    if unknown:
        p.error(f"unknown tests {unknown}; known: {','.join(TESTS)}")
    selected = [t for t in TESTS if t in selected]

    base = Path(tempfile.mkdtemp(prefix="taskflow-faults-"))
    db, redis = database_server(args.backend, base), Redis(base)
    layout = None
    started = time.monotonic()
    results: list[tuple[str, bool, float, list[str], list[str]]] = []
    try:
        try:
            print(f"== servers: {args.backend} and Redis of our own under {base}", flush=True)
            db.init()
            redis.start()
            layout = Layout(LayoutConfig(
                database_url=db.url, redis_url=redis.url, state_dir=base / "layout",
                app_bin=args.bin, frontend_dir=args.frontend_dir,
                http_port=free_port(), https_port=free_port(),
                app_ports=[free_port() for _ in range(3)], workers=2, rate_limit=0))
            layout.start()
        except (LayoutError, OSError) as err:
            print(f"the layout could not be started: {err}", file=sys.stderr)
            return 2
        for key in selected:
            title, test = TESTS[key]
            print(f"\n== {key}. {title}", flush=True)
            run = Run(layout, db, redis, base)
            t0 = time.monotonic()
            try:
                test(run)
            except Exception as err:  # a test's own failure, reported with what it saw
                run.problems.append(f"{type(err).__name__}: {err}")
                traceback.print_exc()
            finally:
                try:
                    restore(run)
                except (LayoutError, OSError) as err:
                    run.problems.append(f"restoring the layout failed: {err}")
            ok = not run.problems
            results.append((key, ok, time.monotonic() - t0, run.figures, run.problems))
            print(f"{'PASS' if ok else 'FAIL'} {key}. {title} ({time.monotonic() - t0:.1f} s)"
                  + "".join(f"\n    - {p}" for p in run.problems), flush=True)
        metrics_problems = metrics_after_load(layout, args.metrics_out)
        results.append(("metrics", not metrics_problems, 0.0, [], metrics_problems))
    finally:
        if args.keep and layout is not None:
            print(f"\n--keep: the layout runs from {layout.state_dir} "
                  f"(https://{layout.config.base_domain}:{layout.config.https_port}/), "
                  f"database {db.url}, Redis {redis.url}; stop it with "
                  f"deploy/run-local stop --state-dir {layout.state_dir}")
        else:
            if layout is not None:
                layout.stop()
            redis.stop()
            db.stop()
            shutil.rmtree(base, ignore_errors=True)

    print(f"\n== summary ({args.backend}, {time.monotonic() - started:.0f} s)")
    for key, ok, seconds, figures, problems in results:
        title = TESTS[key][0] if key in TESTS else "/metrics through nginx after the load"
        print(f"{'PASS' if ok else 'FAIL'} {key}. {title} ({seconds:.1f} s): "
              + "; ".join(figures + problems))
    return 0 if all(ok for _, ok, *_ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
