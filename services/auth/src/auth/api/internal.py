"""Routes for other services only (X-Internal-Token; never routed by the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response
from kit.security import require_internal

from auth.api.deps import CtxDep
from auth.api.schemas import OrganisationOut
from auth.service import enterprise, organisations

router = APIRouter(
    prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal)], include_in_schema=False
)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
async def organisation(org_id: uuid.UUID, ctx: CtxDep) -> dict:
    """Name, type and contact phone (in full) of an organisation, for notify's SMS."""
    return await organisations.internal_view(ctx, org_id)


@router.get(
    "/brands/{brand_id}/logo", response_class=Response, responses={200: {"content": {"image/png": {}}}}
)
async def brand_logo(brand_id: uuid.UUID, ctx: CtxDep) -> Response:
    """A brand's logo (PNG) for the mall's public brand-logo route; the mall checks that the brand is shown."""
    data, etag = await enterprise.brand_logo_internal(ctx, brand_id)
    return Response(data, media_type="image/png", headers={"ETag": etag, "Cache-Control": "no-store"})
