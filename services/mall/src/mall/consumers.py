"""Inbound events: the mall's read model of eligible products, categories, indicators, enterprises, brands
and certificates. Each handler runs inside the kit's transaction with the inbox row (a redelivered event
has no second effect) and never commits itself. Handlers are written as upserts so that events of
different producers arriving in any order converge on the same state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from contracts.auth import BrandChanged, EnterpriseRegistered, EnterpriseUpdated
from contracts.catalog import PlanFinalised, ProductSaved
from contracts.certificate import CertificateEnded, CertificateIssued, LabelIssued
from contracts.declaration import DeclarationModelAppended, DeclarationPublished, StarProductDeclared
from kit.bus import Envelope, Handler, batchable_all
from kit.db import upsert
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from mall import repository
from mall.domain.richtext import sanitise_introduction
from mall.domain.statuses import ListingStatus, Source, UnlistReason
from mall.models import Brand, Category, Certificate, Enterprise, Plan, Product
from mall.service.catalogue import refresh_search
from mall.service.listing import certificate_blocks, restore, take_off


def _at(event: Envelope) -> datetime:
    return event.occurred_at


# ---------------------------------------------------------------- reference data


async def on_product_saved(session: AsyncSession, event: Envelope) -> None:
    p = ProductSaved.model_validate(event.payload)
    values = {
        "code": p.code,
        "name": p.name,
        "field": p.field,
        "year": p.year,
        "product_type": p.product_type,
    }
    await upsert(session, Category, {"product_id": p.product_id}, values)
    # Renaming a key-field product renames the category its products are shown and found under.
    for product in await repository.products_for_update(session, Product.product_id == p.product_id):
        product.product_name, product.field = p.name, p.field
        refresh_search(product)


async def on_plan_finalised(session: AsyncSession, event: Envelope) -> None:
    p = PlanFinalised.model_validate(event.payload)
    values = {
        "plan_id": p.plan_id,
        "version": p.version,
        "group_standard": p.group_standard,
        "indicators": [i.model_dump(mode="json") for i in p.indicators],
    }
    # A late redelivery of an older version must not replace the newer one.
    await upsert(session, Plan, {"product_id": p.product_id}, values, where=Plan.version <= p.version)


async def on_enterprise(session: AsyncSession, event: Envelope) -> None:
    schema = EnterpriseUpdated if event.type == "enterprise.updated" else EnterpriseRegistered
    p = schema.model_validate(event.payload)
    values = {"name": p.name, "credit_code": p.credit_code, "updated_at": _at(event)}
    if isinstance(p, EnterpriseUpdated):
        values["region_code"] = p.region_code
    await upsert(session, Enterprise, {"org_id": p.org_id}, values, where=Enterprise.updated_at <= _at(event))
    enterprise = await session.get(Enterprise, p.org_id)
    if enterprise is None or enterprise.updated_at != _at(event):
        return  # an older event than the one already applied
    for product in await repository.products_for_update(session, Product.org_id == p.org_id):
        product.enterprise_name = enterprise.name or product.enterprise_name
        product.region_code = enterprise.region_code
        refresh_search(product)


async def on_brand_changed(session: AsyncSession, event: Envelope) -> None:
    p = BrandChanged.model_validate(event.payload)
    values = {
        "org_id": p.org_id,
        "name": p.name,
        "story": p.story,
        "logo_key": p.logo_key,
        "deleted": p.deleted,
    }
    await upsert(session, Brand, {"brand_id": p.brand_id}, values)
    for product in await repository.products_for_update(
        session, Product.brand_id == p.brand_id, Product.org_id == p.org_id
    ):
        if p.deleted:
            # Without a brand the material is incomplete: a listed product comes off the mall and the
            # enterprise is told why.
            product.brand_id, product.brand_name = None, None
            await take_off(session, product, UnlistReason.BRAND_REMOVED, _at(event))
        else:
            product.brand_name = p.name
        refresh_search(product)


# ---------------------------------------------------------------- eligible products


async def _enterprise_defaults(session: AsyncSession, org_id: uuid.UUID) -> Enterprise | None:
    return await session.get(Enterprise, org_id)


async def _upsert_model(
    session: AsyncSession,
    *,
    model_id: uuid.UUID,
    org_id: uuid.UUID,
    fields: dict[str, Any],
    intro: str | None,
    at: datetime,
) -> Product:
    product = await session.get(Product, model_id, with_for_update=True)
    if product is None:
        enterprise = await _enterprise_defaults(session, org_id)
        product = Product(
            model_id=model_id,
            org_id=org_id,
            region_code=enterprise.region_code if enterprise else None,
            status=ListingStatus.UNLISTED.value,
            picture_count=0,
            has_introduction=False,
            introduction="",
            results=[],
            created_at=at,
            updated_at=at,
        )
        if enterprise is not None and enterprise.name:
            fields = {**fields, "enterprise_name": fields.get("enterprise_name") or enterprise.name}
        session.add(product)
    for name, value in fields.items():
        if value is not None and value != "":
            setattr(product, name, value)
    if intro and not product.introduction:
        # The appended model's introduction (追加规格/型号) starts the promotion material; pictures of the
        # declaration are not ours, so any <img> in it is dropped by the sanitiser.
        clean = sanitise_introduction(intro, own_pictures=())
        product.introduction, product.has_introduction = clean.html, not clean.is_empty
    refresh_search(product)
    await session.flush()
    blocked = await certificate_blocks(session, product)
    if blocked:
        await take_off(session, product, blocked, at)
    return product


async def on_declaration_published(session: AsyncSession, event: Envelope) -> None:
    p = DeclarationPublished.model_validate(event.payload)
    fields = {
        "source": Source.FORERUNNER.value,
        "star": 5,
        "declaration_id": p.declaration_id,
        "product_id": p.product_id,
        "product_name": p.product_name,
        "field": p.field,
        "standard_no": p.standard_no,
        "standard_name": p.standard_name,
        "enterprise_name": p.enterprise_name,
    }
    for model in p.models:
        await _upsert_model(
            session,
            model_id=model.model_id,
            org_id=p.org_id,
            fields={**fields, "name": model.name, "model": model.spec},
            intro=model.intro,
            at=_at(event),
        )
    # Models appended before this event was handled (redelivery, reordering) get the declaration's facts.
    for product in await repository.products_for_update(session, Product.declaration_id == p.declaration_id):
        for name, value in fields.items():
            if value:
                setattr(product, name, value)
        refresh_search(product)


async def on_model_appended(session: AsyncSession, event: Envelope) -> None:
    p = DeclarationModelAppended.model_validate(event.payload)
    sibling = (
        await session.execute(select(Product).where(Product.declaration_id == p.declaration_id).limit(1))
    ).scalar_one_or_none()
    fields: dict[str, Any] = {
        "source": Source.FORERUNNER.value,
        "star": 5,
        "declaration_id": p.declaration_id,
    }
    if sibling is not None:
        for name in (
            "product_id",
            "product_name",
            "field",
            "standard_no",
            "standard_name",
            "enterprise_name",
        ):
            fields[name] = getattr(sibling, name)
    await _upsert_model(
        session,
        model_id=p.model.model_id,
        org_id=p.org_id,
        fields={**fields, "name": p.model.name, "model": p.model.spec},
        intro=p.model.intro,
        at=_at(event),
    )


async def on_star_product_declared(session: AsyncSession, event: Envelope) -> None:
    p = StarProductDeclared.model_validate(event.payload)
    await _upsert_model(
        session,
        model_id=p.star_product_id,
        org_id=p.org_id,
        fields={
            "source": Source.STAR.value,
            "star": p.star,
            "star_product_id": p.star_product_id,
            "product_id": p.product_id,
            "product_name": p.product_name,
            "field": p.field,
            "name": p.name,
            "model": p.model,
            "enterprise_name": p.enterprise_name,
            "plan_version": p.plan_version,
            "results": [r.model_dump(mode="json") for r in p.results],
        },
        intro=p.intro,
        at=_at(event),
    )


# ---------------------------------------------------------------- certificates and labels


async def on_certificate_issued(session: AsyncSession, event: Envelope) -> None:
    p = CertificateIssued.model_validate(event.payload)
    values = {
        "declaration_id": p.declaration_id,
        "org_id": p.org_id,
        "number": p.number,
        "verify_code": p.verify_code,
        "changed_at": _at(event),
    }
    # Issued (or stamped) never overrides a later revocation of the same certificate.
    await upsert(
        session,
        Certificate,
        {"certificate_id": p.certificate_id},
        {"status": "valid", "model_ids": [], **values},
        set_={k: v for k, v in values.items() if v is not None and k != "changed_at"},
    )
    if p.declaration_id is None:
        return
    # A new valid certificate of the declaration lets its withdrawn models be listed again.
    for product in await repository.products_for_update(
        session, Product.declaration_id == p.declaration_id, Product.status == ListingStatus.WITHDRAWN
    ):
        await restore(session, product)


def _on_certificate_ended(status: str, reason: UnlistReason) -> Handler:
    async def handler(session: AsyncSession, event: Envelope) -> None:
        p = CertificateEnded.model_validate(event.payload)
        values = {
            "declaration_id": p.declaration_id,
            "org_id": p.org_id,
            "status": status,
            "model_ids": p.model_ids,
            "changed_at": _at(event),
        }
        await upsert(
            session,
            Certificate,
            {"certificate_id": p.certificate_id},
            values,
            set_={k: v for k, v in values.items() if v is not None and v != []},
        )
        where: ColumnElement[bool] | None = Product.model_id.in_(p.model_ids) if p.model_ids else None
        if p.declaration_id is not None:
            cond = Product.declaration_id == p.declaration_id
            where = cond if where is None else (cond | where)
        if where is None:
            return
        for product in await repository.products_for_update(session, where):
            await take_off(session, product, reason, _at(event))

    handler.__name__ = f"on_certificate_{status}"
    return handler


async def on_label_issued(session: AsyncSession, event: Envelope) -> None:
    p = LabelIssued.model_validate(event.payload)
    product = await session.get(Product, p.model_id, with_for_update=True)
    if product is not None and p.verify_code:
        product.label_verify_code = p.verify_code


# Every handler only writes to this service's database: events arriving together share a transaction.
HANDLERS: dict[str, Handler] = batchable_all(
    {
        "catalog.product_saved.v1": on_product_saved,
        "catalog.plan_finalised.v1": on_plan_finalised,
        "enterprise.registered.v1": on_enterprise,
        "enterprise.updated.v1": on_enterprise,
        "enterprise.brand_changed.v1": on_brand_changed,
        "declaration.published.v1": on_declaration_published,
        "declaration.model_appended.v1": on_model_appended,
        "star_product.declared.v1": on_star_product_declared,
        "certificate.issued.v1": on_certificate_issued,
        "certificate.stamped.v1": on_certificate_issued,
        "certificate.revoked.v1": _on_certificate_ended("revoked", UnlistReason.CERTIFICATE_REVOKED),
        "certificate.expired.v1": _on_certificate_ended("expired", UnlistReason.CERTIFICATE_EXPIRED),
        "label.issued.v1": on_label_issued,
    }
)
