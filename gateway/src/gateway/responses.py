"""Raw ASGI answers the gateway writes itself (errors, health): orjson, one send each. Each answer has its
model here: ``ErrorBody`` (the platform's error shape), ``Health`` and ``Readiness``."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import orjson
from starlette.types import Send

JSON = b"application/json"


class ErrorDetail(TypedDict):
    code: str
    message: str
    details: Any


class ErrorBody(TypedDict):
    """``{"error": {"code", "message", "details"}}``, as every service answers (kit.errors)."""

    error: ErrorDetail


class Health(TypedDict):
    status: Literal["ok"]


class Readiness(TypedDict):
    status: Literal["ok", "degraded"]
    checks: dict[str, bool]
    required: list[str]
    degraded: list[str]


async def send_json(
    send: Send,
    status: int,
    payload: ErrorBody | Health | Readiness,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", JSON),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body: ErrorBody = {"error": {"code": code, "message": message, "details": details}}
    await send_json(send, status, body, headers=headers)
