"""Bad input never gets a 500: wrong types, missing fields, forged or expired tokens, internal routes without
their token, the dev SMS route absent under a real provider; operator-made organisations."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from auth.config import Settings
from auth.main import create_app
from kit.security import TokenIssuer, generate_keypair

PUBLIC_POSTS = [
    "/api/auth/sms-codes",
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/password/reset",
]


@pytest.mark.parametrize("path", PUBLIC_POSTS)
@pytest.mark.parametrize(
    "body",
    [
        None,
        "not json",
        [],
        {"unexpected": 1},
        {"phone": 13800000000, "purpose": 7, "login_name": [], "password": {}},
    ],
)
async def test_malformed_bodies_answer_422(client, h, path, body):
    if body is None:
        response = await client.post(path)
        if path == "/api/auth/refresh":
            # No body is the portal's way: the refresh token comes in its cookie, and without one it is 401.
            assert response.status_code == 401 and h.error_code(response) == "refresh_missing"
            return
    elif isinstance(body, str):
        response = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert h.error_code(response) == "invalid"


async def test_forged_expired_and_malformed_tokens(client, h, settings, jwt_keys):
    ready = await h.ready_enterprise(client)
    claims = {
        "account_id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "org_type": "operator",
        "org_name": "伪造",
        "session_id": uuid.uuid4().hex,
    }
    other_key, _ = generate_keypair()
    forged = TokenIssuer(other_key, issuer="lp-auth", audience="lp-platform").access_token(**claims)
    real_issuer = TokenIssuer(
        jwt_keys["private"].read_bytes(), issuer="lp-auth", audience="lp-platform", access_ttl=60
    )
    expired = real_issuer.access_token(**claims, now=time.time() - 3600)
    wrong_audience = TokenIssuer(
        jwt_keys["private"].read_bytes(), issuer="lp-auth", audience="elsewhere"
    ).access_token(**claims)
    _header, payload, _ = ready["access_token"].split(".")
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    cases = {
        "forged": (f"Bearer {forged}", "token_invalid"),
        "expired": (f"Bearer {expired}", "token_expired"),
        "audience": (f"Bearer {wrong_audience}", "token_invalid"),
        "alg_none": (f"Bearer {none_alg}", "token_invalid"),
        "garbage": ("Bearer abc.def", "token_invalid"),
        "scheme": (f"Basic {ready['access_token']}", "token_invalid"),
    }
    for name, (value, code) in cases.items():
        for path in ("/api/auth/me", "/api/auth/recovery-requests", "/api/auth/enterprise"):
            response = await client.get(path, headers={"Authorization": value})
            assert response.status_code == 401, (name, path, response.text)
            assert h.error_code(response) == code, name
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_roles_on_operator_routes(client, h):
    enterprise = h.bearer((await h.ready_enterprise(client))["access_token"])
    for role in ("agency01", "workgroup01"):
        other = h.bearer((await h.demo_login(client, role))["access_token"])
        for path in ("/api/auth/recovery-requests", "/api/auth/organisations", "/api/auth/audit-log"):
            assert (await client.get(path, headers=other)).status_code == 403
    for path in ("/api/auth/recovery-requests", "/api/auth/organisations", "/api/auth/audit-log"):
        assert (await client.get(path, headers=enterprise)).status_code == 403
    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    assert (await client.get("/api/auth/audit-log", headers=operator, params={"page": 0})).status_code == 422
    assert (
        await client.get("/api/auth/audit-log", headers=operator, params={"action": "bogus"})
    ).status_code == 422


async def test_operator_creates_an_agency_account(client, h):
    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    phone = h.new_phone()
    login_name = "agency" + uuid.uuid4().hex[:6]
    created = await client.post(
        "/api/auth/organisations",
        headers=operator,
        json={
            "org_type": "agency",
            "name": "国家电器质量检验中心",
            "contact_name": "刘工",
            "contact_phone": phone,
            "login_name": login_name,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["organisation"]["contact_phone"] == phone[:3] + "****" + phone[-4:]
    text = (await h.sms_to(client, phone))[0]
    password = text.split("登录密码为 ")[1].split("。")[0]
    tokens = await h.login(client, login_name, password)
    assert tokens["must_change_password"] is True
    duplicate = await client.post(
        "/api/auth/organisations",
        headers=operator,
        json={
            "org_type": "agency",
            "name": "重复",
            "contact_name": "刘工",
            "contact_phone": h.new_phone(),
            "login_name": login_name,
        },
    )
    assert duplicate.status_code == 409
    enterprise_type = await client.post(
        "/api/auth/organisations",
        headers=operator,
        json={
            "org_type": "enterprise",
            "name": "企业",
            "contact_name": "刘工",
            "contact_phone": h.new_phone(),
            "login_name": "company01",
        },
    )
    assert enterprise_type.status_code == 422
    agencies = (
        await client.get(
            "/api/auth/organisations", headers=operator, params={"org_type": "agency", "page_size": 100}
        )
    ).json()
    assert {"中国家用电器研究院", "国家电器质量检验中心"} <= {o["name"] for o in agencies["items"]}


async def test_internal_route_needs_the_internal_token(client, h, settings):
    agency_id = "00000000-0000-4000-a000-000000000101"
    assert (await client.get(f"/internal/organisations/{agency_id}")).status_code == 404
    wrong = await client.get(f"/internal/organisations/{agency_id}", headers={"X-Internal-Token": "guess"})
    assert wrong.status_code == 404
    ok = await client.get(
        f"/internal/organisations/{agency_id}", headers={"X-Internal-Token": settings.internal_token}
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "中国家用电器研究院" and ok.json()["contact_phone"] == "13800000101"
    missing = await client.get(
        f"/internal/organisations/{uuid.uuid4()}", headers={"X-Internal-Token": settings.internal_token}
    )
    assert missing.status_code == 404
    assert (
        await client.get(
            "/internal/organisations/nope", headers={"X-Internal-Token": settings.internal_token}
        )
    ).status_code == 422


async def test_dev_sms_route_only_under_the_capture_provider(client, h, settings):
    assert (await client.get("/api/dev/sms", params={"phone": "123"})).status_code == 422
    real = create_app(
        Settings(**{**settings.model_dump(), "sms_provider": "http", "sms_http_url": "https://sms.example"})
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=real), base_url="http://t") as bare:
        response = await bare.get("/api/dev/sms", params={"phone": "13800000001"})
    assert response.status_code == 404
    assert "/api/dev/sms" not in real.openapi()["paths"]


async def test_control_characters_are_refused_not_stored(client, h):
    auth = h.bearer((await h.ready_enterprise(client))["access_token"])
    brand = await client.post(
        "/api/auth/enterprise/brands", headers=auth, data={"name": "品牌", "story": "a\x00b"}
    )
    assert brand.status_code == 422
    login = await client.post("/api/auth/login", json={"login_name": "abc\x00", "password": "Whatever123"})
    assert login.status_code == 422
    ref = await client.post(
        "/api/auth/forerunner-auth", headers=auth, json={"ref": "r\x00", "sms_code": "123456"}
    )
    assert ref.status_code == 422
