"""The certificate service: forerunner certificates, stamped uploads, labels, star labels and
public verification (uvicorn --factory certificate.main:create_app)."""

from __future__ import annotations

from fastapi import FastAPI
from kit.open_data import schema_router
from kit.runtime import Runtime
from kit.web import create_service_app

from certificate import chains, consumers, workers
from certificate.api import file_check, open
from certificate.api.routes import public_router, router
from certificate.config import BUCKET, Settings
from certificate.offline import keyring_of
from certificate.rendering import register_fonts
from certificate.service.common import keys_of


def build_runtime(settings: Settings) -> Runtime:
    # The signing material is read (in development: generated) before anything is issued, so a missing
    # or mismatched Secret stops the process at start-up.
    keys_of(settings)
    # The QR signing key ring: generated on first use in development and tests, and in production
    # mounted from its Secret; without it (or with a broken one) the service refuses to start.
    keyring_of(settings)
    runtime = Runtime(
        settings,
        service="certificate",
        buckets=(BUCKET,),
        background=(workers.expire_certificates, chains.chain_audit),
    )
    # The handlers need the runtime (storage, clock), so they are bound after it exists.
    runtime.handlers = consumers.make_handlers(runtime)
    return runtime


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Fail at start-up, not at the first certificate, when the CJK font is missing; and pay the
    # 17 MB font load once here instead of inside the first request.
    register_fonts()
    runtime = build_runtime(settings)
    return create_service_app(
        runtime=runtime,
        title="证书服务",
        description="企业标准“领跑者”证书、盖章版回传、领跑者标识、星级产品标识与公开查验",
        route_name="certificates",
        routers=[chains.router, router, file_check.router, public_router, open.router, schema_router()],
    )
