"""Who may manage a product's plans: the working group every product, an agency only the products
designated to it. Anything else is not found (another tenant's object). Helpers: no transaction here."""

from __future__ import annotations

import uuid

from kit.security import OrgType, Principal
from sqlalchemy.ext.asyncio import AsyncSession

from benchmark import repository as repo
from benchmark.errors import PlanNotFound, ProductNotFound
from benchmark.models import AssessmentPlan, KeyFieldProduct


async def owned_product_in(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID
) -> KeyFieldProduct:
    product = await repo.get_product(session, product_id)
    if product is None:
        raise ProductNotFound()
    if principal.org_type is OrgType.working_group:
        return product
    designation = await repo.designation_of(session, product_id)
    if designation is None or designation.agency_id != principal.org_id:
        raise ProductNotFound()
    return product


async def owned_plan_in(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, *, lock: bool = False
) -> tuple[AssessmentPlan, KeyFieldProduct]:
    plan = await repo.get_plan(session, plan_id, lock=lock)
    if plan is None:
        raise PlanNotFound()
    try:
        product = await owned_product_in(session, principal, plan.product_id)
    except ProductNotFound:
        raise PlanNotFound() from None
    return plan, product


def require_agency_of(principal: Principal, designation_agency: uuid.UUID) -> None:
    """Only the designated agency writes plans (the working group reads them)."""
    if principal.org_id != designation_agency:
        raise PlanNotFound()
