"""Summary tables and the JSON document."""

from __future__ import annotations

import json
import os
import statistics

from .servers import Server, mib
from .api import SCENARIO_DOC
from .wrk import sock_total


# --------------------------------------------------------------------------- report


def summarize(doc: dict, servers: list[Server], scenarios: list[str]) -> dict:
    summary: dict = {}
    for scenario in scenarios:
        entry: dict = {}
        for s in servers:
            rs = [r for r in doc["runs"] if r["scenario"] == scenario and r["server"] == s.name]
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            med = statistics.median(rps)
            sock = {k: sum(r["socket_errors"][k] for r in rs)
                    for k in ("connect", "read", "write", "timeout")}
            entry[s.name] = {
                "rounds": len(rs),
                "median_rps": round(med, 2), "min_rps": min(rps), "max_rps": max(rps),
                "spread_pct": round(100.0 * (max(rps) - min(rps)) / med, 1) if med else None,
                "median_p50_us": statistics.median(r["p50_us"] for r in rs),
                "median_p99_us": statistics.median(r["p99_us"] for r in rs),
                "rss_kib": doc["rss"].get(scenario, {}).get(s.name),
                "requests_total": sum(r.get("requests", 0) for r in rs),
                "non2xx_total": sum(r["non2xx"] for r in rs),
                "socket_errors_total": sock,
                "failed": any(r["non2xx"] or sock_total(r) for r in rs),
            }
        a, b = entry.get("app"), entry.get("baseline")
        if a and b:
            entry["ratio_rps"] = round(a["median_rps"] / b["median_rps"], 3) if b["median_rps"] else None
            entry["ratio_p50"] = round(a["median_p50_us"] / b["median_p50_us"], 3) if b["median_p50_us"] else None
            entry["ratio_p99"] = round(a["median_p99_us"] / b["median_p99_us"], 3) if b["median_p99_us"] else None
        summary[scenario] = entry
    return summary


def fmt(x, nd: int = 3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def print_report(summary: dict, servers: list[Server], args) -> None:
    print()
    print(f"## HTTP load: {args.backend if any(s.started for s in servers) else 'running servers'}"
          f", wrk -t{args.threads} -c{args.connections}, {args.duration}s reads / "
          f"{args.write_duration}s writes, {args.rounds} round(s), medians over rounds")
    print()
    for s in servers:
        where = f"{s.db.shown}" if s.db else f"already running, tenant {s.subdomain}"
        print(f"- {s.name}: {s.url} ({where}; keep-alive {s.keep_alive}; read project: "
              f"{s.tasks} tasks{'' if s.mode == 'fresh' else ' on its first page'})")
    if len(servers) > 1:
        print("- ratio app/baseline: req/s above 1 and p99 below 1 mean the app is better")
    for scenario, entry in summary.items():
        print()
        print(f"### {scenario}: `{SCENARIO_DOC[scenario]}`")
        print()
        print("| server | req/s | min..max | p50 ms | p99 ms | RSS MiB | non-2xx | sock err |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for s in servers:
            e = entry.get(s.name)
            if not e:
                continue
            flag = " **FAIL**" if e["failed"] else ""
            print(f"| {s.name}{flag} | {e['median_rps']:.1f} | {e['min_rps']:.0f}..{e['max_rps']:.0f}"
                  f" | {e['median_p50_us'] / 1000:.3f} | {e['median_p99_us'] / 1000:.3f} | "
                  f"{mib(e['rss_kib'])} | {e['non2xx_total']} | "
                  f"{sum(e['socket_errors_total'].values())} |")
        if "ratio_rps" in entry:
            print(f"| app/baseline | {fmt(entry['ratio_rps'])} | | {fmt(entry['ratio_p50'])} | "
                  f"{fmt(entry['ratio_p99'])} | | | |")
    print()
    for scenario, entry in summary.items():
        parts = [f"scenario={scenario}"]
        if "ratio_rps" in entry:
            parts += [f"ratio_rps={fmt(entry['ratio_rps'])}", f"ratio_p99={fmt(entry['ratio_p99'])}"]
        for s in servers:
            e = entry.get(s.name)
            if e:
                parts += [f"rps_{s.name}={e['median_rps']:.1f}",
                          f"p50_{s.name}_us={e['median_p50_us']:.0f}",
                          f"p99_{s.name}_us={e['median_p99_us']:.0f}",
                          f"rss_{s.name}_mib={mib(e['rss_kib'])}",
                          f"non2xx_{s.name}={e['non2xx_total']}"]
        print(" ".join(parts))


def write_json(path: str | None, doc: dict) -> None:
    if not path:
        return
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, default=str)
        fh.write("\n")
    os.replace(tmp, path)
