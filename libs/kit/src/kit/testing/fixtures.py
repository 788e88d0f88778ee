"""pytest fixtures, loaded by the root conftest.py (``pytest_plugins = ["kit.testing.fixtures"]``)."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from kit.migrations import upgrade
from kit.runtime import Runtime
from kit.security import TokenIssuer, generate_keypair
from kit.settings import DEV_S3_KEY, DEV_S3_SECRET
from kit.testing import factories
from kit.testing.factories import Org
from kit.testing.s3server import free_port, start_s3_server

PG_ADMIN = os.environ.get("LP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = os.environ.get("LP_TEST_PG_BASE", "postgresql+asyncpg://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("LP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("LP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
KNOWN_CONSUMERS = ("auth", "notify", "benchmark", "declaration", "certificate", "mall")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    existing = os.environ.get("LP_TEST_S3_ENDPOINT")
    if existing:
        yield existing
        return
    port = free_port()
    proc = start_s3_server(
        port,
        DEV_S3_KEY,
        DEV_S3_SECRET,
        data_dir=str(tmp_path_factory.mktemp("s3")),
        log_file=tmp_path_factory.mktemp("s3log") / "s3.log",
    )
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("keys")
    private, public = generate_keypair()
    (d / "private.pem").write_bytes(private)
    (d / "public.pem").write_bytes(public)
    return {"private": d / "private.pem", "public": d / "public.pem"}


@pytest.fixture(scope="session")
def token_issuer(jwt_keys: dict[str, Path]) -> TokenIssuer:
    return TokenIssuer(jwt_keys["private"].read_bytes(), issuer="lp-auth", audience="lp-platform")


@pytest.fixture(scope="session")
def make_token(token_issuer: TokenIssuer) -> Callable[..., str]:
    """Mint an access token: ``make_token("enterprise", org_id=..., forerunner_verified=True)``."""

    def _make(
        org_type: str,
        *,
        org_id: uuid.UUID | None = None,
        account_id: uuid.UUID | None = None,
        org_name: str = "测试组织",
        **kw: Any,
    ) -> str:
        return token_issuer.access_token(
            account_id=account_id or uuid.uuid4(),
            org_id=org_id or uuid.uuid4(),
            org_type=org_type,
            org_name=org_name,
            session_id=uuid.uuid4().hex,
            **kw,
        )

    return _make


@pytest.fixture(scope="session")
def make_org(make_token: Callable[..., str]) -> Callable[..., Org]:
    """``make_org("enterprise", "某公司", forerunner_verified=True)``: a new organisation with a token."""
    return functools.partial(factories.make_org, make_token)


@pytest.fixture(scope="session")
def bus_namespace() -> Iterator[str]:
    namespace = f"lpt{uuid.uuid4().hex[:8]}"
    yield namespace

    async def _cleanup() -> None:
        try:
            connection = await aio_pika.connect(AMQP_URL)
        except Exception:
            return
        async with connection:
            channel = await connection.channel()
            for name in KNOWN_CONSUMERS:
                for queue in (f"{namespace}.{name}", f"{namespace}.{name}.dlq"):
                    try:
                        await channel.queue_delete(queue)
                    except Exception:
                        channel = await connection.channel()
            for exchange in (f"{namespace}.events", f"{namespace}.dlx"):
                try:
                    await channel.exchange_delete(exchange)
                except Exception:
                    channel = await connection.channel()

    asyncio.run(_cleanup())


async def create_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def service_env(
    s3_endpoint: str, jwt_keys: dict[str, Path], bus_namespace: str
) -> Iterator[Callable[..., dict[str, Any]]]:
    """``service_env("auth")`` makes a fresh migrated database for that service and returns the settings
    keyword arguments (database, broker namespace, Redis, S3, keys) for its Settings class."""
    made: list[str] = []

    def _make(service: str, *, migrate: bool = True, **overrides: Any) -> dict[str, Any]:
        name = f"lpt_{service}_{uuid.uuid4().hex[:8]}"
        asyncio.run(create_database(name))
        made.append(name)
        url = f"{PG_BASE}/{name}"
        if migrate:
            upgrade(service, url, create=False)
        values: dict[str, Any] = {
            "env": "test",
            "service_name": service,
            "database_url": url,
            "db_pool_size": 5,
            "amqp_url": AMQP_URL,
            "redis_url": REDIS_URL,
            "s3_endpoint": s3_endpoint,
            "bus_namespace": bus_namespace,
            "jwt_public_key_file": str(jwt_keys["public"]),
            "clock_adjustable": True,
            "run_workers": True,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return values

    yield _make
    for name in made:
        asyncio.run(drop_database(name))


@asynccontextmanager
async def running_app(
    app: FastAPI, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (runtime, workers) and give an HTTP client bound to it in process, kept also
    in ``app.state.client`` (which the ``client`` fixture reads)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            app.state.client = client
            yield client


@asynccontextmanager
async def serving(app: Any, *, port: int | None = None, **options: Any) -> AsyncIterator[str]:
    """Serves an ASGI app with uvicorn on a local port (its lifespan run) for the length of the block, and
    gives its base URL: for tests that need a real socket between processes' parts (the gateway in front
    of a service). ``options`` go to ``uvicorn.Config``."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", access_log=False, **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def consumer_listening(runtime: Runtime, *, timeout: float = 20) -> None:
    """Waits until the runtime's consumer has bound its queue: events published before then would be
    dropped by the exchange."""
    await wait_until(lambda: runtime.consumer is not None and runtime.consumer.started, timeout=timeout)


@pytest.fixture
def client(app: FastAPI) -> httpx.AsyncClient:
    """The in-process client of the service a test module runs (its conftest's ``app`` fixture, started with
    ``running_app``)."""
    client: httpx.AsyncClient = app.state.client
    return client


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    """The runtime of the service a test module runs (its conftest's ``app`` fixture)."""
    runtime: Runtime = app.state.runtime
    return runtime


async def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an (async or sync) predicate until it returns a truthy value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)


@asynccontextmanager
async def bound_queue(namespace: str, *patterns: str) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """An exclusive queue bound to the namespace's exchange: stands in for a consumer, so that events with
    these routing keys are routable (the relay keeps unroutable events for later instead of losing them)."""
    connection = await aio_pika.connect_robust(AMQP_URL)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        for pattern in patterns:
            await queue.bind(exchange, routing_key=pattern)
        yield queue
    finally:
        await connection.close()
