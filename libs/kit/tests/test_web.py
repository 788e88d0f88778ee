"""The error shape and the request middleware, on a bare FastAPI app (no runtime needed)."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from kit.errors import Conflict, NotFound, install_error_handlers
from kit.paging import Page, PageDep
from kit.testing.openapi import assert_documented
from kit.web import RequestContextMiddleware
from pydantic import BaseModel, Field


class Body(BaseModel):
    name: str = Field(min_length=1)
    count: int


class ThingNotFound(NotFound):
    code = "thing_not_found"
    message = "东西不存在"


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="kit-test", max_body_bytes=1024)

    @app.post("/things")
    async def create(body: Body) -> dict:
        return {"name": body.name}

    @app.get("/things/{thing_id}")
    async def get(thing_id: int) -> dict:
        raise ThingNotFound("东西不存在")

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("secret internals /etc/passwd")

    return app


async def _client():
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def test_validation_errors_are_422_in_the_shape_with_chinese_text():
    async with await _client() as c:
        r = await c.post("/things", json={"name": "", "count": "many"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid" and "提交的数据不正确" in err["message"]
    assert {d["field"] for d in err["details"]} == {"name", "count"}


async def test_not_found_unknown_route_and_method():
    async with await _client() as c:
        assert (await c.get("/things/1")).json()["error"]["code"] == "thing_not_found"
        r = await c.get("/nowhere")
        assert r.status_code == 404 and r.json()["error"]["message"] == "资源不存在"
        r = await c.delete("/things/1")
        assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


async def test_unexpected_error_leaks_nothing():
    async with await _client() as c:
        r = await c.get("/boom")
    assert r.status_code == 500
    assert "passwd" not in r.text and "Traceback" not in r.text
    assert r.json()["error"]["code"] == "internal_error"


async def test_body_cap_and_request_id():
    async with await _client() as c:
        r = await c.post("/things", content=b"x" * 5000, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        r = await c.post("/things", json={"name": "a", "count": 1}, headers={"X-Request-ID": "abc123"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "abc123"


async def test_database_outage_answers_503_not_500():
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    app = _app()

    @app.get("/db")
    async def db() -> dict:
        raise DBAPIError("SELECT 1", {}, asyncpg.TooManyConnectionsError("sorry, too many clients already"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/db")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert r.headers["retry-after"] == "5" and "too many" not in r.text


def _ip_app(hops: int) -> FastAPI:
    from types import SimpleNamespace

    from kit.web import client_ip

    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=SimpleNamespace(trusted_proxy_hops=hops))

    @app.get("/ip")
    async def ip(request: Request) -> dict:
        return {"ip": client_ip(request)}

    return app


async def _ip_seen(hops: int, forwarded: str | None) -> str:
    transport = httpx.ASGITransport(app=_ip_app(hops), client=("192.0.2.10", 5555))
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return (await c.get("/ip", headers=headers)).json()["ip"]


async def test_forwarded_for_is_trusted_only_as_far_as_the_configured_hops():
    # One hop (the gateway) wrote the last entry; what the client put in front of it is ignored.
    assert await _ip_seen(1, "198.51.100.66, 203.0.113.7") == "203.0.113.7"
    assert await _ip_seen(1, "203.0.113.7") == "203.0.113.7"
    # Two hops (an ingress in front of the gateway): the entry before the ingress's own.
    assert await _ip_seen(2, "198.51.100.66, 203.0.113.7, 10.0.0.5") == "203.0.113.7"
    # No trusted proxy, or nothing forwarded, or a chain shorter than the hops: the socket's address.
    assert await _ip_seen(0, "198.51.100.66") == "192.0.2.10"
    assert await _ip_seen(1, None) == "192.0.2.10"
    assert await _ip_seen(3, "203.0.113.7") == "192.0.2.10"


def _cache_app() -> FastAPI:
    from fastapi.responses import Response

    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="kit-test", max_body_bytes=1024)

    @app.get("/api/things/logo")
    async def logo() -> Response:
        return Response(b"png", media_type="image/png", headers={"Cache-Control": "private, max-age=60"})

    @app.get("/api/things")
    async def things() -> dict:
        return {"items": []}

    @app.post("/api/auth/login")
    async def login() -> dict:
        return {"access_token": "t"}

    return app


async def test_no_store_on_authenticated_and_token_answers_nosniff_on_all():
    transport = httpx.ASGITransport(app=_cache_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        authed = await c.get("/api/things", headers={"Authorization": "Bearer x"})
        assert authed.headers["cache-control"] == "no-store"
        assert authed.headers["x-content-type-options"] == "nosniff"
        # a route's own caching gives way when the request was authenticated (one header, no-store)
        logo = await c.get("/api/things/logo", headers={"Authorization": "Bearer x"})
        assert logo.headers.get_list("cache-control") == ["no-store"]
        tokens = await c.post("/api/auth/login")
        assert tokens.headers["cache-control"] == "no-store"
        assert tokens.headers["x-content-type-options"] == "nosniff"
        # public answers keep what the route chose
        public = await c.get("/api/things/logo")
        assert public.headers["cache-control"] == "private, max-age=60"
        missing = await c.get("/nowhere")
        assert missing.headers["x-content-type-options"] == "nosniff"


async def test_openapi_documents_are_off_in_production_unless_enabled():
    from types import SimpleNamespace

    from kit.web import create_service_app

    def app_for(env: str, enabled: bool) -> FastAPI:
        settings = SimpleNamespace(
            env=env,
            openapi_enabled=enabled,
            max_body_bytes=1024,
            serve_openapi=env != "production" or enabled,
        )
        return create_service_app(
            runtime=SimpleNamespace(settings=settings, service="things"),
            title="t",
            route_name="things",
            routers=[],
        )

    for env, enabled, served in (
        ("test", False, True),
        ("production", False, False),
        ("production", True, True),
    ):
        app = app_for(env, enabled)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            document = await c.get("/api/things/openapi.json")
            docs = await c.get("/docs")
        assert (document.status_code == 200) is served and (docs.status_code == 200) is served, (env, enabled)


async def _principal(authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> str:
    return authorization or ""


PrincipalDep = Annotated[str, Depends(_principal)]


def _documented_app() -> FastAPI:
    from types import SimpleNamespace

    from kit.web import create_service_app

    router = APIRouter(prefix="/api/things")

    @router.post("", status_code=201)
    async def create(body: Body) -> Body:
        return body

    @router.get("")
    async def rows(page: PageDep) -> Page[Body]:
        return Page[Body].of([], 0, page)

    @router.get("/state", responses={409: {"description": "状态冲突"}})
    async def state(principal: PrincipalDep) -> dict[str, str]:
        raise Conflict()

    @router.get("/{thing_id}/sheet", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
    async def sheet(thing_id: int) -> Response:
        return Response(b"a,b\n", media_type="text/csv")

    settings = SimpleNamespace(env="test", max_body_bytes=1024, serve_openapi=True)
    return create_service_app(
        runtime=SimpleNamespace(settings=settings, service="things"),  # type: ignore[arg-type]
        title="t",
        route_name="things",
        routers=[router],
    )


def _resolved(document: dict, schema: dict) -> dict:
    """The response schema with the document's components, for jsonschema."""
    return {**schema, "components": document["components"]}


async def test_every_operation_documents_its_errors_in_the_one_shape():
    import jsonschema

    app = _documented_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        document = (await c.get("/api/things/openapi.json")).json()
        invalid = await c.post("/api/things", json={"name": "", "count": "many"})
        bad_page = await c.get("/api/things?page=0")
        conflict = await c.get("/api/things/state")
        missing = await c.get("/api/things/nowhere")
        sheet = await c.get("/api/things/7/sheet")
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    paths = document["paths"]
    for path, method in (("/api/things", "post"), ("/api/things", "get"), ("/api/things/state", "get")):
        responses = paths[path][method]["responses"]
        assert responses["default"]["content"] == {"application/json": {"schema": error_ref}}, (path, method)
        # a listed error status without a body of its own gets the shape too
        for status, response in responses.items():
            if status == "default" or status[0] in "45":
                assert response["content"]["application/json"]["schema"] == error_ref, (path, status)
    # 422 where a request carries parameters or a body, not on an operation that takes nothing (the
    # Authorization header it reads is hidden from the document)
    assert (
        "422" in paths["/api/things"]["post"]["responses"]
        and "422" in paths["/api/things"]["get"]["responses"]
    )
    assert "422" not in paths["/api/things/state"]["get"]["responses"]
    assert paths["/api/things/state"]["get"]["responses"]["409"]["description"] == "状态冲突"
    # a file answer listed by media type only is documented as that media's bytes
    assert paths["/api/things/{thing_id}/sheet"]["get"]["responses"]["200"]["content"] == {
        "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}}
    }
    # FastAPI's validation model, which no service answers, is gone
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]
    # and what the app really answers fits what it documents
    for answer, status in ((invalid, 422), (bad_page, 422), (conflict, 409), (sheet, 200)):
        assert answer.status_code == status
        assert_documented(app, answer)
    assert missing.status_code == 404
    jsonschema.validate(missing.json(), _resolved(document, error_ref))
    # FastAPI's shape would not pass
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"detail": [{"loc": ["body"], "msg": "x", "type": "y"}]}, _resolved(document, error_ref)
        )


async def test_assert_documented_refuses_what_the_document_does_not_say():
    import jsonschema

    app = _documented_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        created = await c.post("/api/things", json={"name": "甲", "count": 1})
    assert_documented(app, created)
    wrong_body = httpx.Response(201, json={"name": 3}, request=created.request)
    with pytest.raises(jsonschema.ValidationError):
        assert_documented(app, wrong_body)
    wrong_type = httpx.Response(201, content=b"%PDF-", headers={"content-type": "application/pdf"},
                                request=created.request)  # fmt: skip
    with pytest.raises(AssertionError, match="application/pdf is not among"):
        assert_documented(app, wrong_type)
