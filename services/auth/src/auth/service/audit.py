"""The audit log (append-only), as operators read it."""

from __future__ import annotations

import uuid
from typing import Any

from auth import repository as repo
from auth.domain.statuses import AuditAction
from auth.service.context import AuthContext


async def entries(
    ctx: AuthContext, *, action: AuditAction | None, org_id: uuid.UUID | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    async with ctx.db.session() as session:
        rows, total = await repo.audit_entries(
            session, action=action.value if action else None, org_id=org_id, offset=offset, limit=limit
        )
    items = [
        {
            "id": r.id,
            "at": r.at,
            "action": r.action,
            "action_label": AuditAction(r.action).label,
            "result": r.result,
            "actor_account_id": r.actor_account_id,
            "actor_org_id": r.actor_org_id,
            "subject_org_id": r.subject_org_id,
            "ip": r.ip,
            "detail": r.detail,
        }
        for r in rows
    ]
    return items, total
