"""Issue #4's journeys through the gateway, every service running, as new users would walk them:
an agency's candidate list → the enterprise authenticates with the code sent to the listed phone → evidence →
agency passes → working group passes → 14-day notice (time moved) → published and on the public list; and a
second enterprise self-declares, fails the comparison, corrects, passes, is returned 不完整, resubmits and is
published."""

from __future__ import annotations

from ._journeys import GOOD
from ._journeys import open_product as _product
from ._journeys import pass_reviews_and_publish as _pass_reviews_and_publish
from .conftest import bearer, demo_headers, eventually, new_enterprise, pdf_bytes, random_phone


async def test_candidate_list_to_published_forerunner(gw, sms, platform):
    product = await _product(gw)
    enterprise = await new_enterprise(gw, sms, name="苏州领先电器有限公司")
    listed_phone = random_phone()

    agency = await demo_headers(gw, "agency01")
    csv = (
        "企业名称,统一社会信用代码,企业标准号,企业标准名称,联系电话,耗电量(energy_daily),噪声(noise),冷冻能力(freezing_capacity)\n"
        f"苏州领先电器有限公司,{enterprise['credit_code']},Q/SZLX 001-2023,家用电冰箱,{listed_phone},0.45,34,11\n"
    )
    r = await gw.post(
        "/api/declarations/candidate-lists",
        headers=agency,
        data={"product_id": product["id"]},
        files={"file": ("入围名单.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 201, r.text

    # The enterprise sees the identity-authentication offer with the listed phone masked.
    h = enterprise["headers"]

    async def eligible():
        r = await gw.get("/api/auth/forerunner-auth", headers=h)
        return r.json() if r.json()["eligible"] else None

    offer = await eventually(eligible)
    phone = offer["phones"][0]
    assert phone["masked"] == f"{listed_phone[:3]}****{listed_phone[-4:]}"
    r = await gw.post(
        "/api/auth/sms-codes", headers=h, json={"purpose": "forerunner_auth", "ref": phone["ref"]}
    )
    assert r.status_code == 202, r.text
    code = await sms.latest_code(listed_phone)
    r = await gw.post("/api/auth/forerunner-auth", headers=h, json={"ref": phone["ref"], "sms_code": code})
    assert r.status_code == 200, r.text
    h = bearer(r.json()["access_token"])
    assert (await gw.get("/api/auth/me", headers=h)).json()["forerunner_verified"] is True

    async def candidate_declaration():
        r = await gw.get("/api/declarations", headers=h)
        return r.json()["items"] if r.json()["total"] else None

    row = (await eventually(candidate_declaration))[0]
    assert (row["list_status_label"], row["evidence_status_label"]) == ("企业未提交", "未上传")

    r = await gw.post(
        f"/api/declarations/{row['id']}/evidence",
        headers=h,
        files={"file": ("检测报告.pdf", pdf_bytes("test report"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["list_status"], r.json()["evidence_status"]) == ("with_agency", "pending")

    await _pass_reviews_and_publish(gw, platform, row["id"], h)

    board = (
        await gw.get("/api/declarations/public/forerunners", params={"year": 2023, "page_size": 100})
    ).json()
    assert any(
        x["declaration_id"] == row["id"] and x["enterprise_name"] == "苏州领先电器有限公司"
        for x in board["items"]
    )
    trail = (await gw.get(f"/api/declarations/{row['id']}/reviews", headers=h)).json()["items"]
    assert [t["list_to_label"] for t in trail][-3:] == ["工作组审核中", "公示中", "已发布"]

    # Another enterprise cannot see it: 404, not 403.
    other = await new_enterprise(gw, sms)
    assert (await gw.get(f"/api/declarations/{row['id']}", headers=other["headers"])).status_code == 404


async def test_self_declaration_fails_then_passes_returned_incomplete_then_published(gw, sms, platform):
    product = await _product(gw)
    enterprise = await new_enterprise(gw, sms, name="宁波自主申报电器有限公司")
    h = enterprise["headers"]
    r = await gw.post(
        "/api/declarations",
        headers=h,
        json={"product_id": product["id"], "standard_no": "Q/NBZZ 002-2023", "standard_name": "家用电冰箱"},
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["completion"] == "0/3"

    r = await gw.post(
        f"/api/declarations/{d['id']}/benchmark", headers=h, json={"values": {**GOOD, "energy_daily": "0.62"}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "failed"
    failing = [i for i in r.json()["result"]["indicators"] if not i["passed"]]
    assert [i["code"] for i in failing] == ["energy_daily"]
    r = await gw.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 409, "a failed comparison stops the declaration"

    r = await gw.post(f"/api/declarations/{d['id']}/benchmark", headers=h, json={"values": GOOD})
    assert r.json()["verdict"] == "passed", r.text
    r = await gw.put(
        f"/api/declarations/{d['id']}/products",
        headers=h,
        json={
            "models": [{"name": "家用电冰箱", "spec": "BCD-520W"}, {"name": "家用电冰箱", "spec": "BCD-410W"}]
        },
    )
    assert r.status_code == 200, r.text
    r = await gw.post(
        f"/api/declarations/{d['id']}/evidence",
        headers=h,
        files={"file": ("能效检测报告.pdf", pdf_bytes("energy"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    r = await gw.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["list_status_label"] == "评估机构未提交"

    agency = await demo_headers(gw, "agency01")
    r = await gw.post(
        f"/api/declarations/{d['id']}/agency-review",
        headers=agency,
        json={"decision": "incomplete", "opinion": "缺少型号 BCD-410W 的检测报告"},
    )
    assert r.status_code == 200, r.text
    mine = (await gw.get(f"/api/declarations/{d['id']}", headers=h)).json()
    assert mine["evidence_status_label"] == "不完整"

    async def told():
        r = await gw.get("/api/notify/messages", headers=h)
        return [m for m in r.json()["items"] if "不完整" in (m.get("title", "") + m.get("body", ""))]

    assert await eventually(told), "the enterprise is told to complete its evidence"

    r = await gw.post(
        f"/api/declarations/{d['id']}/evidence",
        headers=h,
        files={"file": ("BCD-410W检测报告.pdf", pdf_bytes("410"), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    r = await gw.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 200, r.text

    await _pass_reviews_and_publish(gw, platform, d["id"], h)
    board = (
        await gw.get("/api/declarations/public/forerunners", params={"year": 2023, "page_size": 100})
    ).json()
    assert any(x["declaration_id"] == d["id"] for x in board["items"])
