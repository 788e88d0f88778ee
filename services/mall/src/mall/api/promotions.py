"""The enterprise's promotion material per model (完善宣传材料) and 上架/下架."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from kit.paging import MAX_PAGE_SIZE, Page, PageDep, PageParams
from kit.security import EnterprisePrincipal
from kit.web import RuntimeDep

from mall.api.schemas import (
    BrandOut,
    PictureOrderIn,
    PictureOut,
    PromotionIn,
    PromotionOut,
    PromotionSummary,
)
from mall.domain.statuses import ListingStatus, PictureKind
from mall.service import listing, pictures, promotion

router = APIRouter(prefix="/api/mall/promotions", tags=["宣传材料"])

# A model's pictures (at most a few) answered whole, as one page.
ONE_PAGE = PageParams(page=1, page_size=MAX_PAGE_SIZE)


def _out(view: promotion.PromotionView) -> PromotionOut:
    summary = PromotionSummary.of(view.product)
    return PromotionOut(
        **summary.model_dump(),
        introduction=view.product.introduction,
        pictures=[PictureOut.of(p) for p in view.pictures if p.kind == PictureKind.PRODUCT],
        intro_pictures=[PictureOut.of(p) for p in view.pictures if p.kind == PictureKind.INTRO],
        brands=[BrandOut.of(b) for b in view.brands],
    )


@router.get("", response_model=Page[PromotionSummary], operation_id="mall_list_promotions")
async def list_promotions(
    principal: EnterprisePrincipal,
    runtime: RuntimeDep,
    page: PageDep,
    status_: Annotated[ListingStatus | None, Query(alias="status")] = None,
) -> Page[PromotionSummary]:
    """The enterprise's products eligible for the mall, with what their material still lacks."""
    return await promotion.list_own(
        runtime,
        principal.org_id,
        status=status_,
        params=page,
        item=Page[PromotionSummary],
        transform=PromotionSummary.of,
    )


@router.get("/{model_id}", response_model=PromotionOut, operation_id="mall_get_promotion")
async def get_promotion(
    model_id: uuid.UUID, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> PromotionOut:
    return _out(await promotion.get_promotion(runtime, principal.org_id, model_id))


@router.put("/{model_id}", response_model=PromotionOut, operation_id="mall_save_promotion")
async def save_promotion(
    model_id: uuid.UUID, body: PromotionIn, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> PromotionOut:
    """Introduction (rich text, sanitised) and brand (one of the enterprise's brands)."""
    view = await promotion.save_promotion(
        runtime,
        principal.org_id,
        model_id,
        introduction=body.introduction,
        brand_id=body.brand_id,
        fields=frozenset(body.model_fields_set),
    )
    return _out(view)


@router.post(
    "/{model_id}/pictures",
    response_model=PictureOut,
    status_code=status.HTTP_201_CREATED,
    operation_id="mall_add_picture",
)
async def add_picture(
    model_id: uuid.UUID,
    principal: EnterprisePrincipal,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File(description="JPG 或 PNG，不大于 500 KB，建议 300×300")],
    kind: PictureKind = PictureKind.PRODUCT,
) -> PictureOut:
    """A product picture (1-5), or with ``kind=intro`` a picture to embed in the introduction."""
    return PictureOut.of(await pictures.add_picture(runtime, principal.org_id, model_id, file, kind=kind))


@router.delete(
    "/{model_id}/pictures/{picture_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="mall_delete_picture",
)
async def delete_picture(
    model_id: uuid.UUID, picture_id: uuid.UUID, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> Response:
    await pictures.delete_picture(runtime, principal.org_id, model_id, picture_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{model_id}/pictures/order", response_model=Page[PictureOut], operation_id="mall_reorder_pictures"
)
async def reorder_pictures(
    model_id: uuid.UUID, body: PictureOrderIn, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> Page[PictureOut]:
    """The product pictures in display order (all of them, on one page); the first is the cover."""
    ordered = await pictures.reorder_pictures(runtime, principal.org_id, model_id, body.picture_ids)
    return Page[PictureOut].of([PictureOut.of(p) for p in ordered], len(ordered), ONE_PAGE)


@router.post("/{model_id}/list", response_model=PromotionSummary, operation_id="mall_list_product")
async def list_product(
    model_id: uuid.UUID, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> PromotionSummary:
    """上架: shown under its category in the public mall. Only complete material can be listed."""
    return PromotionSummary.of(await listing.list_product(runtime, principal.org_id, model_id))


@router.post("/{model_id}/unlist", response_model=PromotionSummary, operation_id="mall_unlist_product")
async def unlist_product(
    model_id: uuid.UUID, principal: EnterprisePrincipal, runtime: RuntimeDep
) -> PromotionSummary:
    """下架: removed from the public mall; the material is kept."""
    return PromotionSummary.of(await listing.unlist_product(runtime, principal.org_id, model_id))
