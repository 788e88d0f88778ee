"""The benchmark service running in process (HTTP, relay and consumer, as locally with
LP_RUN_WORKERS=true) against the real PostgreSQL, RabbitMQ and Redis; one per test module."""

from __future__ import annotations

import pytest
from benchmark.config import Settings
from benchmark.main import create_app
from kit.testing.fixtures import running_app


@pytest.fixture(scope="module")
def settings(service_env) -> Settings:
    return Settings(**service_env("benchmark"))


@pytest.fixture(scope="module")
async def app(settings):
    application = create_app(settings)

    # A route that fails unexpectedly, so the 5xx counter has something to count (the service's own
    # routes answer bad input with 4xx).
    async def _unexpected_failure() -> dict:
        raise RuntimeError("unexpected")

    application.add_api_route("/api/benchmark/_observability_failure", _unexpected_failure)
    async with running_app(application):
        yield application
