"""wrk Lua scripts, running wrk and parsing its output."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from .common import BenchError
from .servers import Server, check_alive
from .api import scenario_request


def lua_str(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable() and ord(ch) < 128:
            out.append(ch)
        else:
            out.extend(f"\\{b}" for b in ch.encode())
    out.append('"')
    return "".join(out)


# Per thread: `non2xx` and `statuses` (globals, so the main state can read them with
# thread:get in done()); done() prints one JSON line with exact counters and µs percentiles.
LUA_COMMON = r"""
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

non2xx = 0
statuses = {}
bad_body = ""
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
    if bad_body == "" and body then bad_body = string.sub(body, 1, 200) end
  end
end

local function json_str(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local bad, counts, sample = 0, {}, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    for st, n in pairs(t:get("statuses") or {}) do counts[st] = (counts[st] or 0) + n end
    local b = t:get("bad_body")
    if sample == "" and b then sample = b end
  end
  local parts = {}
  for st, n in pairs(counts) do table.insert(parts, string.format('"%d":%d', st, n)) end
  local e = summary.errors
  io.write(string.format(
    'TFBENCH_DONE {"duration_us":%.0f,"requests":%.0f,"bytes":%.0f,"connect":%.0f,' ..
    '"read":%.0f,"write":%.0f,"timeout":%.0f,"status_over_399":%.0f,"non2xx":%d,' ..
    '"statuses":{%s},"bad_body":%s,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,' ..
    '"p999_us":%.0f,"mean_us":%.1f,"max_us":%.0f}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.timeout,
    e.status, bad, table.concat(parts, ","), json_str(sample), latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.mean,
    latency.max))
end
"""


def write_lua(server: Server, scenario: str, tmpdir: Path) -> str:
    method, path, body = scenario_request(server, scenario)
    lines = [
        f"-- benches/http/run.py: {server.name} {scenario}",
        f"wrk.method = {lua_str(method)}",
        f"wrk.path = {lua_str(path)}",
        f"wrk.headers[\"Host\"] = {lua_str(server.host(server.subdomain))}",
        f"wrk.headers[\"Authorization\"] = {lua_str('Bearer ' + server.token)}",
        'wrk.headers["Accept"] = "application/json"',
    ]
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {lua_str(json.dumps(body, separators=(',', ':')))}")
    if scenario == "get":
        ids = ", ".join(lua_str(t) for t in server.cycle_ids)
        lines.append(f"""
local ids = {{ {ids} }}
local prepared = {{}}
local pos = 0

function init(args)
  for i, id in ipairs(ids) do
    prepared[i] = wrk.format("GET", "/api/v1/tasks/" .. id)
  end
  pos = ((thread_index or 0) * 7) % #prepared
end

function request()
  pos = pos % #prepared + 1
  return prepared[pos]
end""")
    lines.append(LUA_COMMON)
    out = tmpdir / f"{server.name}_{scenario}.lua"
    out.write_text("\n".join(lines), encoding="utf-8")
    os.chmod(out, 0o600)  # it holds a bearer token
    return str(out)


# --------------------------------------------------------------------------- wrk


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(out: str) -> dict:
    """wrk's text report (--latency) and the TFBENCH_DONE line of the Lua done() hook."""
    res: dict = {}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not m:
        raise ValueError("no 'Requests/sec:' line in wrk output")
    res["rps"] = float(m.group(1))
    text_pct = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.M):
        text_pct[pct] = float(value) * UNIT_MS[unit] * 1000.0
    m = re.search(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h)", out, re.M)
    if m:
        res["requests"] = int(m.group(1))
        res["duration_s"] = float(m.group(2)) * UNIT_MS[m.group(3)] / 1000.0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) \
        if m else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["wrk_status_errors"] = int(m.group(1)) if m else 0  # wrk counts statuses > 399 only
    m = re.search(r"^TFBENCH_DONE (\{.*\})\s*$", out, re.M)
    done = json.loads(m.group(1)) if m else None
    res["wrk_done"] = done
    if done:
        res["p50_us"], res["p99_us"] = done["p50_us"], done["p99_us"]
        res["non2xx"] = done["non2xx"]
        res["statuses"] = done["statuses"]
        res["requests"] = int(done["requests"])
        res["duration_s"] = done["duration_us"] / 1e6
    else:  # fall back to the rounded text
        if "50" not in text_pct or "99" not in text_pct:
            raise ValueError("no latency distribution (50%/99%) in wrk output")
        res["p50_us"], res["p99_us"] = text_pct["50"], text_pct["99"]
        res["non2xx"] = res["wrk_status_errors"]
        res["statuses"] = {}
    return res


def wrk_cmd(args, server: Server, scenario: str, seconds: int) -> list[str]:
    _, path, _ = scenario_request(server, scenario)
    return [args.wrk, "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s",
            "--latency", "--timeout", f"{args.wrk_timeout}s", "-s", server.lua[scenario],
            server.url + path]


def finish_wrk(proc: subprocess.Popen, cmd: list[str], seconds: int) -> dict:
    try:
        out, err = proc.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise BenchError(f"wrk did not finish within {seconds + 60}s: {' '.join(cmd)}") from None
    if proc.returncode != 0:
        raise BenchError(f"wrk exited {proc.returncode}: {(err or out).strip()}")
    try:
        res = parse_wrk(out)
    except ValueError as e:
        raise BenchError(f"{e}; wrk said:\n{out}\n{err}") from None
    res["cmd"] = cmd
    res["stdout"] = out
    return res


def run_wrk(args, server: Server, scenario: str, seconds: int) -> dict:
    check_alive(server)
    cmd = wrk_cmd(args, server, scenario, seconds)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        res = finish_wrk(proc, cmd, seconds)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check_alive(server)
    return res


def sock_total(res: dict) -> int:
    return sum(res["socket_errors"].values())


def run_line(res: dict) -> str:
    return (f"{res['rps']:10.1f} req/s  p50 {res['p50_us'] / 1000:7.3f} ms  "
            f"p99 {res['p99_us'] / 1000:7.3f} ms  non-2xx {res['non2xx']}  "
            f"sockerr {sock_total(res)}")
