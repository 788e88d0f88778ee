"""The certificate service's queries. Functions take the caller's session and never commit; the use cases
in ``certificate.service`` decide what the rows mean."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from collections.abc import Sequence as Seq
from types import SimpleNamespace
from typing import Any, cast

from contracts.catalog import PlanFinalised, ProductSaved
from contracts.declaration import StarProductDeclared
from kit.db import Shaped, StatementCache, upsert
from kit.paging import PageParams, page_with_total
from kit.security import OrgType, Principal
from kit.text import contains_pattern
from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select, text, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ClauseElement

from certificate.domain.statuses import CertificateStatus, LabelKind
from certificate.models import (
    Certificate,
    CertificateHistory,
    CertificateModel,
    Label,
    Product,
    Sequence,
    StarProduct,
)


async def page_of(session: AsyncSession, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """One page of ``stmt``'s entities and the total it selects (one round trip, ``kit.paging``)."""
    return await page_with_total(session, stmt, params)


# ---------------------------------------------------------------- reference copies


async def upsert_product(session: AsyncSession, event: ProductSaved) -> None:
    values = {"code": event.code, "name": event.name, "field": event.field, "year": event.year}
    await upsert(
        session, Product, {"product_id": event.product_id}, values, set_={**values, "updated_at": func.now()}
    )


async def upsert_group_standard(session: AsyncSession, event: PlanFinalised) -> None:
    await upsert(
        session,
        Product,
        {"product_id": event.product_id},
        {"code": "", "name": "", "field": "", "year": 0, "group_standard": event.group_standard},
        set_={"group_standard": event.group_standard, "updated_at": func.now()},
    )


async def upsert_star_product(session: AsyncSession, event: StarProductDeclared) -> None:
    values = {
        "org_id": event.org_id,
        "enterprise_name": event.enterprise_name,
        "product_id": event.product_id,
        "key_field_product": event.product_name,
        "name": event.name,
        "model": event.model,
        "star": event.star,
    }
    await upsert(session, StarProduct, {"star_product_id": event.star_product_id}, values)


async def product(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    return await session.get(Product, product_id)


async def star_product(session: AsyncSession, star_product_id: uuid.UUID) -> StarProduct | None:
    return await session.get(StarProduct, star_product_id)


# ---------------------------------------------------------------- numbers and codes


async def next_sequence(session: AsyncSession, *, kind: str, year: int, field_code: str) -> int:
    """The next number of a series. The upsert locks the counter row until commit, so two issuers in
    the same series queue up instead of taking the same number."""
    result = await session.execute(
        pg_insert(Sequence)
        .values(kind=kind, year=year, field_code=field_code, last=1)
        .on_conflict_do_update(
            index_elements=[Sequence.kind, Sequence.year, Sequence.field_code],
            set_={"last": Sequence.last + 1},
        )
        .returning(Sequence.last)
    )
    return int(result.scalar_one())


async def verify_code_taken(session: AsyncSession, code: str) -> bool:
    taken = await session.scalar(select(Certificate.id).where(Certificate.verify_code == code))
    return bool(taken or await session.scalar(select(Label.id).where(Label.verify_code == code)))


# ---------------------------------------------------------------- certificates


def certificate_scope(principal: Principal) -> ColumnElement[bool]:
    """What each role may see: its own (enterprise), its products' (agency), all (working group, operator)."""
    return audience_scope(principal.org_type, principal.org_id)


def audience_scope(org_type: OrgType, org_id: Any) -> ColumnElement[bool]:
    """``certificate_scope`` by organisation type, the organisation's id a value or a bind parameter."""
    match org_type:
        case OrgType.enterprise:
            return Certificate.org_id == org_id
        case OrgType.agency:
            return Certificate.agency_org_id == org_id
        case OrgType.working_group | OrgType.operator:
            return true()
    return Certificate.id.is_(None)


async def certificate_of_declaration(
    session: AsyncSession, declaration_id: uuid.UUID, *, lock: bool = False
) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.declaration_id == declaration_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def certificate_model(session: AsyncSession, model_id: uuid.UUID) -> CertificateModel | None:
    return await session.get(CertificateModel, model_id)


async def last_model_position(session: AsyncSession, certificate_id: uuid.UUID) -> int:
    stmt = select(func.coalesce(func.max(CertificateModel.position), 0)).where(
        CertificateModel.certificate_id == certificate_id
    )
    return int(await session.scalar(stmt) or 0)


async def model_ids(session: AsyncSession, certificate_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(CertificateModel.model_id).where(CertificateModel.certificate_id == certificate_id)
    return list(await session.scalars(stmt))


def certificates(
    principal: Principal,
    *,
    year: int | None = None,
    status: CertificateStatus | None = None,
    keyword: str | None = None,
    stamped: bool | None = None,
) -> Shaped:
    """The certificate list's filters as a statement shape and the values bound to it by name."""
    values: dict[str, Any] = {"org_id": principal.org_id}
    if year is not None:
        values["year"] = year
    if status is not None:
        values["status"] = status
    if keyword:
        values["keyword"] = contains_pattern(keyword)
    shape = (principal.org_type, stamped, *sorted(k for k in values if k != "org_id"))
    return Shaped(shape, values)


def _certificate_conditions(shape: tuple[Hashable, ...]) -> list[ColumnElement[bool]]:
    org_type, stamped, *present = cast(tuple[OrgType, bool | None, str], shape)
    conditions = [audience_scope(org_type, bindparam("org_id"))]
    if stamped is not None:
        conditions.append(
            Certificate.stamped_key.is_not(None) if stamped else Certificate.stamped_key.is_(None)
        )
    if "year" in present:
        conditions.append(Certificate.year == bindparam("year"))
    if "status" in present:
        conditions.append(Certificate.status == bindparam("status"))
    if "keyword" in present:
        like = bindparam("keyword", type_=Certificate.number.type)
        conditions.append(
            Certificate.number.ilike(like)
            | Certificate.enterprise_name.ilike(like)
            | Certificate.standard_no.ilike(like)
        )
    return conditions


# What a row of the list shows (not the storage keys, digests and signers of its files).
_LIST_COLUMNS = (
    Certificate.id, Certificate.number, Certificate.verify_code, Certificate.declaration_id,
    Certificate.enterprise_name, Certificate.credit_code, Certificate.key_field_product, Certificate.field,
    Certificate.year, Certificate.standard_no, Certificate.standard_name, Certificate.agency_name,
    Certificate.issued_on, Certificate.valid_until, Certificate.status, Certificate.stamped_at,
    Certificate.ended_at, Certificate.end_reason, Certificate.stamped_key,
)  # fmt: skip
_ORDER = (Certificate.issued_on.desc(), Certificate.number.desc())


def _page_models() -> ColumnElement[Any]:
    """The page's certificates' models in their order, each with its forerunner label's id: a JSON array per
    row of the page, built by PostgreSQL for the 20 rows after the limit (instead of two more statements)."""
    page_id = literal_column("page.id", CertificateModel.certificate_id.type)
    label = (
        select(Label.id)
        .where(
            Label.kind == LabelKind.FORERUNNER,
            Label.model_id == CertificateModel.model_id,
            Label.certificate_id == page_id,
        )
        .scalar_subquery()
    )
    item = func.json_build_object(
        "model_id", CertificateModel.model_id, "name", CertificateModel.name, "spec", CertificateModel.spec,
        "appended", CertificateModel.appended, "label_id", label,
    )  # fmt: skip
    return (
        select(
            func.coalesce(
                func.json_agg(aggregate_order_by(item, CertificateModel.position)), text("'[]'::json")
            )
        )
        .where(CertificateModel.certificate_id == page_id)
        .scalar_subquery()
        .label("models")
    )


def _certificate_statement(shape: Hashable) -> ClauseElement:
    kind, filters = cast(tuple[str, tuple[Hashable, ...]], shape)
    where = _certificate_conditions(filters)
    if kind == "count":
        return select(func.count()).select_from(Certificate).where(*where)
    page = (
        select(*_LIST_COLUMNS, func.count().over().label("page_total"))
        .where(*where)
        .order_by(*_ORDER)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    return select(page, _page_models()).order_by(page.c.issued_on.desc(), page.c.number.desc())


# compiled once per filter shape and run on asyncpg directly (issue 17 §2: the ORM's entities, the selectin
# load of the models and the labels' statement were two thirds of the list's CPU)
_CERTIFICATES = StatementCache(_certificate_statement)


async def certificate_page(
    session: AsyncSession, query: Shaped, params: PageParams
) -> tuple[list[SimpleNamespace], int]:
    """One page of the list (the columns of ``_LIST_COLUMNS`` by name, ``models`` a list with ``model_id,
    name, spec, appended, label_id``, the ids as text) and the total, in one round trip but past the end. For a
    read session."""
    values = {**query.values, "offset": params.offset, "limit": params.limit}
    rows = await _CERTIFICATES.fetch(session, ("page", query.shape), values)
    if not rows:
        if params.offset == 0:
            return [], 0
        (counted,) = await _CERTIFICATES.fetch(session, ("count", query.shape), values)
        return [], int(counted[0])
    # the JSON arrives decoded: SQLAlchemy's dialect gives its asyncpg connections a codec for json
    page = [SimpleNamespace(**{**r, "models": [SimpleNamespace(**m) for m in r["models"]]}) for r in rows]
    return page, int(rows[0]["page_total"])


async def visible_certificate(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID, *, lock: bool = False
) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.id == certificate_id, certificate_scope(principal))
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def certificates_due(session: AsyncSession, today: Any, batch: int) -> list[Certificate]:
    """Valid certificates past their validity, claimed with SKIP LOCKED (replicas never take the same)."""
    stmt = (
        select(Certificate)
        .where(Certificate.status == CertificateStatus.VALID, Certificate.valid_until < today)
        .order_by(Certificate.valid_until)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(stmt))


async def history(
    session: AsyncSession, certificate_id: uuid.UUID, params: PageParams
) -> tuple[list[CertificateHistory], int]:
    stmt = (
        select(CertificateHistory)
        .where(CertificateHistory.certificate_id == certificate_id)
        .order_by(CertificateHistory.id)
    )
    return await page_of(session, stmt, params)


# ---------------------------------------------------------------- labels


def label_scope(principal: Principal) -> ColumnElement[bool]:
    match principal.org_type:
        case OrgType.enterprise:
            return Label.org_id == principal.org_id
        case OrgType.agency:
            return Label.certificate_id.in_(
                select(Certificate.id).where(Certificate.agency_org_id == principal.org_id)
            )
        case OrgType.working_group | OrgType.operator:
            return true()
    return Label.id.is_(None)


async def forerunner_labels_by_model(
    session: AsyncSession, certificate_ids: Seq[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """model id → its forerunner label's id, for the certificates on a page (one query)."""
    if not certificate_ids:
        return {}
    rows = await session.execute(
        select(Label.model_id, Label.id).where(
            Label.kind == LabelKind.FORERUNNER, Label.certificate_id.in_(certificate_ids)
        )
    )
    return {model_id: label_id for model_id, label_id in rows.all()}


async def own_certified_model(
    session: AsyncSession, org_id: uuid.UUID, model_id: uuid.UUID
) -> tuple[CertificateModel, Certificate] | None:
    """The enterprise's certified model and its certificate (locked: one label per model)."""
    row = (
        await session.execute(
            select(CertificateModel, Certificate)
            .join(Certificate, Certificate.id == CertificateModel.certificate_id)
            .where(CertificateModel.model_id == model_id, Certificate.org_id == org_id)
            .with_for_update(of=Certificate)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def label_of_model(session: AsyncSession, kind: LabelKind, model_id: uuid.UUID) -> Label | None:
    return await session.scalar(select(Label).where(Label.kind == kind, Label.model_id == model_id))


def labels(
    principal: Principal, *, kind: LabelKind | None = None, certificate_id: uuid.UUID | None = None
) -> Select[Any]:
    conditions = [label_scope(principal)]
    if kind is not None:
        conditions.append(Label.kind == kind)
    if certificate_id is not None:
        conditions.append(Label.certificate_id == certificate_id)
    return select(Label).where(*conditions).order_by(Label.created_at.desc(), Label.number)


async def visible_label(session: AsyncSession, principal: Principal, label_id: uuid.UUID) -> Label | None:
    return await session.scalar(select(Label).where(Label.id == label_id, label_scope(principal)))


# ---------------------------------------------------------------- verification


async def certificate_by(
    session: AsyncSession, *, verify_code: str | None = None, number: str | None = None
) -> Certificate | None:
    column, value = (
        (Certificate.verify_code, verify_code) if verify_code is not None else (Certificate.number, number)
    )
    return await session.scalar(select(Certificate).where(column == value))


async def label_by(
    session: AsyncSession, *, verify_code: str | None = None, number: str | None = None
) -> Label | None:
    column, value = (Label.verify_code, verify_code) if verify_code is not None else (Label.number, number)
    return await session.scalar(select(Label).where(column == value))
