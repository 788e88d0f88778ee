"""撤销评估机构确定: the working group withdraws a designation; the product closes, the withdrawn agency loses
its plans, the record keeps who/when/why, and ``catalog.designation_withdrawn`` is written in the same
transaction (nothing when the withdrawal is refused)."""

from __future__ import annotations

import uuid

from benchmark.models import Designation, WithdrawnDesignation
from contracts.catalog import DesignationWithdrawn
from kit.bus import outbox
from sqlalchemy import func, select


async def withdrawn_events(runtime, product_id: str) -> list[dict]:
    async with runtime.db.session() as session:
        rows = (await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == "catalog.designation_withdrawn.v1")
            .order_by(outbox.c.id)
        )).scalars().all()  # fmt: skip
    return [b["payload"] for b in rows if b["payload"]["product_id"] == product_id]


async def test_withdrawal_closes_the_product_and_is_announced(
    client, runtime, working_group, open_product, clock
):
    product, agency, plan = await open_product()
    pid = product["id"]
    assert (await client.get(f"/api/benchmark/products/{pid}")).json()["open_for_declaration"] is True

    r = await client.post(
        f"/api/benchmark/products/{pid}/designation/withdraw",
        json={"reason": "  机构资质已到期  "},
        headers=working_group.headers,
    )
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["agency"] is None and after["notice"] is None
    assert after["open_for_declaration"] is False
    assert [c["code"] for c in after["closed_reasons"]] == ["no_agency"]
    assert after["final_plan_version"] == plan["version"]  # the plan stays with the product

    # the withdrawn agency no longer sees the product or its plans; the public notice list drops it
    mine = (await client.get("/api/benchmark/agency/products", headers=agency.headers)).json()["items"]
    assert pid not in [p["id"] for p in mine]
    assert (await client.get(f"/api/benchmark/plans/{plan['id']}", headers=agency.headers)).status_code == 404
    notices = (await client.get("/api/benchmark/designation-notices")).json()["items"]
    assert pid not in [n["product_id"] for n in notices]

    [payload] = await withdrawn_events(runtime, pid)
    event = DesignationWithdrawn.model_validate(payload)
    assert event.agency_org_id == agency.id and event.agency_name == agency.name
    assert event.reason == "机构资质已到期" and event.product_name == product["name"]
    assert event.withdrawn_at == clock.at and event.year == product["year"]

    async with runtime.db.session() as session:
        record = await session.get(WithdrawnDesignation, event.designation_id)
        live = await session.scalar(
            select(func.count()).select_from(Designation).where(Designation.product_id == pid)
        )
    assert record is not None and record.reason == "机构资质已到期" and live == 0
    assert record.agency_id == agency.id and record.notice_starts_at == event.notice_start

    # the product can be designated again (a new 14-day notice)
    r = await client.post(
        f"/api/benchmark/products/{pid}/designation",
        json={"agency_org_id": str(agency.id)},
        headers=working_group.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["notice"]["running"] is True


async def test_withdrawal_rules(client, runtime, working_group, enterprise, make_agency, new_product):
    agency = await make_agency()
    product = await new_product()
    pid = product["id"]
    url = f"/api/benchmark/products/{pid}/designation/withdraw"

    # nothing to withdraw yet
    r = await client.post(url, json={"reason": "误操作"}, headers=working_group.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_designated"
    assert r.json()["error"]["message"]
    r = await client.post(
        f"/api/benchmark/products/{uuid.uuid4()}/designation/withdraw", json={"reason": "误操作"},
        headers=working_group.headers,
    )  # fmt: skip
    assert r.status_code == 404 and r.json()["error"]["code"] == "product_not_found"

    r = await client.post(
        f"/api/benchmark/products/{pid}/designation", json={"agency_org_id": str(agency.id)},
        headers=working_group.headers,
    )  # fmt: skip
    assert r.status_code == 201

    # only the working group, and only with a reason
    assert (await client.post(url, json={"reason": "x"})).status_code == 401
    for org in (enterprise, agency):
        r = await client.post(url, json={"reason": "x"}, headers=org.headers)
        assert r.status_code == 403
    for body in (
        {},
        {"reason": "   "},
        {"reason": "长" * 501},
        {"reason": "x", "extra": 1},
        {"reason": "a\x00b"},
    ):
        r = await client.post(url, json=body, headers=working_group.headers)
        assert r.status_code == 422, (body, r.text)
    # none of the refusals wrote an event or touched the designation
    assert await withdrawn_events(runtime, pid) == []
    assert (await client.get(f"/api/benchmark/products/{pid}")).json()["agency"]["id"] == str(agency.id)

    # withdrawn once; a second withdrawal finds nothing to withdraw
    assert (
        await client.post(url, json={"reason": "评估能力不足"}, headers=working_group.headers)
    ).status_code == 200
    again = await client.post(url, json={"reason": "评估能力不足"}, headers=working_group.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_designated"
    assert len(await withdrawn_events(runtime, pid)) == 1
