"""The two account-takeover paths of the security review, walked through the gateway as an attacker would:
a lost-phone recovery filed with a victim's credit code, and a phone change with a stolen access token.
Neither hands the account over any more, and the owner is told each time."""

from __future__ import annotations

import re

from .conftest import (
    advance_clock,
    bearer,
    demo_headers,
    eventually,
    login,
    new_enterprise,
    pdf_bytes,
    random_phone,
)


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _code(text: str, word: str) -> str:
    match = re.search(word + r"码 ([2-9A-Z]{10})", text)
    assert match, text
    return match.group(1)


async def _file(gw, credit_code: str, *, name: str, contact: str, new_phone: str) -> str:
    r = await gw.post(
        "/api/auth/recovery-requests",
        data={
            "credit_code": credit_code,
            "enterprise_name": name,
            "contact_name": contact,
            "new_phone": new_phone,
            "reason": "原手机号已停用，忘记登录密码",
        },
        files={"letter": ("授权书.pdf", pdf_bytes(" "), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _inbox(gw, headers: dict) -> list[dict]:
    r = await gw.get("/api/notify/messages", headers=headers, params={"category": "account"})
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_recovery_filed_by_an_attacker_is_seen_refused_and_never_takes_effect(gw, sms, platform):
    victim = await new_enterprise(gw, sms, name="被冒领测试电器有限公司")
    attacker_phone = random_phone()
    request_id = await _file(
        gw, victim["credit_code"], name="随便写的公司", contact="某人", new_phone=attacker_phone
    )

    # The owner's phone is told at once, with a code that refuses the request; the organisation in-site.
    filed = (await sms.messages(victim["phone"]))[0]["text"]
    assert "账号找回申请" in filed and _masked(attacker_phone) in filed
    titles = await eventually(lambda: _titles(gw, victim["headers"], "有人提交了本企业的账号找回申请"))
    assert titles

    # The operator sees the registered data beside the claims, every mismatch marked.
    operator = await demo_headers(gw, "operator01")
    item = (await gw.get(f"/api/auth/recovery-requests/{request_id}", headers=operator)).json()
    assert item["registered"] == {
        "name": "被冒领测试电器有限公司",
        "contact_name": "张三",
        "phone_masked": _masked(victim["phone"]),
    }
    assert item["mismatches"] == ["enterprise_name", "contact_name"]

    # Even if the operator is fooled, approval changes nothing yet: a cooling-off period starts.
    r = await gw.post(
        f"/api/auth/recovery-requests/{request_id}/decision",
        headers=operator,
        json={"approve": True, "opinion": "核验通过"},
    )
    assert r.status_code == 204, r.text
    assert all("密码为" not in m["text"] for m in await sms.messages(attacker_phone))
    approved = (await sms.messages(victim["phone"]))[0]["text"]
    assert "审核通过" in approved and "生效" in approved
    assert (await gw.get("/api/auth/me", headers=victim["headers"])).status_code == 200

    # The owner refuses it with the code from the SMS (public route, no login needed).
    r = await gw.post("/api/auth/recovery-requests/cancel", json={"code": _code(filed, "撤销")})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text

    # The period ends: nothing happens, the attacker never gets a password, the owner keeps the account.
    await advance_clock(platform, 1.05)
    await eventually(lambda: _titles(gw, victim["headers"], "账号找回申请已撤销"))
    item = (await gw.get(f"/api/auth/recovery-requests/{request_id}", headers=operator)).json()
    assert item["status"] == "cancelled"
    assert all("密码为" not in m["text"] for m in await sms.messages(attacker_phone))
    tokens = await login(gw, victim["credit_code"], victim["password"])
    me = (await gw.get("/api/auth/me", headers=bearer(tokens["access_token"]))).json()
    assert me["account"]["phone"] == victim["phone"]


async def test_a_genuine_recovery_takes_effect_after_the_cooling_off_period_and_the_old_phone_is_told(
    gw, sms, platform
):
    owner = await new_enterprise(gw, sms, name="真实找回测试电器有限公司")
    new_phone = random_phone()
    request_id = await _file(
        gw, owner["credit_code"], name="真实找回测试电器有限公司", contact="张三", new_phone=new_phone
    )
    operator = await demo_headers(gw, "operator01")
    item = (await gw.get(f"/api/auth/recovery-requests/{request_id}", headers=operator)).json()
    assert item["mismatches"] == []
    r = await gw.post(
        f"/api/auth/recovery-requests/{request_id}/decision",
        headers=operator,
        json={"approve": True, "opinion": "授权书核验无误"},
    )
    assert r.status_code == 204, r.text
    await advance_clock(platform, 1.05)

    async def password_sms():
        return next((m["text"] for m in await sms.messages(new_phone) if "新登录密码为" in m["text"]), None)

    text = await eventually(password_sms, timeout=30)
    password = re.search(r"新登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    told = (await sms.messages(owner["phone"]))[0]["text"]
    assert "已由本号码更换为" in told and _masked(new_phone) in told
    assert (await gw.get("/api/auth/me", headers=owner["headers"])).status_code == 401  # every session ended
    tokens = await login(gw, new_phone, password)
    assert tokens["must_change_password"] is True
    item = (await gw.get(f"/api/auth/recovery-requests/{request_id}", headers=operator)).json()
    assert item["status"] == "completed" and item["closed_via"] == "cooling_off_elapsed"


async def test_a_stolen_access_token_cannot_move_the_reserved_phone(gw, sms):
    owner = await new_enterprise(gw, sms, name="令牌被盗测试电器有限公司")
    other_device = bearer((await login(gw, owner["credit_code"], owner["password"]))["access_token"])
    thief_phone = random_phone()
    profile = (await gw.get("/api/auth/enterprise", headers=owner["headers"])).json()

    # What the token alone used to do: answered with a clear error naming the verified route.
    r = await gw.put("/api/auth/enterprise", headers=owner["headers"], json={**profile, "phone": thief_phone})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "phone_change_requires_verification"
    # Without the password the code to the thief's phone is useless.
    r = await gw.post(
        "/api/auth/enterprise/phone/sms-code", headers=owner["headers"], json={"phone": thief_phone}
    )
    assert r.status_code == 202, r.text
    code = await sms.latest_code(thief_phone)
    r = await gw.post(
        "/api/auth/enterprise/phone",
        headers=owner["headers"],
        json={"current_password": "Guess2026pass", "new_phone": thief_phone, "sms_code": code},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "current_password_wrong"
    r = await gw.post("/api/auth/sms-codes", json={"phone": owner["phone"], "purpose": "reset_password"})
    assert r.status_code == 202  # 忘记密码 still reaches the owner's phone only
    assert all("修改联系电话" in m["text"] for m in await sms.messages(thief_phone))

    # The owner changes it properly: password + code to the new phone; the old phone is told, others end.
    new_phone = random_phone()
    r = await gw.post(
        "/api/auth/enterprise/phone/sms-code", headers=owner["headers"], json={"phone": new_phone}
    )
    assert r.status_code == 202, r.text
    r = await gw.post(
        "/api/auth/enterprise/phone",
        headers=owner["headers"],
        json={
            "current_password": owner["password"],
            "new_phone": new_phone,
            "sms_code": await sms.latest_code(new_phone),
        },
    )
    assert r.status_code == 200 and r.json()["phone"] == new_phone, r.text
    told = (await sms.messages(owner["phone"]))[0]["text"]
    assert "已由本号码更换为" in told and _masked(new_phone) in told
    assert (await gw.get("/api/auth/me", headers=other_device)).status_code == 401
    assert (await gw.get("/api/auth/me", headers=owner["headers"])).status_code == 200


async def _titles(gw, headers: dict, wanted: str) -> bool:
    return any(m["title"] == wanted for m in await _inbox(gw, headers))
