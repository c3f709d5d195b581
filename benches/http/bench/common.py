"""Shared constants, logging and exceptions of the HTTP load benchmark."""

from __future__ import annotations

import time
from pathlib import Path


# Reads first, so the tables a read scenario sees do not grow under it between rounds.
SCENARIOS = ("list", "list_done", "get", "create", "comment")
WRITE_SCENARIOS = {"create", "comment"}
SERVER_NAMES = ("app", "baseline")
BACKENDS = ("sqlite", "mysql", "postgres")
STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
PAGE_LIMIT = 50
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
REQUEST_TIMEOUT = 30.0
REPO_ROOT = Path(__file__).resolve().parents[3]

T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


class BenchError(Exception):
    """A server, the setup or a check failed: nothing (more) is timed. Exit status 2."""


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP."""
