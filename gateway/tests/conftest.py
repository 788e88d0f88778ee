"""Test doubles at the gateway's level: a fake service (an aiohttp server on a free port, in process) and
the gateway itself served by uvicorn in process, against the real Redis."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from gateway.config import Settings
from gateway.main import create_app
from kit.testing.fixtures import REDIS_URL, serving
from kit.testing.s3server import free_port


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "raw_path": request.raw_path,
            "query": request.query_string,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body_len": len(body),
            "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
        }
    )


async def _upload(request: web.Request) -> web.Response:
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.content.iter_chunked(65536):
        digest.update(chunk)
        size += len(chunk)
    return web.json_response({"size": size, "sha256": digest.hexdigest()})


def download_bytes() -> bytes:
    return bytes(range(256)) * (3 * 1024 * 1024 // 256)


async def _download(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/pdf"})
    await response.prepare(request)
    data = download_bytes()
    for i in range(0, len(data), 100_000):
        await response.write(data[i : i + 100_000])
    await response.write_eof()
    return response


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.json_response({"late": True})


async def _cookie(request: web.Request) -> web.Response:
    response = web.json_response({"cookie_in": request.headers.get("Cookie")})
    response.set_cookie("upstream_session", "secret-value")
    return response


async def _hop_reply(request: web.Request) -> web.Response:
    return web.Response(
        text="ok", headers={"Connection": "keep-alive", "Keep-Alive": "timeout=5", "X-Service": "fake"}
    )


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@pytest.fixture(scope="module")
async def fake_service() -> AsyncIterator[str]:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_get("/healthz", _healthz)
    app.router.add_post("/api/auth/upload", _upload)
    app.router.add_get("/api/certificates/download", _download)
    app.router.add_get("/api/mall/slow", _slow)
    app.router.add_get("/api/benchmark/cookie", _cookie)
    app.router.add_get("/api/benchmark/hop", _hop_reply)
    app.router.add_route("*", "/{tail:.*}", _echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="module")
def dead_service() -> str:
    """An address where nothing listens: the service is down."""
    return f"http://127.0.0.1:{free_port()}"


@asynccontextmanager
async def serve_gateway(settings: Settings) -> AsyncIterator[str]:
    # As in production (gateway.__main__): X-Forwarded-For is the gateway's business, not uvicorn's.
    async with serving(create_app(settings), proxy_headers=False) as url:
        yield url


@pytest.fixture(scope="module")
def gateway_settings(
    fake_service: str, dead_service: str, jwt_keys: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Settings]:
    def _make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "log_level": "WARNING",
            "redis_url": REDIS_URL,
            "jwt_public_key_file": str(jwt_keys["public"]),
            "auth_url": fake_service,
            "benchmark_url": fake_service,
            "declaration_url": fake_service,
            "certificate_url": fake_service,
            "mall_url": fake_service,
            "notify_url": dead_service,
            "gateway_read_timeout": 1.0,
            "gateway_portal_dist": str(tmp_path_factory.mktemp("no-portal") / "dist"),
            "gateway_rate_limit_prefix": f"lpt:gw:{uuid.uuid4().hex[:8]}",
        }
        values.update(overrides)
        return Settings(**values)

    return _make


@pytest.fixture(scope="module")
async def gateway_url(gateway_settings: Callable[..., Settings]) -> AsyncIterator[str]:
    async with serve_gateway(gateway_settings()) as url:
        yield url
