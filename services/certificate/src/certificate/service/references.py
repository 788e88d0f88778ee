"""Reference copies fed by other services' events: key-field products (their codes go into numbers), the
final plans' group standards (cited by star labels) and self-declared star products (shown on star labels)."""

from __future__ import annotations

from contracts.catalog import PlanFinalised, ProductSaved
from contracts.declaration import StarProductDeclared
from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository


async def save_product(session: AsyncSession, event: ProductSaved) -> None:
    await repository.upsert_product(session, event)


async def save_plan(session: AsyncSession, event: PlanFinalised) -> None:
    """Keep the plan's group standard (团体标准): star labels cite it as their grading basis."""
    await repository.upsert_group_standard(session, event)


async def save_star_product(session: AsyncSession, event: StarProductDeclared) -> None:
    await repository.upsert_star_product(session, event)
