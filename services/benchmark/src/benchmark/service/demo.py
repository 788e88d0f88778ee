"""The demo catalogue, loaded idempotently: products are matched by code, a designation or plan that exists
is left alone, so the local runner may load it on every start. Every row created announces itself through
the outbox (catalog.* events) exactly as the HTTP use cases do, so declaration and mall learn it too."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from contracts import catalog
from kit.bus import emit
from kit.db import Database

from benchmark import repository as repo
from benchmark.domain import PlanSpec, PlanStatus, define_indicators, indicator_fields, notice_ends
from benchmark.domain.demo_data import AGENCIES, PRODUCTS, demo_id
from benchmark.models import AssessmentPlan, Designation, KeyFieldProduct

DEMO_WORKING_GROUP_ACCOUNT = demo_id("account", "working_group")


def parse_agency_ids(items: list[str]) -> dict[str, uuid.UUID]:
    known = {a.key for a in AGENCIES}
    out: dict[str, uuid.UUID] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in known:
            raise ValueError(f"--agency expects key=uuid with key one of {sorted(known)}, got {item!r}")
        out[key] = uuid.UUID(value.strip())
    return out


async def load_demo(
    db: Database, *, now: datetime, agency_ids: Mapping[str, uuid.UUID] | None = None
) -> dict[str, Any]:
    """Create what is missing of the demo catalogue in one transaction; return what was created."""
    ids = {a.key: (agency_ids or {}).get(a.key, a.id) for a in AGENCIES}
    created: dict[str, list[str]] = {"products": [], "designations": [], "plans": []}
    async with db.transaction() as session:
        names = {}
        for agency in AGENCIES:
            existing = await repo.get_agency(session, ids[agency.key])
            # auth's organisation event may already have brought the real name: keep it
            row = existing or await repo.upsert_agency(
                session, org_id=ids[agency.key], name=agency.name, now=now
            )
            names[agency.key] = row.name

        for demo in PRODUCTS:
            indicators = define_indicators(demo.indicators, product_type=demo.product_type)
            product = await repo.product_by_code(session, demo.code)
            if product is None:
                product = KeyFieldProduct(
                    id=demo.id, code=demo.code, name=demo.name, field=demo.field, year=demo.year,
                    product_type=demo.product_type.value, created_at=now, updated_at=now,
                )  # fmt: skip
                session.add(product)
                await session.flush()
                await emit(session, catalog.PRODUCT_SAVED, catalog.ProductSaved(
                    product_id=product.id, code=product.code, name=product.name, field=product.field,
                    year=product.year, product_type=product.product_type,
                ))  # fmt: skip
                created["products"].append(demo.code)

            if await repo.designation_of(session, product.id) is None:
                starts = now - timedelta(days=demo.notice_started_days_ago)
                designation = Designation(
                    id=uuid.uuid4(), product_id=product.id, agency_id=ids[demo.agency_key],
                    agency_name=names[demo.agency_key], notice_starts_at=starts, notice_ends_at=notice_ends(starts),
                    designated_by=DEMO_WORKING_GROUP_ACCOUNT, created_at=now,
                )  # fmt: skip
                session.add(designation)
                await session.flush()
                await emit(session, catalog.AGENCY_DESIGNATED, catalog.AgencyDesignated(
                    product_id=product.id, agency_org_id=designation.agency_id, agency_name=designation.agency_name,
                    notice_start=designation.notice_starts_at, notice_end=designation.notice_ends_at,
                ))  # fmt: skip
                created["designations"].append(demo.code)

            if not await repo.plans_of(session, product.id):
                status = PlanStatus.FINAL if demo.plan_final else PlanStatus.DRAFT
                plan = AssessmentPlan(
                    id=demo_id("plan", f"{demo.code}:1"), product_id=product.id, agency_id=ids[demo.agency_key],
                    version=1, status=status.value, title=demo.plan_title, group_standard=demo.group_standard,
                    indicators=[indicator_fields(i) for i in indicators], source="json",
                    created_by=DEMO_WORKING_GROUP_ACCOUNT, created_at=now, updated_at=now,
                    finalised_at=now if demo.plan_final else None,
                )  # fmt: skip
                session.add(plan)
                await session.flush()
                if demo.plan_final:
                    await emit(session, catalog.PLAN_FINALISED, catalog.PlanFinalised(
                        product_id=product.id, plan_id=plan.id, version=plan.version, title=plan.title,
                        group_standard=plan.group_standard, product_type=demo.product_type.value,
                        graded=PlanSpec(1, demo.product_type, indicators).graded, finalised_at=now,
                        indicators=[catalog.Indicator.model_validate(i.to_dict()) for i in indicators],
                    ))  # fmt: skip
                created["plans"].append(f"{demo.code} v1 {status.label}")
    return created
