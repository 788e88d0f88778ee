"""One command for every performance benchmark of QUALITY.md 17-22 (`make bench`): each script measures in one
run on this machine and writes a dated report with the machine's description to bench/results/."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ("events (21)", "bench_events.py"),
    ("certificate rendering and issuing (20)", "bench_certificate.py"),
    ("PAdES signing at issue and checking a file (20, issue 18)", "bench_signing.py"),
    ("comparison engine and compare route", "bench_benchmark.py"),
    ("declaration list, 100,000 rows (18)", "bench_declaration.py"),
    ("the physical floor under the declaration list (issue 17)", "bench_floor.py"),
    ("mall catalogue search, 100,000 products", "bench_mall.py"),
    ("gateway, login under load, mixed journey (17, 19, 22)", "bench_http.py"),
    ("webhook delivery at 50 events/s across a receiver outage (issue 19)", "bench_webhooks.py"),
]


def main() -> int:
    failed = []
    for title, script in SCRIPTS:
        path = HERE / script
        if not path.exists():
            print(f"-- {title}: {script} is missing")
            failed.append(script)
            continue
        print(f"== {title}: {script}", flush=True)
        t0 = time.monotonic()
        rc = subprocess.run(
            [sys.executable, str(path), *sys.argv[1:]]
            if script == "bench_http.py"
            else [sys.executable, str(path)],
            cwd=HERE.parent,
            check=False,
        ).returncode
        print(f"-- {script}: exit {rc} after {time.monotonic() - t0:.0f} s", flush=True)
        if rc:
            failed.append(script)
    print("reports in bench/results/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
