"""The API gateway: a plain ASGI application (no framework on the hot path) that routes ``/api/<service>/...``
to the services, checks tokens and rate limits first, and serves the portal at ``/``.

    uvicorn --factory gateway.main:create_app --port 8000
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
import uuid
from typing import Any

import aiohttp
import structlog
from kit import heap, metrics
from kit.errors import AppError
from kit.logging import configure_logging, request_id_var
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Message, Receive, Scope, Send

from gateway import proxy
from gateway.config import Settings
from gateway.guard import Guard
from gateway.open_api import OpenApiDocument
from gateway.portal import Portal, docs_page, send_html
from gateway.responses import Readiness, send_error, send_json
from gateway.routes import OPEN_OPENAPI, is_open, match_page, match_upstream, token_exempt

access_log = structlog.get_logger("gateway.access")
log = structlog.get_logger("gateway")

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
_LOCAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.upstreams = {name: url.rstrip("/") for name, url in settings.upstreams.items()}
        # Compression for the portal's files only (the bundle is large; the API path stays untouched).
        self.portal = GZipMiddleware(Portal(settings.gateway_portal_dist), minimum_size=1024, compresslevel=6)
        self.docs = docs_page()
        self.open_api = OpenApiDocument(settings, self.upstreams)
        self.session: aiohttp.ClientSession | None = None
        self.redis: Redis | None = None
        self.guard: Guard | None = None
        # Pre-bound metric children: a labels() lookup per request is measurable at this rate.
        self._latency = {
            name: metrics.HTTP_LATENCY.labels("gateway", "proxy", name) for name in self.upstreams
        }
        self._counters: dict[tuple[str, int], Any] = {}
        self._internal_networks = [
            ipaddress.ip_network(n, strict=False) for n in settings.gateway_internal_networks
        ]

    # ------------------------------------------------------------------ lifecycle
    async def startup(self) -> None:
        s = self.settings
        configure_logging("gateway", s.log_level)
        self.redis = Redis.from_url(
            s.redis_url,
            decode_responses=True,
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
            health_check_interval=30,
        )
        self.guard = Guard(s, self.redis)
        self.guard.start()
        connector = aiohttp.TCPConnector(
            limit=s.gateway_pool_size,
            limit_per_host=0,
            keepalive_timeout=s.gateway_keepalive_seconds,
            ttl_dns_cache=300,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, connect=s.gateway_connect_timeout, sock_read=s.gateway_read_timeout
            ),
            # Pass bodies through as the service encoded them; never add an encoding the client did not ask for.
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            # Cookies belong to the browser, never to the gateway's shared client.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        log.info("gateway_started", upstreams=self.upstreams)

    async def shutdown(self) -> None:
        if self.guard is not None:
            await self.guard.stop()
        if self.session is not None:
            await self.session.close()
        if self.redis is not None:
            await self.redis.aclose()

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, receive, send)
        elif kind == "lifespan":
            await self.lifespan(receive, send)
        else:  # websockets are not part of the platform
            await send({"type": "websocket.close", "code": 1008})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                heap.settle()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = b""
        authorization = None
        declared = None
        api_key = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid = value
            elif name == b"authorization":
                authorization = value
            elif name == b"x-api-key":
                api_key = value
            elif name == b"content-length":
                declared = value
        request_id = rid.decode("latin-1") if rid and _REQUEST_ID.match(rid) else uuid.uuid4().hex
        rid_header = (b"x-request-id", request_id.encode("latin-1"))
        started = False

        async def send_local(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        path: str = scope["path"]
        token = request_id_var.set(request_id)
        try:
            if path.startswith("/api/"):
                # Dot segments could make a service see another prefix than the one routed here.
                upstream = None if "/." in path else match_upstream(path)
                if upstream is None:
                    if path in ("/api/docs", "/api/docs/") and self.settings.serve_openapi:
                        await send_html(send_local, self.docs)
                    elif path == OPEN_OPENAPI:
                        await self.open_openapi(scope, send_local)
                    else:
                        await send_error(send_local, 404, "not_found", "接口不存在")
                    return
                await self.proxy(
                    scope, receive, send_local, upstream, request_id, authorization, declared, api_key
                )
            elif path in _LOCAL_PATHS:
                if path != "/healthz" and not self.internal_caller(scope):
                    await send_error(send_local, 404, "not_found", "接口不存在")
                else:
                    await self.local(path, send_local)
            elif path == "/internal" or path.startswith("/internal/") or path == "/api":
                # Service-to-service routes are never reachable from outside.
                await send_error(send_local, 404, "not_found", "接口不存在")
            elif (page := match_page(path)) is not None:
                # A public page: no session is needed, so whatever token the browser holds is not checked.
                await self.proxy(scope, receive, send_local, page, request_id, None, declared)
            else:
                await self.portal(scope, receive, send_local)
        except Exception as exc:
            # A defect of the gateway itself: logged with its trace, answered in the error shape.
            log.error("gateway_unhandled_error", path=path, error=type(exc).__name__, exc_info=exc)
            if not started:
                await send_error(send_local, 500, "internal_error", "系统繁忙，请稍后再试")
        finally:
            request_id_var.reset(token)

    async def proxy(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: str,
        request_id: str,
        authorization: bytes | None,
        declared: bytes | None,
        api_key: bytes | None = None,
    ) -> None:
        started = time.perf_counter()
        s = self.settings
        assert self.guard is not None and self.session is not None
        ip, forwarded_for = self.client_address(scope)
        try:
            if declared is not None and declared.isdigit() and int(declared) > s.max_body_bytes:
                # Refused before a byte of the body is read.
                await send_error(
                    send,
                    413,
                    "too_large",
                    f"请求内容过大，不能超过 {s.max_body_bytes // (1024 * 1024)} MB",
                    headers=[(b"connection", b"close")],
                )
                status = 413
            else:
                claims = None
                if authorization is not None and not token_exempt(scope["path"]):
                    claims = self.guard.claims(authorization.decode("latin-1"))
                await self.guard.admit(ip, claims)
                if is_open(scope["path"]):
                    await self.guard.admit_open(ip, None if api_key is None else api_key.decode("latin-1"))
                status = await proxy.forward(
                    self.session,
                    base_url=self.upstreams[upstream],
                    scope=scope,
                    receive=receive,
                    send=send,
                    request_id=request_id,
                    forwarded_for=forwarded_for,
                    max_body=s.max_body_bytes,
                    forwarded_proto=self.forwarded_proto(scope),
                )
        except AppError as exc:
            headers = [(k.lower().encode(), v.encode()) for k, v in (exc.headers or {}).items()]
            await send_error(
                send, exc.status_code, exc.code, exc.message, details=exc.details, headers=headers
            )
            status = exc.status_code
        elapsed = time.perf_counter() - started
        self._count(upstream, status)
        self._latency[upstream].observe(elapsed)
        # One access line for this hop; the service writes its own with the same request id.
        access_log.info(
            "access",
            method=scope.get("method", ""),
            route=scope["path"],
            status=status,
            duration_ms=round(elapsed * 1000, 1),
            upstream=upstream,
            request_id=request_id,
        )

    async def open_openapi(self, scope: Scope, send: Send) -> None:
        """The open data API's merged OpenAPI document (public, cached, with an ETag)."""
        if scope["method"] not in ("GET", "HEAD"):
            await send_error(
                send, 405, "method_not_allowed", "不支持的请求方式", headers=[(b"allow", b"GET, HEAD")]
            )
            return
        assert self.session is not None
        try:
            body, etag = await self.open_api.get(self.session)
        except AppError as exc:
            await send_error(send, exc.status_code, exc.code, exc.message)
            return
        headers = [(b"etag", etag.encode()), (b"cache-control", b"public, max-age=300")]
        if any(n == b"if-none-match" and etag.encode() in v for n, v in scope["headers"]):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def _count(self, upstream: str, status: int) -> None:
        key = (upstream, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = metrics.HTTP_REQUESTS.labels(
                "gateway", "proxy", upstream, str(status)
            )
        counter.inc()
        if status >= 500:
            metrics.HTTP_ERRORS.labels("gateway", upstream).inc()

    def client_address(self, scope: Scope) -> tuple[str, str]:
        """The client's address for rate limits, and the X-Forwarded-For to pass on: that one address, which
        the services trust as written by their one proxy hop (the gateway). With no trusted proxy in front,
        whatever the client wrote in X-Forwarded-For is discarded (it would pick its own bucket)."""
        peer = scope.get("client")
        peer_ip = peer[0] if peer else "unknown"
        hops = self.settings.gateway_trusted_proxy_hops
        if hops == 0:
            return peer_ip, peer_ip
        chain: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                chain.extend(p.strip() for p in value.decode("latin-1").split(",") if p.strip())
        chain.append(peer_ip)
        # The last `hops` entries were added by our own proxies; the one before them is the client.
        index = max(0, len(chain) - 1 - hops)
        ip = chain[index][:64]
        return ip, ip

    def internal_caller(self, scope: Scope) -> bool:
        """A probe or a scraper inside the cluster: an internal address, and not relayed by a proxy."""
        if any(name == b"x-forwarded-for" for name, _ in scope["headers"]):
            return False
        peer = scope.get("client")
        try:
            address = ipaddress.ip_address(peer[0]) if peer else None
        except ValueError:
            return False
        if address is None:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._internal_networks)

    def forwarded_proto(self, scope: Scope) -> str | None:
        """Behind a trusted TLS-terminating proxy the client's scheme is the proxy's X-Forwarded-Proto."""
        if self.settings.gateway_trusted_proxy_hops == 0:
            return None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[0].strip().lower()
                return proto if proto in ("http", "https") else None
        return None

    # ------------------------------------------------------------------ health
    async def local(self, path: str, send: Send) -> None:
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok"})
        elif path == "/readyz":
            await send_json(send, 200, await self.readiness())
        else:
            body = generate_latest()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", CONTENT_TYPE_LATEST.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

    async def readiness(self) -> Readiness:
        """The gateway can serve its requests as long as it runs: it does not ask the upstreams (one
        service down would otherwise take every route, public pages included, off the ingress; a route
        to a service that is away answers its own clear 502/503), and Redis is optional (the rate limits
        fail open). Redis is reported, as ``degraded`` when it does not answer."""
        assert self.redis is not None
        try:
            redis_ok = bool(
                await asyncio.wait_for(self.redis.ping(), self.settings.gateway_readiness_timeout)
            )
        except Exception:
            redis_ok = False
        degraded = [] if redis_ok else ["redis"]
        return {
            "status": "degraded" if degraded else "ok",
            "checks": {"redis": redis_ok},
            "required": [],
            "degraded": degraded,
        }


def create_app(settings: Settings | None = None) -> Gateway:
    return Gateway(settings or Settings())
