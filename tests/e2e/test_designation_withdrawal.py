"""撤销评估机构确定 through the gateway: the working group withdraws an agency's designation; benchmark closes the
product, the declaration service refuses declarations for want of an agency, and the agency is told in-site and
by one SMS to its contact phone (auth's demo agency01, 13800000101)."""

from __future__ import annotations

import uuid

from .conftest import demo_headers, eventually, new_enterprise

AGENCY_ID = "00000000-0000-4000-a000-000000000101"
AGENCY_PHONE = "13800000101"


async def test_withdrawal_closes_the_product_and_tells_the_agency(gw, sms):
    group = await demo_headers(gw, "workgroup01")
    agency = await demo_headers(gw, "agency01")
    enterprise = await new_enterprise(gw, sms)
    name = f"撤销验证产品{uuid.uuid4().hex[:6]}"
    r = await gw.post(
        "/api/benchmark/products",
        headers=group,
        json={
            "code": f"WD-{uuid.uuid4().hex[:8]}",
            "name": name,
            "field": "家用电器",
            "year": 2026,
            "product_type": "product",
        },
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = await gw.post(
        f"/api/benchmark/products/{pid}/designation", headers=group, json={"agency_org_id": AGENCY_ID}
    )
    assert r.status_code == 201, r.text

    async def agency_products() -> list[str]:
        r = await gw.get("/api/benchmark/agency/products", headers=agency, params={"page_size": 100})
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["items"]]

    assert pid in await agency_products()

    async def declaring() -> dict | None:
        r = await gw.post(
            "/api/declarations",
            headers=enterprise["headers"],
            json={"product_id": pid, "standard_no": "Q/WD 001-2026", "standard_name": name},
        )
        assert r.status_code in (404, 409), r.text  # 404 until the product's event reached the service
        return r.json()["error"] if r.status_code == 409 else None

    # while designated the 14-day notice keeps it closed; the declaration service knows the agency
    assert "14 天公示" in (await eventually(lambda: _when(declaring, "14 天公示")))["message"]

    # only the working group may withdraw, and only with a reason
    assert (
        await gw.post(
            f"/api/benchmark/products/{pid}/designation/withdraw", headers=agency, json={"reason": "x"}
        )
    ).status_code == 403
    assert (
        await gw.post(
            f"/api/benchmark/products/{pid}/designation/withdraw", headers=group, json={"reason": ""}
        )
    ).status_code == 422
    r = await gw.post(
        f"/api/benchmark/products/{pid}/designation/withdraw",
        headers=group,
        json={"reason": "评估机构资质已到期"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["agency"] is None and "no_agency" in [c["code"] for c in r.json()["closed_reasons"]]
    assert pid not in await agency_products()
    again = await gw.post(
        f"/api/benchmark/products/{pid}/designation/withdraw",
        headers=group,
        json={"reason": "评估机构资质已到期"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_designated"

    # the declaration service heard it: closed for want of an agency
    closed = await eventually(lambda: _when(declaring, "尚未确定评估机构"))
    assert closed["code"] == "product_not_open"

    # the agency: one in-site message and one SMS about this product
    async def told() -> list[dict]:
        r = await gw.get("/api/notify/messages", headers=agency, params={"page_size": 50})
        return [m for m in r.json()["items"] if name in m["body"]]

    [message] = await eventually(told, timeout=30)
    assert message["title"] == "评估机构确定已撤销" and "评估机构资质已到期" in message["body"]

    async def texted() -> list[dict]:
        return [m for m in await sms.messages(AGENCY_PHONE) if name in m["text"]]

    [text] = await eventually(texted, timeout=30)
    assert text["text"] == f"工作组已撤销贵机构作为2026年度“{name}”评估机构的确定，详情请登录平台查看。"


async def _when(fetch, needle: str):
    error = await fetch()
    return error if error and needle in error["message"] else None
