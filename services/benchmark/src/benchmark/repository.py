"""Queries of the benchmark service. Helpers never commit: the service function owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kit.paging import PageParams, count
from sqlalchemy import ColumnElement, Select, and_, func, insert, not_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from benchmark.domain.statuses import PlanStatus
from benchmark.models import Agency, AssessmentPlan, ComparisonValue, Designation, KeyFieldProduct


@dataclass(frozen=True)
class ProductRow:
    product: KeyFieldProduct
    designation: Designation | None
    final_plan: AssessmentPlan | None


_final = aliased(AssessmentPlan)


def _product_rows() -> Select[KeyFieldProduct, Designation, AssessmentPlan]:
    return (
        select(KeyFieldProduct, Designation, _final)
        .outerjoin(Designation, Designation.product_id == KeyFieldProduct.id)
        .outerjoin(
            _final, and_(_final.product_id == KeyFieldProduct.id, _final.status == PlanStatus.FINAL.value)
        )
    )


def _open_condition(now: datetime) -> ColumnElement[bool]:
    return and_(
        Designation.notice_ends_at.is_not(None), Designation.notice_ends_at <= now, _final.id.is_not(None)
    )


async def list_products(
    session: AsyncSession,
    *,
    now: datetime,
    year: int | None = None,
    field: str | None = None,
    open_only: bool | None = None,
    agency_id: uuid.UUID | None = None,
    page: PageParams,
) -> tuple[list[ProductRow], int]:
    query = _product_rows()
    if year is not None:
        query = query.where(KeyFieldProduct.year == year)
    if field:
        query = query.where(KeyFieldProduct.field == field)
    if agency_id is not None:
        query = query.where(Designation.agency_id == agency_id)
    if open_only is True:
        query = query.where(_open_condition(now))
    elif open_only is False:
        query = query.where(not_(_open_condition(now)))
    total = await count(session, query)
    rows = await session.execute(
        query.order_by(KeyFieldProduct.year.desc(), KeyFieldProduct.code, KeyFieldProduct.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return [ProductRow(*r) for r in rows.all()], total


async def get_product_row(session: AsyncSession, product_id: uuid.UUID) -> ProductRow | None:
    row = (await session.execute(_product_rows().where(KeyFieldProduct.id == product_id))).first()
    return ProductRow(*row) if row else None


async def get_product(
    session: AsyncSession, product_id: uuid.UUID, *, lock: bool = False
) -> KeyFieldProduct | None:
    query = select(KeyFieldProduct).where(KeyFieldProduct.id == product_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def product_by_code(session: AsyncSession, code: str) -> KeyFieldProduct | None:
    return await session.scalar(select(KeyFieldProduct).where(KeyFieldProduct.code == code))


async def designation_of(session: AsyncSession, product_id: uuid.UUID) -> Designation | None:
    return await session.scalar(select(Designation).where(Designation.product_id == product_id))


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    return await session.get(Agency, agency_id)


async def list_agencies(session: AsyncSession, page: PageParams) -> tuple[list[Agency], int]:
    query = select(Agency)
    rows = await session.scalars(query.order_by(Agency.name, Agency.id).offset(page.offset).limit(page.limit))
    return list(rows.all()), await count(session, query)


async def upsert_agency(session: AsyncSession, *, org_id: uuid.UUID, name: str, now: datetime) -> Agency:
    """Keep the local copy of an agency organisation. No commit: callers own the transaction."""
    # one statement, so two deliveries racing (or auth's event racing the demo loader) cannot collide
    statement = (
        pg_insert(Agency)
        .values(id=org_id, name=name, updated_at=now)
        .on_conflict_do_update(index_elements=[Agency.id], set_={"name": name, "updated_at": now})
        .returning(Agency)
    )
    return (await session.execute(statement, execution_options={"populate_existing": True})).scalar_one()


async def plans_of(session: AsyncSession, product_id: uuid.UUID) -> list[AssessmentPlan]:
    query = select(AssessmentPlan).where(AssessmentPlan.product_id == product_id)
    return list((await session.scalars(query.order_by(AssessmentPlan.version.desc()))).all())


async def plans_page(
    session: AsyncSession, product_id: uuid.UUID, page: PageParams
) -> tuple[list[AssessmentPlan], int]:
    query = select(AssessmentPlan).where(AssessmentPlan.product_id == product_id)
    rows = await session.scalars(
        query.order_by(AssessmentPlan.version.desc()).offset(page.offset).limit(page.limit)
    )
    return list(rows.all()), await count(session, query)


async def plan_with_status(
    session: AsyncSession, product_id: uuid.UUID, status: PlanStatus
) -> AssessmentPlan | None:
    query = select(AssessmentPlan).where(
        AssessmentPlan.product_id == product_id, AssessmentPlan.status == status.value
    )
    return await session.scalar(query)


async def plan_version(session: AsyncSession, product_id: uuid.UUID, version: int) -> AssessmentPlan | None:
    query = select(AssessmentPlan).where(
        AssessmentPlan.product_id == product_id, AssessmentPlan.version == version
    )
    return await session.scalar(query)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False) -> AssessmentPlan | None:
    query = select(AssessmentPlan).where(AssessmentPlan.id == plan_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def latest_version(session: AsyncSession, product_id: uuid.UUID) -> int:
    query = select(func.max(AssessmentPlan.version)).where(AssessmentPlan.product_id == product_id)
    return int(await session.scalar(query) or 0)


async def product_with_comparable_plan(
    session: AsyncSession, product_id: uuid.UUID, *, version: int | None = None
) -> tuple[KeyFieldProduct, AssessmentPlan | None] | None:
    """The product and the plan a comparison runs against, in one query: the final version, or the given
    version when it is final or superseded (a draft is never compared against)."""
    if version is None:
        on = and_(
            AssessmentPlan.product_id == KeyFieldProduct.id, AssessmentPlan.status == PlanStatus.FINAL.value
        )
    else:
        on = and_(
            AssessmentPlan.product_id == KeyFieldProduct.id,
            AssessmentPlan.version == version,
            AssessmentPlan.status != PlanStatus.DRAFT.value,
        )
    query = (
        select(KeyFieldProduct, AssessmentPlan)
        .outerjoin(AssessmentPlan, on)
        .where(KeyFieldProduct.id == product_id)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def fields(session: AsyncSession, page: PageParams) -> tuple[list[tuple[str, int]], int]:
    """The fields (领域) with products, for the list page's filter."""
    query = select(KeyFieldProduct.field, func.count()).group_by(KeyFieldProduct.field)
    rows = await session.execute(query.order_by(KeyFieldProduct.field).offset(page.offset).limit(page.limit))
    return [(f, int(n)) for f, n in rows.all()], await count(session, query)


async def designations(
    session: AsyncSession, *, now: datetime, running: bool | None, page: PageParams
) -> tuple[list[tuple[Designation, KeyFieldProduct]], int]:
    query = select(Designation, KeyFieldProduct).join(
        KeyFieldProduct, KeyFieldProduct.id == Designation.product_id
    )
    if running is True:
        query = query.where(Designation.notice_ends_at > now)
    elif running is False:
        query = query.where(Designation.notice_ends_at <= now)
    rows = await session.execute(
        query.order_by(Designation.notice_starts_at.desc(), Designation.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return [(d, p) for d, p in rows.all()], await count(session, query)


async def record_comparison_values(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    if rows:
        await session.execute(insert(ComparisonValue), rows)


async def latest_comparison_values(
    session: AsyncSession, product_id: uuid.UUID, indicators: list[str]
) -> list[tuple[str, str, str]]:
    """Each enterprise's latest value of each of these indicators of the product:
    ``(enterprise key, indicator, value)``."""
    query = (
        select(ComparisonValue.enterprise_key, ComparisonValue.indicator, ComparisonValue.value)
        .where(ComparisonValue.product_id == product_id, ComparisonValue.indicator.in_(indicators))
        .ext(distinct_on(ComparisonValue.indicator, ComparisonValue.enterprise_key))
        .order_by(ComparisonValue.indicator, ComparisonValue.enterprise_key, ComparisonValue.id.desc())
    )
    return [(k, i, v) for k, i, v in (await session.execute(query)).all()]
