"""The mall service: promotion material (产品宣传), 上架/下架 and the public catalogue (入驻商城)."""

from __future__ import annotations

from fastapi import FastAPI
from kit.runtime import Runtime
from kit.web import create_service_app

from mall import consumers
from mall.api import catalogue, promotions
from mall.config import BUCKET, Settings

ROUTE_NAME = "mall"


def make_runtime(settings: Settings) -> Runtime:
    return Runtime(settings, service="mall", buckets=(BUCKET,), handlers=consumers.HANDLERS)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        runtime=make_runtime(settings),
        title="产品宣传与入驻商城",
        description="领跑者及星级产品的宣传材料、上架/下架与公开商城检索",
        route_name=ROUTE_NAME,
        routers=[promotions.router, catalogue.router],
    )
