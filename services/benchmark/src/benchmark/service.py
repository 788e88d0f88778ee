"""Use cases of the benchmark service. Each public function is one transaction; events go to the outbox
inside it (``kit.bus.emit``), so a change and its announcement commit or roll back together."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import catalog
from kit.bus import emit
from kit.db import Database
from kit.errors import Conflict, Invalid, NotFound
from kit.security import Principal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from benchmark import repository as repo
from benchmark.domain import (
    ComparisonResult,
    CoreIndicator,
    PlanSpec,
    PlanStatus,
    ProductType,
    compare_forerunner,
    compare_star,
    define_indicators,
    indicator_fields,
    notice_ends,
    openness,
    plan_transition,
)
from benchmark.models import Agency, AssessmentPlan, Designation, KeyFieldProduct, WithdrawnDesignation


@dataclass(frozen=True)
class ProductInput:
    code: str
    name: str
    field: str
    year: int
    product_type: ProductType


@dataclass(frozen=True)
class PlanContent:
    title: str
    group_standard: str
    indicators: tuple[CoreIndicator, ...]


def _product_not_found() -> NotFound:
    return NotFound("重点领域产品不存在", code="product_not_found")


def _plan_not_found() -> NotFound:
    return NotFound("评估方案不存在", code="plan_not_found")


# -- reading ---------------------------------------------------------------------------------------


def product_view(row: repo.ProductRow, now: datetime) -> dict[str, Any]:
    product, designation, final = row.product, row.designation, row.final_plan
    state = openness(
        notice_ends_at=designation.notice_ends_at if designation else None,
        has_final_plan=final is not None,
        now=now,
    )
    return {
        "id": product.id,
        "code": product.code,
        "name": product.name,
        "field": product.field,
        "year": product.year,
        "product_type": product.product_type,
        "product_type_label": ProductType(product.product_type).label,
        "agency": {"id": designation.agency_id, "name": designation.agency_name} if designation else None,
        "notice": {
            "starts_at": designation.notice_starts_at,
            "ends_at": designation.notice_ends_at,
            "running": now < designation.notice_ends_at,
        }
        if designation
        else None,
        "final_plan_version": final.version if final else None,
        "open_for_declaration": state.open,
        "closed_reasons": [{"code": r.value, "message": r.label} for r in state.reasons],
        "closed_message": state.message,
    }


async def list_products(
    db: Database, *, now: datetime, year: int | None, field: str | None, open_only: bool | None,
    agency_id: uuid.UUID | None = None, offset: int, limit: int,
) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    async with db.read_session() as session:
        rows, total = await repo.list_products(
            session, now=now, year=year, field=field, open_only=open_only, agency_id=agency_id,
            offset=offset, limit=limit,
        )  # fmt: skip
    return [product_view(r, now) for r in rows], total


async def get_product(db: Database, *, product_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    async with db.read_session() as session:
        row = await repo.get_product_row(session, product_id)
    if row is None:
        raise _product_not_found()
    return product_view(row, now)


def plan_indicators(plan: AssessmentPlan, product_type: ProductType) -> tuple[CoreIndicator, ...]:
    # Stored rows passed the same checks when written; reading them through the domain again keeps
    # one definition of what an indicator is.
    return define_indicators(plan.indicators, product_type=product_type)


def plan_view(plan: AssessmentPlan, product: KeyFieldProduct) -> dict[str, Any]:
    product_type = ProductType(product.product_type)
    indicators = plan_indicators(plan, product_type)
    status = PlanStatus(plan.status)
    return {
        "id": plan.id,
        "product_id": plan.product_id,
        "product_name": product.name,
        "product_type": product_type.value,
        "version": plan.version,
        "status": status.value,
        "status_label": status.label,
        "title": plan.title,
        "group_standard": plan.group_standard,
        "source": plan.source,
        "graded": PlanSpec(plan.version, product_type, indicators).graded,
        "indicators": [i.to_dict() for i in indicators],
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "finalised_at": plan.finalised_at,
    }


async def final_plan(db: Database, *, product_id: uuid.UUID) -> dict[str, Any]:
    async with db.session() as session:
        product = await repo.get_product(session, product_id)
        if product is None:
            raise _product_not_found()
        plan = await repo.plan_with_status(session, product_id, PlanStatus.FINAL)
    if plan is None:
        raise NotFound("该重点领域产品尚无评估方案终稿", code="plan_not_final")
    return plan_view(plan, product)


async def _owned_product(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID
) -> KeyFieldProduct:
    """The product when the caller may manage its plans: the working group reads every product, an agency
    only the products designated to it. Anything else is not found (another tenant's object)."""
    product = await repo.get_product(session, product_id)
    if product is None:
        raise _product_not_found()
    if principal.org_type == "working_group":
        return product
    designation = await repo.designation_of(session, product_id)
    if designation is None or designation.agency_id != principal.org_id:
        raise _product_not_found()
    return product


async def _owned_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, *, lock: bool = False
) -> tuple[AssessmentPlan, KeyFieldProduct]:
    plan = await repo.get_plan(session, plan_id, lock=lock)
    if plan is None:
        raise _plan_not_found()
    try:
        product = await _owned_product(session, principal, plan.product_id)
    except NotFound:
        raise _plan_not_found() from None
    return plan, product


async def owned_product(db: Database, *, principal: Principal, product_id: uuid.UUID) -> KeyFieldProduct:
    async with db.session() as session:
        return await _owned_product(session, principal, product_id)


async def list_plans(db: Database, *, principal: Principal, product_id: uuid.UUID) -> list[dict[str, Any]]:
    async with db.session() as session:
        product = await _owned_product(session, principal, product_id)
        plans = await repo.plans_of(session, product_id)
    return [plan_view(p, product) for p in plans]


async def get_plan(db: Database, *, principal: Principal, plan_id: uuid.UUID) -> dict[str, Any]:
    async with db.session() as session:
        plan, product = await _owned_plan(session, principal, plan_id)
    return plan_view(plan, product)


async def template_source(
    db: Database, *, principal: Principal, product_id: uuid.UUID, plan_id: uuid.UUID | None = None
) -> tuple[KeyFieldProduct, AssessmentPlan | None]:
    """What a downloaded workbook is filled with: the given plan, else the newest version, else nothing."""
    async with db.session() as session:
        product = await _owned_product(session, principal, product_id)
        if plan_id is not None:
            plan, _ = await _owned_plan(session, principal, plan_id)
            if plan.product_id != product_id:
                raise _plan_not_found()
            return product, plan
        plans = await repo.plans_of(session, product_id)
    return product, (plans[0] if plans else None)


async def designation_notices(db: Database, *, now: datetime, running: bool | None) -> list[dict[str, Any]]:
    """The public notice of designated agencies (评估机构公示), newest first."""
    async with db.session() as session:
        rows = await repo.designations(session, now=now, running=running)
    return [
        {
            "product_id": product.id,
            "product_code": product.code,
            "product_name": product.name,
            "field": product.field,
            "year": product.year,
            "agency": {"id": d.agency_id, "name": d.agency_name},
            "starts_at": d.notice_starts_at,
            "ends_at": d.notice_ends_at,
            "running": now < d.notice_ends_at,
        }
        for d, product in rows
    ]


async def list_fields(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        rows = await repo.fields(session)
    return [{"field": field, "products": count} for field, count in rows]


async def list_agencies(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        agencies = await repo.list_agencies(session)
    return [{"id": a.id, "name": a.name} for a in agencies]


# -- working group: products and designations -------------------------------------------------------


def _product_event(product: KeyFieldProduct) -> catalog.ProductSaved:
    return catalog.ProductSaved(
        product_id=product.id, code=product.code, name=product.name, field=product.field,
        year=product.year, product_type=product.product_type,
    )  # fmt: skip


async def create_product(db: Database, *, now: datetime, data: ProductInput) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            if await repo.product_by_code(session, data.code) is not None:
                raise Conflict(f"产品代码「{data.code}」已存在", code="product_code_taken")
            product = KeyFieldProduct(
                id=uuid.uuid4(), code=data.code, name=data.name, field=data.field, year=data.year,
                product_type=data.product_type.value, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(product)
            await session.flush()
            await emit(session, catalog.PRODUCT_SAVED, _product_event(product))
    except IntegrityError as exc:  # two creations of one code at once: the unique index decides
        raise Conflict(f"产品代码「{data.code}」已存在", code="product_code_taken") from exc
    return await get_product(db, product_id=product.id, now=now)


async def update_product(
    db: Database, *, now: datetime, product_id: uuid.UUID, data: ProductInput
) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            product = await repo.get_product(session, product_id, lock=True)
            if product is None:
                raise _product_not_found()
            other = await repo.product_by_code(session, data.code)
            if other is not None and other.id != product_id:
                raise Conflict(f"产品代码「{data.code}」已存在", code="product_code_taken")
            if data.product_type.value != product.product_type and await repo.plans_of(session, product_id):
                # a plan is written for one type (服务类 need not define comparable indicators)
                raise Conflict("该产品已有评估方案，不能修改产品类型", code="product_type_locked")
            product.code, product.name, product.field = data.code, data.name, data.field
            product.year, product.product_type, product.updated_at = data.year, data.product_type.value, now
            await session.flush()
            await emit(session, catalog.PRODUCT_SAVED, _product_event(product))
    except IntegrityError as exc:
        raise Conflict(f"产品代码「{data.code}」已存在", code="product_code_taken") from exc
    return await get_product(db, product_id=product_id, now=now)


async def designate_agency(
    db: Database, *, now: datetime, actor: Principal, product_id: uuid.UUID, agency_id: uuid.UUID
) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            product = await repo.get_product(session, product_id, lock=True)
            if product is None:
                raise _product_not_found()
            if await repo.designation_of(session, product_id) is not None:
                raise Conflict("该重点领域产品已确定评估机构", code="already_designated")
            agency = await repo.get_agency(session, agency_id)
            if agency is None:
                raise Invalid(
                    "评估机构不存在，请从评估机构列表中选择", code="unknown_agency",
                    details=[{"field": "agency_org_id", "message": "评估机构不存在"}],
                )  # fmt: skip
            designation = Designation(
                id=uuid.uuid4(), product_id=product_id, agency_id=agency.id, agency_name=agency.name,
                notice_starts_at=now, notice_ends_at=notice_ends(now), designated_by=actor.account_id,
                created_at=now,
            )  # fmt: skip
            session.add(designation)
            await session.flush()
            await emit(
                session, catalog.AGENCY_DESIGNATED,
                catalog.AgencyDesignated(
                    product_id=product_id, agency_org_id=agency.id, agency_name=agency.name,
                    notice_start=designation.notice_starts_at, notice_end=designation.notice_ends_at,
                ),
            )  # fmt: skip
    except IntegrityError as exc:
        raise Conflict("该重点领域产品已确定评估机构", code="already_designated") from exc
    return await get_product(db, product_id=product_id, now=now)


async def withdraw_designation(
    db: Database, *, now: datetime, actor: Principal, product_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    """撤销评估机构确定: the designation moves to the record of withdrawn ones, the product closes for
    self-declaration (no agency) until the working group designates again, and
    ``catalog.designation_withdrawn`` goes out in the same transaction (declaration takes the product's
    declarations off the agency's desk; notify tells the agency)."""
    async with db.transaction() as session:
        product = await repo.get_product(session, product_id, lock=True)
        if product is None:
            raise _product_not_found()
        designation = await repo.designation_of(session, product_id)
        if designation is None:
            raise Conflict("该重点领域产品尚未确定评估机构，无可撤销的确定", code="not_designated")
        session.add(
            WithdrawnDesignation(
                id=designation.id, product_id=product_id, agency_id=designation.agency_id,
                agency_name=designation.agency_name, notice_starts_at=designation.notice_starts_at,
                notice_ends_at=designation.notice_ends_at, designated_by=designation.designated_by,
                created_at=designation.created_at, withdrawn_at=now, withdrawn_by=actor.account_id, reason=reason,
            )
        )  # fmt: skip
        await session.delete(designation)
        await session.flush()
        await emit(
            session, catalog.DESIGNATION_WITHDRAWN,
            catalog.DesignationWithdrawn(
                designation_id=designation.id, product_id=product_id, product_code=product.code,
                product_name=product.name, year=product.year, agency_org_id=designation.agency_id,
                agency_name=designation.agency_name, notice_start=designation.notice_starts_at, reason=reason,
                withdrawn_at=now,
            ),
        )  # fmt: skip
    return await get_product(db, product_id=product_id, now=now)


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


# -- agency: plans ---------------------------------------------------------------------------------


def _require_agency_of(principal: Principal, designation_agency: uuid.UUID) -> None:
    if principal.org_id != designation_agency:
        raise _plan_not_found()


async def create_plan(
    db: Database,
    *,
    now: datetime,
    principal: Principal,
    product_id: uuid.UUID,
    content: PlanContent,
    source: str,
) -> dict[str, Any]:
    """A new draft version (the first plan, or the next version after a final one)."""
    try:
        async with db.transaction() as session:
            product = await repo.get_product(session, product_id, lock=True)
            designation = await repo.designation_of(session, product_id) if product else None
            if product is None or designation is None or designation.agency_id != principal.org_id:
                raise _product_not_found()
            draft = await repo.plan_with_status(session, product_id, PlanStatus.DRAFT)
            if draft is not None:
                raise Conflict(
                    f"已有草稿（第 {draft.version} 版），请修改该草稿或先将其定稿", code="draft_exists",
                    details={"plan_id": str(draft.id), "version": draft.version},
                )  # fmt: skip
            plan = AssessmentPlan(
                id=uuid.uuid4(), product_id=product_id, agency_id=principal.org_id,
                version=await repo.latest_version(session, product_id) + 1, status=PlanStatus.DRAFT.value,
                title=content.title, group_standard=content.group_standard,
                indicators=[indicator_fields(i) for i in content.indicators], source=source,
                created_by=principal.account_id, created_at=now, updated_at=now, finalised_at=None,
            )  # fmt: skip
            session.add(plan)
            await session.flush()
            view = plan_view(plan, product)
    except IntegrityError as exc:
        raise Conflict("已有草稿，请刷新后重试", code="draft_exists") from exc
    return view


async def replace_draft(
    db: Database,
    *,
    now: datetime,
    principal: Principal,
    plan_id: uuid.UUID,
    content: PlanContent,
    source: str,
) -> dict[str, Any]:
    async with db.transaction() as session:
        plan, product = await _owned_plan(session, principal, plan_id, lock=True)
        _require_agency_of(principal, plan.agency_id)
        if plan.status != PlanStatus.DRAFT.value:
            raise Conflict("终稿不能修改，请新建下一版本草稿", code="plan_not_draft")
        plan.title, plan.group_standard = content.title, content.group_standard
        plan.indicators = [indicator_fields(i) for i in content.indicators]
        plan.source, plan.updated_at = source, now
        await session.flush()
        view = plan_view(plan, product)
    return view


async def finalise_plan(
    db: Database, *, now: datetime, principal: Principal, plan_id: uuid.UUID
) -> dict[str, Any]:
    async with db.transaction() as session:
        plan, product = await _owned_plan(session, principal, plan_id, lock=True)
        _require_agency_of(principal, plan.agency_id)
        new_status = plan_transition(PlanStatus(plan.status), PlanStatus.FINAL)
        previous = await repo.plan_with_status(session, product.id, PlanStatus.FINAL)
        if previous is not None:
            previous.status = plan_transition(PlanStatus.FINAL, PlanStatus.SUPERSEDED).value
            previous.updated_at = now
            await session.flush()  # the partial unique index allows one final version per product
        plan.status, plan.finalised_at, plan.updated_at = new_status.value, now, now
        await session.flush()
        product_type = ProductType(product.product_type)
        indicators = plan_indicators(plan, product_type)
        await emit(
            session, catalog.PLAN_FINALISED,
            catalog.PlanFinalised(
                product_id=product.id, plan_id=plan.id, version=plan.version, title=plan.title,
                group_standard=plan.group_standard, product_type=product_type.value,
                graded=PlanSpec(plan.version, product_type, indicators).graded, finalised_at=now,
                indicators=[catalog.Indicator.model_validate(i.to_dict()) for i in indicators],
            ),
        )  # fmt: skip
        view = plan_view(plan, product)
    return view


# -- comparison ------------------------------------------------------------------------------------


class _SpecCache:
    """Final and superseded plan versions never change, so their parsed form is kept per process;
    the comparison route then costs one indexed query and the pure engine."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[uuid.UUID, str], PlanSpec] = OrderedDict()

    def get(self, plan: AssessmentPlan, product_type: ProductType) -> PlanSpec:
        key = (plan.id, product_type.value)
        spec = self._items.get(key)
        if spec is None:
            spec = PlanSpec(plan.version, product_type, plan_indicators(plan, product_type))
            self._items[key] = spec
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return spec


_specs = _SpecCache()


async def comparison_plan(
    db: Database, *, product_id: uuid.UUID, plan_version: int | None = None
) -> tuple[KeyFieldProduct, PlanSpec]:
    async with db.session() as session:
        found = await repo.product_with_comparable_plan(session, product_id, version=plan_version)
    if found is None:
        raise _product_not_found()
    product, plan = found
    if plan is None:
        raise Conflict("该重点领域产品尚无评估方案终稿，暂不能对标", code="plan_not_final")
    return product, _specs.get(plan, ProductType(product.product_type))


async def compare(
    db: Database, *, product_id: uuid.UUID, values: Mapping[str, Any], star: Any = None,
    plan_version: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Forerunner comparison when ``star`` is None, star comparison otherwise."""
    product, spec = await comparison_plan(db, product_id=product_id, plan_version=plan_version)
    result: ComparisonResult = (
        compare_forerunner(spec, values) if star is None else compare_star(spec, values, star)
    )
    return {"product_id": product.id, "product_name": product.name, **result.as_dict()}
