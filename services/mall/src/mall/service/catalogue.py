"""The public mall (领跑者供需对接平台): categories, search and product pages. No login needed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import structlog
from kit.runtime import Runtime

from mall import repository
from mall.config import settings_of
from mall.domain import search
from mall.domain.search import CatalogueQuery
from mall.domain.statuses import PictureKind, Source
from mall.errors import PageBeyondResults, ProductNotFound
from mall.models import Brand, Picture, Plan, Product

log = structlog.get_logger("mall.catalogue")

CATEGORIES_CACHE = "{namespace}:mall:categories:{variant}"
CATEGORIES_TTL = 30


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


@dataclass
class CataloguePage:
    rows: list[SimpleNamespace]  # the columns a catalogue row shows, by name (``repository.catalogue_rows``)
    total: int
    capped: bool  # more than ``total`` match: the portal shows "1000+"


async def search_catalogue(
    runtime: Runtime, query: CatalogueQuery, *, offset: int, limit: int
) -> CataloguePage:
    """One page of listed products and the number of matches, counted up to the configured cap."""
    cap = settings_of(runtime).mall_search_max_results
    if offset + limit > cap:
        raise PageBeyondResults(f"最多显示前 {cap} 条结果，请使用关键词或分类缩小范围", details={"max": cap})
    where = repository.catalogue_query(query)
    # outside a transaction: the count and the page need no common snapshot, and BEGIN/ROLLBACK were two
    # round trips of the search's four
    async with runtime.db.read_session() as session:
        counted = await repository.count_up_to(session, where, cap)
        total, capped = min(counted, cap), counted > cap
        if total == 0 or offset >= total:
            return CataloguePage([], total, capped)
        rows = await repository.catalogue_rows(session, where, sort=query.sort, offset=offset, limit=limit)
        return CataloguePage(rows, total, capped)


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
        result: list[dict[str, Any]] = json.loads(cached)
        return result
    async with runtime.db.session() as session:
        counts = await repository.listed_counts(session)
        cats = await repository.categories(session)
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
    tree = list(fields.values())
    try:
        await runtime.redis.set(key, json.dumps(tree, ensure_ascii=False), ex=CATEGORIES_TTL)
    except Exception as exc:
        log.warning("categories_cache_not_written", error=type(exc).__name__)
    return tree


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
        product = await repository.listed_product(session, model_id)
        if product is None:
            raise ProductNotFound("产品不存在或已下架")
        pictures = await repository.pictures(session, model_id, PictureKind.PRODUCT)
        brand = await repository.brand(session, product.brand_id) if product.brand_id else None
        plan = await repository.plan(session, product.product_id) if product.product_id else None
        code = None
        if product.declaration_id is not None:
            code = await repository.valid_certificate_code(session, product.declaration_id)
        return PublicProduct(
            product=product,
            pictures=pictures,
            brand=brand,
            indicators=_indicators(product, plan),
            plan_version=product.plan_version or (plan.version if plan else None),
            group_standard=plan.group_standard if plan else None,
            certificate_verify_code=code,
        )


def _indicators(product: Product, plan: Plan | None) -> list[dict[str, Any]]:
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
