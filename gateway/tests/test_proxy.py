"""Routing, headers, request ids and failure answers of the gateway, against a fake service."""

from __future__ import annotations

import asyncio
import hashlib
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import download_bytes, serve_gateway

UNAVAILABLE = {
    "error": {"code": "service_unavailable", "message": "服务暂时不可用，请稍后再试", "details": None}
}


@pytest.fixture
async def client(gateway_url: str):
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as c:
        yield c


async def test_path_query_and_body_reach_the_service_unchanged(client: httpx.AsyncClient):
    r = await client.post(
        "/api/declarations/3f0c/evidence?year=2024&q=%E5%86%B0%E7%AE%B1&a=1&a=2",
        json={"name": "冰箱", "n": 1},
    )
    assert r.status_code == 200
    seen = r.json()
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/api/declarations/3f0c/evidence?year=2024&q=%E5%86%B0%E7%AE%B1&a=1&a=2"
    assert seen["body"] == '{"name":"冰箱","n":1}'
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert seen["headers"]["x-forwarded-host"] == urlsplit(str(client.base_url)).netloc


@pytest.mark.parametrize(
    ("path", "routed"),
    [
        ("/api/auth/me", True),
        ("/api/dev/sms", True),
        ("/api/declarations", True),
        ("/api/certificates/verify/AB12", True),
        ("/api/declarationsX", False),
        ("/api/unknown/thing", False),
        ("/api/", False),
        ("/api/mall/%2e%2e/%2e%2e/internal/organisations/1", False),
    ],
)
async def test_only_known_prefixes_are_routed(client: httpx.AsyncClient, path: str, routed: bool):
    r = await client.get(path)
    if routed:
        assert r.status_code == 200 and r.json()["path"] == path
    else:
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/verify/AB12CD34efgh5678ijkl90", "/verify/LP-2025-JD01-00001"])
async def test_verification_pages_go_to_the_certificate_service(client: httpx.AsyncClient, path: str):
    # Server-rendered (no JavaScript needed, 404 for unknown codes): the certificate service answers, not
    # the portal's shell; a stale token in the browser does not stand in the way of a public page.
    r = await client.get(path, headers={"Authorization": "Bearer expired.or.garbage"})
    assert r.status_code == 200 and r.json()["path"] == path


@pytest.mark.parametrize("path", ["/verify/../internal/organisations/1", "/verify/%2e%2e/api/x"])
async def test_dot_segments_under_verify_stay_with_the_portal(client: httpx.AsyncClient, path: str):
    r = await client.get(path)
    assert not (
        r.status_code == 200
        and r.headers.get("content-type", "").startswith("application/json")
        and r.json().get("path") == path
    )


async def test_internal_routes_are_never_reachable(client: httpx.AsyncClient):
    r = await client.get(
        "/internal/organisations/1", headers={"X-Internal-Token": "dev-internal-token-not-for-production"}
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_request_id_is_propagated_or_created(client: httpx.AsyncClient):
    r = await client.get("/api/mall/products", headers={"X-Request-ID": "trace-42.a"})
    assert r.headers["x-request-id"] == "trace-42.a"
    assert r.json()["headers"]["x-request-id"] == "trace-42.a"

    r = await client.get("/api/mall/products", headers={"X-Request-ID": "bad id\twith spaces"})
    created = r.headers["x-request-id"]
    assert created != "bad id\twith spaces" and len(created) == 32
    assert r.json()["headers"]["x-request-id"] == created

    r = await client.get("/api/mall/products")
    assert len(r.headers["x-request-id"]) == 32


async def test_hop_by_hop_and_spoofed_headers_are_dropped(client: httpx.AsyncClient):
    r = await client.get(
        "/api/benchmark/products",
        headers={
            "Connection": "keep-alive, X-Private-Hop",
            "X-Private-Hop": "must not pass",
            "Proxy-Authorization": "Basic abc",
            "TE": "trailers",
            "X-Internal-Token": "dev-internal-token-not-for-production",
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Proto": "https",
            "X-Custom": "kept",
        },
    )
    seen = r.json()["headers"]
    for name in ("x-private-hop", "proxy-authorization", "te", "x-internal-token"):
        assert name not in seen
    assert seen["x-forwarded-for"] == "127.0.0.1"  # no trusted proxy: the client cannot choose its address
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-custom"] == "kept"

    r = await client.get("/api/benchmark/hop")
    assert r.headers["x-service"] == "fake"
    assert "keep-alive" not in r.headers


async def test_service_cookies_are_not_kept_by_the_gateway(client: httpx.AsyncClient):
    r = await client.get("/api/benchmark/cookie")
    assert "upstream_session=secret-value" in r.headers["set-cookie"]
    async with httpx.AsyncClient(base_url=str(client.base_url)) as other:
        r = await other.get("/api/benchmark/cookie")
    assert r.json()["cookie_in"] is None


async def test_service_down_answers_503_in_the_error_shape(client: httpx.AsyncClient):
    r = await client.get("/api/notify/messages")
    assert r.status_code == 503
    assert r.json() == UNAVAILABLE
    assert "x-request-id" in r.headers


async def test_slow_service_times_out_with_504(client: httpx.AsyncClient):
    r = await client.get("/api/mall/slow")
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "upstream_timeout"
    assert "Traceback" not in r.text


async def test_large_upload_and_download_stream_through(client: httpx.AsyncClient):
    payload = b"\x89PNG" + bytes(5 * 1024 * 1024)

    async def chunks():
        for i in range(0, len(payload), 256 * 1024):
            yield payload[i : i + 256 * 1024]

    r = await client.post(
        "/api/auth/upload", content=chunks(), headers={"Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 200
    assert r.json() == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}

    r = await client.post("/api/auth/upload", content=payload)
    assert r.json()["size"] == len(payload)

    r = await client.get("/api/certificates/download")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content == download_bytes()


async def test_declared_oversized_body_is_refused_before_reading(gateway_url: str):
    host, port = urlsplit(gateway_url).hostname, urlsplit(gateway_url).port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /api/declarations/1/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n"
        b"Content-Length: 30000000\r\n\r\n"
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)  # no body sent: answered at once
    assert head.startswith(b"HTTP/1.1 413")
    writer.close()


async def test_streamed_body_over_the_cap_is_refused(gateway_settings):
    async with serve_gateway(gateway_settings(max_body_bytes=1024 * 1024)) as url:

        async def chunks():
            for _ in range(40):
                yield bytes(64 * 1024)

        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            r = await c.post("/api/auth/upload", content=chunks())
            assert r.status_code == 413
            assert r.json()["error"]["code"] == "too_large"
            r = await c.post("/api/auth/upload", content=bytes(2 * 1024 * 1024))
            assert r.status_code == 413


async def test_health_readiness_metrics_and_docs(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    # notify is down in this setup: the gateway still serves every other route, so it stays ready.
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"redis": True}, "required": [], "degraded": []}
    await client.get("/api/mall/products")
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="proxy",route="mall",service="gateway",status="200"}' in metrics
    docs = await client.get("/api/docs")
    assert docs.headers["content-type"].startswith("text/html")
    for name in ("auth", "benchmark", "declarations", "certificates", "mall", "notify"):
        assert f'href="/api/{name}/openapi.json"' in docs.text


async def test_readiness_and_metrics_are_not_served_to_outside_callers(gateway_settings):
    """Through the ingress (X-Forwarded-For) or from an address outside the internal networks, /readyz and
    /metrics are 404; /healthz says nothing and stays open. The API documents are off in production."""
    async with serve_gateway(gateway_settings()) as url, httpx.AsyncClient(base_url=url) as c:
        for path in ("/readyz", "/metrics"):
            relayed = await c.get(path, headers={"X-Forwarded-For": "203.0.113.7"})
            assert relayed.status_code == 404 and relayed.json()["error"]["code"] == "not_found"
        assert (await c.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})).status_code == 200
    outside = gateway_settings(gateway_internal_networks=["10.0.0.0/8"])  # the test client is 127.0.0.1
    async with serve_gateway(outside) as url, httpx.AsyncClient(base_url=url) as c:
        assert (await c.get("/metrics")).status_code == 404
        assert (await c.get("/readyz")).status_code == 404
    production = gateway_settings(
        env="production",
        internal_token="t" * 40,
        pii_key=_strong_pii_key(),
        download_secret="d" * 40,
        s3_secret_key="s" * 40,
        sms_provider="http",
        amqp_url="amqp://lp:" + "p" * 24 + "@mq:5672/",
        database_url="postgresql+asyncpg://lp:" + "p" * 24 + "@db/lp",
        public_base_url="https://lp.example.cn",
    )
    async with serve_gateway(production) as url, httpx.AsyncClient(base_url=url) as c:
        assert (await c.get("/api/docs")).status_code == 404


def _strong_pii_key() -> str:
    import base64
    import os

    return base64.b64encode(os.urandom(32)).decode()


async def test_ready_without_redis_which_is_reported_as_degraded(gateway_settings, fake_service: str):
    settings = gateway_settings(notify_url=fake_service, redis_url="redis://127.0.0.1:1/0")
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        r = await c.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "degraded" and r.json()["degraded"] == ["redis"]


async def test_expect_continue_is_answered_by_the_gateway_not_forwarded(client: httpx.AsyncClient):
    payload = bytes(2 * 1024 * 1024)
    r = await client.post("/api/auth/upload", content=payload, headers={"Expect": "100-continue"})
    assert r.status_code == 200 and r.json()["size"] == len(payload)
    r = await client.post("/api/declarations/x", content=b"{}", headers={"Expect": "100-continue"})
    assert r.status_code == 200 and "expect" not in r.json()["headers"]


async def test_head_and_options_pass_through(client: httpx.AsyncClient):
    r = await client.head("/api/mall/products")
    assert r.status_code == 200 and r.content == b""
    r = await client.options("/api/mall/products")
    assert r.json()["method"] == "OPTIONS"


async def test_a_gateway_defect_answers_500_in_the_error_shape(gateway_url: str, monkeypatch):
    from gateway import proxy

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(proxy, "forward", broken)
    async with httpx.AsyncClient(base_url=gateway_url) as c:
        r = await c.get("/api/mall/products")
    assert r.status_code == 500
    assert r.json()["error"] == {"code": "internal_error", "message": "系统繁忙，请稍后再试", "details": None}
    assert "boom" not in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("path", [b"/api/mall/../auth/me", b"/api/notify/./messages", b"/api/mall/x/.."])
async def test_dot_segments_are_not_routed(gateway_url: str, path: bytes):
    # httpx would normalise these; a raw request line shows what a hostile client can send.
    reader, writer = await asyncio.open_connection(urlsplit(gateway_url).hostname, urlsplit(gateway_url).port)
    writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert response.startswith(b"HTTP/1.1 404")
    assert b'"code":"not_found"' in response


def test_verification_pages_are_the_certificate_service_s():
    from gateway.routes import match_page

    assert match_page("/verify/AB12") == "certificate"
    assert match_page("/verify/static/verify.css") == "certificate"
    assert (
        match_page("/verify") is None and match_page("/verify/") is None and match_page("/verifyX/1") is None
    )
    assert match_page("/verify/./x") is None


async def test_server_and_date_are_sent_once(client: httpx.AsyncClient):
    """The service's own Server and Date are dropped: the gateway's server writes each once."""
    r = await client.get("/api/mall/products")
    assert r.status_code == 200
    assert len(r.headers.get_list("server")) == 1 and len(r.headers.get_list("date")) == 1
    assert "aiohttp" not in r.headers["server"]
