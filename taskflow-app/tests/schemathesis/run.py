#!/usr/bin/env python3
"""The API against its own description: schemathesis generates requests from
`GET /api/v1/openapi.json` and checks every answer against it.

A real `taskflow-app serve` runs on a fresh SQLite file on loopback. A tenant signs up, then
schemathesis runs twice: the tenant routes on the tenant's subdomain with its owner's token,
and the platform routes on the bare base domain with the operator's token. Every check
schemathesis has runs except those that assume what this API does not promise (see CHECKS).
The run fails on any failure, any 5xx, or fewer than `--min-requests` requests in all.

    python3 taskflow-app/tests/schemathesis/run.py --bin target/debug/taskflow-app

Schemathesis (pinned below) is installed from PyPI into a virtualenv under ~/.cache on the
first run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SCHEMATHESIS = "schemathesis==4.32.5"
VENV = Path.home() / ".cache" / "taskflow-schemathesis-venv"
BASE_DOMAIN = "localhost"
ADMIN_TOKEN = "schemathesis-operator-token"
SUBDOMAIN = "fuzz"

# `positive_data_acceptance` expects a 2xx for any request the description allows, but a path
# id that matches the description's uuid format names no row: 404 is the right answer.
# Every other check runs.
EXCLUDED_CHECKS = ["positive_data_acceptance"]


def schemathesis_bin() -> Path:
    exe = VENV / "bin" / "schemathesis"
    if exe.exists():
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        if SCHEMATHESIS.split("==")[1] in version.stdout:
            return exe
    print(f"installing {SCHEMATHESIS} into {VENV}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", SCHEMATHESIS], check=True)
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, host: str, method: str, path: str, body: dict | None = None,
         token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("Host", host)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def wait_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"taskflow-app exited with {server.returncode}:\n{log.read_text()}")
        try:
            if call(port, BASE_DOMAIN, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"taskflow-app did not answer /healthz within 60 s:\n{log.read_text()}")


def fuzz(exe: Path, port: int, name: str, host: str, token: str, operations: list[str],
         args: argparse.Namespace, reports: Path) -> tuple[int, dict]:
    """One schemathesis run over the operations tagged `operations`; its exit code and the
    counts it reported."""
    ndjson = reports / f"{name}.ndjson"
    command = [
        str(exe), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--url", f"http://127.0.0.1:{port}",
        "-H", f"Host: {host}", "-H", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(args.max_examples), "--seed", str(args.seed),
        "--workers", "2", "--request-timeout", "10", "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(ndjson),
        "--suppress-health-check", "all",
    ]
    for tag in operations:
        command += ["--include-tag", tag]
    # Signing out (here, or everywhere) or changing the password would end the very session the
    # run uses, and leave the rest of it at 401; the live event stream answers with a stream
    # that lasts as long as the token. The API tests cover those routes.
    command += ["--exclude-path-regex",
                "^/api/v1/(auth/(logout|logout-everywhere|password)|events)$"]
    print(f"\n== schemathesis: {name} routes on {host}", flush=True)
    # Its own cache (.schemathesis/) goes to the run's folder, not the checkout.
    code = subprocess.run(command, cwd=reports).returncode
    return code, count(ndjson)


def count(ndjson: Path) -> dict:
    """Requests sent and answers by status class, from schemathesis's event stream."""
    counts = {"requests": 0, "5xx": 0}
    if not ndjson.exists():
        return counts
    for line in ndjson.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        for case in (finished.get("recorder") or {}).get("interactions", {}).values():
            response = case.get("response")
            counts["requests"] += 1
            if response and response.get("status_code", 0) >= 500:
                counts["5xx"] += 1
    return counts


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="the taskflow-app binary to run")
    p.add_argument("--max-examples", type=int, default=60,
                   help="generated cases per operation and phase")
    p.add_argument("--seed", type=int, default=20261206)
    p.add_argument("--min-requests", type=int, default=2000)
    args = p.parse_args()

    exe = schemathesis_bin()
    with tempfile.TemporaryDirectory(prefix="taskflow-schemathesis-") as tmp:
        tmp_dir = Path(tmp)
        port = free_port()
        log = tmp_dir / "server.log"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite://{tmp_dir / 'taskflow.db'}?mode=rwc",
            "TASKFLOW_BIND": f"127.0.0.1:{port}",
            "TASKFLOW_BASE_DOMAIN": BASE_DOMAIN,
            "TASKFLOW_ADMIN_TOKEN": ADMIN_TOKEN,
            "TASKFLOW_RATE_LIMIT": "0",
            "TASKFLOW_DEMO": "0",
            "TASKFLOW_LOG_FORMAT": "json",
        }
        with open(log, "wb") as out:
            server = subprocess.Popen([args.bin, "serve"], env=env, stdout=out,
                                      stderr=subprocess.STDOUT)
        try:
            wait_healthy(port, server, log)
            status, signed = call(port, BASE_DOMAIN, "POST", "/api/v1/tenants", {
                "name": "Fuzzing", "subdomain": SUBDOMAIN,
                "owner": {"email": "owner@fuzz.example", "name": "Owner",
                          "password": "fuzzing-password"},
            })
            if status != 201:
                sys.exit(f"signup answered {status}: {signed}")
            runs = [
                fuzz(exe, port, "tenant", f"{SUBDOMAIN}.{BASE_DOMAIN}", signed["token"],
                     ["auth", "users", "projects", "tasks", "comments", "reports"], args,
                     tmp_dir),
                fuzz(exe, port, "platform", BASE_DOMAIN, ADMIN_TOKEN, ["platform"], args,
                     tmp_dir),
            ]
        finally:
            server.terminate()
            server.wait(30)
        panics = [line for line in log.read_text().splitlines() if "panicked" in line]

    requests = sum(c["requests"] for _, c in runs)
    errors = sum(c["5xx"] for _, c in runs)
    print(f"\nschemathesis: {requests} requests in all ("
          + ", ".join(f"{name} {c['requests']}" for name, (_, c) in zip(("tenant", "platform"),
                                                                         runs))
          + f"), {errors} answers of 5xx, {len(panics)} panics; exit codes "
          + ", ".join(str(code) for code, _ in runs))
    problems = []
    if any(code != 0 for code, _ in runs):
        problems.append("schemathesis found answers that break the description (above)")
    if errors:
        problems.append(f"{errors} answers of 5xx")
    if panics:
        problems.append(f"the server panicked: {panics[:3]}")
    if requests < args.min_requests:
        problems.append(f"only {requests} requests, fewer than {args.min_requests}")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
