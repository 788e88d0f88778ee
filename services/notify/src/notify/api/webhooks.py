"""Webhook subscriptions (事件订阅), operators only: endpoints of subscriber organisations, their secrets,
test events, the delivery log, redelivery and resuming after an automatic pause."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from kit.paging import Page, PageDep
from kit.security import OrgType, Principal, require_org
from kit.web import RuntimeDep

from notify.api.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    SecretRotated,
)
from notify.config import Settings
from notify.domain.statuses import WebhookDeliveryStatus, WebhookEndpointState, WebhookEventType
from notify.domain.webhooks import webhook_id
from notify.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notify.service import webhooks as service

router = APIRouter(prefix="/api/notify/webhooks", tags=["事件订阅"])
Operator = Annotated[Principal, Depends(require_org(OrgType.operator))]


def _settings(runtime: RuntimeDep) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings


def _state(e: WebhookEndpoint) -> WebhookEndpointState:
    if not e.enabled:
        return WebhookEndpointState.DISABLED
    return WebhookEndpointState.PAUSED if e.paused_at is not None else WebhookEndpointState.ACTIVE


def _endpoint(e: WebhookEndpoint, counts: dict[str, int] | None = None) -> dict[str, Any]:
    state = _state(e)
    return {
        "id": e.id,
        "organisation": e.organisation,
        "contact": e.contact,
        "url": e.url,
        "event_types": [WebhookEventType(t) for t in e.event_types],
        "enabled": e.enabled,
        "state": state,
        "state_label": state.label,
        "disabled_reason": e.disabled_reason,
        "paused_at": e.paused_at,
        "consecutive_failures": e.consecutive_failures,
        "failing_since": e.failing_since,
        "previous_secret_until": e.previous_secret_until,
        "counts": counts or {},
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    status = WebhookDeliveryStatus(d.status)
    kind = WebhookEventType(d.event_type)
    return {
        "id": d.id,
        "webhook_id": webhook_id(d.id),
        "endpoint_id": d.endpoint_id,
        "event_id": d.event_id,
        "event_type": kind,
        "event_type_label": kind.label,
        "status": status,
        "status_label": status.label,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at if status is WebhookDeliveryStatus.PENDING else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "occurred_at": d.occurred_at,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
    }


def _attempt(a: WebhookAttempt) -> AttemptOut:
    return AttemptOut(
        attempt=a.attempt,
        started_at=a.started_at,
        duration_ms=a.duration_ms,
        status_code=a.status_code,
        error=a.error,
        response=a.response,
    )


@router.post("", response_model=EndpointCreated, status_code=201, summary="新增推送端点（密钥只显示一次）")
async def create_endpoint(body: EndpointIn, principal: Operator, runtime: RuntimeDep) -> EndpointCreated:
    created = await service.create_endpoint(
        runtime.db,
        runtime.sealer,
        _settings(runtime),
        operator_org=principal.org_id,
        organisation=body.organisation,
        contact=body.contact,
        url=body.url,
        event_types=body.event_types,
    )
    return EndpointCreated(**_endpoint(created.endpoint), secret=created.secret)


@router.get("", response_model=Page[EndpointOut], summary="推送端点列表")
async def list_endpoints(_: Operator, runtime: RuntimeDep, page: PageDep) -> Page[EndpointOut]:
    rows, total, counts = await service.list_endpoints(runtime.db, page=page)
    return Page[EndpointOut].of([_endpoint(e, counts.get(e.id)) for e in rows], total, page)


@router.get("/{endpoint_id}", response_model=EndpointOut, summary="推送端点详情")
async def get_endpoint(endpoint_id: uuid.UUID, _: Operator, runtime: RuntimeDep) -> EndpointOut:
    endpoint, counts = await service.get_endpoint(runtime.db, endpoint_id=endpoint_id)
    return EndpointOut(**_endpoint(endpoint, counts))


@router.patch(
    "/{endpoint_id}", response_model=EndpointOut, summary="修改推送端点（地址、事件类型、启用/停用）"
)
async def update_endpoint(
    endpoint_id: uuid.UUID, body: EndpointPatch, _: Operator, runtime: RuntimeDep
) -> EndpointOut:
    endpoint = await service.update_endpoint(
        runtime.db,
        _settings(runtime),
        endpoint_id=endpoint_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return EndpointOut(**_endpoint(endpoint))


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretRotated, summary="更换签名密钥")
async def rotate_secret(endpoint_id: uuid.UUID, _: Operator, runtime: RuntimeDep) -> SecretRotated:
    secret, until = await service.rotate_secret(
        runtime.db, runtime.sealer, _settings(runtime), endpoint_id=endpoint_id
    )
    return SecretRotated(secret=secret, previous_secret_until=until)


@router.post("/{endpoint_id}/test", response_model=DeliveryOut, status_code=202, summary="发送测试事件")
async def send_test(endpoint_id: uuid.UUID, _: Operator, runtime: RuntimeDep) -> DeliveryOut:
    delivery = await service.send_test(runtime.db, _settings(runtime), endpoint_id=endpoint_id)
    return DeliveryOut(**_delivery(delivery))


@router.post("/{endpoint_id}/resume", response_model=EndpointOut, summary="恢复已暂停的推送")
async def resume(endpoint_id: uuid.UUID, _: Operator, runtime: RuntimeDep) -> EndpointOut:
    return EndpointOut(**_endpoint(await service.resume(runtime.db, endpoint_id=endpoint_id)))


@router.get("/{endpoint_id}/deliveries", response_model=Page[DeliveryOut], summary="投递记录（最新在前）")
async def list_deliveries(
    endpoint_id: uuid.UUID,
    _: Operator,
    runtime: RuntimeDep,
    page: PageDep,
    status: Annotated[WebhookDeliveryStatus | None, Query(description="投递状态")] = None,
    event_type: Annotated[WebhookEventType | None, Query(description="事件类型")] = None,
) -> Page[DeliveryOut]:
    rows, total = await service.list_deliveries(
        runtime.db, endpoint_id=endpoint_id, status=status, event_type=event_type, page=page
    )
    return Page[DeliveryOut].of([_delivery(d) for d in rows], total, page)


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}", response_model=DeliveryDetail, summary="投递详情及每次尝试"
)
async def get_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, _: Operator, runtime: RuntimeDep
) -> DeliveryDetail:
    delivery, attempts = await service.get_delivery(
        runtime.db, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    return DeliveryDetail(
        **_delivery(delivery), body=delivery.body, attempt_log=[_attempt(a) for a in attempts]
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    status_code=202,
    summary="重新投递（同一 webhook-id）",
)
async def redeliver(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, _: Operator, runtime: RuntimeDep
) -> DeliveryOut:
    delivery = await service.redeliver(
        runtime.db, _settings(runtime), endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    return DeliveryOut(**_delivery(delivery))
