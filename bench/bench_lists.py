"""CPU per list request by process (issue 17 §2): the declaration list, the mall search and the certificate
list through the gateway, on the demo data.

It starts the three services and a gateway under uvicorn (one worker each, no relays or consumers: the lists
need no broker, and pollers would add CPU of their own to the figures), each on a database of its own seeded
here: ``--rows`` declarations (bench_declaration's seed), ``--products`` listed products (bench_mall's seed)
and ``--certificates`` certificates of two models each; the databases are dropped at the end. As the working
group (it sees every declaration and certificate), each list is driven through the gateway with wrk (pinned
to one core) for ``--seconds``; the figure is user+system CPU of the list's service and of the gateway over
the run divided by the requests answered. CPU per request, unlike latency, holds when other work shares the
machine; compare two commits by running them one after the other (or side by side) a few times.
``--profile`` records py-spy stacks of the service and the gateway during each run under var/profile/
(collapsed stacks, readable by speedscope or flamegraph.pl; the sampler costs CPU of its own, so take the
figures from a run without it).

    uv run python bench/bench_lists.py [--seconds 10] [--connections 16] [--profile]

Nothing is written to bench/results: the figures are printed (``--json`` for the raw numbers)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import cpu_seconds, py_spy, spawn, stop  # noqa: E402

PG = os.environ.get("LP_BENCH_PG", "127.0.0.1:5432")
ADMIN = f"postgresql://postgres@{PG}/postgres"
SERVICES = ("declaration", "mall", "certificate")
WRK_CPU = os.environ.get("LP_BENCH_WRK_CPU", "1")
PROFILES = ROOT / "var" / "profile"

# (label, service, path): 20-row pages as the portal asks for them
LISTS = [
    ("declaration list", "declaration", "/api/declarations?page=1&page_size=20"),
    ("mall search", "mall", f"/api/mall/products?q={quote('冰箱')}&page=1&page_size=20"),
    ("mall home page", "mall", "/api/mall/products?page=1&page_size=20"),
    ("certificate list", "certificate", "/api/certificates?page=1&page_size=20"),
]


def wrk(url: str, *, token: str, connections: int, seconds: int) -> dict:
    cmd = ["taskset", "-c", WRK_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-H", f"Authorization: Bearer {token}", url]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def profile(label: str, pids: dict[str, int], seconds: int) -> list[subprocess.Popen]:
    PROFILES.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return [
        subprocess.Popen(
            py_spy(pid, seconds, PROFILES / f"lists-{slug}-{name}.txt"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


async def seed_certificates(url: str, n: int) -> None:
    """``n`` valid certificates of two models each, written straight into the certificate database."""
    import datetime as dt

    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        today = dt.date.today()
        certificates, models = [], []
        for i in range(n):
            cid = uuid.uuid4()
            certificates.append((
                cid, f"LP-{today.year}-{i:06d}", uuid.uuid4().hex, uuid.uuid4(), uuid.uuid4(), uuid.uuid4(),
                f"压测企业{i:04d}有限公司", f"91110000MA{i:08d}", uuid.uuid4(), "家用电冰箱", "家用电器",
                today.year, f"Q/LP {i:04d}-2025", "家用电冰箱企业标准", "中国家用电器研究院",
                today - dt.timedelta(days=i % 300), today + dt.timedelta(days=700), "valid",
                f"certificates/{cid}.pdf",
            ))  # fmt: skip
            models += [(uuid.uuid4(), cid, k, f"BCD-{i}-{k}", "规格", False) for k in (1, 2)]
        await conn.copy_records_to_table(
            "certificates", records=certificates,
            columns=["id", "number", "verify_code", "declaration_id", "org_id", "agency_org_id", "enterprise_name",
                     "credit_code", "product_id", "key_field_product", "field", "year", "standard_no",
                     "standard_name", "agency_name", "issued_on", "valid_until", "status", "unstamped_key"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "certificate_models", records=models,
            columns=["model_id", "certificate_id", "position", "name", "spec", "appended"],
        )  # fmt: skip
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def measure(
    ports: dict[str, int],
    pids: dict[str, int],
    token: str,
    *,
    seconds: int,
    connections: int,
    with_profile: bool,
) -> dict:
    gw = f"http://127.0.0.1:{ports['gateway']}"
    results = {}
    for label, service, path in LISTS:
        r = httpx.get(f"{gw}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        wrk(f"{gw}{path}", token=token, connections=connections, seconds=2)  # warm-up: pools, plans, caches
        watch = {"service": pids[service], "gateway": pids["gateway"]}
        spies = profile(label, watch, seconds) if with_profile else []
        before = {name: cpu_seconds(pid) for name, pid in watch.items()}
        run = wrk(f"{gw}{path}", token=token, connections=connections, seconds=seconds)
        spent = {name: cpu_seconds(pid) - before[name] for name, pid in watch.items()}
        for spy in spies:
            spy.wait(30)
        run["rows"] = len(r.json()["items"])
        run["cpu_ms_per_request"] = {
            k: round(1000 * v / max(run["requests"], 1), 3) for k, v in spent.items()
        }
        results[label] = run
    return results


async def start(
    args: argparse.Namespace, tmp: Path, procs: dict[str, subprocess.Popen]
) -> tuple[dict[str, int], str]:
    """Databases migrated and seeded, an S3 server, the services and the gateway (into ``procs``): the ports
    and a working group's token."""
    import asyncpg
    import bench_declaration
    import bench_mall
    from kit.migrations import upgrade
    from kit.security import TokenIssuer, generate_keypair
    from kit.settings import DEV_S3_KEY, DEV_S3_SECRET
    from kit.testing.s3server import free_port, start_s3_server, wait_for_port

    urls = {}
    admin = await asyncpg.connect(ADMIN)
    try:
        for service in SERVICES:
            await admin.execute(f'CREATE DATABASE "{args.db_prefix}{service}"')
            urls[service] = f"postgresql+asyncpg://postgres@{PG}/{args.db_prefix}{service}"
    finally:
        await admin.close()
    for service, url in urls.items():
        await asyncio.to_thread(upgrade, service, url, create=False)
    await bench_declaration.seed(urls["declaration"], args.rows)
    await bench_mall.seed(urls["mall"], args.products)
    await seed_certificates(urls["certificate"], args.certificates)
    private, public = generate_keypair()
    (tmp / "public.pem").write_bytes(public)
    issuer = TokenIssuer(private, issuer="lp-auth", audience="lp-platform", access_ttl=3600)
    token = issuer.access_token(account_id=uuid.uuid4(), org_id=uuid.uuid4(), org_type="working_group",
                                org_name="压测", session_id=uuid.uuid4().hex)  # fmt: skip
    s3_port = free_port()
    procs["s3"] = start_s3_server(s3_port, DEV_S3_KEY, DEV_S3_SECRET, data_dir=str(tmp / "s3"),
                                  log_file=tmp / "s3.log")  # fmt: skip
    await asyncio.to_thread(wait_for_port, s3_port, 60)
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    env = {
        **os.environ, "LP_ENV": "test", "LP_JWT_PUBLIC_KEY_FILE": str(tmp / "public.pem"),
        "LP_BUS_NAMESPACE": f"lpbench{uuid.uuid4().hex[:6]}", "LP_REDIS_URL": "redis://127.0.0.1:6379/15",
        "LP_RUN_WORKERS": "false", "LP_LOG_LEVEL": "WARNING", "LP_S3_ENDPOINT": f"127.0.0.1:{s3_port}",
        "LP_DB_POOL_SIZE": "20", "LP_GATEWAY_RATE_LIMIT_ENABLED": "false",
        **{f"LP_{name.upper()}_URL": f"http://127.0.0.1:{ports[name]}" for name in SERVICES},
    }  # fmt: skip
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    for name in (*SERVICES, "gateway"):
        service_env = {**env, "LP_SERVICE_NAME": name}
        if name in urls:
            service_env["LP_DATABASE_URL"] = urls[name]
        procs[name] = spawn(
            [*uvicorn, "--port", str(ports[name]), f"{name}.main:create_app"],
            service_env,
            tmp / f"{name}.log",
        )
    for port in ports.values():
        await asyncio.to_thread(wait_for_port, port, 90)
    return ports, token


async def drop(prefix: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN)
    try:
        for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}%"):
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rows", type=int, default=20000, help="declarations")
    parser.add_argument("--products", type=int, default=5000, help="listed products in the mall")
    parser.add_argument("--certificates", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="py-spy stacks under var/profile/")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    args.db_prefix = f"lpbench_lists_{uuid.uuid4().hex[:6]}_"
    tmp = Path(tempfile.mkdtemp(prefix="lpbench-lists-"))
    procs: dict[str, subprocess.Popen] = {}
    try:
        ports, token = asyncio.run(start(args, tmp, procs))
        results = measure(ports, {k: p.pid for k, p in procs.items()}, token, seconds=args.seconds,
                          connections=args.connections, with_profile=args.profile)  # fmt: skip
    finally:
        for proc in procs.values():
            stop(proc)
        asyncio.run(drop(args.db_prefix))
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"{'list':<18} {'rows':>4} {'req/s':>7} {'non-2xx':>7} {'service ms':>10} {'gateway ms':>10}")
    for label, r in results.items():
        cpu = r["cpu_ms_per_request"]
        print(f"{label:<18} {r['rows']:>4} {r['req_per_s']:>7.0f} {r['non_2xx']:>7} {cpu['service']:>10.3f} "
              f"{cpu['gateway']:>10.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
