"""Issue #4 / QUALITY.md 18 — the declaration list page (企标领跑者申报列表) with 100,000 declarations:
20-row pages filtered as the seed's list page (year, field, standard number, enterprise name, list status,
evidence status, deep pages), p50/p99 at 50 concurrent clients, 0 errors; goal p99 ≤ 50 ms through the
gateway.

One seeded database (real PostgreSQL, the service's own migrations and indexes); the declaration service
and a gateway under uvicorn (one worker each, workers off), an S3 server for the service's start-up
(``LP_S3_ENDPOINT`` when set, else one started here). wrk (Debian) drives 50 connections with a Lua
script rotating the filter mix, first straight at the service, then through the gateway; each target is
reported separately. Three audiences: the working group (all rows), one agency (its products' rows) and
one enterprise (its own rows).

Run: ``uv run python bench/bench_declaration.py`` (``--rows 20000 --seconds 5`` for a quick run,
``--keep`` keeps the database). While working on the cost of a request: ``--audience working`` (only the
audiences whose label contains it), ``--gateway-only``, ``--saturation-only`` (only the runs without pause), ``--no-report`` (print the figures, write no report
to bench/results) and ``--profile`` (py-spy samples the service and the gateway during each gateway run
without pause, collapsed stacks under var/profile/, readable by speedscope or flamegraph.pl; the sampler
takes CPU of its own, so compare CPU per request from runs without it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cpu_seconds, process_tree, py_spy, rss_mb, spawn, stop, write_report
from kit.migrations import upgrade
from kit.security import TokenIssuer, generate_keypair
from kit.settings import DEV_S3_KEY, DEV_S3_SECRET
from kit.testing.s3server import free_port, start_s3_server, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
# another PostgreSQL server (host:port) with LP_BENCH_PG, e.g. a private one when the shared one is busy
PG = os.environ.get("LP_BENCH_PG", "127.0.0.1:5432")
ADMIN = f"postgresql://postgres@{PG}/postgres"
RNG = random.Random(20231126)
CONNECTIONS = 50

FIELDS = {
    "家用电器": ["家用电冰箱", "房间空气调节器", "电动洗衣机", "吸油烟机", "电饭锅"],
    "纺织服装": ["羽绒服", "衬衫", "毛巾", "床上用品"],
    "轻工": ["智能坐便器", "陶瓷砖", "木质门", "办公椅"],
    "电子信息": ["笔记本电脑", "智能手机", "无线路由器"],
    "装备制造": ["三相异步电动机", "离心泵", "配电变压器"],
    "消费品": ["婴儿纸尿裤", "牙膏", "洗发液"],
}
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "宁波", "苏州", "佛山", "青岛", "成都", "武汉", "厦门"]
WORDS = [
    "华信",
    "美达",
    "长虹",
    "宏远",
    "新锐",
    "恒通",
    "领航",
    "金盾",
    "天成",
    "博越",
    "安泰",
    "晨光",
    "致远",
    "立信",
]
KINDS = ["电器", "纺织", "科技", "制造", "实业", "家居", "服饰", "电子"]
# (list_status, evidence_status, weight): most rows are old and published or still drafts
STATES = [
    ("draft", "none", 30), ("with_agency", "pending", 12), ("agency_rejected", "failed", 4),
    ("draft", "incomplete", 5), ("group_review", "passed", 6), ("group_returned", "pending", 2),
    ("in_notice", "passed", 3), ("published", "passed", 38),
]  # fmt: skip


def enterprise_names(n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        names.add(f"{RNG.choice(CITIES)}{RNG.choice(WORDS)}{RNG.choice(WORDS)}{RNG.choice(KINDS)}有限公司")
    return sorted(names)


async def seed(url: str, rows: int) -> dict:
    """Products, agencies, enterprises and ``rows`` declarations spread over five scheme years."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        agencies = [uuid.uuid4() for _ in range(8)]
        products = []
        for field, names in FIELDS.items():
            for year in (2022, 2023, 2024, 2025, 2026):
                for name in names:
                    products.append((uuid.uuid4(), field, year, name, RNG.choice(agencies)))
        now = datetime.now(UTC)
        await conn.copy_records_to_table(
            "products",
            columns=["product_id", "code", "name", "field", "year", "product_type", "agency_org_id", "agency_name",
                     "notice_start", "notice_end", "plan_version", "group_standard", "indicators"],
            records=[(pid, f"P{i:04d}", name, field, year, "product", agency, "评估机构",
                      now - timedelta(days=400), now - timedelta(days=386), 1, "T/CAQP 001-2023", "[]")
                     for i, (pid, field, year, name, agency) in enumerate(products)],
        )  # fmt: skip
        names = enterprise_names(max(50, rows // 20))
        enterprises = [(uuid.uuid4(), name) for name in names]
        population = [s for s in STATES for _ in range(s[2])]
        records = []
        started = now - timedelta(days=5 * 365)
        for _ in range(rows):
            pid, field, year, name, agency = RNG.choice(products)
            org, ent_name = RNG.choice(enterprises)
            ls, es, _ = RNG.choice(population)
            created = started + timedelta(seconds=RNG.randrange(5 * 365 * 86400))
            code = "".join(RNG.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(RNG.choice((2, 3, 4))))
            number = f"Q/{code} {RNG.randrange(1, 999):03d}-{RNG.randrange(2015, 2026)}"
            published = created + timedelta(days=60) if ls == "published" else None
            # every row but a never-submitted draft has been handed to the agency
            submitted = None if (ls, es) == ("draft", "none") else created + timedelta(days=1)
            records.append((
                uuid.uuid4(), org, "self", pid, agency, year, field, name, "product", ent_name, "", number,
                f"{name}企业标准", "{}", "passed", 1, ls, es, RNG.randrange(0, 4), RNG.randrange(0, 3),
                created, created, published, submitted,
            ))  # fmt: skip
        await conn.copy_records_to_table(
            "declarations",
            columns=["id", "org_id", "origin", "product_id", "agency_org_id", "year", "field", "product_name",
                     "product_type", "enterprise_name", "credit_code", "standard_no", "standard_name",
                     "public_values", "comparison_verdict", "plan_version", "list_status", "evidence_status",
                     "model_count", "evidence_count", "created_at", "updated_at", "published_at", "submitted_at"],
            records=records,
        )  # fmt: skip
        # the steady state autovacuum keeps: statistics and a visibility map, so counts can use index-only scans
        await conn.execute("VACUUM ANALYZE")
        busiest_org = await conn.fetchval(
            "SELECT org_id FROM declarations GROUP BY org_id ORDER BY count(*) DESC LIMIT 1"
        )
        busiest_agency = await conn.fetchval(
            "SELECT agency_org_id FROM declarations GROUP BY agency_org_id ORDER BY count(*) DESC LIMIT 1"
        )
        sample = RNG.choice(records)
        return {
            "org": busiest_org,
            "agency": busiest_agency,
            # four characters (two words of the name): a realistic search, long enough for trigrams
            "name_part": sample[9][2:6],
            "number_part": sample[11][2:5],
        }
    finally:
        await conn.close()


def filter_mix(hints: dict) -> list[str]:
    """The seed's list page: year, 领域, 企业标准号, 企业名称, 名单状态, 证明材料状态, pages."""
    q = quote
    return [
        "/api/declarations?page=1&page_size=20",
        "/api/declarations?year=2025&page_size=20",
        f"/api/declarations?year=2024&field={q('纺织服装')}&page_size=20",
        "/api/declarations?list_status=with_agency&page_size=20",
        "/api/declarations?evidence_status=pending&year=2026&page_size=20",
        f"/api/declarations?enterprise_name={q(hints['name_part'])}&page_size=20",
        f"/api/declarations?standard_no={q(hints['number_part'])}&page_size=20",
        f"/api/declarations?year=2023&field={q('家用电器')}&list_status=published&page_size=20",
        f"/api/declarations?list_status={q('企业未提交')}&evidence_status={q('未上传')}&page=5&page_size=20",
        "/api/declarations?page=50&page_size=20",
    ]


LUA = """
paths = {%s}
counter = 0
think_ms = %d
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
if think_ms > 0 then
  -- a person between two page turns: exponential think time with this mean (not counted in latency)
  delay = function()
    return math.floor(-math.log(1 - math.random()) * think_ms)
  end
end
"""
THINK_MS = 250


async def backend_pids(url: str) -> list[int]:
    conn = await asyncpg.connect(ADMIN)
    try:
        name = url.rsplit("/", 1)[1]
        return [
            r["pid"] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
        ]
    finally:
        await conn.close()


def run_wrk(
    base: str, token: str, paths: list[str], seconds: int, tmp: Path, connections: int = CONNECTIONS,
    think_ms: int = 0, watch: dict[str, list[int]] | None = None,
) -> dict:  # fmt: skip
    """One wrk run; ``watch`` names processes whose CPU per request is reported (the cost behind a figure)."""
    script = tmp / f"mix-{uuid.uuid4().hex[:6]}.lua"
    script.write_text(LUA % (", ".join(f'"{p}"' for p in paths), think_ms))
    # wrk on one core of its own choosing (taskset), so the load generator does not roam over the platform's
    cmd = ["taskset", "-c", "1", "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "5s", "-H", f"Authorization: Bearer {token}", "-s", str(script), base]  # fmt: skip
    before = {(name, p): cpu_seconds(p) for name, pids in (watch or {}).items() for p in pids}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    spent = dict.fromkeys(watch or {}, 0.0)
    for (name, pid), start in before.items():
        end = cpu_seconds(pid)
        if end >= start > 0:  # a process gone meanwhile (a pooled connection closed) is left out
            spent[name] += end - start

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    failed_status = int(non2xx.group(1)) if non2xx else 0
    failed_socket = sum(int(x) for x in socket_errors.groups()) if socket_errors else 0
    result = {"p50_ms": ms("50"), "p90_ms": ms("90"), "p99_ms": ms("99"), "requests": requests,
              "req_per_s": rate, "errors": failed_status + failed_socket, "non_2xx": failed_status,
              "socket_errors_or_timeouts": failed_socket}  # fmt: skip
    if watch:
        result["cpu_ms_per_request"] = {
            name: round(1000 * v / max(requests, 1), 3) for name, v in spent.items()
        }
    return result


PROFILES = ROOT / "var" / "profile"


def start_profiles(label: str, pids: dict[str, int], seconds: int) -> list[subprocess.Popen]:
    """py-spy on each named process for ``seconds``: collapsed stacks in var/profile/<label>-<name>.txt."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    spies = []
    for name, pid in pids.items():
        out = PROFILES / f"declaration-{slug}-{name}.txt"
        spies.append(
            subprocess.Popen(py_spy(pid, seconds, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return spies


async def run(
    rows: int, seconds: int, keep: bool, *, audience: str = "", gateway_only: bool = False, profile: bool = False,
    saturation_only: bool = False, service_workers: int = 1, gateway_workers: int = 1,
) -> dict:  # fmt: skip
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    name = f"lpbench_declaration_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@{PG}/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="lpbench-declaration-"))
    procs: list[subprocess.Popen] = []
    try:
        await asyncio.to_thread(upgrade, "declaration", url, create=False)
        hints = await seed(url, rows)
        private, public = generate_keypair()
        (tmp / "public.pem").write_bytes(public)
        issuer = TokenIssuer(private, issuer="lp-auth", audience="lp-platform", access_ttl=3600)

        def token(org_type: str, org_id: uuid.UUID) -> str:
            return issuer.access_token(account_id=uuid.uuid4(), org_id=org_id, org_type=org_type,
                                       org_name="压测", session_id=uuid.uuid4().hex)  # fmt: skip

        s3 = os.environ.get("LP_S3_ENDPOINT")
        if not s3:
            port = free_port()
            procs.append(start_s3_server(port, DEV_S3_KEY, DEV_S3_SECRET, data_dir=str(tmp / "s3"),
                                         log_file=tmp / "s3.log"))  # fmt: skip
            await asyncio.to_thread(wait_for_port, port, 60)
            s3 = f"127.0.0.1:{port}"
        service_port, gateway_port = free_port(), free_port()
        env = {
            **os.environ, "LP_ENV": "test", "LP_DATABASE_URL": url, "LP_JWT_PUBLIC_KEY_FILE": str(tmp / "public.pem"),
            "LP_BUS_NAMESPACE": f"lpbench{uuid.uuid4().hex[:6]}", "LP_REDIS_URL": "redis://127.0.0.1:6379/15",
            "LP_RUN_WORKERS": "false", "LP_LOG_LEVEL": "WARNING", "LP_S3_ENDPOINT": s3, "LP_DB_POOL_SIZE": "20",
            "LP_DECLARATION_URL": f"http://127.0.0.1:{service_port}", "LP_GATEWAY_RATE_LIMIT_ENABLED": "false",
        }  # fmt: skip
        uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--no-access-log",
                   "--log-level", "warning"]  # fmt: skip

        def workers(n: int) -> list[str]:
            return ["--workers", str(n)] if n > 1 else []

        procs.append(spawn([*uvicorn, *workers(service_workers), "--port", str(service_port),
                            "declaration.main:create_app"], env, tmp / "declaration.log"))  # fmt: skip
        procs.append(spawn([*uvicorn, *workers(gateway_workers), "--port", str(gateway_port),
                            "gateway.main:create_app"], env, tmp / "gateway.log"))  # fmt: skip
        for port in (service_port, gateway_port):
            await asyncio.to_thread(wait_for_port, port, 60)

        audiences = {
            "working group (all rows)": token("working_group", uuid.uuid4()),
            "agency (its products)": token("agency", hints["agency"]),
            "enterprise (own rows)": token("enterprise", hints["org"]),
        }
        paths = filter_mix(hints)
        # every path answers 200 on both targets before measuring; the totals show what each audience sees
        totals: dict[str, int] = {}
        async with httpx.AsyncClient(timeout=10) as client:
            for label, tok in audiences.items():
                for base in (service_port, gateway_port):
                    for path in paths:
                        r = await client.get(
                            f"http://127.0.0.1:{base}{path}", headers={"Authorization": f"Bearer {tok}"}
                        )
                        assert r.status_code == 200, (base, path, r.status_code, r.text[:300])
                r = await client.get(f"http://127.0.0.1:{service_port}/api/declarations?page_size=1",
                                     headers={"Authorization": f"Bearer {tok}"})  # fmt: skip
                totals[label] = r.json()["total"]
        results: dict[str, dict] = {}
        targets = (
            [("gateway", gateway_port)]
            if gateway_only
            else [("direct", service_port), ("gateway", gateway_port)]
        )
        for label, tok in audiences.items():
            if audience not in label:
                continue
            for target, port in targets:
                base = f"http://127.0.0.1:{port}"
                run_wrk(base, tok, paths, 2, tmp)  # warm-up: pools, plans, caches
                # a uvicorn supervisor with its workers counts as one: every process of its tree
                watch = {"service": process_tree(procs[-2].pid),
                         "gateway": process_tree(procs[-1].pid) if target == "gateway" else [],
                         "postgresql": await backend_pids(url)}  # fmt: skip
                spies = (
                    start_profiles(label, {"service": procs[-2].pid, "gateway": procs[-1].pid}, seconds)
                    if profile and target == "gateway" else []
                )  # fmt: skip
                # 50 clients without pause: the saturation figure (each waits only for its previous answer)
                results[f"{label} / {target}"] = run_wrk(base, tok, paths, seconds, tmp, watch=watch)
                results[f"{label} / {target}"]["rss_mb"] = {
                    name: round(rss_mb(pids), 1) for name, pids in watch.items() if name != "postgresql"
                }
                for spy in spies:
                    spy.wait(30)
                if saturation_only:
                    continue
                if target == "gateway":
                    # 50 clients paging like people: an exponential pause (mean THINK_MS) between requests
                    results[f"{label} / {target} / think"] = run_wrk(
                        base, tok, paths, seconds, tmp, think_ms=THINK_MS, watch=watch
                    )
                # one connection: the latency of a request itself, without queueing behind 49 others
                results[f"{label} / {target} / 1 client"] = run_wrk(
                    base, tok, paths, max(3, seconds // 3), tmp, connections=1
                )
        return {"rows": rows, "seconds": seconds, "totals": totals, "paths": paths, "results": results}
    finally:
        for proc in procs:
            stop(proc)
        if not keep:
            admin = await asyncpg.connect(ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--audience", default="", help="only the audiences whose label contains this")
    parser.add_argument("--gateway-only", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="print the figures, write no report")
    parser.add_argument("--profile", action="store_true", help="py-spy stacks under var/profile/")
    parser.add_argument("--saturation-only", action="store_true", help="only the runs without pause")
    args = parser.parse_args()
    raw = asyncio.run(
        run(args.rows, args.seconds, args.keep, audience=args.audience, gateway_only=args.gateway_only,
            profile=args.profile, saturation_only=args.saturation_only)
    )  # fmt: skip
    if args.no_report:
        for label, r in raw["results"].items():
            print(
                f"{label}: {r['req_per_s']:.0f} req/s, {r['errors']} errors, CPU ms/request {r.get('cpu_ms_per_request')}"
            )
        return
    rows = []
    for label, r in raw["results"].items():
        via_gateway = label.endswith("gateway")
        if label.endswith("1 client"):
            rows.append((f"{label}: p50 / p99", f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms", "—", "—"))
            continue
        cost = r.get("cpu_ms_per_request") or {}
        spent = ", ".join(f"{k} {v:.2f}" for k, v in cost.items() if v) if cost else ""
        if label.endswith("think"):
            rows.append((
                f"{label.removesuffix(' / think')} / 50 clients pausing (mean {THINK_MS} ms): p50 / p90 / p99",
                f"{r['p50_ms']:.1f} / {r['p90_ms']:.1f} / {r['p99_ms']:.1f} ms, {r['req_per_s']:.0f} req/s, "
                f"{r['errors']} errors; CPU ms/request: {spent}",
                "p99 ≤ 50 ms, 0 errors (QUALITY 18)", "yes" if r["p99_ms"] <= 50 and r["errors"] == 0 else "no",
            ))  # fmt: skip
            continue
        goal = "p99 ≤ 50 ms, 0 errors (QUALITY 18)" if via_gateway else "— (reference)"
        met = "yes" if r["p99_ms"] <= 50 and r["errors"] == 0 else "no"
        rows.append((
            f"{label} / 50 clients without pause: p50 / p90 / p99",
            f"{r['p50_ms']:.1f} / {r['p90_ms']:.1f} / {r['p99_ms']:.1f} ms, {r['req_per_s']:.0f} req/s, "
            f"{r['errors']} errors; CPU ms/request: {spent}", goal, met if via_gateway else "—",
        ))  # fmt: skip
    notes = (
        f"{raw['rows']:,} declarations (8 agencies, {len(FIELDS)} fields × 5 years of products, ~{raw['rows'] // 20:,} "
        f"enterprises). Rows each audience sees: {raw['totals']}. Every request is one 20-row page plus its total "
        f"count, filtered by one of {len(raw['paths'])} rotating filter sets of the seed's list page "
        "(year, 领域, 企业标准号 and 企业名称 as contains-filters, 名单状态, 证明材料状态, deep pages). "
        f"wrk (pinned to CPU 1): 2 threads, {CONNECTIONS} connections, {raw['seconds']} s per run after a 2 s "
        "warm-up, once without pause (each client sends its next request as soon as the answer arrives: the "
        f"saturation figure) and once with an exponential pause of mean {THINK_MS} ms between a client's "
        "requests (people paging; the pause is not counted as latency). Service and gateway one uvicorn "
        "worker each, PostgreSQL and wrk on the same 2 cores. CPU ms/request: user+system CPU of the service, "
        "the gateway and this database's PostgreSQL backends over the run, divided by the requests answered."
    )
    write_report(
        "declaration-list",
        "Declaration list page with 100,000 declarations (QUALITY 18)",
        rows,
        notes,
        raw=raw,
    )


if __name__ == "__main__":
    main()
