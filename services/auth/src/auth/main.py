"""The auth service's FastAPI app (``uvicorn --factory auth.main:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI
from kit.runtime import Runtime
from kit.web import create_service_app

from auth import chains, consumers, workers
from auth.api import accounts, api_keys, dev, enterprise, forerunner, internal, operator, recovery
from auth.config import Settings

BUCKETS = ("lp-logos", "lp-recovery")


def make_runtime(settings: Settings) -> Runtime:
    return Runtime(
        settings,
        service="auth",
        buckets=BUCKETS,
        handlers=consumers.HANDLERS,
        background=(workers.apply_due_recoveries, workers.sync_api_keys, chains.chain_audit),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    routers = [
        accounts.router,
        enterprise.router,
        forerunner.router,
        recovery.router,
        operator.router,
        api_keys.router,
        chains.router,
        internal.router,
    ]
    if settings.sms_provider == "capture":
        routers.append(dev.router)
    if settings.clock_adjustable:  # development and demo only: production refuses LP_CLOCK_ADJUSTABLE
        routers.append(dev.clock_router)
    return create_service_app(
        runtime=make_runtime(settings),
        title="账号与身份服务",
        description="注册、登录、密码、企业信息与品牌、账号找回、领跑者企业身份认证",
        route_name="auth",
        routers=routers,
    )
