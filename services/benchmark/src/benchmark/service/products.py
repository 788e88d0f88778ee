"""Key-field products, the working group's designations of agencies and the public lists. Each public
function is one transaction; events go to the outbox inside it (``kit.bus.emit``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import catalog
from kit.bus import emit
from kit.db import Database
from kit.paging import PageParams
from kit.security import Principal
from sqlalchemy.exc import IntegrityError

from benchmark import repository as repo
from benchmark.domain import ProductType, notice_ends, openness
from benchmark.errors import (
    AlreadyDesignated,
    NotDesignated,
    ProductCodeTaken,
    ProductNotFound,
    ProductTypeLocked,
    UnknownAgency,
)
from benchmark.models import Designation, KeyFieldProduct, WithdrawnDesignation


@dataclass(frozen=True)
class ProductInput:
    code: str
    name: str
    field: str
    year: int
    product_type: ProductType


def product_view(row: repo.ProductRow, now: datetime) -> dict[str, Any]:
    product, designation, final = row.product, row.designation, row.final_plan
    state = openness(
        notice_ends_at=designation.notice_ends_at if designation else None,
        has_final_plan=final is not None,
        now=now,
    )
    return {
        "id": product.id,
        "code": product.code,
        "name": product.name,
        "field": product.field,
        "year": product.year,
        "product_type": product.product_type,
        "product_type_label": ProductType(product.product_type).label,
        "agency": {"id": designation.agency_id, "name": designation.agency_name} if designation else None,
        "notice": {
            "starts_at": designation.notice_starts_at,
            "ends_at": designation.notice_ends_at,
            "running": now < designation.notice_ends_at,
        }
        if designation
        else None,
        "final_plan_version": final.version if final else None,
        "open_for_declaration": state.open,
        "closed_reasons": [{"code": r.value, "message": r.label} for r in state.reasons],
        "closed_message": state.message,
    }


async def list_products(
    db: Database, *, now: datetime, year: int | None, field: str | None, open_only: bool | None,
    agency_id: uuid.UUID | None = None, page: PageParams,
) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    async with db.read_session() as session:
        rows, total = await repo.list_products(
            session, now=now, year=year, field=field, open_only=open_only, agency_id=agency_id, page=page
        )
    return [product_view(r, now) for r in rows], total


async def get_product(db: Database, *, product_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    async with db.read_session() as session:
        row = await repo.get_product_row(session, product_id)
    if row is None:
        raise ProductNotFound()
    return product_view(row, now)


async def designation_notices(
    db: Database, *, now: datetime, running: bool | None, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """The public notice of designated agencies (评估机构公示), newest first."""
    async with db.session() as session:
        rows, total = await repo.designations(session, now=now, running=running, page=page)
    items = [
        {
            "product_id": product.id,
            "product_code": product.code,
            "product_name": product.name,
            "field": product.field,
            "year": product.year,
            "agency": {"id": d.agency_id, "name": d.agency_name},
            "starts_at": d.notice_starts_at,
            "ends_at": d.notice_ends_at,
            "running": now < d.notice_ends_at,
        }
        for d, product in rows
    ]
    return items, total


async def list_fields(db: Database, *, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    async with db.session() as session:
        rows, total = await repo.fields(session, page)
    return [{"field": field, "products": count} for field, count in rows], total


async def list_agencies(db: Database, *, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    async with db.session() as session:
        agencies, total = await repo.list_agencies(session, page)
    return [{"id": a.id, "name": a.name} for a in agencies], total


def _product_event(product: KeyFieldProduct) -> catalog.ProductSaved:
    return catalog.ProductSaved(
        product_id=product.id, code=product.code, name=product.name, field=product.field,
        year=product.year, product_type=product.product_type,
    )  # fmt: skip


def _code_taken(code: str) -> ProductCodeTaken:
    return ProductCodeTaken(f"产品代码「{code}」已存在")


async def create_product(db: Database, *, now: datetime, data: ProductInput) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            if await repo.product_by_code(session, data.code) is not None:
                raise _code_taken(data.code)
            product = KeyFieldProduct(
                id=uuid.uuid4(), code=data.code, name=data.name, field=data.field, year=data.year,
                product_type=data.product_type.value, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(product)
            await session.flush()
            await emit(session, catalog.PRODUCT_SAVED, _product_event(product))
    except IntegrityError as exc:  # two creations of one code at once: the unique index decides
        raise _code_taken(data.code) from exc
    return await get_product(db, product_id=product.id, now=now)


async def update_product(
    db: Database, *, now: datetime, product_id: uuid.UUID, data: ProductInput
) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            product = await repo.get_product(session, product_id, lock=True)
            if product is None:
                raise ProductNotFound()
            other = await repo.product_by_code(session, data.code)
            if other is not None and other.id != product_id:
                raise _code_taken(data.code)
            if data.product_type.value != product.product_type and await repo.plans_of(session, product_id):
                # a plan is written for one type (服务类 need not define comparable indicators)
                raise ProductTypeLocked()
            product.code, product.name, product.field = data.code, data.name, data.field
            product.year, product.product_type, product.updated_at = data.year, data.product_type.value, now
            await session.flush()
            await emit(session, catalog.PRODUCT_SAVED, _product_event(product))
    except IntegrityError as exc:
        raise _code_taken(data.code) from exc
    return await get_product(db, product_id=product_id, now=now)


async def designate_agency(
    db: Database, *, now: datetime, actor: Principal, product_id: uuid.UUID, agency_id: uuid.UUID
) -> dict[str, Any]:
    try:
        async with db.transaction() as session:
            product = await repo.get_product(session, product_id, lock=True)
            if product is None:
                raise ProductNotFound()
            if await repo.designation_of(session, product_id) is not None:
                raise AlreadyDesignated()
            agency = await repo.get_agency(session, agency_id)
            if agency is None:
                raise UnknownAgency(details=[{"field": "agency_org_id", "message": "评估机构不存在"}])
            designation = Designation(
                id=uuid.uuid4(), product_id=product_id, agency_id=agency.id, agency_name=agency.name,
                notice_starts_at=now, notice_ends_at=notice_ends(now), designated_by=actor.account_id,
                created_at=now,
            )  # fmt: skip
            session.add(designation)
            await session.flush()
            await emit(
                session, catalog.AGENCY_DESIGNATED,
                catalog.AgencyDesignated(
                    product_id=product_id, agency_org_id=agency.id, agency_name=agency.name,
                    notice_start=designation.notice_starts_at, notice_end=designation.notice_ends_at,
                ),
            )  # fmt: skip
    except IntegrityError as exc:
        raise AlreadyDesignated() from exc
    return await get_product(db, product_id=product_id, now=now)


async def withdraw_designation(
    db: Database, *, now: datetime, actor: Principal, product_id: uuid.UUID, reason: str
) -> dict[str, Any]:
    """撤销评估机构确定: the designation moves to the record of withdrawn ones, the product closes for
    self-declaration (no agency) until the working group designates again, and
    ``catalog.designation_withdrawn`` goes out in the same transaction (declaration takes the product's
    declarations off the agency's desk; notify tells the agency)."""
    async with db.transaction() as session:
        product = await repo.get_product(session, product_id, lock=True)
        if product is None:
            raise ProductNotFound()
        designation = await repo.designation_of(session, product_id)
        if designation is None:
            raise NotDesignated()
        session.add(
            WithdrawnDesignation(
                id=designation.id, product_id=product_id, agency_id=designation.agency_id,
                agency_name=designation.agency_name, notice_starts_at=designation.notice_starts_at,
                notice_ends_at=designation.notice_ends_at, designated_by=designation.designated_by,
                created_at=designation.created_at, withdrawn_at=now, withdrawn_by=actor.account_id, reason=reason,
            )
        )  # fmt: skip
        await session.delete(designation)
        await session.flush()
        await emit(
            session, catalog.DESIGNATION_WITHDRAWN,
            catalog.DesignationWithdrawn(
                designation_id=designation.id, product_id=product_id, product_code=product.code,
                product_name=product.name, year=product.year, agency_org_id=designation.agency_id,
                agency_name=designation.agency_name, notice_start=designation.notice_starts_at, reason=reason,
                withdrawn_at=now,
            ),
        )  # fmt: skip
    return await get_product(db, product_id=product_id, now=now)
