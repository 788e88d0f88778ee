"""Sending SMS. ``capture`` keeps messages in Redis for development and tests (read back through
``GET /api/dev/sms``, a route that exists only under this provider); ``http`` posts to a vendor gateway."""

from __future__ import annotations

import json
import time
from typing import Protocol

import httpx
import structlog
from redis.asyncio import Redis
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from kit.errors import Unavailable
from kit.phones import mask
from kit.settings import ServiceSettings

log = structlog.get_logger("kit.sms")
CAPTURE_KEY = "lp:dev:sms:{phone}"


class SmsRefused(Unavailable):
    """The provider refused the message (a 4xx)."""

    code = "sms_refused"
    message = "短信发送失败，请稍后再试"


class SmsUnavailable(Unavailable):
    """The provider could not be reached or failed (5xx) after the retries."""

    code = "sms_unavailable"
    message = "短信发送失败，请稍后再试"


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class CaptureSms:
    def __init__(self, redis: Redis, keep: int = 50) -> None:
        self.redis = redis
        self.keep = keep

    async def send(self, phone: str, text: str) -> None:
        key = CAPTURE_KEY.format(phone=phone)
        record = json.dumps({"phone": phone, "text": text, "sent_at": time.time()}, ensure_ascii=False)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, record)
            pipe.ltrim(key, 0, self.keep - 1)
            pipe.expire(key, 86400)
            await pipe.execute()
        log.info("sms_captured", phone=mask(phone), length=len(text))

    async def messages(self, phone: str) -> list[dict]:
        return [json.loads(m) for m in await self.redis.lrange(CAPTURE_KEY.format(phone=phone), 0, -1)]


class HttpSms:
    """A vendor SMS gateway speaking JSON over HTTPS: ``{"phone", "sign", "text"}`` with a bearer API key.
    Transient failures are retried with backoff; a vendor refusal is reported as 503 to the caller."""

    def __init__(self, url: str, api_key: str, sign: str, client: httpx.AsyncClient | None = None) -> None:
        if not url:
            raise ValueError("LP_SMS_HTTP_URL is required for the http SMS provider")
        self.url = url
        self.api_key = api_key
        self.sign = sign
        self.client = client or httpx.AsyncClient(timeout=5.0)

    async def send(self, phone: str, text: str) -> None:
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(3),
                wait=wait_exponential(multiplier=0.2, max=2),
                retry=retry_if_exception_type((httpx.TransportError, httpx.HTTPStatusError)),
                reraise=True,
            ):
                with attempt:
                    response = await self.client.post(
                        self.url,
                        json={"phone": phone, "sign": self.sign, "text": text},
                        headers={"Authorization": f"Bearer {self.api_key}"},
                    )
                    if response.status_code >= 500:
                        response.raise_for_status()
                    if response.status_code >= 400:
                        raise SmsRefused()
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            log.warning("sms_send_failed", phone=mask(phone), error=type(exc).__name__)
            raise SmsUnavailable() from exc
        log.info("sms_sent", phone=mask(phone), length=len(text))


def make_sms_sender(settings: ServiceSettings, redis: Redis) -> SmsSender:
    if settings.sms_provider == "capture":
        return CaptureSms(redis)
    return HttpSms(settings.sms_http_url, settings.sms_http_key, settings.sms_sign)
