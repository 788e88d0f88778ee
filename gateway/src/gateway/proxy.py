"""Forwarding one request to a service over the pooled aiohttp client, streaming both ways.

Small bodies (the usual JSON) are read whole and sent in one piece; large ones (uploads, downloads) flow
through in chunks and are never held in memory. Hop-by-hop headers are dropped in both directions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import structlog
from multidict import CIMultiDict
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway.guard import ServiceUnavailable
from gateway.responses import send_error

log = structlog.get_logger("gateway.proxy")

SMALL_BODY = 64 * 1024
CHUNK = 64 * 1024

# RFC 9110 7.6.1 connection-specific fields, plus what the gateway sets itself.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set by the gateway itself, or (Expect) already answered by the gateway's server towards the client:
# forwarding it would make the service send a second "100 Continue" into a pooled connection.
_SET_BY_GATEWAY = frozenset(
    {
        b"host",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-internal-token",
        b"expect",
    }
)
_SET_BY_GATEWAY_OUT = frozenset({b"x-request-id", b"server", b"date"})
_IDEMPOTENT_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})

TIMEOUT = ("upstream_timeout", "服务响应超时，请稍后再试")


async def _unavailable(send: Send) -> None:
    error = ServiceUnavailable
    await send_error(send, error.status_code, error.code, error.message)


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


async def read_small_body(receive: Receive, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            parts.append(chunk)
        if not message.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)


class StreamedBody:
    """The client's body handed to aiohttp chunk by chunk. aiohttp writes it in a task of its own and wraps
    whatever that raises, so why the stream stopped is kept here for the caller to answer properly."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.too_large = False
        self.client_gone = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.client_gone = True
                raise ClientGone
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.limit:
                    self.too_large = True
                    raise BodyTooLarge
                yield chunk
            if not message.get("more_body", False):
                return


def _connection_tokens(value: bytes) -> set[bytes]:
    return {t.strip().lower() for t in value.split(b",") if t.strip()}


async def forward(
    session: aiohttp.ClientSession,
    *,
    base_url: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    request_id: str,
    forwarded_for: str,
    max_body: int,
    forwarded_proto: str | None = None,
) -> int:
    """Proxy the request; returns the status sent to the client (for metrics)."""
    method: str = scope["method"]
    headers: CIMultiDict[str] = CIMultiDict()
    content_length: int | None = None
    chunked = False
    host = b""
    drop: set[bytes] = set()
    for name, value in scope["headers"]:
        if name == b"connection":
            drop |= _connection_tokens(value)
    for name, value in scope["headers"]:
        if name in HOP_BY_HOP or name in drop:
            if name == b"transfer-encoding":
                chunked = True
            continue
        if name in _SET_BY_GATEWAY:
            if name == b"host":
                host = value
            continue
        if name == b"content-length":
            try:
                content_length = int(value)
            except ValueError:
                await send_error(send, 400, "bad_request", "请求头 Content-Length 不正确")
                return 400
        headers.add(name.decode("latin-1"), value.decode("latin-1"))
    headers["X-Request-ID"] = request_id
    headers["X-Forwarded-For"] = forwarded_for
    headers["X-Forwarded-Proto"] = forwarded_proto or scope.get("scheme", "http")
    if host:
        headers["X-Forwarded-Host"] = host.decode("latin-1")

    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    target = base_url.encode() + raw_path + (b"?" + query if query else b"")
    url = URL(target.decode("latin-1"), encoded=True)

    data: bytes | AsyncIterator[bytes] | None
    streamed: StreamedBody | None = None
    try:
        if content_length is None and not chunked:
            data = None
        elif content_length is not None and content_length <= SMALL_BODY:
            data = await read_small_body(receive, max_body)
        else:
            streamed = StreamedBody(receive, max_body)
            data = streamed.__aiter__()
    except BodyTooLarge:
        await _too_large(send, max_body)
        return 413
    except ClientGone:
        return 499

    attempts = 2 if method in _IDEMPOTENT_NO_BODY and data is None else 1
    for attempt in range(attempts):
        started = False
        try:
            async with session.request(
                method, url, headers=headers, data=data, allow_redirects=False
            ) as response:
                # The caller's send appends the gateway's X-Request-ID; the service's echo of it is dropped,
                # and so are its Server and Date (the gateway's own server writes them once).
                out = [
                    (k.lower(), v)
                    for k, v in response.raw_headers
                    if k.lower() not in HOP_BY_HOP and k.lower() not in _SET_BY_GATEWAY_OUT
                ]
                length = response.content_length
                if length is not None and length <= SMALL_BODY:
                    body = await response.read()
                    started = True
                    await send({"type": "http.response.start", "status": response.status, "headers": out})
                    await send({"type": "http.response.body", "body": body})
                    return response.status
                started = True
                await send({"type": "http.response.start", "status": response.status, "headers": out})
                async for chunk in response.content.iter_chunked(CHUNK):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
                return response.status
        except BodyTooLarge:
            if not started:
                await _drain(receive)
                await _too_large(send, max_body)
            return 413
        except ClientGone:
            return 499
        except TimeoutError as exc:
            log.warning("upstream_timeout", upstream=base_url, path=scope["path"], error=type(exc).__name__)
            if started:
                return _broken_off()
            await send_error(send, 504, *TIMEOUT)
            return 504
        except aiohttp.ClientError as exc:
            if streamed is not None and streamed.too_large:
                if not started:
                    await _drain(receive)
                    await _too_large(send, max_body)
                return 413
            if streamed is not None and streamed.client_gone:
                return 499
            if started:
                log.warning(
                    "upstream_broke_off", upstream=base_url, path=scope["path"], error=type(exc).__name__
                )
                return _broken_off()
            status = await _upstream_error(send, exc, base_url, scope["path"], retry=attempt + 1 < attempts)
            if status is None:
                continue
            return status
    return 503  # pragma: no cover - the loop always returns


async def _upstream_error(
    send: Send, exc: aiohttp.ClientError, base_url: str, path: str, *, retry: bool
) -> int | None:
    """Answer for a service that could not be reached or broke off; None means: try once more."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        log.warning("upstream_unreachable", upstream=base_url, path=path, error=type(exc).__name__)
        await _unavailable(send)
        return 503
    if isinstance(exc, aiohttp.ServerTimeoutError):
        log.warning("upstream_timeout", upstream=base_url, path=path, error=type(exc).__name__)
        await send_error(send, 504, *TIMEOUT)
        return 504
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError | aiohttp.ClientPayloadError):
        # A pooled keep-alive socket closed by the service just as it was reused: safe to try once more
        # for a request without a body and without side effects.
        if retry:
            return None
        log.warning("upstream_failed", upstream=base_url, path=path, error=type(exc).__name__)
        await _unavailable(send)
        return 503
    log.warning("upstream_failed", upstream=base_url, path=path, error=type(exc).__name__)
    await send_error(send, 502, "bad_gateway", "服务应答异常，请稍后再试")
    return 502


async def _drain(receive: Receive, timeout: float = 10.0) -> None:
    """Read and drop the rest of a refused upload before answering. Closing the connection while the
    client is still sending makes the kernel reset it, and the reset can destroy the 413 on its way."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return


def _broken_off() -> int:
    """The answer had started when the service went away: nothing truthful can be appended, so the
    response is left incomplete and the server closes the connection (the client sees a cut download)."""
    return 502


async def _too_large(send: Send, max_body: int) -> None:
    with contextlib.suppress(Exception):
        await send_error(
            send,
            413,
            "too_large",
            f"请求内容过大，不能超过 {max_body // (1024 * 1024)} MB",
            headers=[(b"connection", b"close")],
        )
