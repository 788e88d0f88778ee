"""Applying a lifecycle move: the one transition table decides, then one audit row (审核记录) and one
``declaration.status_changed`` event, in the caller's transaction. Publication and notices too, and the
row of a self-declared standard on its agency's candidate list (``candidates.sync_self_listing``)."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from datetime import datetime, timedelta

from contracts.declaration import (
    DeclarationModel,
    DeclarationPublished,
    DeclarationStatusChanged,
    NoticeOpened,
)
from kit.bus import emit
from kit.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.domain.statuses import (
    Action,
    Actor,
    EvidenceStatus,
    ListStatus,
    TransitionRefused,
    transition,
)
from declaration.errors import OpinionRequired, TransitionNotAllowed
from declaration.models import Declaration, Notice, Product, Review
from declaration.service.candidates import sync_self_listing

# the caller's address (as the gateway saw it) for the audit records; none for the poller
actor_ip: ContextVar[str | None] = ContextVar("declaration_actor_ip", default=None)


def refused(exc: TransitionRefused) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        exc.message,
        details={
            "list_status": exc.state[0].value,
            "evidence_status": exc.state[1].value,
            "actor": exc.actor.value,
            "action": exc.action.value,
        },
    )


async def move(
    session: AsyncSession,
    declaration: Declaration,
    *,
    actor: Actor,
    action: Action,
    now: datetime,
    principal: Principal | None = None,
    opinion: str | None = None,
    notice_days: int = 14,
) -> Review:
    state = (ListStatus(declaration.list_status), EvidenceStatus(declaration.evidence_status))
    try:
        step = transition(state, actor, action)
    except TransitionRefused as exc:
        raise refused(exc) from exc
    opinion = (opinion or "").strip() or None
    if step.needs_opinion and not opinion:
        raise OpinionRequired()
    list_to, evidence_to = step.to
    review = Review(
        id=uuid.uuid4(),
        declaration_id=declaration.id,
        actor_role=actor.value,
        actor_org_id=principal.org_id if principal else None,
        actor_account_id=principal.account_id if principal else None,
        actor_name=principal.org_name if principal else actor.label,
        actor_ip=actor_ip.get() if principal else None,
        action=action.value,
        list_from=state[0].value,
        list_to=list_to.value,
        evidence_from=state[1].value,
        evidence_to=evidence_to.value,
        opinion=opinion,
        at=now,
    )
    session.add(review)
    declaration.list_status = list_to
    declaration.evidence_status = evidence_to
    declaration.updated_at = now
    if action is Action.SUBMIT:
        declaration.submitted_at = now
    await emit(
        session,
        "declaration.status_changed",
        DeclarationStatusChanged(
            declaration_id=declaration.id,
            org_id=declaration.org_id,
            product_id=declaration.product_id,
            product_name=declaration.product_name,
            agency_org_id=declaration.agency_org_id,
            standard_no=declaration.standard_no,
            standard_name=declaration.standard_name,
            action=action.value,
            list_status={"from": state[0].value, "to": list_to.value},
            list_status_label=list_to.label,
            evidence_status={"from": state[1].value, "to": evidence_to.value},
            evidence_status_label=evidence_to.label,
            opinion=opinion,
            actor_role=actor.value,
            enterprise_must_know=step.enterprise_must_act,
            review_id=review.id,
            origin=declaration.origin,
            at=now,
        ),
    )
    # a self-declared standard is on its agency's list while the agency's pass stands
    await sync_self_listing(session, declaration, now=now)
    if step.opens_notice:
        await open_notice(session, declaration, now=now, days=notice_days)
    if list_to is ListStatus.PUBLISHED:
        await announce_published(session, declaration, now=now)
    return review


async def open_notice(session: AsyncSession, declaration: Declaration, *, now: datetime, days: int) -> Notice:
    """Each passed declaration gets its own 14-day notice: its deadline is stored and the poller ends it."""
    notice = Notice(
        id=uuid.uuid4(),
        year=declaration.year,
        product_id=declaration.product_id,
        product_name=declaration.product_name,
        starts_at=now,
        ends_at=now + timedelta(days=days),
    )
    session.add(notice)
    declaration.notice_id = notice.id
    await emit(
        session,
        "notice.opened",
        NoticeOpened(
            notice_id=notice.id,
            year=notice.year,
            product_id=notice.product_id,
            declaration_ids=[declaration.id],
            starts_at=notice.starts_at,
            ends_at=notice.ends_at,
        ),
    )
    return notice


async def announce_published(session: AsyncSession, declaration: Declaration, *, now: datetime) -> None:
    declaration.published_at = now
    product = await session.get(Product, declaration.product_id)
    models = await repository.models_of(session, declaration.id)
    snapshot = declaration.enterprise_snapshot or {}
    await emit(
        session,
        "declaration.published",
        DeclarationPublished(
            declaration_id=declaration.id,
            org_id=declaration.org_id,
            enterprise_name=snapshot.get("name") or declaration.enterprise_name,
            credit_code=snapshot.get("credit_code") or declaration.credit_code,
            product_id=declaration.product_id,
            product_name=declaration.product_name,
            field=declaration.field,
            year=declaration.year,
            agency_org_id=declaration.agency_org_id,
            agency_name=product.agency_name if product else "",
            standard_no=declaration.standard_no,
            standard_name=declaration.standard_name,
            models=[DeclarationModel(model_id=m.id, name=m.name, spec=m.spec, intro=m.intro) for m in models],
            published_at=now,
        ),
    )
