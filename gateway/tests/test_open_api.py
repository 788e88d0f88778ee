"""The open data API at the gateway: only the declared paths are routed, anonymous callers are limited per
address and keyed callers by their key's limit, an unknown or revoked key is 401, and the merged OpenAPI
document is served from the owning services' open documents."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from aiohttp import web
from gateway.open_api import TITLE
from gateway.routes import OPEN_ROUTES, match_upstream
from kit import api_keys
from kit.api_keys import KeyGrant
from kit.open_data import SCHEMA_PATH
from kit.testing.fixtures import REDIS_URL
from kit.testing.s3server import free_port
from redis.asyncio import Redis

from .conftest import serve_gateway
from .test_guard import guards  # noqa: F401  (the held clock: a test never straddles a window's end)


def test_only_declared_open_paths_have_an_upstream():
    assert match_upstream("/api/open/v1/forerunners") == "declaration"
    assert match_upstream("/api/open/v1/certificates") == "certificate"
    assert match_upstream("/api/open/v1/key-products") == "benchmark"
    for path in ("/api/open", "/api/open/v1", "/api/open/v1/", "/api/open/v1/forerunners/x", "/api/open/v2/labels",
                 "/api/open/v1/openapi.json", "/api/openx"):  # fmt: skip
        assert match_upstream(path) is None, path
    assert set(OPEN_ROUTES.values()) == {"declaration", "certificate", "benchmark"}


@pytest.fixture
async def redis():
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()


async def _grant(redis: Redis, limit: int) -> tuple[str, str]:
    key = api_keys.new_key()
    key_id = str(uuid.uuid4())
    await redis.set(api_keys.redis_key(api_keys.digest(key)), KeyGrant(id=key_id, limit=limit).dumps())
    return key, key_id


async def test_open_limits_by_address_and_by_key(gateway_settings, guards, redis):  # noqa: F811
    settings = gateway_settings(gateway_open_rate_per_ip=3, gateway_api_key_cache_seconds=0)
    key, key_id = await _grant(redis, 5)
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        codes = [(await c.get("/api/open/v1/labels")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = await c.get("/api/open/v1/labels")
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        # the other routes keep the platform's general limit
        assert (await c.get("/api/mall/products")).status_code == 200
        # a key has its own, higher limit, even from an address that used up the anonymous one
        codes = [
            (await c.get("/api/open/v1/labels", headers={"X-API-Key": key})).status_code for _ in range(6)
        ]
        assert codes == [200] * 5 + [429]
        # the gateway noted when the key was used (auth lists it)
        assert await redis.get(api_keys.REDIS_LAST_USED.format(key_id=key_id)) is not None

        for bad in ("lpk_unknown", "x" * 300):
            r = await c.get("/api/open/v1/labels", headers={"X-API-Key": bad})
            assert r.status_code == 401 and r.json()["error"]["code"] == "api_key_invalid"
        # revoked: auth deleted it from Redis; refused, not served as anonymous
        await redis.delete(api_keys.redis_key(api_keys.digest(key)))
        r = await c.get("/api/open/v1/labels", headers={"X-API-Key": key})
        assert r.status_code == 401 and r.json()["error"]["code"] == "api_key_invalid"
        r = await c.get("/api/open/v1/nothing")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def _open_document(path: str, schema: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": {path: {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}}}},
        "components": {"schemas": {schema: {"type": "object"}, "ErrorResponse": {"type": "object"}}},
    }  # fmt: skip


async def test_merged_openapi_document(gateway_settings):
    documents = {
        "declaration": _open_document("/api/open/v1/forerunners", "ForerunnerItem"),
        "certificate": _open_document("/api/open/v1/certificates", "CertificateItem"),
        "benchmark": _open_document("/api/open/v1/key-products", "KeyProductItem"),
    }
    settings = gateway_settings()
    apps = []
    urls = {}
    for name, document in documents.items():

        async def handler(request: web.Request, document: dict = document) -> web.Response:
            if request.headers.get("X-Internal-Token") != settings.internal_token:  # as require_internal
                return web.json_response({}, status=404)
            return web.json_response(document)

        app = web.Application()
        app.router.add_get(SCHEMA_PATH, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        apps.append(runner)
        urls[f"{name}_url"] = f"http://127.0.0.1:{port}"
    settings = gateway_settings(**urls)
    try:
        async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
            r = await c.get("/api/open/v1/openapi.json")
            assert r.status_code == 200, r.text
            doc = r.json()
            assert doc["info"]["title"] == TITLE
            assert set(doc["paths"]) == {
                "/api/open/v1/forerunners", "/api/open/v1/certificates", "/api/open/v1/key-products"
            }  # fmt: skip
            assert {"ForerunnerItem", "CertificateItem", "KeyProductItem", "ErrorResponse"} == set(
                doc["components"]["schemas"]
            )
            assert doc["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
            assert doc["servers"][0]["url"] == settings.public_base_url.rstrip("/")
            again = await c.get("/api/open/v1/openapi.json", headers={"If-None-Match": r.headers["etag"]})
            assert again.status_code == 304
            assert json.loads(r.content) == doc
    finally:
        for runner in apps:
            await runner.cleanup()


async def test_merged_openapi_is_503_when_no_service_answered(gateway_settings, dead_service):
    settings = gateway_settings(declaration_url=dead_service)
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        r = await c.get("/api/open/v1/openapi.json")
        assert r.status_code == 503 and r.json()["error"]["code"] == "service_unavailable"
