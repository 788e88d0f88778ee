"""Use cases of the 14-day public notice (公示): the public list, objections (异议) and their resolution by the
working group, and the poller that ends notices and publishes (发布) what no open objection holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from contracts.declaration import NoticeClosed
from contracts.declaration import ObjectionRaised as ObjectionRaisedEvent
from contracts.declaration import ObjectionResolved as ObjectionResolvedEvent
from kit.bus import emit
from kit.paging import PageParams
from kit.phones import mask
from kit.runtime import Runtime
from kit.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.domain.statuses import Action, Actor, ListStatus, ObjectionStatus
from declaration.errors import (
    DeclarationNotInNotice,
    InvalidFilter,
    NoticeEnded,
    NoticeNotFound,
    ObjectionNotFound,
    ObjectionResolved,
)
from declaration.models import Declaration, Notice, Objection, Review
from declaration.service.lifecycle import actor_ip, move
from declaration.service.queries import notice_json, notices_of

NOTICE_STATES = ("running", "ended", "held")


async def public_notices(runtime: Runtime, *, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(
            session, repository.running_notices_query(now), page, scalars=False
        )
        blocks = await notices_of(session, [d for _, d in rows], now=now)
    items = [
        {
            "notice_id": n.id,
            "declaration_id": d.id,
            "year": n.year,
            "product_name": n.product_name,
            "field": d.field,
            "enterprise_name": (d.enterprise_snapshot or {}).get("name") or d.enterprise_name,
            "standard_no": d.standard_no,
            "standard_name": d.standard_name,
            "starts_at": n.starts_at,
            "ends_at": n.ends_at,
            # how many objections were raised and whether one is still open: anyone may see that the notice
            # is contested (not by whom)
            **{
                key: blocks[d.id][key]
                for key in ("days_left", "objections", "open_objections", "held", "state_label")
            },
        }
        for n, d in rows
    ]
    return items, total


async def raise_objection(
    runtime: Runtime, notice_id: uuid.UUID, *, declaration_id: uuid.UUID | None, name: str, phone: str,
    reason: str,
) -> Objection:  # fmt: skip
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        notice = await session.get(Notice, notice_id, with_for_update=True)
        if notice is None:
            raise NoticeNotFound()
        if notice.closed_at is not None or notice.ends_at <= now:
            raise NoticeEnded()
        declarations = await repository.declarations_in_notice(
            session, notice.id, declaration_id=declaration_id
        )
        if len(declarations) != 1:
            raise DeclarationNotInNotice()
        d = declarations[0]
        objection = Objection(
            id=uuid.uuid4(),
            notice_id=notice.id,
            declaration_id=d.id,
            name=name,
            phone_sealed=runtime.sealer.seal(phone),
            phone_masked=mask(phone),
            reason=reason,
            status=ObjectionStatus.OPEN,
            created_at=now,
        )
        session.add(objection)
        session.add(
            Review(
                id=uuid.uuid4(),
                declaration_id=d.id,
                actor_role="public",
                actor_name=name,
                actor_ip=actor_ip.get(),
                action="objection",
                list_from=d.list_status.value,
                list_to=d.list_status.value,
                evidence_from=d.evidence_status.value,
                evidence_to=d.evidence_status.value,
                opinion=reason,
                at=now,
            )
        )
        await emit(
            session,
            "objection.raised",
            ObjectionRaisedEvent(
                objection_id=objection.id,
                notice_id=notice.id,
                declaration_id=d.id,
                product_id=d.product_id,
                year=d.year,
                raised_at=now,
            ),
        )
    return objection


async def _announce_resolved(
    session: AsyncSession,
    objection_id: uuid.UUID,
    objection: Objection,
    status: ObjectionStatus,
    now: datetime,
) -> None:
    await emit(
        session,
        "objection.resolved",
        ObjectionResolvedEvent(
            objection_id=objection_id,
            notice_id=objection.notice_id,
            declaration_id=objection.declaration_id,
            status=status.value,
            resolved_at=now,
        ),
    )


async def list_objections(
    runtime: Runtime, *, status: str | None, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    if status and status not in {s.value for s in ObjectionStatus}:
        raise InvalidFilter("status 取值不正确", details={"field": "status"})
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(
            session, repository.objections_query(status=status or None), page, scalars=False
        )
    return (
        [
            {
                "id": o.id,
                "notice_id": o.notice_id,
                "declaration_id": o.declaration_id,
                "enterprise_name": d.enterprise_name,
                "standard_no": d.standard_no,
                "name": o.name,
                "phone_masked": o.phone_masked,
                "reason": o.reason,
                "status": o.status,
                "resolution": o.resolution,
                "created_at": o.created_at,
                "resolved_at": o.resolved_at,
            }
            for o, d in rows
        ],
        total,
    )


async def resolve_objection(
    runtime: Runtime, principal: Principal, objection_id: uuid.UUID, *, uphold: bool, opinion: str
) -> Objection:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        objection = await session.get(Objection, objection_id, with_for_update=True)
        if objection is None:
            raise ObjectionNotFound()
        if objection.status != ObjectionStatus.OPEN:
            raise ObjectionResolved()
        d = await session.get(Declaration, objection.declaration_id, with_for_update=True)
        assert d is not None
        objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
        objection.resolution = opinion
        objection.resolved_at = now
        await _announce_resolved(session, objection.id, objection, ObjectionStatus(objection.status), now)
        if uphold:
            others = await repository.uphold_other_objections(session, objection, resolution=opinion, now=now)
            for other in others:
                await _announce_resolved(session, other, objection, ObjectionStatus.UPHELD, now)
            await move(
                session,
                d,
                actor=Actor.WORKING_GROUP,
                action=Action.UPHOLD_OBJECTION,
                now=now,
                principal=principal,
                opinion=opinion,
            )
        else:
            await session.flush()
            notice = await session.get(Notice, objection.notice_id)
            held = (
                d.list_status is ListStatus.IN_NOTICE
                and notice is not None
                and notice.ends_at <= now
                and await repository.open_objections(session, d) == 0
            )
            if held:  # the notice already ended: the last objection dismissed releases publication
                await move(
                    session,
                    d,
                    actor=Actor.WORKING_GROUP,
                    action=Action.PUBLISH,
                    now=now,
                    principal=principal,
                    opinion=opinion,
                )
    return objection


async def expire_notices_once(runtime: Runtime) -> int:
    """Close every notice whose stored deadline passed: publish its declarations unless an objection
    holds them. Idempotent: a closed notice is never touched again; rows are claimed with SKIP LOCKED
    so two pollers (replicas) never close the same notice twice."""
    now = await runtime.clock.now()
    closed = 0
    while True:
        async with runtime.db.transaction() as session:
            notice = await repository.claim_ended_notice(session, now)
            if notice is None:
                return closed
            declarations = await repository.declarations_in_notice(session, notice.id, for_update=True)
            held = []
            for d in declarations:
                if await repository.open_objections(session, d):
                    held.append(d.id)
                    continue
                await move(session, d, actor=Actor.SYSTEM, action=Action.PUBLISH, now=now)
            notice.closed_at = now
            await emit(
                session,
                "notice.closed",
                NoticeClosed(
                    notice_id=notice.id,
                    year=notice.year,
                    product_id=notice.product_id,
                    declaration_ids=[d.id for d in declarations],
                    starts_at=notice.starts_at,
                    ends_at=notice.ends_at,
                    held_declaration_ids=held,
                ),
            )
            closed += 1


async def list_notices(
    runtime: Runtime, *, state: str | None, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """The working group's view of notices: running, ended, and the declarations an objection holds."""
    if state and state not in NOTICE_STATES:
        raise InvalidFilter("state 取值不正确（running、ended、held）", details={"field": "state"})
    now = await runtime.clock.now()
    async with runtime.db.session() as session:
        rows, total = await repository.page_of(
            session, repository.notices_query(state=state or None, now=now), page, scalars=False
        )
    items = [
        {
            "notice_id": n.id,
            "year": n.year,
            "product_name": n.product_name,
            "declaration_id": d.id,
            "enterprise_name": d.enterprise_name,
            "standard_no": d.standard_no,
            "list_status": d.list_status.value,
            "list_status_label": ListStatus(d.list_status).label,
            **notice_json(
                n,
                now=now,
                list_status=ListStatus(d.list_status),
                objections=int(raised or 0),
                open_objections=int(open_count or 0),
            ),
        }
        for n, d, open_count, raised in rows
    ]
    return items, total
