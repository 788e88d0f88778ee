"""The physical floor under the declaration list (issue 17): what the same work costs without the platform.

For the seed's list page over 100,000 declarations (bench_declaration's data and filter mix), three figures of
CPU per request, each measured with 50 clients without pause:

1. the service itself (uvicorn, one worker), straight and through the gateway — as bench_declaration;
2. the same SQL through asyncpg alone: the statements one warm request of the service runs (captured from the
   service's engine in process), replayed by 50 tasks over a pool of 8 connections; CPU of this client
   process and of PostgreSQL's backends per page;
3. a bare ASGI app under the same uvicorn answering the same bytes (one page of the service's answer): the
   floor of HTTP in Python on this machine.

The gap between 1 and 2 + 3 is what the service's own code costs per request.

    uv run python bench/bench_floor.py [--rows 100000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_declaration import (  # noqa: E402
    ADMIN,
    PG,
    backend_pids,
    filter_mix,
    run_wrk,
    seed,
)
from common import cpu_seconds, spawn, stop, write_report  # noqa: E402
from kit.migrations import upgrade  # noqa: E402
from kit.security import TokenIssuer, generate_keypair  # noqa: E402
from kit.settings import DEV_S3_KEY, DEV_S3_SECRET  # noqa: E402
from kit.testing.s3server import free_port, start_s3_server, wait_for_port  # noqa: E402

CLIENTS = 50
POOL = 8

BARE_APP = """
import os
BODY = open(os.environ["LP_FLOOR_BODY"], "rb").read()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


async def capture_statements(env: dict[str, str], token: str, paths: list[str]) -> dict[str, list]:
    """The SQL each path runs on a warm request of the service (its count cache warm, as in a steady run),
    captured from the service's own engine in this process."""
    from sqlalchemy import event

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from declaration.main import create_app
        from kit.testing.fixtures import running_app

        app = create_app()
        captured: list[tuple[str, tuple]] = []
        async with running_app(app) as client:
            engine = app.state.runtime.db.engine.sync_engine

            def record(conn, cursor, statement, parameters, context, executemany):
                captured.append((statement, tuple(parameters or ())))

            headers = {"Authorization": f"Bearer {token}"}
            by_path: dict[str, list] = {}
            for path in paths:
                assert (await client.get(path, headers=headers)).status_code == 200
                event.listen(engine, "before_cursor_execute", record)
                captured.clear()
                r = await client.get(path, headers=headers)
                event.remove(engine, "before_cursor_execute", record)
                assert r.status_code == 200, r.text[:300]
                by_path[path] = list(captured)
        return by_path
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def replay(url: str, statements: dict[str, list], seconds: float) -> dict:
    """50 tasks over a pool of 8 asyncpg connections, each running a path's statements in turn."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(
        dsn, min_size=POOL, max_size=POOL, server_settings={"plan_cache_mode": "force_custom_plan"}
    )
    paths = list(statements)
    pages = 0
    try:
        async with pool.acquire() as conn:  # warm every statement once
            for path in paths:
                for sql, params in statements[path]:
                    await conn.fetch(sql, *params)
        backends = await backend_pids(url)
        pg_before = {p: cpu_seconds(p) for p in backends}
        me_before = resource.getrusage(resource.RUSAGE_SELF)
        deadline = time.monotonic() + seconds

        async def client(i: int) -> None:
            nonlocal pages
            n = i
            while time.monotonic() < deadline:
                path = paths[n % len(paths)]
                n += 1
                async with pool.acquire() as conn:
                    for sql, params in statements[path]:
                        await conn.fetch(sql, *params)
                pages += 1

        started = time.monotonic()
        await asyncio.gather(*(client(i) for i in range(CLIENTS)))
        elapsed = time.monotonic() - started
        me_after = resource.getrusage(resource.RUSAGE_SELF)
        pg = sum(max(0.0, cpu_seconds(p) - t) for p, t in pg_before.items())
        me = (me_after.ru_utime - me_before.ru_utime) + (me_after.ru_stime - me_before.ru_stime)
        return {
            "pages": pages,
            "pages_per_s": pages / elapsed,
            "cpu_ms_per_page": {"asyncpg client": 1000 * me / pages, "postgresql": 1000 * pg / pages},
            "statements_per_page": sum(len(v) for v in statements.values()) / len(statements),
        }
    finally:
        await pool.close()


async def run(rows: int, seconds: int) -> dict:
    name = f"lpbench_floor_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@{PG}/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="lpbench-floor-"))
    procs = []
    try:
        await asyncio.to_thread(upgrade, "declaration", url, create=False)
        hints = await seed(url, rows)
        private, public = generate_keypair()
        (tmp / "public.pem").write_bytes(public)
        issuer = TokenIssuer(private, issuer="lp-auth", audience="lp-platform", access_ttl=3600)
        tokens = {
            "working group (all rows)": issuer.access_token(
                account_id=uuid.uuid4(),
                org_id=uuid.uuid4(),
                org_type="working_group",
                org_name="压测",
                session_id=uuid.uuid4().hex,
            ),
            "enterprise (own rows)": issuer.access_token(
                account_id=uuid.uuid4(),
                org_id=hints["org"],
                org_type="enterprise",
                org_name="压测",
                session_id=uuid.uuid4().hex,
            ),
        }
        port = free_port()
        procs.append(
            start_s3_server(
                port, DEV_S3_KEY, DEV_S3_SECRET, data_dir=str(tmp / "s3"), log_file=tmp / "s3.log"
            )
        )
        await asyncio.to_thread(wait_for_port, port, 60)
        service_port, gateway_port, bare_port = free_port(), free_port(), free_port()
        env = {
            "LP_ENV": "test",
            "LP_DATABASE_URL": url,
            "LP_JWT_PUBLIC_KEY_FILE": str(tmp / "public.pem"),
            "LP_BUS_NAMESPACE": f"lpbench{uuid.uuid4().hex[:6]}",
            "LP_REDIS_URL": "redis://127.0.0.1:6379/15",
            "LP_RUN_WORKERS": "false",
            "LP_LOG_LEVEL": "WARNING",
            "LP_S3_ENDPOINT": f"127.0.0.1:{port}",
            "LP_DB_POOL_SIZE": "20",
            "LP_DECLARATION_URL": f"http://127.0.0.1:{service_port}",
            "LP_GATEWAY_RATE_LIMIT_ENABLED": "false",
        }
        paths = filter_mix(hints)
        results: dict[str, dict] = {}
        for label, token in tokens.items():
            statements = await capture_statements(env, token, paths)
            results[f"{label} / asyncpg alone"] = await replay(url, statements, seconds)

        uvicorn = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        child_env = {**os.environ, **env}
        procs.append(
            spawn(
                [*uvicorn, "--factory", "--port", str(service_port), "declaration.main:create_app"],
                child_env,
                tmp / "declaration.log",
            )
        )
        procs.append(
            spawn(
                [*uvicorn, "--factory", "--port", str(gateway_port), "gateway.main:create_app"],
                child_env,
                tmp / "gateway.log",
            )
        )
        for p in (service_port, gateway_port):
            await asyncio.to_thread(wait_for_port, p, 60)
        async with httpx.AsyncClient(timeout=10) as client:
            page = await client.get(
                f"http://127.0.0.1:{service_port}{paths[0]}",
                headers={"Authorization": f"Bearer {tokens['working group (all rows)']}"},
            )
        assert page.status_code == 200, page.text[:300]
        (tmp / "body.json").write_bytes(page.content)
        (tmp / "floor_app.py").write_text(BARE_APP)
        procs.append(
            spawn(
                [*uvicorn, "--app-dir", str(tmp), "--port", str(bare_port), "floor_app:app"],
                {**child_env, "LP_FLOOR_BODY": str(tmp / "body.json")},
                tmp / "bare.log",
            )
        )
        await asyncio.to_thread(wait_for_port, bare_port, 60)
        service, gateway, bare = procs[-3], procs[-2], procs[-1]

        token = tokens["working group (all rows)"]
        for target, port_, watch in (
            ("service straight", service_port, {"service": [service.pid]}),
            (
                "service through the gateway",
                gateway_port,
                {"service": [service.pid], "gateway": [gateway.pid]},
            ),
            ("bare ASGI app, same bytes", bare_port, {"bare app": [bare.pid]}),
        ):
            base = f"http://127.0.0.1:{port_}"
            run_wrk(base, token, paths, 2, tmp)  # warm-up
            if "service" in watch:
                watch = {**watch, "postgresql": await backend_pids(url)}
            results[f"working group (all rows) / {target}"] = run_wrk(
                base, token, paths, seconds, tmp, watch=watch
            )
        return {"rows": rows, "seconds": seconds, "body_bytes": len(page.content), "results": results}
    finally:
        for proc in procs:
            stop(proc)
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    data = asyncio.run(run(args.rows, args.seconds))
    rows = []
    for key, r in data["results"].items():
        cpu = r.get("cpu_ms_per_request") or r.get("cpu_ms_per_page") or {}
        rate = r.get("req_per_s") or r.get("pages_per_s") or 0.0
        cost = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        rows.append((f"{key}: CPU ms per page", cost, "—", "—"))
        rows.append((f"{key}: pages per second (50 clients)", f"{rate:.0f}", "—", "—"))
    if args.no_report:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    write_report(
        "floor",
        "The physical floor under the declaration list (issue 17)",
        rows,
        notes=(
            f"{data['rows']:,} declarations, bench_declaration's data and filter mix; 50 clients without pause, "
            f"{data['seconds']} s per figure; one page of the answer is {data['body_bytes']:,} bytes. "
            "CPU per page: user + system CPU of each process over the run divided by the pages answered."
        ),
        raw=data,
    )


if __name__ == "__main__":
    main()
