"""Use cases of the mall. Each public use case owns one transaction; helpers that take a session never
commit. Events leave through the outbox in the same transaction as the change they announce."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from contracts.mall import ProductListed, ProductUnlisted, PromotionCompleted
from fastapi import UploadFile
from kit.bus import emit
from kit.errors import AppError, Conflict, Invalid, NotFound, Unavailable
from kit.runtime import Runtime
from kit.storage import new_key
from kit.uploads import check_upload
from PIL import Image
from sqlalchemy import any_, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from mall.domain import search
from mall.domain.completeness import describe_missing, missing_requirements
from mall.domain.labels import ListingStatus, PictureKind, Requirement, Source, UnlistReason
from mall.domain.richtext import MAX_INTRODUCTION_CHARS, sanitise_introduction
from mall.models import Brand, Category, Certificate, Picture, Plan, Product

log = structlog.get_logger("mall.service")

BUCKET = "lp-mall"


# ---------------------------------------------------------------- helpers (session given, never commit)


def refresh_search(product: Product) -> None:
    """Recompute the searchable text and grams after any change of a searchable or filtered field."""
    facets = [search.facet("s", product.star), *search.region_facets(product.region_code)]
    if product.field:
        facets.append(search.facet("f", product.field))
    if product.product_id:
        facets.append(search.facet("p", product.product_id))
    if product.brand_name:
        facets.append(search.facet("b", product.brand_name))
    product.search_text, product.search_grams = search.document(
        [
            product.name,
            product.model,
            product.product_name,
            product.field,
            product.enterprise_name,
            product.brand_name,
            product.standard_no,
            product.standard_name,
        ],
        facets,
    )


def missing_of(product: Product) -> list[Requirement]:
    return missing_requirements(
        has_introduction=product.has_introduction,
        picture_count=product.picture_count,
        has_brand=product.brand_id is not None,
    )


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


async def take_off(session: AsyncSession, product: Product, reason: UnlistReason, now: datetime) -> None:
    """下架 for any reason; announced so notify can tell the enterprise."""
    was_listed = product.status == ListingStatus.LISTED
    if reason in (UnlistReason.CERTIFICATE_REVOKED, UnlistReason.CERTIFICATE_EXPIRED):
        product.status = ListingStatus.WITHDRAWN
        product.withdrawn_reason = reason.value
    elif was_listed:
        product.status = ListingStatus.UNLISTED
    product.listed_at = None if product.status != ListingStatus.LISTED else product.listed_at
    product.updated_at = now
    if was_listed:
        await emit(
            session,
            "mall.product_unlisted",
            ProductUnlisted(
                model_id=product.model_id,
                org_id=product.org_id,
                reason=reason.value,
                reason_label=reason.label,
                product_name=product.name or product.product_name,
                model=product.model,
            ),
        )


async def certificate_blocks(session: AsyncSession, product: Product) -> str | None:
    """The reason a revoked or expired certificate keeps this model off the mall, if any. A newer valid
    certificate of the same declaration lifts it."""
    ended = product.model_id == any_(Certificate.model_ids)
    if product.declaration_id is not None:
        ended = or_(Certificate.declaration_id == product.declaration_id, ended)
    rows = (
        await session.execute(
            select(Certificate.status, Certificate.changed_at)
            .where(ended)
            .order_by(Certificate.changed_at.desc())
        )
    ).all()
    if not rows or rows[0].status == "valid":
        return None
    return "certificate_expired" if rows[0].status == "expired" else "certificate_revoked"


# ---------------------------------------------------------------- enterprise: promotion material


async def _own_product(
    session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID, *, lock: bool = False
) -> Product:
    stmt = select(Product).where(Product.model_id == model_id, Product.org_id == org_id)
    if lock:
        stmt = stmt.with_for_update()
    product = (await session.execute(stmt)).scalar_one_or_none()
    if product is None:
        # Another enterprise's model answers exactly like a missing one.
        raise NotFound("产品不存在", code="product_not_found")
    return product


async def _pictures(session: AsyncSession, model_id: uuid.UUID) -> list[Picture]:
    return list(
        (
            await session.execute(
                select(Picture)
                .where(Picture.model_id == model_id)
                .order_by(Picture.kind, Picture.position, Picture.created_at)
            )
        ).scalars()
    )


@dataclass
class PromotionView:
    product: Product
    pictures: list[Picture]
    brands: list[Brand]
    missing: list[Requirement]


async def list_own(
    runtime: Runtime, org_id: uuid.UUID, *, status: str | None, page: dict[str, Any]
) -> tuple[list[Product], int]:
    async with runtime.db.session() as session:
        where = [Product.org_id == org_id]
        if status:
            where.append(Product.status == status)
        total = (await session.execute(select(func.count()).select_from(Product).where(*where))).scalar_one()
        rows = (
            await session.execute(
                select(Product)
                .where(*where)
                .order_by(Product.created_at.desc(), Product.model_id)
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).scalars()
        return list(rows), total


async def get_promotion(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> PromotionView:
    async with runtime.db.session() as session:
        return await _view(session, org_id, model_id)


async def _view(session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID) -> PromotionView:
    product = await _own_product(session, org_id, model_id)
    brands = list(
        (
            await session.execute(
                select(Brand).where(Brand.org_id == org_id, Brand.deleted.is_(False)).order_by(Brand.name)
            )
        ).scalars()
    )
    return PromotionView(product, await _pictures(session, model_id), brands, missing_of(product))


_UNSET: Any = object()


async def save_promotion(
    runtime: Runtime,
    org_id: uuid.UUID,
    model_id: uuid.UUID,
    *,
    introduction: str | None = _UNSET,
    brand_id: uuid.UUID | None = _UNSET,
) -> PromotionView:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await _own_product(session, org_id, model_id, lock=True)
        if introduction is not _UNSET:
            await _apply_introduction(session, product, introduction or "")
        if brand_id is not _UNSET:
            if brand_id is None:
                product.brand_id, product.brand_name = None, None
            else:
                brand = (
                    await session.execute(
                        select(Brand).where(
                            Brand.brand_id == brand_id, Brand.org_id == org_id, Brand.deleted.is_(False)
                        )
                    )
                ).scalar_one_or_none()
                if brand is None:
                    raise Invalid(
                        "所选品牌不存在，请先在“企业信息-品牌信息”中添加品牌",
                        code="brand_not_found",
                        details=[{"field": "brand_id", "message": "品牌不存在"}],
                    )
                product.brand_id, product.brand_name = brand.brand_id, brand.name
        _refuse_incomplete_while_listed(product)
        product.updated_at = now
        refresh_search(product)
        await announce_if_complete(session, product, now)
        await session.flush()
        return await _view(session, org_id, model_id)


async def _apply_introduction(session: AsyncSession, product: Product, raw: str) -> None:
    if len(raw) > MAX_INTRODUCTION_CHARS * 2:
        raise Invalid(f"产品介绍过长，不能超过 {MAX_INTRODUCTION_CHARS} 个字符", code="introduction_too_long")
    own = (await session.execute(select(Picture.id).where(Picture.model_id == product.model_id))).scalars()
    clean = await asyncio.to_thread(sanitise_introduction, raw, own_pictures=list(own))
    if len(clean.html) > MAX_INTRODUCTION_CHARS:
        raise Invalid(f"产品介绍过长，不能超过 {MAX_INTRODUCTION_CHARS} 个字符", code="introduction_too_long")
    product.introduction = clean.html
    product.has_introduction = not clean.is_empty


def _refuse_incomplete_while_listed(product: Product) -> None:
    missing = missing_of(product)
    if product.status == ListingStatus.LISTED and missing:
        raise Conflict(
            "已上架产品的宣传材料必须完整；如需删除，请先下架。" + describe_missing(missing),
            code="listed_material_incomplete",
            details={"missing": [m.value for m in missing], "missing_labels": [m.label for m in missing]},
        )


def _thumbnail(data: bytes, kind: str, size: int) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        thumb = img.copy()
    thumb.thumbnail((size, size))
    out = io.BytesIO()
    if kind == "jpeg":
        if thumb.mode not in ("RGB", "L"):
            thumb = thumb.convert("RGB")
        thumb.save(out, format="JPEG", quality=85)
    else:
        thumb.save(out, format="PNG", optimize=True)
    return out.getvalue()


async def add_picture(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, upload: UploadFile, *, kind: PictureKind
) -> Picture:
    settings = runtime.settings
    # Ownership first: a stranger learns nothing about the file checks of another enterprise's model.
    async with runtime.db.session() as session:
        await _own_product(session, org_id, model_id)
    checked = await check_upload(
        upload,
        allowed={"png", "jpeg"},
        max_bytes=settings.mall_picture_max_bytes,
        what="产品图片",
        max_pixels=settings.mall_picture_max_pixels,
    )
    try:
        thumb = await asyncio.to_thread(_thumbnail, checked.data, checked.kind, settings.mall_thumbnail_px)
    except (OSError, ValueError) as exc:  # a pixel format Pillow decodes but cannot scale or write back
        raise Invalid(
            "产品图片无法处理，请转换为常见的 RGB 格式 JPG 或 PNG 后上传", code="image_unprocessable"
        ) from exc
    suffix = ".jpg" if checked.kind == "jpeg" else ".png"
    key, thumb_key = new_key(f"pictures/{model_id}", suffix), new_key(f"thumbs/{model_id}", suffix)
    now = await runtime.clock.now()
    assert runtime.storage is not None
    written: list[str] = []
    try:
        async with runtime.db.transaction() as session:
            product = await _own_product(session, org_id, model_id, lock=True)
            limit = (
                settings.mall_pictures_max
                if kind == PictureKind.PRODUCT
                else settings.mall_intro_pictures_max
            )
            count = (
                await session.execute(
                    select(func.count())
                    .select_from(Picture)
                    .where(Picture.model_id == model_id, Picture.kind == kind)
                )
            ).scalar_one()
            if count >= limit:
                what = "产品图片" if kind == PictureKind.PRODUCT else "产品介绍中的图片"
                raise Conflict(
                    f"{what}最多 {limit} 张，请先删除不需要的图片",
                    code="picture_limit_reached",
                    details={"max": limit},
                )
            picture = Picture(
                id=uuid.uuid4(),
                model_id=model_id,
                org_id=org_id,
                kind=kind.value,
                position=count,
                key=key,
                thumb_key=thumb_key,
                content_type=checked.content_type,
                width=checked.width or 0,
                height=checked.height or 0,
                size=len(checked.data),
                thumb_size=len(thumb),
                etag=hashlib.sha256(checked.data).hexdigest()[:32],
                original_name=(upload.filename or "")[:200] or None,
            )
            session.add(picture)
            # The objects are written while the row lock is held, so the count cannot be raced past 5;
            # a commit failure afterwards leaves objects without a row, removed below.
            await _store(runtime, key, checked.data, checked.content_type)
            written.append(key)
            await _store(runtime, thumb_key, thumb, checked.content_type)
            written.append(thumb_key)
            if kind == PictureKind.PRODUCT:
                product.picture_count = count + 1
                if product.cover_picture_id is None:
                    product.cover_picture_id = picture.id
            product.updated_at = now
            await announce_if_complete(session, product, now)
    except BaseException:
        await _remove_objects(runtime, written)
        raise
    return picture


async def _store(runtime: Runtime, key: str, data: bytes, content_type: str) -> None:
    assert runtime.storage is not None
    try:
        await runtime.storage.put(BUCKET, key, data, content_type=content_type)
    except Exception as exc:  # S3 away: the client may retry; nothing was recorded
        log.warning("picture_not_stored", error=type(exc).__name__)
        raise Unavailable("图片存储暂时不可用，请稍后再试", code="storage_unavailable") from exc


async def _remove_objects(runtime: Runtime, keys: list[str]) -> None:
    assert runtime.storage is not None
    for key in keys:
        try:
            await runtime.storage.delete(BUCKET, key)
        except Exception as exc:  # an orphan object is harmless; the row is what makes it visible
            log.warning("picture_object_not_removed", error=type(exc).__name__)


async def delete_picture(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, picture_id: uuid.UUID
) -> None:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await _own_product(session, org_id, model_id, lock=True)
        picture = (
            await session.execute(
                select(Picture).where(Picture.id == picture_id, Picture.model_id == model_id)
            )
        ).scalar_one_or_none()
        if picture is None:
            raise NotFound("图片不存在", code="picture_not_found")
        await session.delete(picture)
        await session.flush()
        if picture.kind == PictureKind.PRODUCT:
            remaining = [p for p in await _pictures(session, model_id) if p.kind == PictureKind.PRODUCT]
            for position, p in enumerate(remaining):
                p.position = position
            product.picture_count = len(remaining)
            product.cover_picture_id = remaining[0].id if remaining else None
        else:
            # The introduction may show this picture: sanitising again against the remaining pictures
            # removes the dead <img>.
            await _apply_introduction(session, product, product.introduction)
        _refuse_incomplete_while_listed(product)
        product.updated_at = now
        keys = [picture.key, picture.thumb_key]
    await _remove_objects(runtime, keys)


async def reorder_pictures(
    runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID, picture_ids: list[uuid.UUID]
) -> list[Picture]:
    async with runtime.db.transaction() as session:
        product = await _own_product(session, org_id, model_id, lock=True)
        current = [p for p in await _pictures(session, model_id) if p.kind == PictureKind.PRODUCT]
        if len(picture_ids) != len(set(picture_ids)) or set(picture_ids) != {p.id for p in current}:
            raise Invalid(
                "图片顺序须列出本产品的全部产品图片，且每张只出现一次",
                code="picture_order_invalid",
                details={"expected": [str(p.id) for p in current]},
            )
        by_id = {p.id: p for p in current}
        for position, pid in enumerate(picture_ids):
            by_id[pid].position = position
        product.cover_picture_id = picture_ids[0] if picture_ids else None
        await session.flush()
        return [by_id[pid] for pid in picture_ids]


async def list_product(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> Product:
    """上架: only complete material, never a model whose certificate was revoked or expired."""
    product = await _list_product(runtime, org_id, model_id)
    await forget_categories(runtime)
    return product


async def _list_product(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> Product:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await _own_product(session, org_id, model_id, lock=True)
        if product.status == ListingStatus.LISTED:
            return product
        blocked = await certificate_blocks(session, product)
        if product.status == ListingStatus.WITHDRAWN or blocked:
            reason = UnlistReason(blocked or product.withdrawn_reason or "certificate_revoked")
            raise Conflict(
                "该产品的领跑者证书已撤销或过期，不能上架",
                code="certificate_not_valid",
                details={"reason": reason.value},
            )
        missing = missing_of(product)
        if missing:
            raise Conflict(
                describe_missing(missing),
                code="promotion_incomplete",
                details={"missing": [m.value for m in missing], "missing_labels": [m.label for m in missing]},
            )
        product.status = ListingStatus.LISTED
        product.listed_at = now
        product.updated_at = now
        await announce_if_complete(session, product, now)
        await emit(
            session,
            "mall.product_listed",
            ProductListed(
                model_id=product.model_id,
                org_id=product.org_id,
                product_name=product.name or product.product_name,
                model=product.model,
            ),
        )
        return product


async def unlist_product(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> Product:
    """下架 by the enterprise; the material is kept for listing again."""
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await _own_product(session, org_id, model_id, lock=True)
        await take_off(session, product, UnlistReason.ENTERPRISE, now)
    await forget_categories(runtime)
    return product


# ---------------------------------------------------------------- public catalogue


@dataclass
class CatalogueQuery:
    category: str | None = None  # field (领域)
    product_id: uuid.UUID | None = None  # key-field product
    star: int | None = None
    brand: str | None = None
    region: str | None = None
    q: str | None = None
    sort: str = "latest"


def catalogue_filters(query: CatalogueQuery) -> list[Any]:
    """Without a keyword, filters use the partial b-tree indexes of listed products. With one, the
    filters travel as facets in the same GIN containment as the keyword's grams: one index lookup
    finds exactly the matching rows instead of fetching every keyword match to filter it."""
    where: list[Any] = [Product.status == ListingStatus.LISTED]
    region = None
    if query.region:
        region = search.region_prefix(query.region)
        if region is None:
            raise Invalid("行政区划代码格式不正确，应为 2、4 或 6 位数字", code="invalid_region")
    terms = search.query_terms(query.q) if query.q else []
    if query.q and not terms:
        # Only punctuation: nothing can match it (rather than everything).
        return [*where, false()]
    if terms:
        needed: set[str] = set()
        for term in terms:
            needed.update(term.grams)
            if not term.exact:
                where.append(Product.search_text.like(search.like_pattern(term.text)))
        if query.category:
            needed.add(search.facet("f", query.category))
        if query.product_id:
            needed.add(search.facet("p", query.product_id))
        if query.star:
            needed.add(search.facet("s", query.star))
        if query.brand:
            needed.add(search.facet("b", query.brand))
        if region:
            needed.add(search.facet("r", region))
        where.append(Product.search_grams.contains(sorted(needed)))
        return where
    if query.category:
        where.append(Product.field == query.category)
    if query.product_id:
        where.append(Product.product_id == query.product_id)
    if query.star:
        where.append(Product.star == query.star)
    if query.brand:
        where.append(Product.brand_name == query.brand)
    if region:
        bounds = search.region_range(region)
        assert bounds is not None
        where.append(Product.region_code >= bounds[0])
        if bounds[1] is not None:
            where.append(Product.region_code < bounds[1])
    return where


_SORTS = {
    "latest": (Product.listed_at.desc(), Product.model_id),
    "oldest": (Product.listed_at.asc(), Product.model_id),
    "star": (Product.star.desc(), Product.listed_at.desc(), Product.model_id),
    "name": (Product.product_name, Product.name, Product.model, Product.model_id),
}


# What a catalogue row shows; the wide columns (grams, introduction, results) stay in the table.
_LIST_COLUMNS = (
    Product.model_id,
    Product.source,
    Product.star,
    Product.product_id,
    Product.product_name,
    Product.field,
    Product.name,
    Product.model,
    Product.enterprise_name,
    Product.region_code,
    Product.brand_name,
    Product.cover_picture_id,
    Product.listed_at,
)


async def search_catalogue(
    runtime: Runtime, query: CatalogueQuery, page: dict[str, Any]
) -> tuple[list[Product], int, bool]:
    """One page of listed products and the number of matches, counted up to the configured cap
    (``capped`` tells the portal to show "1000+")."""
    cap = runtime.settings.mall_search_max_results
    if page["offset"] + page["page_size"] > cap:
        raise Invalid(
            f"最多显示前 {cap} 条结果，请使用关键词或分类缩小范围",
            code="page_beyond_results",
            details={"max": cap},
        )
    where = catalogue_filters(query)
    async with runtime.db.session() as session:
        bounded = select(literal(1)).select_from(Product).where(*where).limit(cap + 1).subquery()
        counted = (await session.execute(select(func.count()).select_from(bounded))).scalar_one()
        total, capped = min(counted, cap), counted > cap
        if total == 0 or page["offset"] >= total:
            return [], total, capped
        rows = (
            await session.execute(
                select(Product)
                .options(load_only(*_LIST_COLUMNS))
                .where(*where)
                .order_by(*_SORTS[query.sort])
                .offset(page["offset"])
                .limit(page["page_size"])
            )
        ).scalars()
        return list(rows), total, capped


CATEGORIES_CACHE = "{namespace}:mall:categories:{variant}"
CATEGORIES_TTL = 30


async def forget_categories(runtime: Runtime) -> None:
    """Listing changes move the counts; the cached tree is dropped after the change is committed."""
    try:
        ns = runtime.settings.bus_namespace
        await runtime.redis.delete(
            CATEGORIES_CACHE.format(namespace=ns, variant="all"),
            CATEGORIES_CACHE.format(namespace=ns, variant="listed"),
        )
    except Exception as exc:  # the TTL bounds the staleness when Redis is away
        log.warning("categories_cache_not_cleared", error=type(exc).__name__)


async def categories(runtime: Runtime, *, include_empty: bool) -> list[dict[str, Any]]:
    """Fields and their key-field products with listed counts. Every visitor's first request, and the
    same for all of them: computed from an index-only scan and kept in Redis for a few seconds."""
    key = CATEGORIES_CACHE.format(
        namespace=runtime.settings.bus_namespace, variant="all" if include_empty else "listed"
    )
    try:
        cached = await runtime.redis.get(key)
    except Exception:
        cached = None
    if cached:
        return json.loads(cached)
    async with runtime.db.session() as session:
        counts = dict(
            (
                await session.execute(
                    select(Product.product_id, func.count())
                    .where(Product.status == ListingStatus.LISTED)
                    .group_by(Product.product_id)
                )
            ).all()
        )
        cats = (
            await session.execute(select(Category).order_by(Category.field, Category.code, Category.name))
        ).scalars()
        fields: dict[str, dict[str, Any]] = {}
        for cat in cats:
            count = counts.get(cat.product_id, 0)
            if not count and not include_empty:
                continue
            entry = fields.setdefault(cat.field, {"field": cat.field, "count": 0, "products": []})
            entry["count"] += count
            entry["products"].append(
                {
                    "product_id": str(cat.product_id),
                    "code": cat.code,
                    "name": cat.name,
                    "year": cat.year,
                    "count": count,
                }
            )
    result = list(fields.values())
    try:
        await runtime.redis.set(key, json.dumps(result, ensure_ascii=False), ex=CATEGORIES_TTL)
    except Exception as exc:
        log.warning("categories_cache_not_written", error=type(exc).__name__)
    return result


@dataclass
class PublicProduct:
    product: Product
    pictures: list[Picture]
    brand: Brand | None
    indicators: list[dict[str, Any]]
    plan_version: int | None
    group_standard: str | None
    certificate_verify_code: str | None


async def public_product(runtime: Runtime, model_id: uuid.UUID) -> PublicProduct:
    async with runtime.db.session() as session:
        product = (
            await session.execute(
                select(Product).where(Product.model_id == model_id, Product.status == ListingStatus.LISTED)
            )
        ).scalar_one_or_none()
        if product is None:
            raise NotFound("产品不存在或已下架", code="product_not_found")
        pictures = [p for p in await _pictures(session, model_id) if p.kind == PictureKind.PRODUCT]
        brand = (
            (
                await session.execute(select(Brand).where(Brand.brand_id == product.brand_id))
            ).scalar_one_or_none()
            if product.brand_id
            else None
        )
        plan = (
            (
                await session.execute(select(Plan).where(Plan.product_id == product.product_id))
            ).scalar_one_or_none()
            if product.product_id
            else None
        )
        code = None
        if product.declaration_id is not None:
            code = (
                await session.execute(
                    select(Certificate.verify_code)
                    .where(
                        Certificate.declaration_id == product.declaration_id,
                        Certificate.status == "valid",
                        Certificate.verify_code.is_not(None),
                    )
                    .order_by(Certificate.changed_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        return PublicProduct(
            product=product,
            pictures=pictures,
            brand=brand,
            indicators=_indicators(product, plan),
            plan_version=product.plan_version or (plan.version if plan else None),
            group_standard=plan.group_standard if plan else None,
            certificate_verify_code=code,
        )


def _indicators(product: Product, plan: Any) -> list[dict[str, Any]]:
    """Star products show their own measured results; forerunner products show the plan's core
    indicators with the forerunner level their standard reached."""
    plan_rows = {i.get("code"): i for i in (plan.indicators if plan else [])}
    if product.source == Source.STAR and product.results:
        out = []
        for r in product.results:
            base = plan_rows.get(r.get("code") or r.get("indicator_code"), {})
            out.append(
                {
                    "code": r.get("code") or r.get("indicator_code") or base.get("code"),
                    "name": r.get("name") or base.get("name"),
                    "unit": r.get("unit") or base.get("unit"),
                    "value": r.get("value"),
                    "star_reached": r.get("star_reached"),
                    "passed": r.get("passed"),
                }
            )
        return out
    return [
        {
            "code": i.get("code"),
            "name": i.get("name"),
            "unit": i.get("unit"),
            "direction": i.get("direction"),
            "forerunner": i.get("forerunner"),
        }
        for i in (plan.indicators if plan else [])
    ]


@dataclass
class PictureFile:
    data: bytes | None  # None when the client's copy is current (304)
    content_type: str
    etag: str
    public: bool


async def picture_file(
    runtime: Runtime,
    picture_id: uuid.UUID,
    *,
    thumb: bool,
    viewer_org: uuid.UUID | None,
    if_none_match: str | None = None,
) -> PictureFile:
    async with runtime.db.session() as session:
        row = (
            await session.execute(
                select(Picture, Product.status)
                .join(Product, Product.model_id == Picture.model_id)
                .where(Picture.id == picture_id)
            )
        ).first()
    if row is None:
        raise NotFound("图片不存在", code="picture_not_found")
    picture, status = row
    public = status == ListingStatus.LISTED
    if not public and viewer_org != picture.org_id:
        raise NotFound("图片不存在", code="picture_not_found")
    etag = f'"{picture.etag}{"-t" if thumb else ""}"'
    if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
        return PictureFile(None, picture.content_type, etag, public)
    assert runtime.storage is not None
    try:
        data = await runtime.storage.get(BUCKET, picture.thumb_key if thumb else picture.key)
    except AppError:
        raise
    except Exception as exc:
        log.warning("picture_not_read", error=type(exc).__name__)
        raise Unavailable("图片存储暂时不可用，请稍后再试", code="storage_unavailable") from exc
    return PictureFile(data, picture.content_type, etag, public)
