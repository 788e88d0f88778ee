"""Inbound events. The kit runs each handler in one transaction with its inbox row and acknowledges
the message only after commit; a handler that raises is retried, then dead-lettered."""

from __future__ import annotations

from contracts.catalog import PlanFinalised, ProductSaved
from contracts.declaration import DeclarationModelAppended, DeclarationPublished, StarProductDeclared
from contracts.mall import PromotionCompleted
from kit.bus import Envelope, Handler
from kit.runtime import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from certificate.config import settings_of
from certificate.service import certificates, labels, references
from certificate.service.common import Context


def make_handlers(runtime: Runtime) -> dict[str, Handler]:
    """Handlers bound to the process's runtime (storage, clock, settings)."""

    async def context() -> Context:
        assert runtime.storage is not None
        return Context(settings=settings_of(runtime), storage=runtime.storage, now=await runtime.clock.now())

    async def on_published(session: AsyncSession, event: Envelope) -> None:
        payload = DeclarationPublished.model_validate(event.payload)
        await certificates.issue_certificate(session, await context(), payload)

    async def on_model_appended(session: AsyncSession, event: Envelope) -> None:
        await certificates.append_model(session, DeclarationModelAppended.model_validate(event.payload))

    async def on_product_saved(session: AsyncSession, event: Envelope) -> None:
        await references.save_product(session, ProductSaved.model_validate(event.payload))

    async def on_plan_finalised(session: AsyncSession, event: Envelope) -> None:
        await references.save_plan(session, PlanFinalised.model_validate(event.payload))

    async def on_star_product(session: AsyncSession, event: Envelope) -> None:
        await references.save_star_product(session, StarProductDeclared.model_validate(event.payload))

    async def on_promotion_completed(session: AsyncSession, event: Envelope) -> None:
        payload = PromotionCompleted.model_validate(event.payload)
        # Forerunner products carry the forerunner label the enterprise applies for; the star label
        # belongs to self-declared star products (seed: 宣传信息填写完毕后，即可下载星级产品标识).
        if payload.source != "star":
            return
        await labels.issue_star_label(
            session,
            await context(),
            model_id=payload.model_id,
            org_id=payload.org_id,
            star=payload.star,
            enterprise_name=payload.enterprise_name,
            product_name=payload.product_name,
            model=payload.model,
            star_product_id=payload.star_product_id,
        )

    return {
        "declaration.published.v1": on_published,
        "declaration.model_appended.v1": on_model_appended,
        "catalog.product_saved.v1": on_product_saved,
        "catalog.plan_finalised.v1": on_plan_finalised,
        "star_product.declared.v1": on_star_product,
        "mall.promotion_completed.v1": on_promotion_completed,
    }
