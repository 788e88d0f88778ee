"""Building a service's FastAPI app: lifespan around the Runtime, error shape, request ids, metrics,
body-size limit, /healthz, /readyz and /metrics."""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import AfterValidator
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit import heap, metrics, tracing
from kit.errors import ErrorResponse, error_body, install_error_handlers
from kit.logging import request_id_var
from kit.runtime import Runtime

_SKIP_METRICS = {"/metrics", "/healthz", "/readyz"}
access_log = structlog.get_logger("kit.access")


class _BodyTooLarge(Exception):
    pass


# Routes whose answers carry tokens or account data even without an Authorization header (login, refresh,
# registration, password reset): never stored by a browser or a shared cache.
_TOKEN_PATHS = ("/api/auth/",)


def _response_headers(
    raw: list[tuple[bytes, bytes]], rid: str, *, private: bool
) -> list[tuple[bytes, bytes]]:
    """The request id; ``nosniff`` on every answer; ``Cache-Control: no-store`` on every answer to an
    authenticated request and on token routes, whatever the route set (a cached answer outlives logout)."""
    out = [(k, v) for k, v in raw if not (private and k.lower() == b"cache-control")]
    if not any(k.lower() == b"x-content-type-options" for k, _ in out):
        out.append((b"x-content-type-options", b"nosniff"))
    if private:
        out.append((b"cache-control", b"no-store"))
    out.append((b"x-request-id", rid.encode("latin-1")))
    return out


class RequestContextMiddleware:
    """Request id in and out, latency and status metrics, and a body-size cap enforced while reading."""

    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope.get("path", "") in _SKIP_METRICS:
            # Probes and scrapes: no trace (they would drown the real ones), no request metrics.
            await self._handle(scope, receive, send, headers, None)
            return
        # The caller's trace continues here (the gateway passes traceparent on), or a fresh one starts.
        method = scope.get("method", "")
        with tracing.continue_trace(
            method,
            headers.get(b"traceparent", b"").decode("latin-1") or None,
            kind=tracing.SpanKind.SERVER,
            attributes={"http.request.method": method},
        ) as span:
            await self._handle(scope, receive, send, headers, span)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        span: tracing.Span | None,
    ) -> None:
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._too_large(send, rid)
                status["code"], status["sent"] = 413, True
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise _BodyTooLarge
                return message

            private = b"authorization" in headers or scope.get("path", "").startswith(_TOKEN_PATHS)

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    status["sent"] = True
                    message["headers"] = _response_headers(message.get("headers", []), rid, private=private)
                await send(message)

            try:
                await self.app(scope, limited_receive, send_with_id)
            except _BodyTooLarge:
                if not status["sent"]:
                    await self._too_large(send, rid)
                    status["code"], status["sent"] = 413, True
        finally:
            request_id_var.reset(token)
            path = scope.get("path", "")
            if path not in _SKIP_METRICS:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                method = scope.get("method", "")
                elapsed = time.perf_counter() - started
                metrics.HTTP_REQUESTS.labels(self.service, method, template, str(status["code"])).inc()
                metrics.HTTP_LATENCY.labels(self.service, method, template).observe(elapsed)
                # One access line per request at this hop (the gateway writes its own, same request id).
                access_log.info(
                    "access",
                    method=method,
                    route=template,
                    status=status["code"],
                    duration_ms=round(elapsed * 1000, 1),
                    request_id=rid,
                )
                if status["code"] >= 500:
                    metrics.HTTP_ERRORS.labels(self.service, template).inc()
                if span is not None and span.is_recording():
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                    span.set_attribute("http.response.status_code", status["code"])
                    if status["code"] >= 500:
                        tracing.mark_failed(span, str(status["code"]))

    async def _too_large(self, send: Send, rid: str) -> None:
        body = json.dumps(
            error_body("too_large", f"请求内容过大，不能超过 {self.max_body_bytes // (1024 * 1024)} MB"),
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode("latin-1")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_SCHEMAS = "#/components/schemas/"
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": _SCHEMAS + "ErrorResponse"}}}
_OPERATIONS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# FastAPI's own 422 model: the kit answers validation errors in the one error shape instead (kit.errors).
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _undocumented(content: dict[str, Any] | None) -> bool:
    """No body schema at all, or FastAPI's validation model, which no service ever answers."""
    if not content:
        return True
    schemas = [media.get("schema") for media in content.values()]
    return all(not schema or schema.get("$ref") == _SCHEMAS + _FASTAPI_VALIDATION[0] for schema in schemas)


def document_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """A file answer (PDF, PNG, XLSX …) a route lists by media type only is documented as that media's bytes
    (the OpenAPI 3.1 spelling FastAPI uses for uploads). Every
    operation documents its errors in the one shape (``kit.errors.ErrorResponse``): 422 wherever a
    request carries parameters or a body, each 4xx/5xx a route lists without a body schema, and a ``default``
    response for every other status the service or the gateway in front of it answers (401 from the
    token check, 403, 404, 409, 413 body too large, 415, 429 throttled, 502/503 service unavailable).
    FastAPI's ``HTTPValidationError`` goes: no service answers it."""
    for item in schema.get("paths", {}).values():
        shared_parameters = bool(item.get("parameters"))
        for method, operation in item.items():
            if method not in _OPERATIONS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            takes_input = shared_parameters or bool(operation.get("parameters")) or "requestBody" in operation
            if not takes_input and _undocumented(responses.get("422", {}).get("content")):
                # FastAPI's 422 for an operation whose only parameters are hidden ones (the Authorization
                # header): nothing a client sends there fails validation.
                responses.pop("422", None)
            for status, response in responses.items():
                if status[:1] == "2":
                    for media_type, media in (response.get("content") or {}).items():
                        if "json" not in media_type and not media.get("schema"):
                            media["schema"] = {"type": "string", "contentMediaType": media_type}
                if (status == "default" or status[:1] in "45") and _undocumented(response.get("content")):
                    response["content"] = copy.deepcopy(_ERROR_CONTENT)
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = (
                            "提交的数据不正确（invalid、invalid_page 或该操作自己的校验错误）"
                        )
            if takes_input and "422" not in responses:
                responses["422"] = {
                    "description": "提交的数据不正确（invalid、invalid_page 或该操作自己的校验错误）",
                    "content": copy.deepcopy(_ERROR_CONTENT),
                }
            responses.setdefault(
                "default",
                {
                    "description": "其他错误（未登录、无权、不存在、状态冲突、过大、过于频繁、服务暂不可用等），"
                    "统一错误格式",
                    "content": copy.deepcopy(_ERROR_CONTENT),
                },
            )
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template=_SCHEMAS + "{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorResponse"] = error_schema
    for name in _FASTAPI_VALIDATION:
        if f'"{_SCHEMAS}{name}"' not in json.dumps(schema):
            components.pop(name, None)
    return schema


def create_service_app(
    *,
    runtime: Runtime,
    title: str,
    route_name: str,
    routers: Sequence[APIRouter],
    description: str = "",
    version: str = "0.1.0",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        heap.settle()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"/api/{route_name}/openapi.json" if runtime.settings.serve_openapi else None,
        docs_url="/docs" if runtime.settings.serve_openapi else None,
        redoc_url=None,
        # The kit traces requests itself (kit.tracing) with scrubbed logs; FastAPI's own would double spans.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, service=runtime.service, max_body_bytes=runtime.settings.max_body_bytes
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        ok, body = await runtime.ready()
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_responses(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.db.session() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for routes that only read: no transaction around it (``Database.read_session``)."""
    async with request.app.state.runtime.db.read_session() as session:
        yield session


def client_ip(request: Request) -> str:
    """The client's address. ``X-Forwarded-For`` is believed only as far as the configured proxies wrote
    it (``LP_TRUSTED_PROXY_HOPS``, 1: the gateway, which passes on the one address it resolved): each
    trusted hop appended the address it was called from, so the client is that many entries from the right,
    counting the socket's peer. Whatever a client wrote further left is ignored; with 0 hops, or a chain
    shorter than the hops, the socket's address stands."""
    peer = request.client.host if request.client else "unknown"
    runtime = getattr(request.app.state, "runtime", None)
    hops = runtime.settings.trusted_proxy_hops if runtime is not None else 1
    if hops == 0:
        return peer
    chain = [p.strip() for p in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if p.strip()]
    chain.append(peer)
    if len(chain) <= hops:
        return peer
    return chain[-1 - hops][:64]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]


# C0 controls (NUL included: PostgreSQL refuses it in text), DEL and the C1 controls. None of them belongs in a
# search or filter value, and a NUL that reached the database used to answer 500.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _no_control_characters(value: str | None) -> str | None:
    if value is not None and _CONTROL_CHARACTERS.search(value):
        raise ValueError("查询条件不能包含控制字符")
    return value


# The one type of every free-text query-string filter (keyword, brand, category, field …): optional, and
# refused with 422 when it holds a control character. The route bounds it where it declares it:
# ``q: Annotated[QueryText, Query(max_length=100, description="关键词")] = None``.
QueryText = Annotated[str | None, AfterValidator(_no_control_characters)]
