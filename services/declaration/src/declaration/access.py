"""Who sees which declaration: an enterprise its own, an agency those of its products, the working
group all. Anything else answers 404 (never 403), so ids of other tenants reveal nothing."""

from __future__ import annotations

import uuid

from kit.errors import NotFound
from kit.security import Principal
from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from declaration.models import Declaration, StarProduct


def not_found() -> NotFound:
    return NotFound("申报不存在", code="declaration_not_found")


def scope(query: Select, principal: Principal) -> Select:
    if principal.org_type == "enterprise":
        return query.where(Declaration.org_id == principal.org_id)
    # a self-declared draft stays the enterprise's own until it is submitted (提交至评估机构端); standards
    # the agency listed itself are visible to it (and the working group) from the start
    shared = or_(Declaration.submitted_at.is_not(None), Declaration.origin == "candidate")
    if principal.org_type == "agency":
        return query.where(Declaration.agency_org_id == principal.org_id, shared)
    if principal.org_type == "working_group":
        return query.where(shared)
    return query.where(Declaration.id.is_(None))


async def load_declaration(
    session: AsyncSession, principal: Principal, declaration_id: uuid.UUID, *, for_update: bool = False
) -> Declaration:
    query = scope(select(Declaration).where(Declaration.id == declaration_id), principal)
    if for_update:
        query = query.with_for_update()
    declaration = await session.scalar(query)
    if declaration is None:
        raise not_found()
    return declaration


async def load_star_product(
    session: AsyncSession, principal: Principal, star_id: uuid.UUID, *, for_update: bool = False
) -> StarProduct:
    query = select(StarProduct).where(StarProduct.id == star_id)
    if principal.org_type == "enterprise":
        query = query.where(StarProduct.org_id == principal.org_id)
    elif principal.org_type != "working_group":
        query = query.where(StarProduct.id.is_(None))
    if for_update:
        query = query.with_for_update()
    star = await session.scalar(query)
    if star is None:
        raise NotFound("星级产品不存在", code="star_product_not_found")
    return star
