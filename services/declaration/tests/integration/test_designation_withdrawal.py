"""撤销评估机构确定 as the declaration service sees it: ``catalog.designation_withdrawn`` from the real benchmark
service closes the product and takes its declarations under review off the withdrawn agency's desk; the next
designation puts them on the new agency's desk. A withdrawal of an older designation never undoes a newer one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from declaration import consumers
from declaration.models import Declaration, Product
from kit.bus import Consumer, Envelope
from kit.testing.fixtures import wait_until

Org = submit_declaration = None


@pytest.fixture(autouse=True)
def _helpers(kit_helpers):
    global Org, submit_declaration
    Org = kit_helpers.Org
    submit_declaration = kit_helpers.submit_declaration


async def test_withdrawal_takes_declarations_off_the_agency_desk_until_the_next_designation(
    apps, client, runtime, open_product, working_group, make_token, clock, register_agency
):
    bench = apps["bench"]
    product, agency = await open_product()
    pid = product["id"]
    enterprise = Org(make_token, "enterprise", "某撤销测试羽绒有限公司")
    did = await submit_declaration(client, product, enterprise, code="CX")
    assert (await client.get(f"/api/declarations/{did}", headers=agency.headers)).status_code == 200

    r = await bench.post(f"/api/benchmark/products/{pid}/designation/withdraw", json={"reason": "机构资质已到期"},
                         headers=working_group.headers)  # fmt: skip
    assert r.status_code == 200, r.text

    async def closed() -> bool:
        async with runtime.db.session() as session:
            p = await session.get(Product, uuid.UUID(pid))
            return p.agency_org_id is None

    await wait_until(closed, timeout=20)
    async with runtime.db.session() as session:
        p = await session.get(Product, uuid.UUID(pid))
        d = await session.get(Declaration, uuid.UUID(did))
    assert (p.agency_name, p.notice_start, p.notice_end) == ("", None, None)
    assert d.agency_org_id is None and d.list_status.value == "with_agency"

    # the withdrawn agency: not in its list, 404 on the declaration and its review
    page = (await client.get("/api/declarations", headers=agency.headers)).json()
    assert did not in [i["id"] for i in page["items"]]
    assert (await client.get(f"/api/declarations/{did}", headers=agency.headers)).status_code == 404
    r = await client.post(
        f"/api/declarations/{did}/agency-review", json={"decision": "pass"}, headers=agency.headers
    )
    assert r.status_code == 404
    # the enterprise and the working group still see it; the product takes no new declarations
    assert (await client.get(f"/api/declarations/{did}", headers=enterprise.headers)).status_code == 200
    assert (await client.get(f"/api/declarations/{did}", headers=working_group.headers)).status_code == 200
    r = await client.post("/api/declarations", headers=enterprise.headers,
                          json={"product_id": pid, "standard_no": "Q/CX 999-2024", "standard_name": "羽绒服"})  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "product_not_open"
    assert "尚未确定评估机构" in r.json()["error"]["message"]

    # a new agency is designated: the waiting declaration is on its desk
    successor = Org(make_token, "agency", f"新评估中心{uuid.uuid4().hex[:4]}")
    await register_agency(successor)
    r = await bench.post(f"/api/benchmark/products/{pid}/designation", json={"agency_org_id": str(successor.id)},
                         headers=working_group.headers)  # fmt: skip
    assert r.status_code == 201, r.text

    async def moved() -> bool:
        return (await client.get(f"/api/declarations/{did}", headers=successor.headers)).status_code == 200

    await wait_until(moved, timeout=20)
    assert (await client.get(f"/api/declarations/{did}", headers=agency.headers)).status_code == 404


async def test_a_late_withdrawal_of_an_older_designation_changes_nothing(runtime, settings):
    consumer = Consumer(
        name="declaration", db=runtime.db, settings=settings, handlers=consumers.make_handlers(runtime.sealer)
    )
    pid, old_agency, new_agency = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    first_start, second_start = now - timedelta(days=30), now - timedelta(days=1)

    def designated(agency, start):
        return Envelope(type="catalog.agency_designated", producer="test", payload={
            "product_id": str(pid), "agency_org_id": str(agency), "agency_name": "机构",
            "notice_start": start.isoformat(), "notice_end": (start + timedelta(days=14)).isoformat()})  # fmt: skip

    withdrawn = Envelope(type="catalog.designation_withdrawn", producer="test", payload={
        "designation_id": str(uuid.uuid4()), "product_id": str(pid), "product_code": "C1", "product_name": "电饭锅",
        "year": 2026, "agency_org_id": str(old_agency), "agency_name": "机构", "notice_start": first_start.isoformat(),
        "reason": "撤销", "withdrawn_at": (now - timedelta(days=2)).isoformat()})  # fmt: skip
    assert await consumer.handle(designated(old_agency, first_start))
    # the newer designation of the same agency is handled before the withdrawal of the older one
    assert await consumer.handle(designated(old_agency, second_start))
    assert await consumer.handle(withdrawn)
    assert await consumer.handle(withdrawn) is False  # redelivered: the inbox says handled
    async with runtime.db.session() as session:
        p = await session.get(Product, pid)
    assert p.agency_org_id == old_agency and p.notice_start == second_start

    other = Envelope(type="catalog.designation_withdrawn", producer="test",
                     payload={**withdrawn.payload, "agency_org_id": str(new_agency)})  # fmt: skip
    assert await consumer.handle(other)
    async with runtime.db.session() as session:
        p = await session.get(Product, pid)
    assert p.agency_org_id == old_agency  # another agency's withdrawal is not about this designation
