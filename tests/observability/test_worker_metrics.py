"""The worker process as its Deployment runs it (``python -m benchmark.worker``): /healthz, /readyz and
/metrics on LP_METRICS_PORT, the relay's counter moving when an event is published, a clean stop on
SIGTERM. The pod's probes, the Prometheus annotations and the NetworkPolicy rely on exactly this."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from kit.bus import emit
from kit.db import Database
from kit.testing.fixtures import bound_queue, wait_until
from kit.testing.s3server import free_port
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]


def _environment(values: dict, metrics_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LP_")}
    for key, value in values.items():
        env[f"LP_{key.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env["LP_METRICS_PORT"] = str(metrics_port)
    env["LP_RUN_WORKERS"] = "false"  # what the ConfigMap says; the worker runs its workers regardless
    return env


@pytest.fixture(scope="module")
def worker(service_env):
    values = service_env("benchmark")
    port = free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"lp-benchmark-worker-{port}.log", "w+b")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark.worker"],
        cwd=REPO,
        env=_environment(values, port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield {
        "process": process,
        "url": f"http://127.0.0.1:{port}",
        "database_url": values["database_url"],
        "namespace": values["bus_namespace"],
        "log": log,
    }
    if process.poll() is None:
        process.kill()
        process.wait(10)
    log.close()


def _published(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "events_published_total" and s.labels.get("service") == "benchmark"
    )


async def _wait_up(worker, client: httpx.AsyncClient) -> None:
    async def up():
        if worker["process"].poll() is not None:
            worker["log"].seek(0)
            pytest.fail(f"the worker exited: {worker['log'].read().decode(errors='replace')[-2000:]}")
        try:
            return (await client.get("/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await wait_until(up, timeout=60, interval=0.3)


async def test_the_worker_serves_probes_and_metrics_and_counts_what_it_relays(worker):
    async with httpx.AsyncClient(base_url=worker["url"], timeout=5) as client:
        await _wait_up(worker, client)

        async def ready_answer():
            r = await client.get("/readyz")
            return r if r.status_code == 200 else None

        ready = await wait_until(ready_answer, timeout=20, interval=0.2)  # its consumer binds its queue first
        assert ready.json()["checks"] == {"database": True, "redis": True, "broker": True, "consumer": True}

        before = _published((await client.get("/metrics")).text)
        async with bound_queue(worker["namespace"], "catalog.#"):
            db = Database(worker["database_url"], pool_size=1)
            try:
                async with db.transaction() as session:
                    await emit(session, "catalog.observability_probe", {"n": 1})
            finally:
                await db.dispose()

            async def relayed():
                response = await client.get("/metrics")
                assert response.headers["content-type"].startswith("text/plain")
                return _published(response.text) > before

            await wait_until(relayed, timeout=20, interval=0.3)


async def test_the_worker_stops_cleanly_on_sigterm(worker):
    process = worker["process"]
    async with httpx.AsyncClient(base_url=worker["url"], timeout=5) as client:
        await _wait_up(worker, client)  # signal handlers are installed by then
    process.send_signal(signal.SIGTERM)
    for _ in range(200):
        if process.poll() is not None:
            break
        await asyncio.sleep(0.1)
    assert process.returncode == 0
    with pytest.raises(httpx.TransportError):  # the metrics port is closed with it
        async with httpx.AsyncClient(base_url=worker["url"], timeout=2) as client:
            await client.get("/healthz")
