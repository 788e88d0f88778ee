"""Brand logos on the public mall (品牌 logo). The logo file belongs to auth (bucket ``lp-logos``); the mall
knows from ``enterprise.brand_changed`` which brand has a logo and from its own listing state whether the
brand is shown. A logo is public while at least one listed product carries the brand; the enterprise that owns
the brand also sees it while nothing is listed (its promotion editor). Anyone else, an unknown brand, a deleted
brand or one without a logo: 404, the same answer for each, so ids reveal nothing.

The bytes are asked of auth's internal route only after that check, and only for a brand id (never a key, never
the enterprise's own logo). The ETag is derived from the logo's key exactly as auth derives it, so a browser's
revalidation is answered 304 here without calling auth."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import httpx
import structlog
from kit.runtime import Runtime
from kit.tracing import current_traceparent

from mall import repository
from mall.config import settings_of
from mall.errors import BrandLogoNotFound, LogoUnavailable

log = structlog.get_logger("mall.brand_logos")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
AUTH_TIMEOUT_SECONDS = 5.0


def logo_url(brand_id: uuid.UUID) -> str:
    return f"/api/mall/brands/{brand_id}/logo"


def logo_etag(key: str) -> str:
    """Same rule as auth's ``auth.service.enterprise.logo_etag``: a new upload is a new key, a new ETag."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


@dataclass
class LogoFile:
    data: bytes | None  # None: the client's copy is current (304)
    etag: str
    public: bool


async def brand_logo(
    runtime: Runtime,
    brand_id: uuid.UUID,
    *,
    viewer_org: uuid.UUID | None,
    if_none_match: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> LogoFile:
    async with runtime.db.session() as session:
        brand = await repository.brand(session, brand_id)
        if brand is None or brand.deleted or not brand.logo_key:
            raise BrandLogoNotFound()
        shown = await repository.brand_shown(session, brand_id)
    if not shown and viewer_org != brand.org_id:
        raise BrandLogoNotFound()
    etag = logo_etag(brand.logo_key)
    if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
        return LogoFile(None, etag, shown)
    data, served_etag = await _fetch(runtime, brand_id, transport)
    return LogoFile(data, served_etag or etag, shown)


async def _fetch(
    runtime: Runtime, brand_id: uuid.UUID, transport: httpx.AsyncBaseTransport | None
) -> tuple[bytes, str | None]:
    settings = settings_of(runtime)
    headers = {"X-Internal-Token": settings.internal_token}
    if traceparent := current_traceparent():
        headers["traceparent"] = traceparent
    try:
        async with httpx.AsyncClient(transport=transport, timeout=AUTH_TIMEOUT_SECONDS) as client:
            response = await client.get(
                f"{settings.auth_url.rstrip('/')}/internal/brands/{brand_id}/logo", headers=headers
            )
    except httpx.HTTPError as exc:
        log.warning("brand_logo_auth_unreachable", brand_id=str(brand_id), error=type(exc).__name__)
        raise LogoUnavailable() from exc
    if response.status_code == 404:
        # the mall's copy is behind auth (the brand or its logo was just removed): the event follows
        raise BrandLogoNotFound()
    if response.status_code != 200 or not response.content.startswith(PNG_MAGIC):
        log.warning("brand_logo_bad_answer", brand_id=str(brand_id), status=response.status_code)
        raise LogoUnavailable()
    return response.content, response.headers.get("ETag")
