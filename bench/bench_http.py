"""QUALITY.md 17, 19 and 22 through the real gateway and services, load from wrk pinned to one core.

17  gateway throughput ≥ 0.75× direct on a database-backed list route; added latency at one client
    p50 ≤ 1 ms, p99 ≤ 3 ms.
19  list p99 with 20 clients logging in ≤ 1.5× list p99 alone.
22  mixed journey with 50 clients (47 browsing list, detail and certificate; 3 logging in again and again):
    ≥ 400 requests/s, p99 ≤ 250 ms, 0 errors, memory flat; logins and the other routes reported apart too.

    uv run python bench/bench_http.py [--seconds 10] [--mixed-seconds 300]

It starts its own copy of the platform (ports 28000+, its own databases) with demo data, unless
LP_BENCH_URL points at a running gateway (then LP_BENCH_DIRECT_URL names the benchmark service)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import process_tree, rss_mb, write_report  # noqa: E402

ROOT = HERE.parent
DEMO_LOGIN, DEMO_PASSWORD = "91110108MA01C2Q57B", "LpDemo2024"
WRK_CPU = os.environ.get("LP_BENCH_WRK_CPU", "1")


def _load_runner():
    import importlib.util

    spec = importlib.util.spec_from_file_location("lp_platform_runner", ROOT / "scripts" / "runner.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["lp_platform_runner"] = module
    spec.loader.exec_module(module)
    return module


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


# Appended to a wrk script: at the end, every distinct latency (µs) with its count, so that the latencies of
# two wrk processes run side by side can be merged into exact percentiles of both together.
HISTOGRAM_DONE = """
done = function(summary, latency, requests)
  for i = 1, #latency do
    local v, c = latency(i)
    io.write("LAT ", v, " ", c, "\\n")
  end
end
"""


def percentile(histogram: dict[int, int], p: float) -> float:
    """The p-th percentile (ms) of a {latency µs: count} histogram, as wrk computes it (the smallest value with
    at least p% of the requests at or below it)."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank, seen = total * p / 100, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value / 1000
    return max(histogram) / 1000


def wrk_command(
    url: str,
    *,
    connections: int,
    seconds: int,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    threads: int = 1,
) -> list[str]:
    cmd = [
        "taskset",
        "-c",
        WRK_CPU,
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    return [*cmd, url]


def parse_wrk(out: str) -> dict:
    histogram: dict[int, int] = {}
    for value, count in re.findall(r"^LAT (\d+) (\d+)$", out, re.MULTILINE):
        histogram[int(value)] = histogram.get(int(value), 0) + int(count)
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
        "socket_errors": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
        if "Socket errors" in out
        else 0,
    }
    if histogram:
        result["histogram"] = histogram
    return result


def wrk(url: str, **kw) -> dict:
    out = subprocess.run(wrk_command(url, **kw), capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


async def _prepare(gw: str) -> dict:
    async with httpx.AsyncClient(base_url=gw, timeout=30) as c:
        r = await c.post("/api/auth/login", json={"login_name": DEMO_LOGIN, "password": DEMO_PASSWORD})
        r.raise_for_status()
        token = r.json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        listing = (await c.get("/api/declarations", headers=h, params={"page_size": 20})).json()
        items = listing.get("items", [])
        detail_id = items[0]["id"] if items else None
        certs = (await c.get("/api/certificates", headers=h)).json()
        cert_items = certs.get("items", certs if isinstance(certs, list) else [])
        verify = next((x["verify_url"].rsplit("/", 1)[-1] for x in cert_items if x.get("verify_url")), None)
    return {"token": token, "detail_id": detail_id, "verify_code": verify}


def _lua(body: str) -> str:
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    f.write(body)
    f.close()
    return f.name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--mixed-seconds", type=int, default=int(os.environ.get("LP_BENCH_MIXED_SECONDS", "300"))
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk, or `make setup`)")

    platform = None
    gw = os.environ.get("LP_BENCH_URL")
    direct = os.environ.get("LP_BENCH_DIRECT_URL")
    if not gw:
        runner = _load_runner()
        runner.ensure_infrastructure()
        run_id = uuid.uuid4().hex[:6]
        platform = runner.Platform(
            base_port=28000,
            s3_port=29000,
            db_prefix=f"lpbench_{run_id}_",
            namespace=f"lpbench{run_id}",
            redis_url="redis://127.0.0.1:6379/13",
            state_dir=ROOT / "var" / f"bench-{run_id}",
            env="test",
            # pools near the deployed default of 10 (the runner's 4 suits a laptop running several platforms; with 4 the
            # declaration service's requests queued for a connection: list p99 650 ms against 170 ms with 12)
            extra_env={
                "LP_GATEWAY_RATE_LIMIT_ENABLED": "false",
                "LP_LOG_LEVEL": "WARNING",
                "LP_DB_POOL_SIZE": "8",
            },
        )
    try:
        if platform is not None:
            platform.up(demo=True, portal=False)
            gw, direct = platform.gateway_url, platform.service_url("benchmark")
        info = asyncio.run(_prepare(gw))
        auth = {"Authorization": f"Bearer {info['token']}"}
        rows, raw = [], {}
        s = args.seconds

        # 17: database-backed public list route, direct vs through the gateway.
        route = "/api/benchmark/products?page=1&page_size=20"
        wrk(f"{gw}{route}", connections=8, seconds=2)  # warm the pools
        d_tp = wrk(f"{direct}{route}", connections=32, seconds=s)
        g_tp = wrk(f"{gw}{route}", connections=32, seconds=s)
        d_one = wrk(f"{direct}{route}", connections=1, seconds=s)
        g_one = wrk(f"{gw}{route}", connections=1, seconds=s)
        ratio = g_tp["rps"] / d_tp["rps"]
        add50, add99 = g_one["p50"] - d_one["p50"], g_one["p99"] - d_one["p99"]
        raw["17"] = {"direct_32": d_tp, "gateway_32": g_tp, "direct_1": d_one, "gateway_1": g_one}
        rows += [
            (
                "17 throughput gateway / direct (32 clients, products list)",
                f"{ratio:.2f} ({g_tp['rps']:.0f} / {d_tp['rps']:.0f} req/s)",
                "≥ 0.75",
                "yes" if ratio >= 0.75 else "no",
            ),
            (
                "17 added latency p50 at one client",
                f"{add50:.2f} ms",
                "≤ 1 ms",
                "yes" if add50 <= 1 else "no",
            ),
            (
                "17 added latency p99 at one client",
                f"{add99:.2f} ms",
                "≤ 3 ms",
                "yes" if add99 <= 3 else "no",
            ),
        ]

        # 19: the enterprise's declaration list alone, then while 20 clients log in.
        list_url = f"{gw}/api/declarations?page=1&page_size=20"
        alone = wrk(list_url, connections=10, seconds=s, headers=auth)
        login_lua = _lua(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = '{json.dumps({'login_name': DEMO_LOGIN, 'password': DEMO_PASSWORD})}'\n"
        )
        login_proc = subprocess.Popen(
            [
                "taskset",
                "-c",
                WRK_CPU,
                "wrk",
                "-t1",
                "-c20",
                f"-d{s + 4}s",
                "--latency",
                "-s",
                login_lua,
                f"{gw}/api/auth/login",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        loaded = wrk(list_url, connections=10, seconds=s, headers=auth)
        login_out = login_proc.communicate()[0]
        logins = float(m.group(1)) if (m := re.search(r"Requests/sec:\s+([\d.]+)", login_out)) else 0.0
        factor = loaded["p99"] / alone["p99"] if alone["p99"] else float("inf")
        raw["19"] = {"alone": alone, "with_logins": loaded, "logins_per_s": logins}
        rows.append(
            (
                "19 list p99 with 20 clients logging in / alone",
                f"{factor:.2f} ({loaded['p99']:.1f} / {alone['p99']:.1f} ms; {logins:.0f} logins/s)",
                "≤ 1.5",
                "yes" if factor <= 1.5 else "no",
            )
        )

        # 22: mixed journey with 50 clients.
        detail = f"/api/declarations/{info['detail_id']}" if info["detail_id"] else "/api/declarations?page=2"
        cert = (
            f"/api/certificates/verify/{info['verify_code']}"
            if info["verify_code"]
            # the certificate list needs 领跑者企业身份认证 (403 before it); labels answer any enterprise
            else "/api/certificates/labels?page=1"
        )
        login_body = json.dumps({"login_name": DEMO_LOGIN, "password": DEMO_PASSWORD})
        # 50 clients: 47 browse (list, detail, certificate in the proportions 8 : 6 : 5) and 3 log in again
        # and again, side by side, each population its own wrk process so that logins and the other routes
        # are reported apart as well as together (their latency histograms merged).
        browse_lua = _lua(
            f"""
local token = "Bearer {info["token"]}"
local n = 0
request = function()
  n = n + 1
  local k = n % 19
  if k < 8 then
    return wrk.format("GET", "/api/declarations?page=1&page_size=20", {{["Authorization"] = token}})
  elseif k < 14 then
    return wrk.format("GET", "{detail}", {{["Authorization"] = token}})
  else
    return wrk.format("GET", "{cert}", {{["Authorization"] = token}})
  end
end
"""
            + HISTOGRAM_DONE
        )
        login_mixed_lua = _lua(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = '{login_body}'\n" + HISTOGRAM_DONE
        )
        pids = []
        if platform is not None:
            for proc in platform.procs.values():
                pids += process_tree(proc.pid)
        mem_before = rss_mb(pids)
        secs = args.mixed_seconds
        browsing = subprocess.Popen(
            wrk_command(gw + "/", connections=47, seconds=secs, script=browse_lua, threads=2),
            stdout=subprocess.PIPE,
            text=True,
        )
        logging_in = subprocess.Popen(
            wrk_command(gw + "/api/auth/login", connections=3, seconds=secs, script=login_mixed_lua),
            stdout=subprocess.PIPE,
            text=True,
        )
        browse = parse_wrk(browsing.communicate()[0])
        logs = parse_wrk(logging_in.communicate()[0])
        mem_after = rss_mb(pids)
        both: dict[int, int] = dict(browse.pop("histogram", {}))
        for value, count in logs.pop("histogram", {}).items():
            both[value] = both.get(value, 0) + count
        mixed = {
            "rps": browse["rps"] + logs["rps"],
            "p50": percentile(both, 50),
            "p99": percentile(both, 99),
            "requests": browse["requests"] + logs["requests"],
            "non_2xx": browse["non_2xx"] + logs["non_2xx"],
            "socket_errors": browse["socket_errors"] + logs["socket_errors"],
        }
        errors = mixed["non_2xx"] + mixed["socket_errors"]
        raw["22"] = {
            "together": mixed,
            "browsing_47": browse,
            "logins_3": logs,
            "rss_before_mb": mem_before,
            "rss_after_mb": mem_after,
        }
        growth = (mem_after - mem_before) / mem_before if mem_before else 0.0
        rows += [
            (
                f"22 mixed journey, 50 clients, {secs} s: throughput",
                f"{mixed['rps']:.0f} req/s ({browse['rps']:.0f} browsing + {logs['rps']:.0f} logins)",
                "≥ 400 req/s",
                "yes" if mixed["rps"] >= 400 else "no",
            ),
            (
                "22 mixed journey p50 / p99, all requests",
                f"{mixed['p50']:.1f} / {mixed['p99']:.1f} ms",
                "p99 ≤ 250 ms",
                "yes" if mixed["p99"] <= 250 else "no",
            ),
            (
                "22 … the 47 browsing clients (list, detail, certificate): p50 / p99",
                f"{browse['p50']:.1f} / {browse['p99']:.1f} ms, {browse['non_2xx']} non-2xx",
                "p99 ≤ 250 ms",
                "yes" if browse["p99"] <= 250 else "no",
            ),
            (
                "22 … the 3 clients logging in: p50 / p99",
                f"{logs['p50']:.1f} / {logs['p99']:.1f} ms, {logs['non_2xx']} non-2xx (503 hashing_busy)",
                "p99 ≤ 250 ms",
                "yes" if logs["p99"] <= 250 else "no",
            ),
            ("22 mixed journey errors (non-2xx + socket)", str(errors), "0", "yes" if errors == 0 else "no"),
            (
                "22 memory of all platform processes, start → end",
                f"{mem_before:.0f} → {mem_after:.0f} MB ({growth:+.1%})",
                "flat (< +10%)",
                "yes" if growth < 0.10 else "no",
            ),
        ]
        write_report(
            "http",
            "Gateway and journeys under load (QUALITY.md 17, 19, 22)",
            rows,
            notes="wrk pinned with taskset to CPU " + WRK_CPU + "; the platform's processes share the "
            "same 2 cores. Latencies are wrk's --latency percentiles.",
            raw=raw,
        )
    finally:
        if platform is not None:
            platform.down()
            import asyncpg

            async def _drop() -> None:
                conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
                for row in await conn.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{platform.db_prefix}%"
                ):
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
                await conn.close()

            asyncio.run(_drop())
            shutil.rmtree(platform.state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
