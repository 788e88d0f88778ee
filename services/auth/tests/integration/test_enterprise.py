"""基本信息, logo and brands: validation, files checked by content, tenant isolation, events with sealed
phones only."""

from __future__ import annotations

import re

from kit.bus import outbox
from sqlalchemy import select


def _profile(h, **overrides) -> dict:
    body = {
        "name": "杭州测试电器股份有限公司",
        "nature": "joint_stock",
        "contact_name": "张三",
        "region_code": "330106",
        "phone": h.new_phone(),
        "email": "contact@example.cn",
        "address": "杭州市西湖区文三路 1 号",
    }
    body.update(overrides)
    return body


async def _events(client, routing_key: str) -> list[dict]:
    async with client._transport.app.state.runtime.db.session() as session:
        rows = await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == routing_key).order_by(outbox.c.id)
        )
    return [r[0] for r in rows]


async def test_basic_info_edit_and_validation(client, h):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    current = (await client.get("/api/auth/enterprise", headers=auth)).json()
    assert current["credit_code"] == ready["credit_code"] and current["phone"] == ready["phone"]

    body = _profile(h, phone=ready["phone"])
    saved = await client.put("/api/auth/enterprise", headers=auth, json=body)
    assert saved.status_code == 200, saved.text
    view = saved.json()
    assert view["nature_label"] == "股份有限公司" and view["region_code"] == "330106"
    assert view["credit_code"] == ready["credit_code"] and view["phone"] == ready["phone"]
    without_phone = {k: v for k, v in body.items() if k != "phone"}
    assert (await client.put("/api/auth/enterprise", headers=auth, json=without_phone)).status_code == 200

    # A form may send back what it read (credit code unchanged), but never a different credit code.
    echoed = await client.put("/api/auth/enterprise", headers=auth, json={**view, **body})
    assert echoed.status_code == 200, echoed.text
    changed = await client.put(
        "/api/auth/enterprise", headers=auth, json={**body, "credit_code": h.new_credit_code()}
    )
    assert changed.status_code == 422 and h.error_code(changed) == "credit_code_read_only"

    for bad in (
        {"region_code": "33010"},
        {"region_code": "990101"},
        {"phone": "02088886666"},
        {"email": "not-an-email"},
        {"nature": "martian"},
        {"name": ""},
        {"org_type": "operator"},
    ):
        response = await client.put("/api/auth/enterprise", headers=auth, json={**body, **bad})
        assert response.status_code == 422, (bad, response.text)
        assert h.error_code(response) == "invalid"
    missing = await client.put("/api/auth/enterprise", headers=auth, json={"name": "只有名称"})
    assert missing.status_code == 422

    published = [
        e
        for e in await _events(client, "enterprise.updated.v1")
        if e["payload"]["credit_code"] == ready["credit_code"]
    ]
    assert published
    payload = published[-1]["payload"]
    assert payload["phone_masked"] == ready["phone"][:3] + "****" + ready["phone"][-4:]
    assert ready["phone"] not in str(published[-1])  # the clear number never travels
    assert client._transport.app.state.runtime.sealer.unseal(payload["phone_sealed"]) == ready["phone"]


async def test_the_phone_never_changes_with_the_access_token_alone(client, h):
    """A stolen 15-minute token must not become a permanent takeover through 基本信息."""
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    thief_phone = h.new_phone()
    refused = await client.put("/api/auth/enterprise", headers=auth, json=_profile(h, phone=thief_phone))
    assert refused.status_code == 409 and h.error_code(refused) == "phone_change_requires_verification"
    assert refused.json()["error"]["details"]["route"] == "POST /api/auth/enterprise/phone"
    assert (await client.get("/api/auth/enterprise", headers=auth)).json()["phone"] == ready["phone"]
    # The reserved phone did not move: 忘记密码 codes still go to the owner only.
    assert await h.sms_to(client, thief_phone) == []
    other = await h.ready_enterprise(client)
    taken = await client.put("/api/auth/enterprise", headers=auth, json=_profile(h, phone=other["phone"]))
    assert taken.status_code == 409
    # The public code route does not hand out phone-change codes.
    public = await client.post("/api/auth/sms-codes", json={"phone": thief_phone, "purpose": "change_phone"})
    assert public.status_code == 422 and h.error_code(public) == "sms_purpose_elsewhere"


async def _sessions(client, h, ready: dict) -> tuple[dict, dict]:
    """Two sessions of the same account: the one changing the phone and another device."""
    other = await h.login(client, ready["credit_code"], ready["password"])
    return h.bearer(ready["access_token"]), h.bearer(other["access_token"])


async def test_phone_change_needs_the_password_and_a_code_to_the_new_phone(client, h):
    ready = await h.ready_enterprise(client)
    auth, other_device = await _sessions(client, h, ready)
    new_phone = h.new_phone()
    asked = await client.post("/api/auth/enterprise/phone/sms-code", headers=auth, json={"phone": new_phone})
    assert asked.status_code == 202, asked.text
    text = (await h.sms_to(client, new_phone))[0]
    assert "修改联系电话验证码" in text
    code = re.search(r"验证码为 (\d{6})", text).group(1)

    wrong_password = await client.post(
        "/api/auth/enterprise/phone",
        headers=auth,
        json={"current_password": "Not" + ready["password"], "new_phone": new_phone, "sms_code": code},
    )
    assert wrong_password.status_code == 422 and h.error_code(wrong_password) == "current_password_wrong"
    wrong_phone = await client.post(
        "/api/auth/enterprise/phone",
        headers=auth,
        json={"current_password": ready["password"], "new_phone": h.new_phone(), "sms_code": code},
    )
    assert wrong_phone.status_code == 422 and h.error_code(wrong_phone) == "sms_code_expired"

    changed = await client.post(
        "/api/auth/enterprise/phone",
        headers=auth,
        json={"current_password": ready["password"], "new_phone": new_phone, "sms_code": code},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == new_phone
    # The old phone is told; this session goes on, every other one ends.
    told = (await h.sms_to(client, ready["phone"]))[0]
    assert "已由本号码更换为" in told and new_phone[:3] + "****" + new_phone[-4:] in told
    assert (await client.get("/api/auth/me", headers=auth)).json()["account"]["phone"] == new_phone
    assert (await client.get("/api/auth/me", headers=other_device)).status_code == 401
    assert (await h.login(client, new_phone, ready["password"]))["access_token"]
    old_login = await client.post(
        "/api/auth/login", json={"login_name": ready["phone"], "password": ready["password"]}
    )
    assert old_login.status_code == 401
    # The code is single use.
    replay = await client.post(
        "/api/auth/enterprise/phone",
        headers=auth,
        json={"current_password": ready["password"], "new_phone": new_phone, "sms_code": code},
    )
    assert replay.status_code == 422

    payload = [
        e
        for e in await _events(client, "enterprise.updated.v1")
        if e["payload"]["credit_code"] == ready["credit_code"]
    ][-1]["payload"]
    assert client._transport.app.state.runtime.sealer.unseal(payload["phone_sealed"]) == new_phone

    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    audit = (
        await client.get(
            "/api/auth/audit-log", headers=operator, params={"action": "phone_changed", "page_size": 100}
        )
    ).json()["items"]
    mine = [e for e in audit if e["subject_org_id"] == payload["org_id"]]
    assert [e["result"] for e in mine] == ["success", "failure"]
    assert mine[0]["detail"]["old_phone"] == ready["phone"][:3] + "****" + ready["phone"][-4:]
    assert mine[0]["detail"]["new_phone"] == new_phone[:3] + "****" + new_phone[-4:]
    assert mine[0]["detail"]["sessions_ended"] == 1
    assert ready["phone"] not in str(mine) and new_phone not in str(mine)


async def test_phone_change_codes_are_bound_to_the_account_and_checked(client, h, settings):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    same = await client.post(
        "/api/auth/enterprise/phone/sms-code", headers=auth, json={"phone": ready["phone"]}
    )
    assert same.status_code == 422 and h.error_code(same) == "phone_unchanged"
    other = await h.ready_enterprise(client)
    taken = await client.post(
        "/api/auth/enterprise/phone/sms-code", headers=auth, json={"phone": other["phone"]}
    )
    assert taken.status_code == 409 and h.error_code(taken) == "phone_registered"
    bad = await client.post("/api/auth/enterprise/phone/sms-code", headers=auth, json={"phone": "555"})
    assert bad.status_code == 422

    # A code another account asked for the same number does not serve this one.
    new_phone = h.new_phone()
    theirs = h.bearer(other["access_token"])
    assert (
        await client.post("/api/auth/enterprise/phone/sms-code", headers=theirs, json={"phone": new_phone})
    ).status_code == 202
    code = re.search(r"验证码为 (\d{6})", (await h.sms_to(client, new_phone))[0]).group(1)
    stolen = await client.post(
        "/api/auth/enterprise/phone",
        headers=auth,
        json={"current_password": ready["password"], "new_phone": new_phone, "sms_code": code},
    )
    assert stolen.status_code == 422 and h.error_code(stolen) == "sms_code_expired"

    # Guessing the password through this route stops after a few tries.
    answers = []
    for _ in range(settings.phone_change_max_failures + 1):
        response = await client.post(
            "/api/auth/enterprise/phone",
            headers=auth,
            json={"current_password": "Wrong12345x", "new_phone": new_phone, "sms_code": "123456"},
        )
        answers.append(response.status_code)
    assert answers == [422] * settings.phone_change_max_failures + [429]


async def test_logo_png_only_and_bounded(client, h, settings):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    assert (await client.get("/api/auth/enterprise/logo", headers=auth)).status_code == 404

    ok = await client.put(
        "/api/auth/enterprise/logo",
        headers=auth,
        files={"file": ("logo.png", h.png_bytes((500, 500)), "image/png")},
    )
    assert ok.status_code == 204, ok.text
    stored = await client.get("/api/auth/enterprise/logo", headers=auth)
    assert stored.status_code == 200 and stored.content.startswith(b"\x89PNG")
    assert (await client.get("/api/auth/enterprise", headers=auth)).json()[
        "logo_url"
    ] == "/api/auth/enterprise/logo"

    jpeg = await client.put(
        "/api/auth/enterprise/logo", headers=auth, files={"file": ("logo.png", h.jpeg_bytes(), "image/png")}
    )  # renamed JPEG
    assert jpeg.status_code == 415
    text = await client.put(
        "/api/auth/enterprise/logo",
        headers=auth,
        files={"file": ("logo.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert text.status_code == 415
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (settings.logo_max_bytes + 10)
    too_big = await client.put(
        "/api/auth/enterprise/logo", headers=auth, files={"file": ("big.png", big, "image/png")}
    )
    assert too_big.status_code == 413 and h.error_code(too_big) == "file_too_large"
    no_file = await client.put("/api/auth/enterprise/logo", headers=auth)
    assert no_file.status_code == 422


async def test_brands_crud_with_logo_and_tenant_isolation(client, h):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    created = await client.post(
        "/api/auth/enterprise/brands",
        headers=auth,
        data={"name": "领跑牌", "story": "三十年专注冰箱"},
        files={"logo": ("brand.png", h.png_bytes(), "image/png")},
    )
    assert created.status_code == 201, created.text
    brand = created.json()
    assert brand["logo_url"] == f"/api/auth/enterprise/brands/{brand['id']}/logo"
    logo = await client.get(brand["logo_url"], headers=auth)
    assert logo.status_code == 200 and logo.content.startswith(b"\x89PNG")

    plain = await client.post("/api/auth/enterprise/brands", headers=auth, data={"name": "无图牌"})
    assert plain.status_code == 201 and plain.json()["logo_url"] is None and plain.json()["story"] == ""
    listed = (await client.get("/api/auth/enterprise/brands", headers=auth)).json()
    assert listed["total"] == 2 and [b["name"] for b in listed["items"]] == ["领跑牌", "无图牌"]

    updated = await client.put(
        f"/api/auth/enterprise/brands/{brand['id']}",
        headers=auth,
        data={"name": "领跑牌Pro", "story": "新故事"},
    )
    assert updated.status_code == 200 and updated.json()["name"] == "领跑牌Pro"
    assert updated.json()["logo_url"] is not None  # kept when no new logo is sent

    bad_logo = await client.post(
        "/api/auth/enterprise/brands",
        headers=auth,
        data={"name": "坏图牌"},
        files={"logo": ("brand.png", h.pdf_bytes(), "image/png")},
    )
    assert bad_logo.status_code == 415
    no_name = await client.post("/api/auth/enterprise/brands", headers=auth, data={"story": "无名"})
    assert no_name.status_code == 422

    # Another tenant's brand id answers 404 on every route, and nothing changes.
    other = h.bearer((await h.ready_enterprise(client))["access_token"])
    path = f"/api/auth/enterprise/brands/{brand['id']}"
    assert (await client.put(path, headers=other, data={"name": "抢注"})).status_code == 404
    assert (await client.delete(path, headers=other)).status_code == 404
    assert (await client.get(path + "/logo", headers=other)).status_code == 404
    assert (await client.get("/api/auth/enterprise/brands", headers=other)).json()["items"] == []
    assert (
        await client.put("/api/auth/enterprise/brands/not-a-uuid", headers=auth, data={"name": "x"})
    ).status_code == 422

    assert (await client.delete(path, headers=auth)).status_code == 204
    assert (await client.delete(path, headers=auth)).status_code == 404
    changes = [
        e["payload"]
        for e in await _events(client, "enterprise.brand_changed.v1")
        if e["payload"]["brand_id"] == brand["id"]
    ]
    assert [c["deleted"] for c in changes] == [False, False, True]


async def test_enterprise_routes_refuse_other_roles(client, h):
    agency = await h.demo_login(client, "agency01")
    response = await client.get("/api/auth/enterprise", headers=h.bearer(agency["access_token"]))
    assert response.status_code == 403
    natures = (await client.get("/api/auth/enterprise/natures")).json()
    assert natures["items"][0] == {"value": "state_owned", "label": "国有企业"}
    assert natures["total"] == len(natures["items"]) and (natures["page"], natures["page_size"]) == (1, 20)
    second = (await client.get("/api/auth/enterprise/natures", params={"page": 2, "page_size": 1})).json()
    assert second["items"] == [natures["items"][1]] and second["total"] == natures["total"]
