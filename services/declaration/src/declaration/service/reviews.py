"""Use cases of reviews: the agency's (评估机构审核) and the working group's (工作组审核) decisions, and the
audit record (审核记录) a viewer may read."""

from __future__ import annotations

import uuid
from typing import Any

from kit.paging import PageParams
from kit.runtime import Runtime
from kit.security import Principal

from declaration import repository
from declaration.config import Settings
from declaration.domain.statuses import ACTION_LABELS, Action, Actor, EvidenceStatus, ListStatus
from declaration.models import Declaration, Review
from declaration.service.lifecycle import move


async def review(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, *, actor: Actor, decision: Action,
    opinion: str | None,
) -> Declaration:  # fmt: skip
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        d = await repository.load_declaration(session, principal, declaration_id, for_update=True)
        await move(
            session,
            d,
            actor=actor,
            action=decision,
            now=now,
            principal=principal,
            opinion=opinion,
            notice_days=Settings.of(runtime).notice_days,
        )
    return d


async def reviews_of(
    runtime: Runtime, principal: Principal, declaration_id: uuid.UUID, page: PageParams
) -> tuple[list[Review], int]:
    async with runtime.db.session() as session:
        d = await repository.load_declaration(session, principal, declaration_id)
        return await repository.page_of(session, repository.reviews_query(d.id), page)


def review_json(r: Review) -> dict[str, Any]:
    """One line of the audit record with its labels; a public objection is not a move of the table."""

    def label(enum: type[ListStatus] | type[EvidenceStatus], value: str | None) -> str | None:
        return enum(value).label if value else None

    return {
        "id": r.id,
        "at": r.at,
        "actor_role": r.actor_role,
        "actor_name": r.actor_name,
        "action": r.action,
        "action_label": ACTION_LABELS[Action(r.action)]
        if r.action in Action._value2member_map_
        else "公众异议",
        "list_from": r.list_from,
        "list_from_label": label(ListStatus, r.list_from),
        "list_to": r.list_to,
        "list_to_label": label(ListStatus, r.list_to),
        "evidence_from": r.evidence_from,
        "evidence_from_label": label(EvidenceStatus, r.evidence_from),
        "evidence_to": r.evidence_to,
        "evidence_to_label": label(EvidenceStatus, r.evidence_to),
        "opinion": r.opinion,
    }
