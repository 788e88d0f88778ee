"""Recompute the read models that the declaration service's own tables can give (moves, published
forerunners, notices, objections) for an installation that ran before them, or after a bug in a handler.
Certificates belong to the certificate service: their rows come from its events only and are kept.

The moves are read from the 审核记录 (reviews); the agency of a move is the declaration's current one (the
events name the agency of the moment, the reviews do not)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from kit.runtime import Runtime
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from declaration.domain.statuses import ListStatus
from declaration.models import Declaration, Notice, Objection, Product, Review
from declaration.stats.models import StatsForerunner, StatsMove, StatsNotice, StatsObjection

REBUILT = (StatsMove, StatsForerunner, StatsNotice, StatsObjection)


async def _moves(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(Review, Declaration, Product.agency_org_id, Product.agency_name)
            .join(Declaration, Declaration.id == Review.declaration_id)
            .join(Product, Product.product_id == Declaration.product_id)
            .where(Review.action != "objection")  # a raised objection is a record, not a move
            .order_by(Review.declaration_id, Review.seq)
        )
    ).all()
    seen: dict[object, int] = defaultdict(int)
    out = []
    for review, d, product_agency, agency_name in rows:
        # the reviews' sequence orders two moves at one platform instant, as the envelope's time does
        seen[d.id] += 1
        out.append(
            {
                "review_id": review.id,
                "declaration_id": d.id,
                "product_id": d.product_id,
                "agency_org_id": d.agency_org_id,
                "agency_name": agency_name if product_agency == d.agency_org_id else "",
                "standard_no": d.standard_no,
                "product_name": d.product_name,
                "action": review.action,
                "actor_role": review.actor_role,
                "list_from": review.list_from,
                "list_to": review.list_to,
                "at": review.at,
                "occurred_at": review.at + timedelta(microseconds=seen[d.id]),
            }
        )
    return out


async def rebuild(session: AsyncSession) -> dict[str, int]:
    """Replace the rebuilt read models in the caller's transaction; the rows written per table."""
    for table in REBUILT:
        await session.execute(delete(table))
    moves = await _moves(session)
    forerunners = [
        {
            "declaration_id": d.id,
            "org_id": d.org_id,
            "product_id": d.product_id,
            "product_name": d.product_name,
            "field": d.field,
            "year": d.year,
            "credit_code": (d.enterprise_snapshot or {}).get("credit_code") or d.credit_code,
            "published_at": d.published_at,
        }
        for d in await session.scalars(
            select(Declaration).where(Declaration.list_status == ListStatus.PUBLISHED, Declaration.published_at.is_not(None))
        )
    ]  # fmt: skip
    members: dict[object, list[object]] = defaultdict(list)
    for declaration_id, notice_id in await session.execute(
        select(Declaration.id, Declaration.notice_id).where(Declaration.notice_id.is_not(None))
    ):
        members[notice_id].append(declaration_id)
    notices = [
        {
            "notice_id": n.id,
            "product_id": n.product_id,
            "year": n.year,
            "declaration_ids": members.get(n.id, []),
            "starts_at": n.starts_at,
            "ends_at": n.ends_at,
            "closed": n.closed_at is not None,
        }
        for n in await session.scalars(select(Notice))
    ]
    objections = [
        {
            "objection_id": o.id,
            "notice_id": o.notice_id,
            "declaration_id": o.declaration_id,
            "product_id": product_id,
            "year": year,
            "status": o.status,
            "raised_at": o.created_at,
            "resolved_at": o.resolved_at,
        }
        for o, product_id, year in await session.execute(
            select(Objection, Declaration.product_id, Declaration.year).join(
                Declaration, Declaration.id == Objection.declaration_id
            )
        )
    ]
    written = {}
    for table, rows in ((StatsMove, moves), (StatsForerunner, forerunners), (StatsNotice, notices),
                        (StatsObjection, objections)):  # fmt: skip
        if rows:
            await session.execute(insert(table), rows)
        written[table.__tablename__] = len(rows)
    return written


async def rebuild_all(runtime: Runtime) -> dict[str, int]:
    async with runtime.db.transaction() as session:
        return await rebuild(session)
