"""基本信息, logo and brands: validation, files checked by content, tenant isolation, events with sealed
phones only."""

from __future__ import annotations

from kit.bus import outbox
from sqlalchemy import select


def _profile(h, **overrides) -> dict:
    body = {
        "name": "杭州测试电器股份有限公司", "nature": "joint_stock", "contact_name": "张三",
        "region_code": "330106", "phone": h.new_phone(), "email": "contact@example.cn", "address": "杭州市西湖区文三路 1 号",
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

    body = _profile(h)
    saved = await client.put("/api/auth/enterprise", headers=auth, json=body)
    assert saved.status_code == 200, saved.text
    view = saved.json()
    assert view["nature_label"] == "股份有限公司" and view["region_code"] == "330106"
    assert view["credit_code"] == ready["credit_code"]
    # The contact phone is the account's reserved phone: login by the new number works.
    assert (await h.login(client, body["phone"], ready["password"]))["access_token"]

    # A form may send back what it read (credit code unchanged), but never a different credit code.
    echoed = await client.put("/api/auth/enterprise", headers=auth, json={**view, **body})
    assert echoed.status_code == 200, echoed.text
    changed = await client.put("/api/auth/enterprise", headers=auth, json={**body, "credit_code": h.new_credit_code()})
    assert changed.status_code == 422 and h.error_code(changed) == "credit_code_read_only"

    for bad in ({"region_code": "33010"}, {"region_code": "990101"}, {"phone": "02088886666"},
                {"email": "not-an-email"}, {"nature": "martian"}, {"name": ""}, {"org_type": "operator"}):
        response = await client.put("/api/auth/enterprise", headers=auth, json={**body, **bad})
        assert response.status_code == 422, (bad, response.text)
        assert h.error_code(response) == "invalid"
    missing = await client.put("/api/auth/enterprise", headers=auth, json={"name": "只有名称"})
    assert missing.status_code == 422

    # Another account's phone cannot be taken over.
    other = await h.ready_enterprise(client)
    taken = await client.put("/api/auth/enterprise", headers=auth, json={**body, "phone": other["phone"]})
    assert taken.status_code == 409

    published = [e for e in await _events(client, "enterprise.updated.v1")
                 if e["payload"]["credit_code"] == ready["credit_code"]]
    assert published
    payload = published[-1]["payload"]
    assert payload["phone_masked"] == body["phone"][:3] + "****" + body["phone"][-4:]
    assert body["phone"] not in str(published[-1])  # the clear number never travels
    assert client._transport.app.state.runtime.sealer.unseal(payload["phone_sealed"]) == body["phone"]


async def test_logo_png_only_and_bounded(client, h, settings):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    assert (await client.get("/api/auth/enterprise/logo", headers=auth)).status_code == 404

    ok = await client.put("/api/auth/enterprise/logo", headers=auth,
                          files={"file": ("logo.png", h.png_bytes((500, 500)), "image/png")})
    assert ok.status_code == 204, ok.text
    stored = await client.get("/api/auth/enterprise/logo", headers=auth)
    assert stored.status_code == 200 and stored.content.startswith(b"\x89PNG")
    assert (await client.get("/api/auth/enterprise", headers=auth)).json()["logo_url"] == "/api/auth/enterprise/logo"

    jpeg = await client.put("/api/auth/enterprise/logo", headers=auth,
                            files={"file": ("logo.png", h.jpeg_bytes(), "image/png")})  # renamed JPEG
    assert jpeg.status_code == 415
    text = await client.put("/api/auth/enterprise/logo", headers=auth,
                            files={"file": ("logo.png", b"<svg onload=alert(1)>", "image/png")})
    assert text.status_code == 415
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (settings.logo_max_bytes + 10)
    too_big = await client.put("/api/auth/enterprise/logo", headers=auth, files={"file": ("big.png", big, "image/png")})
    assert too_big.status_code == 413 and h.error_code(too_big) == "file_too_large"
    no_file = await client.put("/api/auth/enterprise/logo", headers=auth)
    assert no_file.status_code == 422


async def test_brands_crud_with_logo_and_tenant_isolation(client, h):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    created = await client.post("/api/auth/enterprise/brands", headers=auth,
                                data={"name": "领跑牌", "story": "三十年专注冰箱"},
                                files={"logo": ("brand.png", h.png_bytes(), "image/png")})
    assert created.status_code == 201, created.text
    brand = created.json()
    assert brand["logo_url"] == f"/api/auth/enterprise/brands/{brand['id']}/logo"
    logo = await client.get(brand["logo_url"], headers=auth)
    assert logo.status_code == 200 and logo.content.startswith(b"\x89PNG")

    plain = await client.post("/api/auth/enterprise/brands", headers=auth, data={"name": "无图牌"})
    assert plain.status_code == 201 and plain.json()["logo_url"] is None and plain.json()["story"] == ""
    listed = (await client.get("/api/auth/enterprise/brands", headers=auth)).json()
    assert [b["name"] for b in listed] == ["领跑牌", "无图牌"]

    updated = await client.put(f"/api/auth/enterprise/brands/{brand['id']}", headers=auth,
                               data={"name": "领跑牌Pro", "story": "新故事"})
    assert updated.status_code == 200 and updated.json()["name"] == "领跑牌Pro"
    assert updated.json()["logo_url"] is not None  # kept when no new logo is sent

    bad_logo = await client.post("/api/auth/enterprise/brands", headers=auth, data={"name": "坏图牌"},
                                 files={"logo": ("brand.png", h.pdf_bytes(), "image/png")})
    assert bad_logo.status_code == 415
    no_name = await client.post("/api/auth/enterprise/brands", headers=auth, data={"story": "无名"})
    assert no_name.status_code == 422

    # Another tenant's brand id answers 404 on every route, and nothing changes.
    other = h.bearer((await h.ready_enterprise(client))["access_token"])
    path = f"/api/auth/enterprise/brands/{brand['id']}"
    assert (await client.put(path, headers=other, data={"name": "抢注"})).status_code == 404
    assert (await client.delete(path, headers=other)).status_code == 404
    assert (await client.get(path + "/logo", headers=other)).status_code == 404
    assert (await client.get("/api/auth/enterprise/brands", headers=other)).json() == []
    assert (await client.put("/api/auth/enterprise/brands/not-a-uuid", headers=auth,
                             data={"name": "x"})).status_code == 422

    assert (await client.delete(path, headers=auth)).status_code == 204
    assert (await client.delete(path, headers=auth)).status_code == 404
    changes = [e["payload"] for e in await _events(client, "enterprise.brand_changed.v1")
               if e["payload"]["brand_id"] == brand["id"]]
    assert [c["deleted"] for c in changes] == [False, False, True]


async def test_enterprise_routes_refuse_other_roles(client, h):
    agency = await h.demo_login(client, "agency01")
    response = await client.get("/api/auth/enterprise", headers=h.bearer(agency["access_token"]))
    assert response.status_code == 403
    assert (await client.get("/api/auth/enterprise/natures")).json()[0] == {"value": "state_owned", "label": "国有企业"}
