"""上架/下架. Every change of a product's listing state goes through the table in ``domain/statuses.py``:
the enterprise's buttons, and the events that withdraw (certificate revoked or expired), restore (a new
valid certificate) or take a product down (its brand deleted)."""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.mall import ProductListed, ProductUnlisted
from kit.bus import emit
from kit.runtime import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from mall import repository
from mall.domain.completeness import describe_missing
from mall.domain.statuses import Actor, ListingAction, ListingStatus, UnlistReason, leaves_mall, move_for
from mall.errors import CertificateNotValid, PromotionIncomplete
from mall.models import Product
from mall.service.catalogue import forget_categories
from mall.service.promotion import announce_if_complete, missing_details, missing_of, own_product


async def certificate_blocks(session: AsyncSession, product: Product) -> UnlistReason | None:
    """The reason a revoked or expired certificate keeps this model off the mall, if any. A newer valid
    certificate of the same declaration lifts it."""
    status = await repository.latest_certificate_status(session, product)
    if status is None or status == "valid":
        return None
    return UnlistReason.CERTIFICATE_EXPIRED if status == "expired" else UnlistReason.CERTIFICATE_REVOKED


async def take_off(session: AsyncSession, product: Product, reason: UnlistReason, now: datetime) -> None:
    """下架 for any reason, or 已撤销 when the certificate ended; a listed product's leaving is announced so
    notify can tell the enterprise. Taking off a product that is not listed changes nothing else."""
    state = ListingStatus(product.status)
    actor = Actor.ENTERPRISE if reason is UnlistReason.ENTERPRISE else Actor.SYSTEM
    action = ListingAction.WITHDRAW if reason.certificate_ended else ListingAction.UNLIST
    move = move_for(state, actor, action)
    product.updated_at = now
    if move is None:
        return
    product.status = move.to.value
    if move.to is ListingStatus.WITHDRAWN:
        product.withdrawn_reason = reason.value
    if not leaves_mall(state, move):
        return
    product.listed_at = None
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


async def restore(session: AsyncSession, product: Product) -> None:
    """A new valid certificate lets a withdrawn model be listed again (unless another ended one names it)."""
    move = move_for(ListingStatus(product.status), Actor.SYSTEM, ListingAction.RESTORE)
    if move is not None and await certificate_blocks(session, product) is None:
        product.status, product.withdrawn_reason = move.to.value, None


async def list_product(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> Product:
    """上架: only complete material, never a model whose certificate was revoked or expired."""
    product = await _list_product(runtime, org_id, model_id)
    await forget_categories(runtime)
    return product


async def _list_product(runtime: Runtime, org_id: uuid.UUID, model_id: uuid.UUID) -> Product:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        product = await own_product(session, org_id, model_id, lock=True)
        state = ListingStatus(product.status)
        if state is ListingStatus.LISTED:
            return product
        move = move_for(state, Actor.ENTERPRISE, ListingAction.LIST)
        blocked = await certificate_blocks(session, product)
        if move is None or blocked:
            reason = blocked or UnlistReason(product.withdrawn_reason or UnlistReason.CERTIFICATE_REVOKED)
            raise CertificateNotValid(details={"reason": reason.value})
        missing = missing_of(product)
        if move.needs_complete_material and missing:
            raise PromotionIncomplete(describe_missing(missing), details=missing_details(missing))
        product.status = move.to.value
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
        product = await own_product(session, org_id, model_id, lock=True)
        await take_off(session, product, UnlistReason.ENTERPRISE, now)
    await forget_categories(runtime)
    return product
