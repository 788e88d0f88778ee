"""Running a service's relay, consumers and pollers without HTTP (its own Deployment, scaled apart from the
HTTP pods). The process serves /metrics and /healthz on ``LP_METRICS_PORT`` so it can be scraped and probed."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvloop
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kit import heap
from kit.runtime import Runtime


async def _serve_metrics(runtime: Runtime, port: int) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        ok, body = await runtime.ready()
        return web.json_response(body, status=200 if ok else 503)

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics), web.get("/healthz", healthz), web.get("/readyz", readyz)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner


def serve(runtime: Runtime) -> None:
    """The worker process's entry: ``run_worker`` on uvloop, the event loop uvicorn gives the HTTP processes.
    Against asyncio's own loop it cost the relay 12 % and a consumer 5 % less CPU per event and confirmed a
    burst 15 % faster (bench/bench_events.py, two runs each, bench/README.md)."""
    uvloop.run(run_worker(runtime))


async def run_worker(runtime: Runtime) -> None:
    """Start the runtime's workers and run until SIGTERM/SIGINT, then stop cleanly."""
    await runtime.start(workers=True)
    heap.settle()
    runner = (
        await _serve_metrics(runtime, runtime.settings.metrics_port)
        if runtime.settings.metrics_port
        else None
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await runtime.stop()
