"""Assessment plans through HTTP: tenancy, JSON and Excel, versions, finalising and its event."""

from __future__ import annotations

import io
import uuid

from kit.bus import outbox
from openpyxl import load_workbook
from sqlalchemy import select

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def designated(client, working_group, make_agency, new_product):
    agency = await make_agency()
    product = await new_product()
    r = await client.post(
        f"/api/benchmark/products/{product['id']}/designation",
        json={"agency_org_id": str(agency.id)},
        headers=working_group.headers,
    )
    assert r.status_code == 201
    return product, agency


async def test_an_agency_cannot_touch_another_agencys_plan_and_an_enterprise_cannot_edit(
    client, working_group, enterprise, make_agency, new_product, jacket_plan_body
):
    product, owner = await designated(client, working_group, make_agency, new_product)
    other = await make_agency("另一评估机构")
    pid = product["id"]
    plan = (
        await client.post(
            f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=owner.headers
        )
    ).json()
    plan_id = plan["id"]

    # another agency: every route answers 404 (it must not learn the plan exists), even with a bad body
    for method, url, kw in [
        ("GET", f"/api/benchmark/plans/{plan_id}", {}),
        ("PUT", f"/api/benchmark/plans/{plan_id}", {"json": jacket_plan_body}),
        (
            "PUT",
            f"/api/benchmark/plans/{plan_id}",
            {"json": {**jacket_plan_body, "indicators": [{"code": "1"}]}},
        ),
        ("POST", f"/api/benchmark/plans/{plan_id}/finalise", {}),
        ("GET", f"/api/benchmark/plans/{plan_id}/workbook", {}),
        ("GET", f"/api/benchmark/products/{pid}/plans", {}),
        ("GET", f"/api/benchmark/products/{pid}/plan-template", {}),
        ("POST", f"/api/benchmark/products/{pid}/plans", {"json": jacket_plan_body}),
        ("POST", f"/api/benchmark/products/{pid}/plans", {"json": {**jacket_plan_body, "indicators": []}}),
    ]:
        r = await client.request(method, url, headers=other.headers, **kw)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["error"]["code"] in {"plan_not_found", "product_not_found"}

    # an enterprise: 403 on every plan route; the working group may read but not edit
    for method, url, kw in [
        ("PUT", f"/api/benchmark/plans/{plan_id}", {"json": jacket_plan_body}),
        ("POST", f"/api/benchmark/plans/{plan_id}/finalise", {}),
        ("POST", f"/api/benchmark/products/{pid}/plans", {"json": jacket_plan_body}),
        ("GET", f"/api/benchmark/plans/{plan_id}", {}),
    ]:
        assert (await client.request(method, url, headers=enterprise.headers, **kw)).status_code == 403
    assert (
        await client.get(f"/api/benchmark/plans/{plan_id}", headers=working_group.headers)
    ).status_code == 200
    r = await client.post(f"/api/benchmark/plans/{plan_id}/finalise", headers=working_group.headers)
    assert r.status_code == 403

    # nothing changed: still the owner's draft
    mine = (await client.get(f"/api/benchmark/plans/{plan_id}", headers=owner.headers)).json()
    assert mine["status"] == "draft"
    agency_products = (await client.get("/api/benchmark/agency/products", headers=owner.headers)).json()
    assert [p["id"] for p in agency_products["items"]] == [pid]
    assert (await client.get("/api/benchmark/agency/products", headers=other.headers)).json()["total"] == 0


async def test_plan_definition_errors_name_indicator_and_field(
    client, working_group, make_agency, new_product, jacket_plan_body
):
    product, agency = await designated(client, working_group, make_agency, new_product)
    body = {**jacket_plan_body, "indicators": [
        *jacket_plan_body["indicators"],
        {"code": "fill_power", "name": "蓬松度", "unit": "cm", "direction": "higher", "forerunner": "十八"},
        {"code": "down_content", "name": "重复", "unit": "%", "direction": "higher", "forerunner": 1},
        {"code": "odour", "name": "异味", "direction": "sideways", "forerunner": "无"},
    ]}  # fmt: skip
    r = await client.post(f"/api/benchmark/products/{product['id']}/plans", json=body, headers=agency.headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "plan_invalid"
    found = {(d.get("indicator"), d.get("field"), d["code"], d.get("row")) for d in error["details"]}
    assert ("fill_power", "forerunner", "not_a_number", 6) in found
    assert ("down_content", "code", "duplicate_indicator", 7) in found
    assert ("odour", "direction", "invalid_direction", 8) in found
    # the stars must grow stricter
    bad_stars = {**jacket_plan_body, "indicators": [
        {**jacket_plan_body["indicators"][0], "stars": ["50", "70", "60", "85", "90"]},
    ]}  # fmt: skip
    r = await client.post(
        f"/api/benchmark/products/{product['id']}/plans", json=bad_stars, headers=agency.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "star_3"
    # control characters cannot reach the database: 422, not a server error
    nul_name = {**jacket_plan_body["indicators"][0], "name": "含绒\u0000量"}
    for broken in (
        {**jacket_plan_body, "title": "方案\u0000"},
        {**jacket_plan_body, "indicators": [nul_name]},
    ):
        r = await client.post(
            f"/api/benchmark/products/{product['id']}/plans", json=broken, headers=agency.headers
        )
        assert r.status_code == 422, r.text
    assert (
        await client.get(f"/api/benchmark/products/{product['id']}/plans", headers=agency.headers)
    ).json()["total"] == 0


async def test_versions_draft_final_superseded_and_the_finalised_event(
    client, runtime, working_group, make_agency, new_product, jacket_plan_body
):
    product, agency = await designated(client, working_group, make_agency, new_product)
    pid = product["id"]
    v1 = (
        await client.post(
            f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=agency.headers
        )
    ).json()
    again = await client.post(
        f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=agency.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "draft_exists"

    edited = {**jacket_plan_body, "title": "修订后的方案"}
    r = await client.put(f"/api/benchmark/plans/{v1['id']}", json=edited, headers=agency.headers)
    assert r.status_code == 200 and r.json()["title"] == "修订后的方案"
    assert (
        await client.post(f"/api/benchmark/plans/{v1['id']}/finalise", headers=agency.headers)
    ).status_code == 200
    # a final plan is never edited nor finalised twice
    r = await client.put(f"/api/benchmark/plans/{v1['id']}", json=jacket_plan_body, headers=agency.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "plan_not_draft"
    r = await client.post(f"/api/benchmark/plans/{v1['id']}/finalise", headers=agency.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "plan_not_draft"

    # the next version: formaldehyde tightened to 16
    tightened = {**jacket_plan_body, "indicators": [
        {**i, "forerunner": "16"} if i["code"] == "formaldehyde" else i for i in jacket_plan_body["indicators"]
    ]}  # fmt: skip
    v2 = (
        await client.post(f"/api/benchmark/products/{pid}/plans", json=tightened, headers=agency.headers)
    ).json()
    assert v2["version"] == 2 and v2["status"] == "draft"
    assert (await client.get(f"/api/benchmark/products/{pid}/plan")).json()["version"] == 1
    assert (
        await client.post(f"/api/benchmark/plans/{v2['id']}/finalise", headers=agency.headers)
    ).status_code == 200
    versions = (await client.get(f"/api/benchmark/products/{pid}/plans", headers=agency.headers)).json()[
        "items"
    ]
    assert [(p["version"], p["status"]) for p in versions] == [(2, "final"), (1, "superseded")]
    assert (await client.get(f"/api/benchmark/products/{pid}/plan")).json()["version"] == 2
    # the plan was written for a product-type product: the type is locked now
    change = {
        "code": product["code"],
        "name": product["name"],
        "field": product["field"],
        "year": product["year"],
        "product_type": "service",
    }
    r = await client.put(f"/api/benchmark/products/{pid}", json=change, headers=working_group.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "product_type_locked"

    async with runtime.db.session() as session:
        rows = (await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == "catalog.plan_finalised.v1").order_by(outbox.c.id)
        )).scalars().all()  # fmt: skip
    mine = [b["payload"] for b in rows if b["payload"]["product_id"] == pid]
    assert [p["version"] for p in mine] == [1, 2]
    latest = mine[-1]
    assert latest["plan_id"] == v2["id"] and latest["graded"] is True and latest["product_type"] == "product"
    formaldehyde = next(i for i in latest["indicators"] if i["code"] == "formaldehyde")
    assert formaldehyde == {
        "code": "formaldehyde",
        "name": "甲醛含量",
        "unit": "mg/kg",
        "direction": "lower",
        "forerunner": "16",
        "stars": ["300", "150", "75", "30", "20"],
        "lower_bound": "0",
        "upper_bound": None,
        "grades": None,
    }
    ph = next(i for i in latest["indicators"] if i["code"] == "ph")
    assert ph["forerunner"] == {"min": "4.0", "max": "8.5"}


async def test_excel_template_round_trips_and_bad_workbooks_import_nothing(
    client, working_group, make_agency, new_product, jacket_plan_body
):
    product, agency = await designated(client, working_group, make_agency, new_product)
    pid = product["id"]

    empty = await client.get(f"/api/benchmark/products/{pid}/plan-template", headers=agency.headers)
    assert empty.status_code == 200 and empty.headers["content-type"] == XLSX
    assert "attachment" in empty.headers["content-disposition"]

    # upload the JSON plan, download its workbook, upload that workbook as the draft: nothing changes
    plan = (
        await client.post(
            f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=agency.headers
        )
    ).json()
    filled = await client.get(f"/api/benchmark/plans/{plan['id']}/workbook", headers=agency.headers)
    assert filled.status_code == 200
    r = await client.put(
        f"/api/benchmark/plans/{plan['id']}/workbook",
        headers=agency.headers,
        files={"file": ("方案.xlsx", filled.content, XLSX)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["indicators"] == plan["indicators"]
    assert r.json()["source"] == "workbook"

    # break three cells: the whole upload is refused, each cell reported, the draft unchanged
    wb = load_workbook(io.BytesIO(filled.content))
    sheet = wb["核心指标"]
    sheet["E2"] = "九十"  # down_content forerunner
    sheet["D3"] = "斜着"  # formaldehyde direction
    sheet["G4"] = "9~4"  # ph star 2, reversed range
    buffer = io.BytesIO()
    wb.save(buffer)
    r = await client.put(
        f"/api/benchmark/plans/{plan['id']}/workbook",
        headers=agency.headers,
        files={"file": ("方案.xlsx", buffer.getvalue(), XLSX)},
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "workbook_invalid"
    cells = {d["cell"]: d for d in error["details"]}
    assert set(cells) == {"E2", "D3", "G4"}
    assert cells["E2"]["sheet"] == "核心指标" and cells["E2"]["header"] == "领跑者门槛"
    assert cells["D3"]["code"] == "invalid_direction" and cells["G4"]["code"] == "range_reversed"
    unchanged = (await client.get(f"/api/benchmark/plans/{plan['id']}", headers=agency.headers)).json()
    assert unchanged["indicators"] == plan["indicators"] and unchanged["source"] == "workbook"

    # not a workbook at all, and too big
    r = await client.put(
        f"/api/benchmark/plans/{plan['id']}/workbook",
        headers=agency.headers,
        files={"file": ("方案.xlsx", b"%PDF-1.7 not a workbook", XLSX)},
    )
    assert r.status_code == 415 and r.json()["error"]["code"] == "not_a_workbook"
    r = await client.put(
        f"/api/benchmark/plans/{plan['id']}/workbook",
        headers=agency.headers,
        files={"file": ("方案.xlsx", b"PK\x03\x04" + b"0" * 100, XLSX)},
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "workbook_unreadable"
    r = await client.put(
        f"/api/benchmark/plans/{plan['id']}/workbook",
        headers=agency.headers,
        files={"file": ("方案.xlsx", b"PK\x03\x04" + b"0" * (3 * 1024 * 1024), XLSX)},
    )
    assert r.status_code == 413
    r = await client.put(f"/api/benchmark/plans/{plan['id']}/workbook", headers=agency.headers)
    assert r.status_code == 422


async def test_a_new_plan_can_be_created_from_an_uploaded_workbook(
    client, working_group, make_agency, new_product, jacket_plan_body
):
    source_product, source_agency = await designated(client, working_group, make_agency, new_product)
    plan = (
        await client.post(
            f"/api/benchmark/products/{source_product['id']}/plans",
            json=jacket_plan_body,
            headers=source_agency.headers,
        )
    ).json()
    workbook = (
        await client.get(f"/api/benchmark/plans/{plan['id']}/workbook", headers=source_agency.headers)
    ).content

    product, agency = await designated(client, working_group, make_agency, new_product)
    r = await client.post(
        f"/api/benchmark/products/{product['id']}/plans/workbook",
        headers=agency.headers,
        files={"file": ("plan.xlsx", workbook, XLSX)},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1 and created["title"] == jacket_plan_body["title"]
    assert created["indicators"] == plan["indicators"]
    assert (
        await client.get(f"/api/benchmark/plans/{uuid.uuid4()}", headers=agency.headers)
    ).status_code == 404
