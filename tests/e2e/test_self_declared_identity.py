"""The seed's FAQ on identity authentication for self-declared standards, through the gateway:
"身份认证的手机号不正确 … 企业自主申报的数据。企业可以直接修改基本信息里的联系电话". A self-declared standard the
agency passed is on its list with the phone of the enterprise's 基本信息; when the enterprise changes that phone
(password and a code to the new phone), the listed phone follows and authentication works with the new one;
when the working group returns the standard, the agency's list no longer shows it."""

from __future__ import annotations

import uuid

from ._journeys import GOOD, open_product
from .conftest import bearer, demo_headers, eventually, new_enterprise, pdf_bytes, random_phone


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


async def test_basic_info_phone_change_moves_the_self_declared_listing(gw, sms):
    product = await open_product(gw)
    enterprise = await new_enterprise(gw, sms, name=f"自主申报换号电器{uuid.uuid4().hex[:4]}有限公司")
    h = enterprise["headers"]
    standard_no = f"Q/HHDQ {uuid.uuid4().int % 9000 + 1000}-2024"
    r = await gw.post("/api/declarations", headers=h, json={
        "product_id": product["id"], "standard_no": standard_no, "standard_name": "家用电冰箱"})  # fmt: skip
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert (await gw.post(f"/api/declarations/{did}/benchmark", headers=h, json={"values": GOOD})).json()[
        "verdict"
    ] == "passed"
    assert (await gw.put(f"/api/declarations/{did}/products", headers=h,
                         json={"models": [{"name": "家用电冰箱", "spec": "BCD-1"}]})).status_code == 200  # fmt: skip
    assert (await gw.post(f"/api/declarations/{did}/evidence", headers=h,
                          files={"file": ("检测报告.pdf", pdf_bytes("r"), "application/pdf")})).status_code == 201  # fmt: skip
    assert (await gw.post(f"/api/declarations/{did}/submit", headers=h)).status_code == 200
    # submitted only: not eligible yet
    assert (await gw.get("/api/auth/forerunner-auth", headers=h)).json()["eligible"] is False

    agency = await demo_headers(gw, "agency01")
    r = await gw.post(f"/api/declarations/{did}/agency-review", headers=agency, json={"decision": "pass"})
    assert r.status_code == 200, r.text

    async def phones():
        offer = (await gw.get("/api/auth/forerunner-auth", headers=h)).json()
        return [p["masked"] for p in offer["phones"]] if offer["eligible"] else None

    assert await eventually(phones) == [_masked(enterprise["phone"])]

    # the enterprise changes the phone of its basic info (password + a code to the new phone)
    new_phone = random_phone()
    r = await gw.post("/api/auth/enterprise/phone/sms-code", headers=h, json={"phone": new_phone})
    assert r.status_code == 202, r.text
    r = await gw.post("/api/auth/enterprise/phone", headers=h, json={
        "current_password": enterprise["password"], "new_phone": new_phone,
        "sms_code": await sms.latest_code(new_phone)})  # fmt: skip
    assert r.status_code == 200, r.text

    async def followed():
        return await phones() == [_masked(new_phone)]

    await eventually(followed, timeout=30)
    offer = (await gw.get("/api/auth/forerunner-auth", headers=h)).json()
    ref = offer["phones"][0]["ref"]
    r = await gw.post("/api/auth/sms-codes", headers=h, json={"purpose": "forerunner_auth", "ref": ref})
    assert r.status_code == 202, r.text
    r = await gw.post("/api/auth/forerunner-auth", headers=h,
                      json={"ref": ref, "sms_code": await sms.latest_code(new_phone)})  # fmt: skip
    assert r.status_code == 200, r.text
    verified = bearer(r.json()["access_token"])
    assert (await gw.get("/api/certificates", headers=verified)).status_code == 200

    # the agency's list shows it as 企业自主申报 with the new phone; the working group's return takes it off
    async def listed():
        rows = (
            await gw.get("/api/declarations/candidate-lists", headers=agency, params={"page_size": 100})
        ).json()
        return [x for x in rows["items"] if x["credit_code"] == enterprise["credit_code"]]

    rows = await listed()
    assert [(x["source_label"], x["contact_phone_masked"]) for x in rows] == [
        ("企业自主申报", _masked(new_phone))
    ]
    group = await demo_headers(gw, "workgroup01")
    r = await gw.post(f"/api/declarations/{did}/group-review", headers=group,
                      json={"decision": "fail", "opinion": "证明资料与对标数据不一致"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert await listed() == []
