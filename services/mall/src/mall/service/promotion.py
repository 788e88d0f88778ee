"""The enterprise's promotion material per model (完善宣传材料): introduction and brand."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from contracts.mall import PromotionCompleted
from kit.bus import emit
from kit.paging import Page, PageParams, paginate
from kit.runtime import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from mall import repository
from mall.domain.completeness import describe_missing, missing_requirements
from mall.domain.richtext import MAX_INTRODUCTION_CHARS, sanitise_introduction
from mall.domain.statuses import ListingStatus, Requirement
from mall.errors import BrandNotFound, IntroductionTooLong, ListedMaterialIncomplete, ProductNotFound
from mall.models import Brand, Picture, Product
from mall.service.catalogue import refresh_search

T = TypeVar("T")


def missing_of(product: Product) -> list[Requirement]:
    return missing_requirements(
        has_introduction=product.has_introduction,
        picture_count=product.picture_count,
        has_brand=product.brand_id is not None,
    )


def missing_details(missing: list[Requirement]) -> dict[str, list[str]]:
    return {"missing": [m.value for m in missing], "missing_labels": [m.label for m in missing]}


async def own_product(
    session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID, *, lock: bool = False
) -> Product:
    product = await repository.own_product(session, org_id, model_id, lock=lock)
    if product is None:
        # Another enterprise's model answers exactly like a missing one.
        raise ProductNotFound()
    return product


async def announce_if_complete(session: AsyncSession, product: Product, now: datetime) -> None:
    """The first time a model's material is complete, say so once (the star label hangs on it)."""
    if product.completion_announced_at is not None or missing_of(product):
        return
    product.completion_announced_at = now
    await emit(
        session,
        "mall.promotion_completed",
        PromotionCompleted(
            model_id=product.model_id,
            org_id=product.org_id,
            source=product.source,
            declaration_id=product.declaration_id,
            star_product_id=product.star_product_id,
            star=product.star,
            product_name=product.name or product.product_name,
            model=product.model,
            enterprise_name=product.enterprise_name,
        ),
    )


def refuse_incomplete_while_listed(product: Product) -> None:
    missing = missing_of(product)
    if product.status == ListingStatus.LISTED and missing:
        raise ListedMaterialIncomplete(
            ListedMaterialIncomplete.message + describe_missing(missing), details=missing_details(missing)
        )


async def apply_introduction(session: AsyncSession, product: Product, raw: str) -> None:
    too_long = f"产品介绍过长，不能超过 {MAX_INTRODUCTION_CHARS} 个字符"
    if len(raw) > MAX_INTRODUCTION_CHARS * 2:
        raise IntroductionTooLong(too_long)
    own = await repository.picture_ids(session, product.model_id)
    clean = await asyncio.to_thread(sanitise_introduction, raw, own_pictures=own)
    if len(clean.html) > MAX_INTRODUCTION_CHARS:
        raise IntroductionTooLong(too_long)
    product.introduction = clean.html
    product.has_introduction = not clean.is_empty


@dataclass
class PromotionView:
    product: Product
    pictures: list[Picture]
    brands: list[Brand]
    missing: list[Requirement]


async def _view(session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID) -> PromotionView:
    product = await own_product(session, org_id, model_id)
    brands = await repository.enterprise_brands(session, org_id)
    return PromotionView(product, await repository.pictures(session, model_id), brands, missing_of(product))


async def list_own(
    runtime: Runtime,
    org_id: uuid.UUID,
    *,
    status: ListingStatus | None,
    params: PageParams,
    item: type[Page[T]],
    transform: Callable[[Product], T],
) -> Page[T]:
    """The enterprise's products eligible for the mall, newest first."""
    async with runtime.db.session() as session:
        stmt = repository.own_products(org_id, status)
        return await paginate(session, stmt, params, item=item, transform=transform)


async def get_promotion(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> PromotionView:
    async with runtime.db.session() as session:
        return await _view(session, org_id, model_id)


async def save_promotion(
    runtime: Runtime,
    org_id: uuid.UUID,
    model_id: uuid.UUID,
    *,
    introduction: str | None = None,
    brand_id: uuid.UUID | None = None,
    fields: frozenset[str] = frozenset({"introduction", "brand_id"}),
) -> PromotionView:
    """Changes the fields named in ``fields`` (the others stay as they are); ``brand_id`` None clears it."""
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await own_product(session, org_id, model_id, lock=True)
        if "introduction" in fields:
            await apply_introduction(session, product, introduction or "")
        if "brand_id" in fields:
            if brand_id is None:
                product.brand_id, product.brand_name = None, None
            else:
                brand = await repository.live_brand(session, org_id, brand_id)
                if brand is None:
                    raise BrandNotFound("所选品牌不存在，请先在“企业信息-品牌信息”中添加品牌")
                product.brand_id, product.brand_name = brand.brand_id, brand.name
        refuse_incomplete_while_listed(product)
        product.updated_at = now
        refresh_search(product)
        await announce_if_complete(session, product, now)
        await session.flush()
        return await _view(session, org_id, model_id)
