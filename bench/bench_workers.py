"""Issue 17 §4 — how many uvicorn workers a service process should run: the declaration list through the
gateway at 50 clients without pause (the saturation figure of QUALITY 18), with one or two uvicorn workers in
the service and in the gateway, on this machine's cores.

Each combination is a fresh run of ``bench_declaration`` (its own seeded database, service and gateway),
working-group audience, gateway only. Reported per combination: requests per second, p50/p99, CPU per
request of the service's and the gateway's process trees (a supervisor and its workers count as one) and of
PostgreSQL, and the resident memory of the service's and gateway's trees. The combinations run in the order
given and then once more in reverse, so a drift of the machine's load shows as a difference between the
two passes rather than as a difference between combinations.

Run: ``uv run python bench/bench_workers.py`` (``--rows 20000 --seconds 10`` by default; ``--no-report``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_declaration
from common import write_report

COMBINATIONS = [(1, 1), (2, 1), (1, 2), (2, 2)]
AUDIENCE = "working group (all rows) / gateway"


async def measure(rows: int, seconds: int) -> list[dict]:
    runs = []
    for service_workers, gateway_workers in [*COMBINATIONS, *reversed(COMBINATIONS)]:
        result = await bench_declaration.run(
            rows, seconds, False, audience="working", gateway_only=True, saturation_only=True,
            service_workers=service_workers, gateway_workers=gateway_workers,
        )  # fmt: skip
        figures = result["results"][AUDIENCE]
        runs.append({"service_workers": service_workers, "gateway_workers": gateway_workers, **figures})
        print(service_workers, gateway_workers, figures, flush=True)
    return runs


def row(run: dict) -> tuple[str, str, str, str]:
    cpu, rss = run["cpu_ms_per_request"], run["rss_mb"]
    label = f"service {run['service_workers']} × gateway {run['gateway_workers']}"
    measured = (
        f"{run['req_per_s']:.0f} req/s, p50 {run['p50_ms']:.1f} / p99 {run['p99_ms']:.1f} ms, "
        f"{run['errors']} errors; CPU ms/request service {cpu['service']:.2f}, gateway {cpu['gateway']:.2f}, "
        f"PostgreSQL {cpu['postgresql']:.2f}; RSS service {rss['service']:.0f} MB, gateway {rss['gateway']:.0f} MB"
    )
    return (label, measured, "—", "—")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    runs = asyncio.run(measure(args.rows, args.seconds))
    if args.no_report:
        return
    notes = (
        f"{os.cpu_count()} cores; wrk pinned to CPU 1, 50 connections, {args.seconds} s per run, "
        f"{args.rows} declarations, working group token, filter mix of bench_declaration. Each combination ran "
        "twice: once in the order of the table's first half, once in reverse (second half)."
    )
    write_report(
        "workers",
        "uvicorn workers per process (issue 17 §4)",
        [row(r) for r in runs],
        notes,
        raw={"runs": runs},
    )


if __name__ == "__main__":
    main()
