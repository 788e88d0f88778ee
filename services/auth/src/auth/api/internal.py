"""Routes for other services only (X-Internal-Token; never routed by the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from kit.security import require_internal

from auth.api.deps import CtxDep
from auth.api.schemas import OrganisationOut
from auth.service import organisations

router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal)],
                   include_in_schema=False)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
async def organisation(org_id: uuid.UUID, ctx: CtxDep) -> dict:
    """Name, type and contact phone (in full) of an organisation, for notify's SMS."""
    return await organisations.internal_view(ctx, org_id)
