"""Raw ASGI answers the gateway writes itself (errors, health): orjson, one send each."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Send

JSON = b"application/json"


async def send_json(
    send: Send, status: int, payload: Any, *, headers: list[tuple[bytes, bytes]] | None = None
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
    await send_json(
        send, status, {"error": {"code": code, "message": message, "details": details}}, headers=headers
    )
