"""Readiness means "this pod can serve its requests". Redis, the broker and one upstream service are taken
away in turn (each sits behind a TCP forwarder this test switches off, so the shared Redis and RabbitMQ
keep running) and the test shows what still answers:

=====================  ======================  ==========================  ==============================
taken away             gateway /readyz         service HTTP /readyz        routes
=====================  ======================  ==========================  ==============================
Redis                  200, degraded: redis    200, degraded: redis        public reads 200; a route that
                                                                           needs Redis: 503 ``unavailable``
broker                 200                     200 (holds no broker        public reads 200 (events wait
                                               connection); worker 503     in the outbox)
S3 storage             200                     200, degraded: storage      public reads 200
mall (one upstream)    200                     (mall's own)                other services 200; mall's
                                                                           routes 503 ``service_unavailable``
=====================  ======================  ==========================  ==============================
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import time
import uuid

import httpx
import pytest
from kit.testing.tcpproxy import TcpProxy

from .conftest import ROOT

runner = sys.modules["lp_platform_runner"]
SERVICES = ("auth", "benchmark", "mall")


class _Platform(runner.Platform):
    """Three services (enough to show one away while others answer), each with its worker process."""

    def available_services(self) -> list[str]:
        return list(SERVICES)


def _free_block() -> int:
    def free(port: int) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) != 0

    start = int(os.environ.get("LP_E2E_BASE_PORT", "18000")) + 500
    for base in range(start, start + 2000, 100):
        if all(free(p) for p in (*range(base, base + 7), *range(base + 50, base + 57), base + 1000)):
            return base
    raise RuntimeError("no free port block")


@pytest.fixture(scope="module")
def degraded():
    runner.ensure_infrastructure()
    run_id = uuid.uuid4().hex[:6]
    base = _free_block()
    redis = TcpProxy("127.0.0.1", 6379).start()
    broker = TcpProxy("127.0.0.1", 5672).start()
    storage = TcpProxy("127.0.0.1", base + 1000).start()
    mall = TcpProxy("127.0.0.1", base + dict(runner.SERVICES)["mall"]).start()
    platform = _Platform(
        base_port=base,
        s3_port=base + 1000,
        db_prefix=f"lpdeg_{run_id}_",
        namespace=f"lpdeg{run_id}",
        redis_url=f"redis://127.0.0.1:{redis.port}/13",
        state_dir=ROOT / "var" / f"degraded-{run_id}",
        env="test",
        separate_workers=True,
        extra_env={
            "LP_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{broker.port}/",
            "LP_S3_ENDPOINT": f"127.0.0.1:{storage.port}",
            # Every caller of mall (the gateway first) goes through the forwarder.
            "LP_MALL_URL": f"http://127.0.0.1:{mall.port}",
            # As in production: the test-only adjustable clock keeps its offset in Redis.
            "LP_CLOCK_ADJUSTABLE": "false",
        },
    )
    try:
        platform.up(demo=False, portal=False)
        yield platform, {"redis": redis, "broker": broker, "storage": storage, "mall": mall}
    finally:
        platform.down()
        for proxy in (redis, broker, storage, mall):
            proxy.close()
        runner.drop_databases(f"lpdeg_{run_id}_")
        shutil.rmtree(platform.state_dir, ignore_errors=True)


async def _ready(client: httpx.AsyncClient, url: str) -> tuple[int, dict]:
    r = await client.get(url + "/readyz")
    return r.status_code, r.json()


async def _eventually(check, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def _public_reads_answer(gw: httpx.AsyncClient, *, mall: bool = True) -> None:
    for path in ("/api/benchmark/products", "/api/benchmark/fields", "/api/auth/enterprise/natures"):
        r = await gw.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text)
    r = await gw.get("/api/mall/products")
    if mall:
        assert r.status_code == 200, r.text
    else:
        # The gateway's own answer for an upstream it cannot reach.
        assert r.status_code == 503 and r.json()["error"]["code"] == "service_unavailable", r.text
        assert "稍后" in r.json()["error"]["message"]


async def _all_ready(platform) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(timeout=10) as client:

        async def check() -> None:
            for url in [
                platform.gateway_url,
                *(platform.service_url(n) for n in SERVICES),
                *(platform.worker_url(n) for n in SERVICES),
            ]:
                status, body = await _ready(client, url)
                assert status == 200 and body["degraded"] == [], (url, body)

        await _eventually(check, 60)


async def test_redis_away_degrades_without_unreadiness(degraded):
    platform, proxies = degraded
    await _all_ready(platform)
    proxies["redis"].stop()
    try:
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as gw:

            async def check() -> None:
                status, body = await _ready(gw, platform.gateway_url)
                assert status == 200 and body["degraded"] == ["redis"], body
                for name in SERVICES:
                    for url in (platform.service_url(name), platform.worker_url(name)):
                        status, body = await _ready(gw, url)
                        assert status == 200 and "redis" in body["degraded"], (url, body)

            await _eventually(check)
            await _public_reads_answer(gw)
            # A route that cannot work without Redis (the SMS code is kept there) says so clearly.
            r = await gw.post("/api/auth/sms-codes", json={"phone": "13900000000", "purpose": "register"})
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "unavailable" and r.json()["error"]["message"]
    finally:
        proxies["redis"].start()
    await _all_ready(platform)


async def test_broker_away_leaves_http_pods_ready_and_makes_workers_unready(degraded):
    platform, proxies = degraded
    await _all_ready(platform)
    proxies["broker"].stop()
    try:
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as gw:

            async def check() -> None:
                assert (await _ready(gw, platform.gateway_url))[0] == 200
                for name in SERVICES:
                    # An HTTP pod holds no broker connection: its events wait in the outbox.
                    status, body = await _ready(gw, platform.service_url(name))
                    assert status == 200 and body["degraded"] == [] and "broker" not in body["checks"], (
                        name,
                        body,
                    )
                    status, body = await _ready(gw, platform.worker_url(name))
                    assert status == 503 and body["checks"]["broker"] is False, (name, body)

            await _eventually(check)
            await _public_reads_answer(gw)
    finally:
        proxies["broker"].start()
    await _all_ready(platform)


async def test_storage_away_degrades_the_services_that_use_it_without_unreadiness(degraded):
    platform, proxies = degraded
    await _all_ready(platform)
    proxies["storage"].stop()
    try:
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as gw:

            async def check() -> None:
                for name in ("auth", "mall"):  # the services with buckets
                    status, body = await _ready(gw, platform.service_url(name))
                    assert status == 200 and body["degraded"] == ["storage"], (name, body)

            await _eventually(check)
            await _public_reads_answer(gw)
    finally:
        proxies["storage"].start()
    await _all_ready(platform)


async def test_one_upstream_away_leaves_the_gateway_ready_and_the_others_answering(degraded):
    platform, proxies = degraded
    await _all_ready(platform)
    proxies["mall"].stop()
    try:
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as gw:
            status, body = await _ready(gw, platform.gateway_url)
            assert status == 200 and body["status"] == "ok", body
            await _public_reads_answer(gw, mall=False)
    finally:
        proxies["mall"].start()
    await _all_ready(platform)
