"""The notify service: consumes the events a person must hear about and tells them in-site, by SMS and
by e-mail. ``uvicorn --factory notify.main:create_app`` (port 8006); ``python -m notify.worker`` runs
the consumer and the dispatcher without HTTP."""

from __future__ import annotations

from fastapi import FastAPI
from kit.runtime import Runtime
from kit.web import create_service_app

from notify.api.messages import router
from notify.api.webhooks import router as webhooks_router
from notify.config import Settings
from notify.consumers import make_handlers
from notify.workers.dispatch import dispatch_deliveries
from notify.workers.webhooks import deliver_webhooks


def build_runtime(settings: Settings) -> Runtime:
    # notify publishes nothing: no outbox relay.
    return Runtime(
        settings,
        service="notify",
        handlers=make_handlers(settings),
        background=(dispatch_deliveries, deliver_webhooks),
        publishes=False,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        runtime=build_runtime(settings),
        title="消息通知服务",
        description="站内消息、短信与邮件通知；事件订阅（Webhooks）",
        route_name="notify",
        routers=[router, webhooks_router],
    )
