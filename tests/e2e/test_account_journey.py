"""The Foundation's journeys through the gateway, as a new enterprise user would walk them."""

from __future__ import annotations

import io

from PIL import Image

from .conftest import bearer, login, random_credit_code, random_phone, register_enterprise


def _png(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 255)).save(out, format="PNG")
    return out.getvalue()


async def test_register_change_password_profile_brand_logout(gw, sms):
    account = await register_enterprise(gw, sms)
    assert account["login_name"] == account["credit_code"]
    assert "【企业标准领跑者】恭喜您,注册企业标准“领跑者”企业成功" in account["sms_text"]
    assert account["credit_code"] in account["sms_text"]

    tokens = await login(gw, account["login_name"], account["password"])
    assert tokens["must_change_password"] is True
    h = bearer(tokens["access_token"])

    # With the generated password only /me, the change itself and logout work.
    assert (await gw.get("/api/auth/me", headers=h)).status_code == 200
    refused = await gw.get("/api/auth/enterprise", headers=h)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "password_change_required"

    weak = await gw.post(
        "/api/auth/password",
        headers=h,
        json={"current_password": account["password"], "new_password": "12345678"},
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["message"]
    r = await gw.post(
        "/api/auth/password",
        headers=h,
        json={"current_password": account["password"], "new_password": "Lp2026strong"},
    )
    assert r.status_code == 204, r.text
    assert (await gw.get("/api/auth/me", headers=h)).status_code == 401  # every session revoked

    tokens = await login(gw, account["phone"], "Lp2026strong")  # login by phone works too
    assert tokens["must_change_password"] is False
    h = bearer(tokens["access_token"])
    me = (await gw.get("/api/auth/me", headers=h)).json()
    assert me["forerunner_verified"] is False

    profile = (await gw.get("/api/auth/enterprise", headers=h)).json()
    profile.update(
        {
            "nature": "limited_liability",
            "region_code": "110108",
            "email": "lp@example.com",
            "address": "北京市海淀区中关村大街1号",
        }
    )
    r = await gw.put("/api/auth/enterprise", headers=h, json=profile)
    assert r.status_code == 200, r.text
    assert r.json()["region_code"] == "110108"

    r = await gw.put(
        "/api/auth/enterprise/logo", headers=h, files={"file": ("logo.png", _png(), "image/png")}
    )
    assert r.status_code == 204, r.text

    r = await gw.post(
        "/api/auth/enterprise/brands",
        headers=h,
        data={"name": "领跑牌", "story": "始于1998年的匠心品牌"},
        files={"logo": ("brand.png", _png((120, 120)), "image/png")},
    )
    assert r.status_code in (200, 201), r.text
    brands = (await gw.get("/api/auth/enterprise/brands", headers=h)).json()
    items = brands["items"] if isinstance(brands, dict) else brands
    assert [b["name"] for b in items] == ["领跑牌"]

    assert (await gw.post("/api/auth/logout", headers=h)).status_code == 204
    old = await gw.get("/api/auth/me", headers=h)
    assert old.status_code == 401
    assert old.json()["error"]["code"] in ("token_revoked", "unauthorized")


async def test_forgot_password_code_dies_after_five_wrong_tries(gw, sms):
    account = await register_enterprise(gw, sms)
    r = await gw.post("/api/auth/sms-codes", json={"phone": account["phone"], "purpose": "reset_password"})
    assert r.status_code == 202, r.text
    code = await sms.latest_code(account["phone"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await gw.post(
            "/api/auth/password/reset",
            json={
                "login_name": account["login_name"],
                "phone": account["phone"],
                "sms_code": wrong,
                "new_password": "Reset2026ok",
            },
        )
        assert r.status_code in (400, 422), r.text
    r = await gw.post(
        "/api/auth/password/reset",
        json={
            "login_name": account["login_name"],
            "phone": account["phone"],
            "sms_code": code,
            "new_password": "Reset2026ok",
        },
    )
    assert r.status_code in (400, 422), "the code must be dead after five wrong tries"


async def test_forgot_password_with_code(gw, sms):
    account = await register_enterprise(gw, sms)
    await gw.post("/api/auth/sms-codes", json={"phone": account["phone"], "purpose": "reset_password"})
    code = await sms.latest_code(account["phone"])
    r = await gw.post(
        "/api/auth/password/reset",
        json={
            "login_name": account["login_name"],
            "phone": account["phone"],
            "sms_code": code,
            "new_password": "Reset2026ok",
        },
    )
    assert r.status_code == 204, r.text
    tokens = await login(gw, account["login_name"], "Reset2026ok")
    assert tokens["access_token"]


async def test_code_requests_are_rate_limited(gw):
    phone = random_phone()
    first = await gw.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert first.status_code == 202
    again = await gw.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) > 0
    assert again.json()["error"]["code"]


async def test_lockout_after_five_failures_same_answer_for_unknown(gw, sms):
    account = await register_enterprise(gw, sms)
    answers = []
    for _ in range(5):
        r = await gw.post(
            "/api/auth/login", json={"login_name": account["login_name"], "password": "Wrong2026x"}
        )
        answers.append(r.status_code)
    assert set(answers) == {401}
    locked = await gw.post(
        "/api/auth/login", json={"login_name": account["login_name"], "password": account["password"]}
    )
    assert locked.status_code in (401, 423, 429)
    unknown = await gw.post(
        "/api/auth/login", json={"login_name": random_credit_code(), "password": "Wrong2026x"}
    )
    assert unknown.status_code == 401
    first_wrong = await gw.post("/api/auth/login", json={"login_name": random_credit_code(), "password": "x"})
    assert first_wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


async def test_bad_inputs_get_4xx_in_the_error_shape(gw):
    cases = [
        ("post", "/api/auth/register", {"json": {"enterprise_name": 5}}),
        (
            "post",
            "/api/auth/register",
            {"content": b"not json", "headers": {"content-type": "application/json"}},
        ),
        ("post", "/api/auth/login", {"json": {}}),
        ("post", "/api/auth/sms-codes", {"json": {"phone": "12345", "purpose": "register"}}),
        ("post", "/api/auth/sms-codes", {"json": {"phone": "13800138000", "purpose": "hack"}}),
        ("get", "/api/auth/me", {"headers": {"Authorization": "Bearer forged.token.value"}}),
        ("get", "/api/auth/me", {"headers": {"Authorization": "Basic abc"}}),
        (
            "post",
            "/api/auth/recovery-requests",
            {"files": {"letter": ("a.png", b"%PDF-1.4 fake", "image/png")}, "data": {"credit_code": "x"}},
        ),
    ]
    for method, url, kw in cases:
        r = await getattr(gw, method)(url, **kw)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.text)
        body = r.json()
        assert set(body["error"]) >= {"code", "message"}, body


async def test_lost_phone_request_reaches_the_operator_whose_decision_arrives_by_sms(gw, sms):
    from .conftest import demo_headers, pdf_bytes

    account = await register_enterprise(gw, sms, name="遗失手机号测试有限公司")
    new_phone = random_phone()
    r = await gw.post(
        "/api/auth/recovery-requests",
        data={
            "credit_code": account["credit_code"],
            "enterprise_name": "遗失手机号测试有限公司",
            "contact_name": "李四",
            "new_phone": new_phone,
            "reason": "原手机号已停用，忘记登录密码",
        },
        files={"letter": ("授权书.pdf", pdf_bytes("authorisation"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    operator = await demo_headers(gw, "operator01")
    listing = (await gw.get("/api/auth/recovery-requests", headers=operator)).json()
    mine = next(x for x in listing["items"] if x["id"] == request_id)
    assert "password" not in str(mine).lower()
    r = await gw.post(
        f"/api/auth/recovery-requests/{request_id}/decision",
        headers=operator,
        json={"approve": True, "opinion": "授权书核验无误"},
    )
    assert r.status_code == 204, r.text
    import re

    # The current phone confirms (instead of waiting out the cooling-off period).
    owner = (await sms.messages(account["phone"]))[0]["text"]
    confirm = re.search(r"确认码 ([2-9A-Z]{10})", owner).group(1)
    r = await gw.post("/api/auth/recovery-requests/confirm", json={"code": confirm})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text

    text = (await sms.messages(new_phone))[0]["text"]
    password = re.search(r"密码为\s*([^\s。，,]+)", text).group(1)
    tokens = await login(gw, account["login_name"], password)
    assert tokens["must_change_password"] is True
    # The enterprise itself cannot see the operators' queue.
    r = await gw.get("/api/auth/recovery-requests", headers=bearer(tokens["access_token"]))
    assert r.status_code == 403
