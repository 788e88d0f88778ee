"""The mall's queries. Functions take the caller's session and never commit; the use cases in
``mall.service`` decide what the rows mean."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from types import SimpleNamespace
from typing import Any, cast

from kit import text
from kit.db import Shaped, StatementCache
from sqlalchemy import ColumnElement, Select, any_, bindparam, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ClauseElement

from mall.domain import search
from mall.domain.search import CatalogueQuery
from mall.domain.statuses import ListingStatus, PictureKind
from mall.errors import InvalidRegion
from mall.models import Brand, Category, Certificate, Picture, Plan, Product

LISTED = Product.status == ListingStatus.LISTED.value


# ---------------------------------------------------------------- products and their material


async def own_product(
    session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID, *, lock: bool = False
) -> Product | None:
    stmt = select(Product).where(Product.model_id == model_id, Product.org_id == org_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def own_products(org_id: uuid.UUID, status: ListingStatus | None) -> Select[Any]:
    stmt = select(Product).where(Product.org_id == org_id)
    if status is not None:
        stmt = stmt.where(Product.status == status.value)
    return stmt.order_by(Product.created_at.desc(), Product.model_id)


async def products_for_update(session: AsyncSession, *where: ColumnElement[bool]) -> list[Product]:
    return list((await session.execute(select(Product).where(*where).with_for_update())).scalars())


async def pictures(
    session: AsyncSession, model_id: uuid.UUID, kind: PictureKind | None = None
) -> list[Picture]:
    stmt = select(Picture).where(Picture.model_id == model_id)
    if kind is not None:
        stmt = stmt.where(Picture.kind == kind.value)
    return list(
        (await session.execute(stmt.order_by(Picture.kind, Picture.position, Picture.created_at))).scalars()
    )


async def picture_ids(session: AsyncSession, model_id: uuid.UUID) -> list[uuid.UUID]:
    return list((await session.execute(select(Picture.id).where(Picture.model_id == model_id))).scalars())


async def count_pictures(session: AsyncSession, model_id: uuid.UUID, kind: PictureKind) -> int:
    stmt = (
        select(func.count())
        .select_from(Picture)
        .where(Picture.model_id == model_id, Picture.kind == kind.value)
    )
    return int((await session.execute(stmt)).scalar_one())


async def product_picture(
    session: AsyncSession, model_id: uuid.UUID, picture_id: uuid.UUID
) -> Picture | None:
    stmt = select(Picture).where(Picture.id == picture_id, Picture.model_id == model_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def picture_and_status(session: AsyncSession, picture_id: uuid.UUID) -> tuple[Picture, str] | None:
    row = (
        await session.execute(
            select(Picture, Product.status)
            .join(Product, Product.model_id == Picture.model_id)
            .where(Picture.id == picture_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


# ---------------------------------------------------------------- brands


async def enterprise_brands(session: AsyncSession, org_id: uuid.UUID) -> list[Brand]:
    stmt = select(Brand).where(Brand.org_id == org_id, Brand.deleted.is_(False)).order_by(Brand.name)
    return list((await session.execute(stmt)).scalars())


async def live_brand(session: AsyncSession, org_id: uuid.UUID, brand_id: uuid.UUID) -> Brand | None:
    stmt = select(Brand).where(Brand.brand_id == brand_id, Brand.org_id == org_id, Brand.deleted.is_(False))
    return (await session.execute(stmt)).scalar_one_or_none()


async def brand(session: AsyncSession, brand_id: uuid.UUID) -> Brand | None:
    return await session.get(Brand, brand_id)


async def brand_shown(session: AsyncSession, brand_id: uuid.UUID) -> bool:
    """Whether a listed product carries the brand (its logo is then public)."""
    stmt = select(Product.model_id).where(Product.brand_id == brand_id, LISTED).limit(1)
    return (await session.execute(stmt)).first() is not None


# ---------------------------------------------------------------- certificates


async def latest_certificate_status(session: AsyncSession, product: Product) -> str | None:
    """The status of the newest certificate naming this model or its declaration, if any."""
    concerned = any_(Certificate.model_ids) == product.model_id
    if product.declaration_id is not None:
        concerned = or_(Certificate.declaration_id == product.declaration_id, concerned)
    stmt = select(Certificate.status).where(concerned).order_by(Certificate.changed_at.desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def valid_certificate_code(session: AsyncSession, declaration_id: uuid.UUID) -> str | None:
    stmt = (
        select(Certificate.verify_code)
        .where(
            Certificate.declaration_id == declaration_id,
            Certificate.status == "valid",
            Certificate.verify_code.is_not(None),
        )
        .order_by(Certificate.changed_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# ---------------------------------------------------------------- public catalogue


def catalogue_query(query: CatalogueQuery) -> Shaped:
    """The search as a statement shape (which filters and how many keyword patterns it has) and its values:
    see ``catalogue_conditions``."""
    values: dict[str, Any] = {}
    region = None
    if query.region:
        region = search.region_prefix(query.region)
        if region is None:
            raise InvalidRegion()
    terms = search.query_terms(query.q) if query.q else []
    if query.q and not terms:
        # Only punctuation: nothing can match it (rather than everything).
        return Shaped(("none",), values)
    if terms:
        needed: set[str] = set()
        patterns = [text.contains_pattern(term.text) for term in terms if not term.exact]
        for term in terms:
            needed.update(term.grams)
        for prefix, value in (
            ("f", query.category), ("p", query.product_id), ("s", query.star), ("b", query.brand), ("r", region),
        ):  # fmt: skip
            if value:
                needed.add(search.facet(prefix, value))
        values.update({f"like_{i}": p for i, p in enumerate(patterns)}, grams=sorted(needed))
        return Shaped(("keyword", len(patterns)), values)
    for name, value in (
        ("field", query.category), ("product_id", query.product_id), ("star", query.star),
        ("brand_name", query.brand),
    ):  # fmt: skip
        if value:
            values[name] = value
    if region:
        bounds = search.region_range(region)
        assert bounds is not None  # region is a well-formed prefix
        values["region_lower"], upper = bounds
        if upper is not None:
            values["region_upper"] = upper
    return Shaped(("filters", *sorted(values)), values)


def catalogue_conditions(shape: tuple[Hashable, ...]) -> list[ColumnElement[bool]]:
    """Without a keyword, filters use the partial b-tree indexes of listed products. With one, the
    filters travel as facets in the same GIN containment as the keyword's grams: one index lookup
    finds exactly the matching rows instead of fetching every keyword match to filter it. Every value is a
    bind parameter named as in ``catalogue_query``."""
    where: list[ColumnElement[bool]] = [LISTED]
    kind, *rest = shape
    if kind == "none":
        return [*where, false()]
    if kind == "keyword":
        (patterns,) = cast(tuple[int], tuple(rest))
        where.extend(Product.search_text.like(bindparam(f"like_{i}")) for i in range(patterns))
        where.append(Product.search_grams.contains(bindparam("grams")))
        return where
    present = set(rest)
    for column in (Product.field, Product.product_id, Product.star, Product.brand_name):
        if column.key in present:
            where.append(column == bindparam(column.key))
    if "region_lower" in present:
        where.append(Product.region_code >= bindparam("region_lower", type_=Product.region_code.type))
    if "region_upper" in present:
        where.append(Product.region_code < bindparam("region_upper", type_=Product.region_code.type))
    return where


_SORTS: dict[str, tuple[Any, ...]] = {
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


def _catalogue_statement(shape: Hashable) -> ClauseElement:
    """The search's count (up to a bound) or its page, per sort and filter shape."""
    kind, sort, filters = cast(tuple[str, str, tuple[Hashable, ...]], shape)
    where = catalogue_conditions(filters)
    if kind == "count":
        bounded = select(literal(1)).select_from(Product).where(*where).limit(bindparam("bound")).subquery()
        return select(func.count()).select_from(bounded)
    return (
        select(*_LIST_COLUMNS)
        .where(*where)
        .order_by(*_SORTS[sort])
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


# compiled once per shape and run on asyncpg directly (issue 17 §2: SQLAlchemy's cache lookup and the ORM's
# result set-up were a third of the search's CPU)
_CATALOGUE = StatementCache(_catalogue_statement)


async def count_up_to(session: AsyncSession, query: Shaped, cap: int) -> int:
    """How many products match, counting no further than ``cap`` + 1. For a read session."""
    (row,) = await _CATALOGUE.fetch(session, ("count", "", query.shape), {**query.values, "bound": cap + 1})
    return int(row[0])


async def catalogue_rows(
    session: AsyncSession, query: Shaped, *, sort: str, offset: int, limit: int
) -> list[SimpleNamespace]:
    """A page of the search's rows, the columns of ``_LIST_COLUMNS`` by name. For a read session."""
    values = {**query.values, "offset": offset, "limit": limit}
    return [
        SimpleNamespace(**r) for r in await _CATALOGUE.fetch(session, ("page", sort, query.shape), values)
    ]


async def listed_counts(session: AsyncSession) -> dict[uuid.UUID | None, int]:
    """Listed products per key-field product (an index-only scan)."""
    stmt = select(Product.product_id, func.count()).where(LISTED).group_by(Product.product_id)
    return {product_id: int(n) for product_id, n in (await session.execute(stmt)).all()}


async def categories(session: AsyncSession) -> list[Category]:
    stmt = select(Category).order_by(Category.field, Category.code, Category.name)
    return list((await session.execute(stmt)).scalars())


async def listed_product(session: AsyncSession, model_id: uuid.UUID) -> Product | None:
    stmt = select(Product).where(Product.model_id == model_id, LISTED)
    return (await session.execute(stmt)).scalar_one_or_none()


async def plan(session: AsyncSession, product_id: uuid.UUID) -> Plan | None:
    return (await session.execute(select(Plan).where(Plan.product_id == product_id))).scalar_one_or_none()
