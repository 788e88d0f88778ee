"""Webhook rules without I/O: the public payloads (version 1, public facts only: what the public list, the
mall and the verification page show; never a phone or a contact), the retry schedule, when an endpoint
pauses, which target addresses are refused, and the signing secrets (Standard Webhooks)."""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from contracts.certificate import CertificateEnded
from contracts.declaration import DeclarationPublished
from contracts.mall import ProductListed, ProductUnlisted

from notify.domain.statuses import WebhookEventType

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes


def new_secret() -> str:
    """``whsec_`` followed by 32 random bytes in base64, the form the standardwebhooks libraries read."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_id(delivery_id: uuid.UUID) -> str:
    """The ``webhook-id`` header: one per (event, endpoint), the same on every retry and redelivery."""
    return f"msg_{delivery_id.hex}"


def body(event_type: WebhookEventType, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The exact bytes sent (and signed) on every attempt: ``{type, timestamp, data}`` as the Standard
    Webhooks payload structure recommends."""
    document = {"type": event_type.value, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


# --------------------------------------------------------------------------- public payloads (v1)
@dataclass(frozen=True)
class Declared:
    """What notify already knows of a declaration (its status and publication events)."""

    standard_no: str
    standard_name: str
    product_name: str | None


def forerunner_published(p: DeclarationPublished, base_url: str) -> dict[str, Any]:
    return {
        "declaration_id": str(p.declaration_id),
        "year": p.year,
        "field": p.field,
        "product_id": str(p.product_id),
        "product_name": p.product_name,
        "enterprise_name": p.enterprise_name,
        "standard_no": p.standard_no,
        "standard_name": p.standard_name,
        "agency_name": p.agency_name,
        "models": [{"model_id": str(m.model_id), "name": m.name, "spec": m.spec} for m in p.models],
        "published_at": p.published_at.isoformat(),
        "url": f"{base_url}/forerunners?year={p.year}",
    }


def certificate_ended(
    p: CertificateEnded, *, enterprise_name: str | None, declared: Declared | None, base_url: str
) -> dict[str, Any]:
    return {
        "certificate_id": str(p.certificate_id),
        "number": p.number,
        "declaration_id": str(p.declaration_id),
        "enterprise_name": enterprise_name,
        "standard_no": declared.standard_no if declared else None,
        "standard_name": declared.standard_name if declared else None,
        "product_name": declared.product_name if declared else None,
        "model_ids": [str(m) for m in p.model_ids],
        "reason": p.reason,
        "url": f"{base_url}/verify",
    }


def product_listed(p: ProductListed, *, enterprise_name: str | None, base_url: str) -> dict[str, Any]:
    return {
        "model_id": str(p.model_id),
        "product_name": p.product_name,
        "model": p.model,
        "enterprise_name": enterprise_name,
        "url": f"{base_url}/mall/products/{p.model_id}",
    }


def product_unlisted(p: ProductUnlisted, *, enterprise_name: str | None, base_url: str) -> dict[str, Any]:
    return {
        "model_id": str(p.model_id),
        "product_name": p.product_name,
        "model": p.model,
        "enterprise_name": enterprise_name,
        "reason": p.reason,
        "reason_label": p.reason_label,
    }


def test_event(endpoint_id: uuid.UUID, organisation: str) -> dict[str, Any]:
    return {"endpoint_id": str(endpoint_id), "organisation": organisation, "message": "这是一条测试事件"}


# --------------------------------------------------------------------------- retries and pausing
def next_attempt(
    *, attempts: int, schedule: tuple[float, ...], now: datetime, deadline: datetime, rng: random.Random
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None when the delivery has failed for good
    (the schedule is spent or the next try would fall after the deadline). ±10 % jitter spreads the
    retries of many deliveries that failed together (a receiver coming back is not hit by all at once)."""
    if attempts > len(schedule):
        return None
    delay = schedule[attempts - 1] * rng.uniform(0.9, 1.1)
    when = now + timedelta(seconds=delay)
    if when > deadline:
        # the last try lands on the deadline itself rather than being dropped, if there is time left
        return deadline if now < deadline else None
    return when


def should_pause(
    *,
    consecutive_failures: int,
    failing_since: datetime | None,
    now: datetime,
    min_failures: int,
    after: float,
) -> bool:
    """An endpoint pauses once every attempt has failed for ``after`` seconds and at least ``min_failures``
    times in a row: a brief outage (however many deliveries it fails) never pauses, a long one does."""
    if failing_since is None or consecutive_failures < min_failures:
        return False
    return (now - failing_since).total_seconds() >= after


# --------------------------------------------------------------------------- targets
class TargetRefused(ValueError):
    """The URL may not be a webhook target; ``str()`` is the reason for people (Chinese)."""


def check_url(url: str, *, allow_http: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL: https (plain http only where allowed), a host, no user or
    password in it, no fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("地址格式不正确") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("地址应以 https:// 开头并包含主机名")
    if parts.scheme == "http" and not allow_http:
        raise TargetRefused("只接受 https 地址")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("地址中不能包含用户名或密码")
    if parts.fragment:
        raise TargetRefused("地址中不能包含 # 片段")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_refused(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified and other non-global addresses
    (IPv4-mapped IPv6 judged as the IPv4 address inside)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
    )
