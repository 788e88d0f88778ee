"""Key-field products, designations and openness through HTTP: who may do what, and when a product opens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from kit.bus import outbox
from sqlalchemy import select


def reasons(product: dict) -> list[str]:
    return [r["code"] for r in product["closed_reasons"]]


async def test_product_opens_only_when_notice_ended_and_plan_final(
    client, working_group, make_agency, new_product, jacket_plan_body, clock
):
    agency = await make_agency()
    product = await new_product()
    pid = product["id"]
    assert product["open_for_declaration"] is False
    assert reasons(product) == ["no_agency", "no_final_plan"]
    assert "14天" in product["closed_message"]  # the seed's FAQ answer

    r = await client.post(
        f"/api/benchmark/products/{pid}/designation",
        json={"agency_org_id": str(agency.id)},
        headers=working_group.headers,
    )
    assert r.status_code == 201, r.text
    designated = r.json()
    assert designated["agency"] == {"id": str(agency.id), "name": agency.name}
    assert designated["notice"]["running"] is True
    assert reasons(designated) == ["notice_running", "no_final_plan"]

    r = await client.post(
        f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=agency.headers
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert (plan["status"], plan["version"], plan["graded"]) == ("draft", 1, True)
    # a draft does not open the product
    assert reasons((await client.get(f"/api/benchmark/products/{pid}")).json()) == [
        "notice_running",
        "no_final_plan",
    ]
    assert (await client.get(f"/api/benchmark/products/{pid}/plan")).status_code == 404

    r = await client.post(f"/api/benchmark/plans/{plan['id']}/finalise", headers=agency.headers)
    assert r.status_code == 200 and r.json()["status"] == "final"
    assert reasons((await client.get(f"/api/benchmark/products/{pid}")).json()) == ["notice_running"]

    notices = (await client.get("/api/benchmark/designation-notices", params={"running": "true"})).json()[
        "items"
    ]
    notice = next(n for n in notices if n["product_id"] == pid)
    assert notice["agency"]["name"] == agency.name and notice["running"] is True

    # one second before the 14 days are over: still closed; at the end instant: open
    await clock.advance(timedelta(days=14) - timedelta(seconds=1))
    still = (await client.get(f"/api/benchmark/products/{pid}")).json()
    assert still["open_for_declaration"] is False and reasons(still) == ["notice_running"]
    await clock.advance(timedelta(seconds=1))
    opened = (await client.get(f"/api/benchmark/products/{pid}")).json()
    assert opened["open_for_declaration"] is True
    assert opened["closed_reasons"] == [] and opened["closed_message"] is None
    assert opened["final_plan_version"] == 1

    ended = (await client.get("/api/benchmark/designation-notices", params={"running": "false"})).json()[
        "items"
    ]
    assert pid in {n["product_id"] for n in ended}
    listed = (await client.get("/api/benchmark/products", params={"open": "true", "page_size": 100})).json()
    assert pid in {p["id"] for p in listed["items"]}
    closed = (await client.get("/api/benchmark/products", params={"open": "false", "page_size": 100})).json()
    assert pid not in {p["id"] for p in closed["items"]}

    public_plan = (await client.get(f"/api/benchmark/products/{pid}/plan")).json()
    assert public_plan["version"] == 1
    assert [i["code"] for i in public_plan["indicators"]] == [
        "down_content", "formaldehyde", "ph", "colourfast", "azo_free",
    ]  # fmt: skip
    assert public_plan["indicators"][2]["forerunner"] == {"min": "4.0", "max": "8.5"}


async def test_products_list_filters_and_pages(client, new_product):
    first = await new_product(name="筛选测试甲")
    await new_product(name="筛选测试乙")
    r = await client.get(
        "/api/benchmark/products", params={"year": 2026, "field": "纺织服装", "page_size": 1}
    )
    body = r.json()
    assert r.status_code == 200 and body["page_size"] == 1 and len(body["items"]) == 1 and body["total"] >= 2
    none = (await client.get("/api/benchmark/products", params={"year": 2001})).json()
    assert none["total"] == 0 and none["items"] == []
    assert (await client.get(f"/api/benchmark/products/{first['id']}")).json()["code"] == first["code"]
    fields = (await client.get("/api/benchmark/fields")).json()["items"]
    assert next(f["products"] for f in fields if f["field"] == "纺织服装") >= 2


async def test_only_the_working_group_manages_products_and_designations(
    client, working_group, enterprise, make_agency, new_product
):
    agency = await make_agency()
    body = {"code": "X-1", "name": "家用电冰箱", "field": "家用电器", "year": 2026, "product_type": "product"}
    assert (await client.post("/api/benchmark/products", json=body)).status_code == 401
    for org in (enterprise, agency):
        r = await client.post("/api/benchmark/products", json=body, headers=org.headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"
    product = await new_product()
    r = await client.post(
        f"/api/benchmark/products/{product['id']}/designation",
        json={"agency_org_id": str(agency.id)},
        headers=agency.headers,
    )
    assert r.status_code == 403
    assert (await client.get("/api/benchmark/agencies", headers=enterprise.headers)).status_code == 403
    agencies = (await client.get("/api/benchmark/agencies", headers=working_group.headers)).json()
    assert {"id": str(agency.id), "name": agency.name} in agencies["items"]


async def test_designation_rules(client, working_group, make_agency, new_product):
    agency = await make_agency()
    product = await new_product()
    url = f"/api/benchmark/products/{product['id']}/designation"
    r = await client.post(url, json={"agency_org_id": str(uuid.uuid4())}, headers=working_group.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_agency"
    assert (
        await client.post(url, json={"agency_org_id": str(agency.id)}, headers=working_group.headers)
    ).status_code == 201
    again = await client.post(url, json={"agency_org_id": str(agency.id)}, headers=working_group.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_designated"
    missing = await client.post(
        f"/api/benchmark/products/{uuid.uuid4()}/designation",
        json={"agency_org_id": str(agency.id)},
        headers=working_group.headers,
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "product_not_found"


async def test_product_changes_are_announced_in_the_same_transaction(
    client, runtime, working_group, new_product
):
    product = await new_product()
    body = {
        "code": product["code"],
        "name": "羽绒被",
        "field": "纺织服装",
        "year": 2027,
        "product_type": "product",
    }
    r = await client.put(f"/api/benchmark/products/{product['id']}", json=body, headers=working_group.headers)
    assert r.status_code == 200 and r.json()["name"] == "羽绒被"
    async with runtime.db.session() as session:
        rows = (await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == "catalog.product_saved.v1").order_by(outbox.c.id)
        )).scalars().all()  # fmt: skip
    mine = [b["payload"] for b in rows if b["payload"]["product_id"] == product["id"]]
    assert [p["name"] for p in mine] == ["羽绒服", "羽绒被"]
    assert mine[-1]["year"] == 2027 and mine[-1]["product_type"] == "product"


async def test_duplicate_code_and_bad_product_input_answer_4xx(client, working_group, new_product):
    product = await new_product()
    dup = {"code": product["code"], "name": "x", "field": "y", "year": 2026, "product_type": "product"}
    r = await client.post("/api/benchmark/products", json=dup, headers=working_group.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "product_code_taken"
    bad_bodies = [
        {"code": "", "name": "x", "field": "y", "year": 2026, "product_type": "product"},
        {"code": "A1", "name": "x", "field": "y", "year": 1800, "product_type": "product"},
        {"code": "A1", "name": "x", "field": "y", "year": 2026, "product_type": "产品类型"},
        {"code": "A 1", "name": "x", "field": "y", "year": 2026, "product_type": "product"},
        {"code": "A1", "name": "x", "field": "y", "year": 2026, "product_type": "product", "status": "open"},
        {"code": "A1", "name": "羽绒\u0000服", "field": "y", "year": 2026, "product_type": "product"},
        [],
    ]
    for body in bad_bodies:
        r = await client.post("/api/benchmark/products", json=body, headers=working_group.headers)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "invalid"
    r = await client.post(
        "/api/benchmark/products",
        content=b"{not json",
        headers={**working_group.headers, "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert (await client.get("/api/benchmark/products/not-a-uuid")).status_code == 422
    assert (await client.get("/api/benchmark/products", params={"page": 0})).status_code == 422
    assert (await client.get("/api/benchmark/products", params={"open": "perhaps"})).status_code == 422
