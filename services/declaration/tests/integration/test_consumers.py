"""Read models fed by events: a repeated fact (a second event with the same content, or the same event
redelivered) has no second effect; events of one product may arrive in any order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from declaration import consumers
from declaration.models import Candidate, Declaration, Enterprise, Product
from kit.bus import Consumer, Envelope
from sqlalchemy import func, select


def envelope(event_type: str, payload: dict) -> Envelope:
    return Envelope(type=event_type, producer="test", payload=payload)


async def test_out_of_order_catalog_events_and_idempotent_linking(runtime, settings, kit_helpers):
    consumer = Consumer(
        name="declaration", db=runtime.db, settings=settings, handlers=consumers.make_handlers(runtime.sealer)
    )
    pid, agency, org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    plan = envelope("catalog.plan_finalised", {
        "product_id": str(pid), "plan_id": str(uuid.uuid4()), "version": 2, "title": "方案", "group_standard": "T/X 1-2023",
        "product_type": "product", "graded": False, "finalised_at": now.isoformat(), "indicators": [
            {"code": "a", "name": "指标A", "unit": "", "direction": "higher", "forerunner": "1"}],
    })  # fmt: skip
    older = envelope("catalog.plan_finalised", {**plan.payload, "version": 1, "plan_id": str(uuid.uuid4())})
    assert await consumer.handle(plan) is True
    assert await consumer.handle(plan) is False  # the same event redelivered: inbox says handled
    assert await consumer.handle(older) is True  # a late older version never replaces the newer one
    await consumer.handle(envelope("catalog.agency_designated", {
        "product_id": str(pid), "agency_org_id": str(agency), "agency_name": "机构",
        "notice_start": (now - timedelta(days=20)).isoformat(), "notice_end": (now - timedelta(days=6)).isoformat(),
    }))  # fmt: skip
    await consumer.handle(envelope("catalog.product_saved", {
        "product_id": str(pid), "code": "C1", "name": "电饭锅", "field": "家用电器", "year": 2026, "product_type": "product",
    }))  # fmt: skip
    async with runtime.db.session() as session:
        p = await session.get(Product, pid)
        assert (p.name, p.plan_version, p.agency_org_id, p.indicators[0]["code"]) == (
            "电饭锅",
            2,
            agency,
            "a",
        )

    code = kit_helpers.credit_code()
    async with runtime.db.transaction() as session:
        session.add(Candidate(
            id=uuid.uuid4(), product_id=pid, agency_org_id=agency, credit_code=code, enterprise_name="某企业",
            standard_no="Q/CC 1-2023", standard_name="电饭锅", phone_sealed=runtime.sealer.seal("13900000000"),
            phone_masked="139****0000", phone_ref=uuid.uuid4().hex, values={}, created_at=now, updated_at=now,
        ))  # fmt: skip
    verified = {"org_id": str(org), "account_id": str(uuid.uuid4()), "credit_code": code}
    # auth may announce the same authentication twice (two events): still one declaration
    await consumer.handle(envelope("identity.forerunner_verified", verified))
    await consumer.handle(envelope("identity.forerunner_verified", verified))
    await consumer.handle(envelope("enterprise.updated", {
        "org_id": str(org), "name": "某企业（更名）", "credit_code": code, "nature_label": "有限责任公司",
    }))  # fmt: skip
    async with runtime.db.session() as session:
        rows = (await session.scalars(select(Declaration).where(Declaration.org_id == org))).all()
        e = await session.get(Enterprise, org)
        assert e.forerunner_verified and e.nature == "有限责任公司"
        assert (
            await session.scalar(
                select(func.count()).select_from(Declaration).where(Declaration.org_id == org)
            )
            == 1
        )
    assert rows[0].origin == "candidate" and rows[0].enterprise_name == "某企业（更名）"
    assert (rows[0].list_status.value, rows[0].comparison_verdict) == ("draft", "assessed")


async def test_enterprise_events_out_of_order_keep_the_newest_profile(runtime, settings, kit_helpers):
    """Two worker replicas may apply an older enterprise.* event after a newer one: the event's time
    decides, not its arrival."""
    consumer = Consumer(
        name="declaration", db=runtime.db, settings=settings, handlers=consumers.make_handlers(runtime.sealer)
    )
    org, code = uuid.uuid4(), kit_helpers.credit_code()
    t0 = datetime.now(UTC)
    registered = Envelope(type="enterprise.registered", producer="auth", occurred_at=t0, payload={
        "org_id": str(org), "name": "旧名称", "credit_code": code, "contact_name": "甲",
        "phone_masked": "138****0001", "phone_sealed": runtime.sealer.seal("13800000001"),
    })  # fmt: skip
    first = Envelope(type="enterprise.updated", producer="auth", occurred_at=t0 + timedelta(seconds=1), payload={
        "org_id": str(org), "name": "第一次修改", "credit_code": code, "contact_name": "乙",
        "phone_masked": "138****0002", "phone_sealed": runtime.sealer.seal("13800000002"),
    })  # fmt: skip
    second = Envelope(type="enterprise.updated", producer="auth", occurred_at=t0 + timedelta(seconds=2), payload={
        "org_id": str(org), "name": "第二次修改", "credit_code": code, "contact_name": "丙",
        "phone_masked": "138****0003", "phone_sealed": runtime.sealer.seal("13800000003"),
    })  # fmt: skip
    # delivered newest first, then the older update, then the registration
    for event in (second, first, registered):
        assert await consumer.handle(event) is True
    async with runtime.db.session() as session:
        e = await session.get(Enterprise, org)
        assert (e.name, e.contact_name, e.phone_masked) == ("第二次修改", "丙", "138****0003")
        assert runtime.sealer.unseal(e.phone_sealed) == "13800000003"
        assert e.profile_at == second.occurred_at
