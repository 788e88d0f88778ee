"""Every log line names its service (request handlers ran in tasks the start-up context did not reach,
so their lines lacked it), each request leaves one access line per hop, and a poller's round carries a
correlation id of its own and records its heartbeat."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from contextlib import redirect_stdout

import httpx
import structlog
from fastapi import APIRouter
from kit import metrics
from kit.logging import configure_logging
from kit.runtime import Runtime
from kit.settings import ServiceSettings
from kit.web import RequestContextMiddleware


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


async def test_request_lines_carry_the_service_and_one_access_line(monkeypatch):
    from fastapi import FastAPI
    from kit import web

    # Loggers are cached on first use (kit.logging): an app of an earlier test module, configured at another
    # level, may have fixed the access logger's filter already. This test configures its own and gets a
    # fresh one, as a process does at start-up.
    monkeypatch.setattr(web, "access_log", structlog.get_logger("kit.access"))

    router = APIRouter()

    @router.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        structlog.get_logger("svc").info("looked_up", thing=thing_id)
        logging.getLogger("library").warning("from a library")
        return {"id": thing_id}

    saved = structlog.get_config()
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            # Configured in one task, used in another: as the ASGI lifespan and the request tasks are.
            await asyncio.create_task(asyncio.to_thread(configure_logging, "kitlog", "INFO"))
            app = FastAPI()
            app.include_router(router)
            app.add_middleware(RequestContextMiddleware, service="kitlog", max_body_bytes=1024)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                r = await client.get("/things/7", headers={"x-request-id": "rid-123"})
            assert r.status_code == 200
    finally:
        structlog.configure(**saved)
        logging.getLogger().handlers = []
    # stdout is the process's: apps of other test modules still running on the session's loop may write
    # there meanwhile, each line naming its own service. A line naming none is what this test is about.
    lines = [line for line in _lines(buffer) if line.get("service") in (None, "kitlog")]
    assert lines and all(line.get("service") == "kitlog" for line in lines), lines
    access = [line for line in lines if line["event"] == "access"]
    assert len(access) == 1
    assert access[0]["route"] == "/things/{thing_id}" and access[0]["status"] == 200
    assert access[0]["request_id"] == "rid-123" and access[0]["duration_ms"] >= 0
    assert next(line for line in lines if line["event"] == "looked_up")["request_id"] == "rid-123"


async def test_a_poll_round_has_its_own_correlation_id_and_records_its_heartbeat():
    runtime = Runtime(ServiceSettings(env="test"), service="kitpoll")
    saved = structlog.get_config()
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            configure_logging("kitpoll", "INFO")
            async with runtime.poll_round("sweep") as first:
                structlog.get_logger("poller").info("swept")
            async with runtime.poll_round("sweep") as second:
                structlog.get_logger("poller").info("swept")
    finally:
        structlog.configure(**saved)
        logging.getLogger().handlers = []
    lines = [line for line in _lines(buffer) if line["event"] == "swept"]
    assert [line["request_id"] for line in lines] == [first, second] and first != second
    assert first.startswith("sweep-")
    assert metrics.JOB_LAST_SUCCESS.labels("kitpoll", "sweep")._value.get() > 0
