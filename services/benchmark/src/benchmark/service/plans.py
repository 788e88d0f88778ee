"""Assessment plans: the designated agency drafts and finalises versions, the working group reads them,
everyone reads the final one. Each public function is one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import catalog
from kit.bus import emit
from kit.db import Database
from kit.paging import PageParams
from kit.security import Principal
from sqlalchemy.exc import IntegrityError

from benchmark import repository as repo
from benchmark.domain import (
    CoreIndicator,
    PlanSpec,
    PlanStatus,
    ProductType,
    define_indicators,
    indicator_fields,
    plan_transition,
)
from benchmark.errors import DraftExists, PlanNotDraft, PlanNotFound, ProductNotFound
from benchmark.models import AssessmentPlan, KeyFieldProduct
from benchmark.service.access import owned_plan_in, owned_product_in, require_agency_of


@dataclass(frozen=True)
class PlanContent:
    title: str
    group_standard: str
    indicators: tuple[CoreIndicator, ...]


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
            raise ProductNotFound()
        plan = await repo.plan_with_status(session, product_id, PlanStatus.FINAL)
    if plan is None:
        raise PlanNotFound("该重点领域产品尚无评估方案终稿")
    return plan_view(plan, product)


async def owned_product(db: Database, *, principal: Principal, product_id: uuid.UUID) -> KeyFieldProduct:
    async with db.session() as session:
        return await owned_product_in(session, principal, product_id)


async def list_plans(
    db: Database, *, principal: Principal, product_id: uuid.UUID, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    async with db.session() as session:
        product = await owned_product_in(session, principal, product_id)
        plans, total = await repo.plans_page(session, product_id, page)
    return [plan_view(p, product) for p in plans], total


async def get_plan(db: Database, *, principal: Principal, plan_id: uuid.UUID) -> dict[str, Any]:
    async with db.session() as session:
        plan, product = await owned_plan_in(session, principal, plan_id)
    return plan_view(plan, product)


async def template_source(
    db: Database, *, principal: Principal, product_id: uuid.UUID, plan_id: uuid.UUID | None = None
) -> tuple[KeyFieldProduct, AssessmentPlan | None]:
    """What a downloaded workbook is filled with: the given plan, else the newest version, else nothing."""
    async with db.session() as session:
        product = await owned_product_in(session, principal, product_id)
        if plan_id is not None:
            plan, _ = await owned_plan_in(session, principal, plan_id)
            if plan.product_id != product_id:
                raise PlanNotFound()
            return product, plan
        plans = await repo.plans_of(session, product_id)
    return product, (plans[0] if plans else None)


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
                raise ProductNotFound()
            draft = await repo.plan_with_status(session, product_id, PlanStatus.DRAFT)
            if draft is not None:
                raise DraftExists(
                    f"已有草稿（第 {draft.version} 版），请修改该草稿或先将其定稿",
                    details={"plan_id": str(draft.id), "version": draft.version},
                )
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
        raise DraftExists() from exc
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
        plan, product = await owned_plan_in(session, principal, plan_id, lock=True)
        require_agency_of(principal, plan.agency_id)
        if plan.status != PlanStatus.DRAFT.value:
            raise PlanNotDraft()
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
        plan, product = await owned_plan_in(session, principal, plan_id, lock=True)
        require_agency_of(principal, plan.agency_id)
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
