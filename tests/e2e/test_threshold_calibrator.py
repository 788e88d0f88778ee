"""The agency's threshold calibrator through the gateway: enterprises registered through the public routes
compare against a new product's final plan; the designated agency (auth's demo agency01) then sees their
values, each enterprise once with its latest value, as shares that equal a count over what they entered;
another agency and an enterprise cannot read it, and a plan with fewer than 5 enterprises shows nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ._security_common import client, new_enterprise
from .conftest import demo_headers

AGENCY_ID = "00000000-0000-4000-a000-000000000101"  # agency01 of the demo data
PLAN = {
    "title": "电热毯企业标准“领跑者”评估方案",
    "group_standard": "T/CAQP 099-2026",
    "indicators": [
        {"code": "efficiency", "name": "热效率", "unit": "%", "direction": "higher", "forerunner": "90",
         "lower_bound": "0", "upper_bound": "100"},
        {"code": "leakage", "name": "泄漏电流", "unit": "mA", "direction": "lower", "forerunner": "0.25",
         "lower_bound": "0"},
    ],
}  # fmt: skip


async def new_product_with_final_plan(gw, group, agency) -> tuple[str, str]:
    r = await gw.post(
        "/api/benchmark/products",
        headers=group,
        json={"code": f"CAL-{uuid.uuid4().hex[:8]}", "name": f"电热毯{uuid.uuid4().hex[:4]}",
              "field": "家用电器", "year": 2026, "product_type": "product"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = await gw.post(
        f"/api/benchmark/products/{pid}/designation", headers=group, json={"agency_org_id": AGENCY_ID}
    )
    assert r.status_code == 201, r.text
    r = await gw.post(f"/api/benchmark/products/{pid}/plans", headers=agency, json=PLAN)
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    r = await gw.post(f"/api/benchmark/plans/{plan_id}/finalise", headers=agency)
    assert r.status_code == 200, r.text
    return pid, plan_id


async def test_enterprises_comparisons_show_up_in_the_agency_calibration(platform, gw):
    group = await demo_headers(gw, "workgroup01")
    agency = await demo_headers(gw, "agency01")
    other_agency = await demo_headers(gw, "agency02")
    pid, plan_id = await new_product_with_final_plan(gw, group, agency)
    entered = [
        ("95", "0.10"),
        ("92", "0.20"),
        ("90", "0.25"),
        ("89", "0.15"),
        ("85", "0.30"),
        ("91.5", "0.26"),
    ]
    enterprises = []
    for efficiency, leakage in entered:
        async with client(platform.gateway_url) as own:  # each from its own address, as distinct clients
            enterprise = await new_enterprise(own, "Lp2026calibrate")
        enterprises.append(enterprise)
        r = await gw.post(
            "/api/benchmark/compare/forerunner",
            headers=enterprise["headers"],
            json={"product_id": pid, "values": {"efficiency": efficiency, "leakage": leakage}},
        )
        assert r.status_code == 200, r.text
    # the first enterprise's earlier entry is replaced by its latest
    r = await gw.post(
        "/api/benchmark/compare/forerunner",
        headers=enterprises[0]["headers"],
        json={"product_id": pid, "values": {"efficiency": "60", "leakage": "0.5"}},
    )
    assert r.status_code == 200, r.text
    latest = [(Decimal("60"), Decimal("0.5"))] + [(Decimal(e), Decimal(lk)) for e, lk in entered[1:]]

    url = f"/api/benchmark/plans/{plan_id}/calibration"
    r = await gw.get(
        url,
        headers=agency,
        params=[("proposed", "efficiency:91"), ("proposed", "leakage:0.2"), ("top_share", "50%")],
    )
    assert r.status_code == 200, r.text
    view = r.json()
    rows = {i["code"]: i for i in view["indicators"]}
    efficiency, leakage = rows["efficiency"], rows["leakage"]
    assert efficiency["enterprises"] == leakage["enterprises"] == 6
    assert efficiency["hidden"] is False and sum(b["count"] for b in efficiency["bins"]) == 6
    assert efficiency["current"]["passing"] == sum(e >= 90 for e, _ in latest) == 3
    assert efficiency["proposed"]["passing"] == sum(e >= 91 for e, _ in latest) == 2
    assert leakage["current"]["passing"] == sum(lk <= Decimal("0.25") for _, lk in latest) == 3
    assert leakage["proposed"]["passing"] == sum(lk <= Decimal("0.2") for _, lk in latest) == 2
    assert efficiency["suggestion"] == "90" and leakage["suggestion"] == "0.25"  # top 3 of 6 each
    joint = view["joint"]
    assert joint["enterprises"] == 6
    assert joint["current"]["passing"] == sum(e >= 90 and lk <= Decimal("0.25") for e, lk in latest) == 2
    assert joint["proposed"]["passing"] == sum(e >= 91 and lk <= Decimal("0.2") for e, lk in latest) == 1

    group_view = await gw.get(url, headers=group)
    assert group_view.status_code == 200 and group_view.json()["joint"]["current"]["passing"] == 2
    assert (await gw.get(url, headers=other_agency)).status_code == 404
    assert (await gw.get(url, headers=enterprises[1]["headers"])).status_code == 403
    r = await gw.get(url, headers=agency, params={"proposed": "efficiency:百分之九十"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "calibration_threshold_invalid"

    # another plan with only four of them: nothing but the count
    pid, plan_id = await new_product_with_final_plan(gw, group, agency)
    for enterprise in enterprises[:4]:
        r = await gw.post(
            "/api/benchmark/compare/forerunner",
            headers=enterprise["headers"],
            json={"product_id": pid, "values": {"efficiency": "93", "leakage": "0.1"}},
        )
        assert r.status_code == 200, r.text
    view = (await gw.get(f"/api/benchmark/plans/{plan_id}/calibration", headers=agency)).json()
    assert all(i["hidden"] and i["hidden_reason"] == "too_few_enterprises" for i in view["indicators"])
    assert all(i["enterprises"] == 4 and i["bins"] == [] and i["current"] is None for i in view["indicators"])
