"""Inbound events: keep the contact and declaration-owner read models, and turn what a person must hear
about into in-site messages and pending SMS / e-mail deliveries (sent after commit by the dispatcher), and
what subscribers asked for into webhook deliveries (sent after commit by ``notify.workers.webhooks``).
The kit runs each handler in one transaction with the inbox row and commits; handlers never commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from contracts.auth import EnterpriseRegistered, EnterpriseUpdated, RecoveryStatusChanged
from contracts.catalog import DesignationWithdrawn
from contracts.certificate import CertificateEnded, CertificateIssued, LabelIssued
from contracts.declaration import (
    DeclarationPublished,
    DeclarationStatusChanged,
    NoticeClosed,
    NoticeOpened,
    StarProductDeclared,
)
from contracts.mall import ProductListed, ProductUnlisted
from kit.bus import Envelope, Handler, batchable_all
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from notify import repository as repo
from notify.config import Settings
from notify.domain import templates, webhooks
from notify.domain.statuses import WebhookEventType
from notify.domain.templates import Notice, Owner

log = structlog.get_logger("notify.consumers")

Template = Callable[[Any], list[Notice]]

# Events whose payload alone says who is told what.
SIMPLE: dict[str, tuple[type[BaseModel], Template]] = {
    "enterprise.recovery_status_changed": (RecoveryStatusChanged, templates.recovery_status_changed),
    "catalog.designation_withdrawn": (DesignationWithdrawn, templates.designation_withdrawn),
    "star_product.declared": (StarProductDeclared, templates.star_product_declared),
    "certificate.issued": (CertificateIssued, templates.certificate_issued),
    "certificate.stamped": (CertificateIssued, templates.certificate_stamped),
    "label.issued": (LabelIssued, templates.label_issued),
}


def make_handlers(settings: Settings) -> dict[str, Handler]:
    email = settings.email_enabled
    base_url = settings.public_base_url.rstrip("/")

    async def webhook(
        session: AsyncSession, event: Envelope, kind: WebhookEventType, data: dict[str, Any]
    ) -> None:
        # the webhook outbox, in the same transaction as the in-site messages and the inbox row
        await repo.enqueue_webhook(
            session,
            event_id=event.id,
            event_type=kind,
            occurred_at=event.occurred_at,
            data=data,
            max_age=settings.webhook_max_age_seconds,
        )

    async def enterprise_name(session: AsyncSession, org_id: Any) -> str | None:
        return await repo.contact_name(session, org_id)

    def certificate_ended(kind: WebhookEventType, template: Template) -> Handler:
        async def handle(session: AsyncSession, event: Envelope) -> None:
            p = CertificateEnded.model_validate(event.payload)
            await repo.record_notices(session, event, template(p), email=email)
            owner = await repo.declaration_owner(session, p.declaration_id)
            declared = (
                webhooks.Declared(owner.standard_no, owner.standard_name, owner.product_name)
                if owner
                else None
            )
            name = await enterprise_name(session, p.org_id)
            data = webhooks.certificate_ended(p, enterprise_name=name, declared=declared, base_url=base_url)
            await webhook(session, event, kind, data)

        return handle

    async def on_listed(session: AsyncSession, event: Envelope) -> None:
        p = ProductListed.model_validate(event.payload)
        await repo.record_notices(session, event, templates.product_listed(p), email=email)
        name = await enterprise_name(session, p.org_id)
        data = webhooks.product_listed(p, enterprise_name=name, base_url=base_url)
        await webhook(session, event, WebhookEventType.STAR_PRODUCT_LISTED, data)

    async def on_unlisted(session: AsyncSession, event: Envelope) -> None:
        p = ProductUnlisted.model_validate(event.payload)
        await repo.record_notices(session, event, templates.product_unlisted(p), email=email)
        name = await enterprise_name(session, p.org_id)
        data = webhooks.product_unlisted(p, enterprise_name=name, base_url=base_url)
        await webhook(session, event, WebhookEventType.STAR_PRODUCT_UNLISTED, data)

    def simple(model: type[BaseModel], template: Template) -> Handler:
        async def handle(session: AsyncSession, event: Envelope) -> None:
            payload = model.model_validate(event.payload)
            await repo.record_notices(session, event, template(payload), email=email)

        return handle

    async def on_enterprise_registered(session: AsyncSession, event: Envelope) -> None:
        p = EnterpriseRegistered.model_validate(event.payload)
        await repo.upsert_contact(
            session,
            p.org_id,
            as_of=event.occurred_at,
            name=p.name,
            credit_code=p.credit_code,
            contact_name=p.contact_name,
            phone_masked=p.phone_masked,
            phone_sealed=p.phone_sealed,
        )
        await repo.record_notices(session, event, templates.enterprise_registered(p), email=email)

    async def on_enterprise_updated(session: AsyncSession, event: Envelope) -> None:
        p = EnterpriseUpdated.model_validate(event.payload)
        await repo.upsert_contact(
            session,
            p.org_id,
            as_of=event.occurred_at,
            replace=True,
            name=p.name,
            credit_code=p.credit_code,
            contact_name=p.contact_name,
            phone_masked=p.phone_masked,
            phone_sealed=p.phone_sealed,
            email=p.email,
        )

    async def on_status_changed(session: AsyncSession, event: Envelope) -> None:
        p = DeclarationStatusChanged.model_validate(event.payload)
        owner = Owner(p.declaration_id, p.org_id, p.agency_org_id, p.standard_no, p.standard_name)
        await repo.remember_owner(session, owner, p.product_name)
        await repo.record_notices(session, event, templates.declaration_status_changed(p), email=email)

    async def on_published(session: AsyncSession, event: Envelope) -> None:
        p = DeclarationPublished.model_validate(event.payload)
        owner = Owner(p.declaration_id, p.org_id, p.agency_org_id, p.standard_no, p.standard_name)
        await repo.remember_owner(session, owner, p.product_name)
        await repo.record_notices(session, event, templates.declaration_published(p), email=email)
        data = webhooks.forerunner_published(p, base_url)
        await webhook(session, event, WebhookEventType.FORERUNNER_PUBLISHED, data)

    async def on_notice_opened(session: AsyncSession, event: Envelope) -> None:
        p = NoticeOpened.model_validate(event.payload)
        owners = await repo.owners(session, p.declaration_ids)
        _log_unknown(event, p.declaration_ids, owners)
        await repo.record_notices(session, event, templates.notice_opened(p, owners), email=email)

    async def on_notice_closed(session: AsyncSession, event: Envelope) -> None:
        p = NoticeClosed.model_validate(event.payload)
        owners = await repo.owners(session, p.held_declaration_ids)
        await repo.record_notices(session, event, templates.notice_closed(p, owners), email=email)

    handlers: dict[str, Handler] = {
        "enterprise.registered.v1": on_enterprise_registered,
        "enterprise.updated.v1": on_enterprise_updated,
        "declaration.status_changed.v1": on_status_changed,
        "declaration.published.v1": on_published,
        "notice.opened.v1": on_notice_opened,
        "notice.closed.v1": on_notice_closed,
        "certificate.revoked.v1": certificate_ended(
            WebhookEventType.CERTIFICATE_REVOKED, templates.certificate_revoked
        ),
        "certificate.expired.v1": certificate_ended(
            WebhookEventType.CERTIFICATE_EXPIRED, templates.certificate_expired
        ),
        "mall.product_listed.v1": on_listed,
        "mall.product_unlisted.v1": on_unlisted,
    }
    for event_type, (model, template) in SIMPLE.items():
        handlers.setdefault(f"{event_type}.v1", simple(model, template))
    # Every handler only writes to this service's database (SMS and e-mail go out later, from the deliveries
    # table): events arriving together share a transaction.
    return batchable_all(handlers)


def _log_unknown(event: Envelope, wanted: list, owners: list[Owner]) -> None:
    # Every declaration in a notice went through status changes first, so its owner is known; a gap means
    # events arrived out of the usual order or the read model was reset. Logged, not retried for ever.
    known = {o.declaration_id for o in owners}
    missing = [str(d) for d in wanted if d not in known]
    if missing:
        log.warning("notice_declarations_unknown", event_id=str(event.id), declaration_ids=missing)
