"""The benchmark service: key-field products, agency designations, assessment plans and the comparison
engine. ``uvicorn --factory benchmark.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from kit.open_data import schema_router
from kit.runtime import Runtime
from kit.web import create_service_app

from benchmark import chains, consumers
from benchmark.api import open
from benchmark.api.routes import internal, router
from benchmark.config import Settings


def build_runtime(settings: Settings) -> Runtime:
    return Runtime(
        settings, service="benchmark", handlers=consumers.HANDLERS, background=(chains.chain_audit,)
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        runtime=build_runtime(settings),
        title="对标服务",
        description="重点领域产品、评估机构、评估方案与质量分级标准，以及领跑者/星级对标",
        route_name="benchmark",
        routers=[chains.router, router, internal, open.router, schema_router()],
    )
