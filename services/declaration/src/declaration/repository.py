"""Queries of the declaration service: the use cases ask here, never build SQL themselves. Helpers take the
caller's session and never commit.

Who sees which declaration: an enterprise its own, an agency those of its products, the working group
all. Anything else answers 404 (never 403), so ids of other tenants reveal nothing."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from kit.db import Shaped, StatementCache
from kit.paging import PageParams, count
from kit.security import OrgType, Principal
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ClauseElement

from declaration.domain.search import Spelling
from declaration.domain.statuses import EvidenceStatus, ListStatus, ObjectionStatus
from declaration.errors import DeclarationNotFound, StarProductNotFound
from declaration.models import (
    Candidate,
    Declaration,
    Enterprise,
    EvidenceFile,
    Notice,
    Objection,
    Product,
    ProductModel,
    Review,
    StarProduct,
)

# a statement of any columns
AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)

# ---------------------------------------------------------------- declarations and who sees them


def scope(query: Q, principal: Principal) -> Q:
    return audience_scope(query, principal.org_type, principal.org_id)


def audience_scope(query: Q, org_type: OrgType, org_id: Any) -> Q:
    """``scope`` by organisation type, the organisation's id a value or a bind parameter."""
    if org_type == OrgType.enterprise:
        return query.where(Declaration.org_id == org_id)
    # a self-declared draft stays the enterprise's own until it is submitted (提交至评估机构端); standards
    # the agency listed itself are visible to it (and the working group) from the start
    shared = or_(Declaration.submitted_at.is_not(None), Declaration.origin == "candidate")
    if org_type == OrgType.agency:
        return query.where(Declaration.agency_org_id == org_id, shared)
    if org_type == OrgType.working_group:
        return query.where(shared)
    return query.where(Declaration.id.is_(None))


async def load_declaration(
    session: AsyncSession, principal: Principal, declaration_id: uuid.UUID, *, for_update: bool = False
) -> Declaration:
    query = scope(select(Declaration).where(Declaration.id == declaration_id), principal)
    if for_update:
        query = query.with_for_update()
    declaration = await session.scalar(query)
    if declaration is None:
        raise DeclarationNotFound()
    return declaration


async def declaration_detail(
    session: AsyncSession, principal: Principal, declaration_id: uuid.UUID
) -> tuple[Declaration, Product | None, Enterprise | None]:
    """The declaration with its product and enterprise in one statement."""
    found = (
        await session.execute(
            scope(select(Declaration, Product, Enterprise), principal)
            .where(Declaration.id == declaration_id)
            .outerjoin(Product, Product.product_id == Declaration.product_id)
            .outerjoin(Enterprise, Enterprise.org_id == Declaration.org_id)
        )
    ).first()
    if found is None:
        raise DeclarationNotFound()
    d, product, enterprise = found
    return d, product, enterprise


async def standard_taken(
    session: AsyncSession, *, org_id: uuid.UUID, product_id: uuid.UUID, standard_no: str,
    other_than: uuid.UUID | None = None,
) -> bool:  # fmt: skip
    """Whether the enterprise already declared this standard for this product."""
    query = select(Declaration.id).where(
        Declaration.org_id == org_id,
        Declaration.product_id == product_id,
        Declaration.standard_no == standard_no,
    )
    if other_than is not None:
        query = query.where(Declaration.id != other_than)
    return await session.scalar(query) is not None


async def declarations_in_notice(
    session: AsyncSession, notice_id: uuid.UUID, *, declaration_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> Sequence[Declaration]:  # fmt: skip
    query = select(Declaration).where(
        Declaration.notice_id == notice_id, Declaration.list_status == ListStatus.IN_NOTICE
    )
    if declaration_id is not None:
        query = query.where(Declaration.id == declaration_id)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).all()


async def declaration_of_candidate(
    session: AsyncSession, candidate_id: uuid.UUID, *, for_update: bool = False
) -> Declaration | None:
    query = select(Declaration).where(Declaration.candidate_id == candidate_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


# ---------------------------------------------------------------- evidence, models, reviews


def evidence_query(declaration_id: uuid.UUID) -> AnySelect:
    return (
        select(EvidenceFile)
        .where(EvidenceFile.declaration_id == declaration_id)
        .order_by(EvidenceFile.created_at, EvidenceFile.id)
    )


async def evidence_files(session: AsyncSession, declaration_id: uuid.UUID) -> Sequence[EvidenceFile]:
    return (await session.scalars(evidence_query(declaration_id))).all()


async def evidence_keys(session: AsyncSession, declaration_id: uuid.UUID) -> list[str]:
    return list(
        (
            await session.scalars(
                select(EvidenceFile.key).where(EvidenceFile.declaration_id == declaration_id)
            )
        ).all()
    )


async def evidence_file(
    session: AsyncSession, declaration_id: uuid.UUID, file_id: uuid.UUID
) -> EvidenceFile | None:
    return await session.scalar(
        select(EvidenceFile).where(EvidenceFile.id == file_id, EvidenceFile.declaration_id == declaration_id)
    )


async def drop_declared_models(session: AsyncSession, declaration_id: uuid.UUID) -> None:
    """The wizard's models (not the ones appended after publication)."""
    await session.execute(
        delete(ProductModel).where(
            ProductModel.declaration_id == declaration_id, ProductModel.appended.is_(False)
        )
    )


async def models_of(
    session: AsyncSession, declaration_id: uuid.UUID, *, appended_last: bool = False
) -> Sequence[ProductModel]:
    order = (ProductModel.appended,) if appended_last else ()
    return (
        await session.scalars(
            select(ProductModel)
            .where(ProductModel.declaration_id == declaration_id)
            .order_by(*order, ProductModel.position, ProductModel.created_at)
        )
    ).all()


async def models_of_many(session: AsyncSession, declaration_ids: list[uuid.UUID]) -> Sequence[ProductModel]:
    if not declaration_ids:
        return []
    return (
        await session.scalars(
            select(ProductModel)
            .where(ProductModel.declaration_id.in_(declaration_ids))
            .order_by(ProductModel.position, ProductModel.created_at)
        )
    ).all()


async def model_exists(session: AsyncSession, declaration_id: uuid.UUID, *, name: str, spec: str) -> bool:
    found = await session.scalar(
        select(ProductModel.id).where(
            ProductModel.declaration_id == declaration_id,
            ProductModel.name == name,
            ProductModel.spec == spec,
        )
    )
    return found is not None


async def model_count(session: AsyncSession, declaration_id: uuid.UUID) -> int:
    return int(
        await session.scalar(select(func.count()).where(ProductModel.declaration_id == declaration_id)) or 0
    )


def reviews_query(declaration_id: uuid.UUID) -> AnySelect:
    return select(Review).where(Review.declaration_id == declaration_id).order_by(Review.seq)


# ---------------------------------------------------------------- products


async def products_by_id(session: AsyncSession, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, Product]:
    if not product_ids:
        return {}
    rows = (await session.scalars(select(Product).where(Product.product_id.in_(product_ids)))).all()
    return {p.product_id: p for p in rows}


# ---------------------------------------------------------------- lists


def list_columns() -> tuple[Any, ...]:
    """What a row of the list shows and decides its actions by: never the documents (values, comparison,
    enterprise snapshot) nor the search grams, and none of the ids and dates the page does not show (a third
    fewer columns to read, send and decode for the 20 rows of a page)."""
    shown = (
        "id", "origin", "agency_org_id", "year", "field", "product_name", "enterprise_name", "standard_no",
        "standard_name", "comparison_verdict", "list_status", "evidence_status", "model_count", "evidence_count",
        "notice_id", "created_at", "submitted_at",
    )  # fmt: skip
    return tuple(Declaration.__table__.c[name] for name in shown)


LIST_COLUMNS = list_columns()
# The designated agency's name as the products carry it, read in the page's statement instead of a second
# round trip: a subquery over the page's rows (``_with_agency_names``), so it runs for the 20 rows after the
# limit (in the page's own select list it would run for every row an index scan passes, 1,000 on page 50).
# Named by text (typed, built once), not by the derived table's columns: building those column proxies on
# every request cost more than the round trip it saves.
_PAGE_ROWS = tuple(literal_column(f"page.{c.name}", c.type).label(c.key) for c in LIST_COLUMNS)
_PAGE_TOTAL = literal_column("page.total", Integer).label("total")
_PAGE_ORDER: tuple[Any, ...] = (literal_column("page.created_at").desc(), literal_column("page.id").desc())
_AGENCY_NAME = (
    select(func.coalesce(func.max(Product.agency_name), ""))
    .where(Product.agency_org_id == literal_column("page.agency_org_id"), Product.agency_name != "")
    .scalar_subquery()
    .label("agency_name")
)


def _with_agency_names(page: AnySelect, *, total: bool = False) -> AnySelect:
    columns = (*_PAGE_ROWS, _PAGE_TOTAL) if total else _PAGE_ROWS
    return select(*columns, _AGENCY_NAME).select_from(page.subquery("page")).order_by(*_PAGE_ORDER)


def declarations_query(
    principal: Principal, *, year: int | None, field: str | None, standard_no: list[Spelling],
    enterprise_name: list[Spelling], list_status: ListStatus | None, evidence_status: EvidenceStatus | None,
    origin: str | None,
) -> Shaped:  # fmt: skip
    """The list page's filters; a text filter matches any of its spellings (``domain.search``)."""
    values: dict[str, Any] = {"org_id": principal.org_id}
    for name, value in (
        ("year", year), ("field", field or None), ("list_status", list_status),
        ("evidence_status", evidence_status), ("origin", origin),
    ):  # fmt: skip
        if value is not None:
            values[name] = value
    texts = (("standard_no", standard_no), ("enterprise_name", enterprise_name))
    if all(len(forms) <= 1 for _, forms in texts):
        # the usual case, one spelling per term: one index lookup for the grams of both
        text_shape: tuple[Hashable, ...] = ("one",)
        grams = [g for _, forms in texts for s in forms for g in s.grams]
        for name, forms in texts:
            for s in forms:
                values[name] = s.pattern
        if grams:
            values["grams"] = grams
    else:
        # per term, per spelling: whether it has grams to look up (pg_trgm has nothing for a short term)
        text_shape = ("any", tuple(tuple(bool(s.grams) for s in forms) for _, forms in texts))
        for name, forms in texts:
            for i, s in enumerate(forms):
                values[f"{name}_{i}"] = s.pattern
                values[f"{name}_{i}_grams"] = s.grams
    shape = (principal.org_type, text_shape, *sorted(k for k in values if k != "org_id"))
    return Shaped(shape, values)


def _filtered(shape: tuple[Hashable, ...]) -> AnySelect:
    """The statement of a ``Shaped`` shape: every value a bind parameter of the name it has there."""
    org_type, text_shape, *present = cast(tuple[OrgType, tuple[Hashable, ...], str], shape)
    names = set(present)
    query = audience_scope(select(Declaration), org_type, bindparam("org_id"))
    for column in (
        Declaration.year, Declaration.field, Declaration.list_status, Declaration.evidence_status,
        Declaration.origin,
    ):  # fmt: skip
        if column.key in names:
            query = query.where(column == bindparam(column.key))
    columns = (("standard_no", Declaration.standard_no), ("enterprise_name", Declaration.enterprise_name))
    if text_shape[0] == "one":
        for name, column in columns:
            if name in names:
                query = query.where(column.ilike(bindparam(name)))
        if "grams" in names:
            # an index lookup for terms of any length (pg_trgm has nothing for one or two characters)
            query = query.where(Declaration.search_grams.contains(bindparam("grams")))
        return query
    for (name, column), spellings in zip(
        columns, cast(tuple[tuple[bool, ...], ...], text_shape[1]), strict=True
    ):
        if spellings:
            query = query.where(or_(*(_spelled(column, f"{name}_{i}", g) for i, g in enumerate(spellings))))
    return query


def _spelled(column: Any, name: str, grams: bool) -> ColumnElement[bool]:
    match = column.ilike(bindparam(name))
    return and_(Declaration.search_grams.contains(bindparam(f"{name}_grams")), match) if grams else match


def _list_statement(shape: Hashable) -> ClauseElement:
    """The list page's three statements per filter shape: the page, the page with its (capped) total riding
    along, and the total alone (for a page past the end)."""
    kind, filters = cast(tuple[str, tuple[Hashable, ...]], shape)
    query = _filtered(filters)
    capped = query.with_only_columns(Declaration.id).order_by(None).limit(bindparam("cap"))
    count = select(func.count()).select_from(capped.subquery()).correlate(None)
    if kind == "count":
        return count
    ordered = (
        query.with_only_columns(*LIST_COLUMNS)
        .order_by(Declaration.created_at.desc(), Declaration.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    if kind == "page":
        return _with_agency_names(ordered)
    # the count rides along with the page as an uncorrelated subquery (computed once): one round trip
    return _with_agency_names(ordered.add_columns(count.scalar_subquery().label("total")), total=True)


# compiled once per filter shape and run on asyncpg directly: SQLAlchemy's own cache walked the statement
# on every request to find it, and its result set-up came on top (issue 17 §2)
_LISTS = StatementCache(_list_statement)


async def declaration_page(
    session: AsyncSession, query: Shaped, *, offset: int, limit: int, known_total: int | None, cap: int
) -> tuple[list[SimpleNamespace], int]:
    """One page of plain rows (the listed columns, not ORM objects: nothing on the page is changed or lazily
    loaded) with each row's ``agency_name``, and the total. Counting stops past ``cap``: a working group's
    "10,000+" costs what 10,000 index entries cost, not all 100,000 rows on every page turn (QUALITY 18).
    For a read session (``Database.read_session``)."""
    values = {**query.values, "offset": offset, "limit": limit, "cap": cap + 1}
    kind = "page" if known_total is not None else "page_total"
    rows = [SimpleNamespace(**r) for r in await _LISTS.fetch(session, (kind, query.shape), values)]
    if known_total is not None:
        return rows, known_total
    if rows:
        return rows, int(rows[0].total)
    if offset == 0:
        return rows, 0
    # a page past the end: the total still says how many there are
    (counted,) = await _LISTS.fetch(session, ("count", query.shape), values)
    return rows, int(counted[0])


def published_query(*, year: int | None, field: str | None, patterns: list[str]) -> AnySelect:
    query = select(Declaration).where(Declaration.list_status == ListStatus.PUBLISHED)
    if year is not None:
        query = query.where(Declaration.year == year)
    if field:
        query = query.where(Declaration.field == field)
    if patterns:
        query = query.where(
            or_(
                *(
                    c.ilike(p)
                    for p in patterns
                    for c in (Declaration.enterprise_name, Declaration.standard_no)
                )
            )
        )
    return query.order_by(Declaration.published_at.desc(), Declaration.id)


async def published_years(session: AsyncSession) -> list[int]:
    return list(
        await session.scalars(
            select(Declaration.year)
            .where(Declaration.list_status == ListStatus.PUBLISHED)
            .group_by(Declaration.year)
            .order_by(Declaration.year.desc())
        )
    )


# ---------------------------------------------------------------- notices and objections


def running_notices_query(now: datetime) -> AnySelect:
    return (
        select(Notice, Declaration)
        .join(Declaration, Declaration.notice_id == Notice.id)
        .where(
            Notice.closed_at.is_(None), Notice.ends_at > now, Declaration.list_status == ListStatus.IN_NOTICE
        )
        .order_by(Notice.starts_at.desc(), Notice.id)
    )


def notices_query(*, state: str | None, now: datetime) -> AnySelect:
    """The working group's view: each notice entry with its objection counts (per declaration: an objection
    names the standard it is against, and holds that one only)."""
    open_objections = (
        select(func.count())
        .where(Objection.declaration_id == Declaration.id, Objection.status == ObjectionStatus.OPEN)
        .correlate(Declaration)
        .scalar_subquery()
    )
    objections = (
        select(func.count())
        .where(Objection.declaration_id == Declaration.id)
        .correlate(Declaration)
        .scalar_subquery()
    )
    query = select(
        Notice, Declaration, open_objections.label("open_objections"), objections.label("objections")
    ).join(Declaration, Declaration.notice_id == Notice.id)
    if state == "running":
        query = query.where(Notice.closed_at.is_(None), Notice.ends_at > now)
    elif state == "ended":
        query = query.where(or_(Notice.closed_at.is_not(None), Notice.ends_at <= now))
    elif state == "held":
        query = query.where(Declaration.list_status == ListStatus.IN_NOTICE, Notice.ends_at <= now)
    return query.order_by(Notice.starts_at.desc(), Notice.id)


def objections_query(*, status: str | None) -> AnySelect:
    query = select(Objection, Declaration).join(Declaration, Declaration.id == Objection.declaration_id)
    if status:
        query = query.where(Objection.status == status)
    return query.order_by(Objection.created_at.desc(), Objection.id)


async def notices_by_id(session: AsyncSession, notice_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Notice]:
    return {n.id: n for n in await session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}


async def objection_counts(
    session: AsyncSession, declaration_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per declaration: how many objections were raised, and how many are still open."""
    rows = (
        await session.execute(
            select(
                Objection.declaration_id,
                func.count(),
                func.count().filter(Objection.status == ObjectionStatus.OPEN),
            )
            .where(Objection.declaration_id.in_(declaration_ids))
            .group_by(Objection.declaration_id)
        )
    ).all()
    return {declaration_id: (int(total), int(still_open or 0)) for declaration_id, total, still_open in rows}


async def open_objections(session: AsyncSession, declaration: Declaration) -> int:
    if declaration.notice_id is None:
        return 0
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Objection)
            .where(
                Objection.declaration_id == declaration.id,
                Objection.notice_id == declaration.notice_id,
                Objection.status == ObjectionStatus.OPEN,
            )
        )
        or 0
    )


async def uphold_other_objections(
    session: AsyncSession, objection: Objection, *, resolution: str, now: datetime
) -> list[uuid.UUID]:
    """The other open objections against the same notice entry are moot once one is upheld; their ids."""
    closed = await session.scalars(
        update(Objection)
        .where(
            Objection.declaration_id == objection.declaration_id,
            Objection.notice_id == objection.notice_id,
            Objection.status == ObjectionStatus.OPEN,
        )
        .values(status=ObjectionStatus.UPHELD, resolution=resolution, resolved_at=now)
        .returning(Objection.id)
    )
    return list(closed)


async def claim_ended_notice(session: AsyncSession, now: datetime) -> Notice | None:
    """One notice whose stored deadline passed and that is not closed yet, claimed with SKIP LOCKED so two
    pollers (replicas) never close the same notice twice."""
    return await session.scalar(
        select(Notice)
        .where(Notice.closed_at.is_(None), Notice.ends_at <= now)
        .order_by(Notice.ends_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


# ---------------------------------------------------------------- candidate lists


async def candidate_by_standard(
    session: AsyncSession,
    *,
    product_id: uuid.UUID,
    credit_code: str,
    standard_no: str,
    for_update: bool = False,
) -> Candidate | None:
    query = select(Candidate).where(
        Candidate.product_id == product_id,
        Candidate.credit_code == credit_code,
        Candidate.standard_no == standard_no,
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def self_declared_rows(session: AsyncSession, org_id: uuid.UUID) -> Sequence[Candidate]:
    return (
        await session.scalars(
            select(Candidate).where(Candidate.org_id == org_id, Candidate.source == "self").with_for_update()
        )
    ).all()


async def candidates_of_credit_code(session: AsyncSession, credit_code: str) -> Sequence[Candidate]:
    return (await session.scalars(select(Candidate).where(Candidate.credit_code == credit_code))).all()


async def verified_enterprise(session: AsyncSession, credit_code: str) -> Enterprise | None:
    return await session.scalar(
        select(Enterprise).where(
            Enterprise.credit_code == credit_code, Enterprise.forerunner_verified.is_(True)
        )
    )


def candidates_query(*, agency_org_id: uuid.UUID | None, product_id: uuid.UUID | None) -> AnySelect:
    query = select(Candidate, Declaration).outerjoin(Declaration, Declaration.candidate_id == Candidate.id)
    if agency_org_id is not None:
        query = query.where(Candidate.agency_org_id == agency_org_id)
    if product_id is not None:
        query = query.where(Candidate.product_id == product_id)
    return query.order_by(Candidate.created_at.desc(), Candidate.id)


# ---------------------------------------------------------------- star products


async def load_star_product(
    session: AsyncSession, principal: Principal, star_id: uuid.UUID, *, for_update: bool = False
) -> StarProduct:
    query = select(StarProduct).where(StarProduct.id == star_id)
    if principal.org_type == OrgType.enterprise:
        query = query.where(StarProduct.org_id == principal.org_id)
    elif principal.org_type != OrgType.working_group:
        query = query.where(StarProduct.id.is_(None))
    if for_update:
        query = query.with_for_update()
    star = await session.scalar(query)
    if star is None:
        raise StarProductNotFound()
    return star


def star_products_query(*, org_id: uuid.UUID | None) -> AnySelect:
    query = select(StarProduct)
    if org_id is not None:
        query = query.where(StarProduct.org_id == org_id)
    return query.order_by(StarProduct.created_at.desc(), StarProduct.id.desc())


# ---------------------------------------------------------------- paging


async def page_of(
    session: AsyncSession, query: AnySelect, params: PageParams, *, scalars: bool = True
) -> tuple[list[Any], int]:
    """One page of ``query`` (ordered by the caller) and how many rows it selects in all."""
    total = await count(session, query)
    if not total or params.offset >= total:
        return [], total
    result = await session.execute(query.offset(params.offset).limit(params.limit))
    return list(result.scalars().all() if scalars else result.all()), total
