"""The demo loader against the real benchmark service (two open products made through its public routes) and
this service's database."""

from __future__ import annotations

from collections import Counter

import httpx
from declaration.demo import DEMO_CREDIT_CODE, DEMO_ENTERPRISE_ID, load
from declaration.models import Candidate, Declaration
from sqlalchemy import func, select


async def test_demo_data_loads_once_and_is_idempotent(apps, settings, runtime, open_product):
    await open_product(name="电冰箱")
    await open_product(name="洗衣机")
    transport = httpx.ASGITransport(app=apps["bench_app"])
    first = await load(
        settings, enterprise_id=DEMO_ENTERPRISE_ID, credit_code=DEMO_CREDIT_CODE, transport=transport
    )
    assert any("candidate list" in line for line in first), first
    assert not any("stays a draft" in line for line in first), first
    second = await load(
        settings, enterprise_id=DEMO_ENTERPRISE_ID, credit_code=DEMO_CREDIT_CODE, transport=transport
    )
    assert not any("declared" in line for line in second)
    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Candidate)) == 3
        assert (
            await session.scalar(
                select(func.count()).select_from(Candidate).where(Candidate.credit_code == DEMO_CREDIT_CODE)
            )
            == 1
        )
        rows = (
            await session.scalars(select(Declaration).where(Declaration.org_id == DEMO_ENTERPRISE_ID))
        ).all()
    assert Counter((d.list_status.value, d.evidence_status.value) for d in rows) == {
        ("draft", "none"): 1,
        ("with_agency", "pending"): 1,
    }
    assert all(d.comparison_verdict == "passed" and d.model_count == 1 for d in rows)
