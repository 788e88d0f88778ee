"""The declaration service: candidate lists, self-declarations, evidence, reviews, public notices,
publication, appended models and star-product self-declarations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kit.errors import error_body
from kit.pii import Sealer
from kit.runtime import Runtime
from kit.web import create_service_app

from declaration import chains, consumers, workers
from declaration.api import routers
from declaration.config import EVIDENCE_BUCKET, MODELS_BUCKET, Settings
from declaration.errors import BenchmarkRefusal
from declaration.service.comparison import BenchmarkComparison

BUCKETS = (EVIDENCE_BUCKET, MODELS_BUCKET)


async def _benchmark_refusal(_: Request, exc: Exception) -> JSONResponse:
    """The benchmark service's answer about the caller's comparison input, passed on as it is."""
    assert isinstance(exc, BenchmarkRefusal)
    return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)


def make_runtime(settings: Settings) -> Runtime:
    return Runtime(
        settings,
        service="declaration",
        buckets=BUCKETS,
        handlers=consumers.make_handlers(Sealer(settings.pii_key)),
        background=(workers.expire_notices, chains.chain_audit),
    )


def create_app(
    settings: Settings | None = None, *, benchmark_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """``benchmark_transport`` lets a test route the comparison calls to a real benchmark app in process."""
    settings = settings or Settings()
    runtime = make_runtime(settings)
    app = create_service_app(
        runtime=runtime,
        title="申报服务",
        route_name="declarations",
        routers=[chains.router, *routers],  # /audit/... before /{declaration_id}
        description="入围名单、自主申报、证明资料、审核、公示、发布、追加型号、星级产品自我声明",
    )
    comparison = BenchmarkComparison(
        settings.benchmark_url, timeout=settings.benchmark_timeout_seconds, transport=benchmark_transport
    )
    app.state.comparison = comparison
    app.add_exception_handler(BenchmarkRefusal, _benchmark_refusal)
    kit_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kit_lifespan(app):
            yield
        await comparison.aclose()

    app.router.lifespan_context = lifespan
    return app
