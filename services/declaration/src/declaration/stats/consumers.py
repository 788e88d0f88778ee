"""Handlers that keep the ``stats_*`` read models. Each upserts by the fact's own id (the audit row, the
notice, the objection, the certificate), so a redelivered or repeated event changes nothing (and the kit's
inbox skips a redelivery in the first place); events of one thing may arrive in any order."""

from __future__ import annotations

from contracts.certificate import CertificateEnded, CertificateIssued
from contracts.declaration import (
    DeclarationPublished,
    DeclarationStatusChanged,
    NoticeClosed,
    NoticeOpened,
    ObjectionRaised,
    ObjectionResolved,
)
from kit.bus import Envelope, Handler
from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from declaration.domain.statuses import ObjectionStatus
from declaration.models import Product
from declaration.stats.models import (
    StatsCertificate,
    StatsForerunner,
    StatsMove,
    StatsNotice,
    StatsObjection,
)

ENDED = ("revoked", "expired")


async def _agency_name(session: AsyncSession, p: DeclarationStatusChanged) -> str:
    # the product's designation names the agency (catalog.agency_designated); kept with the move so the
    # name survives a later withdrawal
    product = await session.get(Product, p.product_id)
    if product is None or product.agency_org_id != p.agency_org_id:
        return ""
    return product.agency_name


async def on_status_changed(session: AsyncSession, event: Envelope) -> None:
    p = DeclarationStatusChanged.model_validate(event.payload)
    await session.execute(
        pg_insert(StatsMove)
        .values(
            review_id=p.review_id,
            declaration_id=p.declaration_id,
            product_id=p.product_id,
            agency_org_id=p.agency_org_id,
            agency_name=await _agency_name(session, p),
            standard_no=p.standard_no,
            product_name=p.product_name,
            action=p.action,
            actor_role=p.actor_role,
            list_from=p.list_status.get("from"),
            list_to=p.list_status["to"] or "",
            at=p.at or event.occurred_at,
            occurred_at=event.occurred_at,
        )
        .on_conflict_do_nothing(index_elements=[StatsMove.review_id])
    )


async def on_published(session: AsyncSession, event: Envelope) -> None:
    p = DeclarationPublished.model_validate(event.payload)
    values = {
        "org_id": p.org_id,
        "product_id": p.product_id,
        "product_name": p.product_name,
        "field": p.field,
        "year": p.year,
        "credit_code": p.credit_code,
        "published_at": p.published_at,
    }
    stmt = pg_insert(StatsForerunner).values(declaration_id=p.declaration_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StatsForerunner.declaration_id],
            set_=values,
            # published again after an upheld objection and a new review: the newest publication counts
            where=StatsForerunner.published_at <= stmt.excluded.published_at,
        )
    )


async def _notice(session: AsyncSession, p: NoticeOpened, *, closed: bool) -> None:
    values = {
        "product_id": p.product_id,
        "year": p.year,
        "declaration_ids": p.declaration_ids,
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
    }
    stmt = pg_insert(StatsNotice).values(notice_id=p.notice_id, closed=closed, **values)
    # a notice only ever closes: a late notice.opened never reopens it
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StatsNotice.notice_id], set_={**values, "closed": StatsNotice.closed | closed}
        )
    )


async def on_notice_opened(session: AsyncSession, event: Envelope) -> None:
    await _notice(session, NoticeOpened.model_validate(event.payload), closed=False)


async def on_notice_closed(session: AsyncSession, event: Envelope) -> None:
    await _notice(session, NoticeClosed.model_validate(event.payload), closed=True)


async def on_objection_raised(session: AsyncSession, event: Envelope) -> None:
    p = ObjectionRaised.model_validate(event.payload)
    values = {
        "notice_id": p.notice_id,
        "declaration_id": p.declaration_id,
        "product_id": p.product_id,
        "year": p.year,
        "raised_at": p.raised_at,
    }
    # the resolution may have arrived first: its status stays
    await session.execute(
        pg_insert(StatsObjection)
        .values(objection_id=p.objection_id, status=ObjectionStatus.OPEN.value, **values)
        .on_conflict_do_update(index_elements=[StatsObjection.objection_id], set_=values)
    )


async def on_objection_resolved(session: AsyncSession, event: Envelope) -> None:
    p = ObjectionResolved.model_validate(event.payload)
    values = {"status": p.status, "resolved_at": p.resolved_at}
    await session.execute(
        pg_insert(StatsObjection)
        .values(objection_id=p.objection_id, notice_id=p.notice_id, declaration_id=p.declaration_id, **values)
        .on_conflict_do_update(index_elements=[StatsObjection.objection_id], set_=values)
    )


async def on_certificate_issued(session: AsyncSession, event: Envelope) -> None:
    p = CertificateIssued.model_validate(event.payload)
    values = {
        "declaration_id": p.declaration_id,
        "number": p.number,
        "year": p.year,
        "valid_until": p.valid_until,
    }
    await session.execute(
        pg_insert(StatsCertificate)
        .values(certificate_id=p.certificate_id, status="valid", **values)
        .on_conflict_do_update(index_elements=[StatsCertificate.certificate_id], set_=values)
    )


async def on_certificate_ended(session: AsyncSession, event: Envelope) -> None:
    p = CertificateEnded.model_validate(event.payload)
    status = "expired" if event.type == "certificate.expired" else "revoked"
    stmt = pg_insert(StatsCertificate).values(
        certificate_id=p.certificate_id, declaration_id=p.declaration_id, number=p.number, status=status
    )
    # revoked is the stronger end: a revoked certificate that also reached its date stays revoked
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StatsCertificate.certificate_id],
            set_={
                "status": case(
                    (StatsCertificate.status == "revoked", StatsCertificate.status),
                    else_=stmt.excluded.status,
                )
            },
        )
    )


HANDLERS: dict[str, Handler] = {
    "declaration.status_changed.v1": on_status_changed,
    "declaration.published.v1": on_published,
    "notice.opened.v1": on_notice_opened,
    "notice.closed.v1": on_notice_closed,
    "objection.raised.v1": on_objection_raised,
    "objection.resolved.v1": on_objection_resolved,
    "certificate.issued.v1": on_certificate_issued,
    "certificate.stamped.v1": on_certificate_issued,
    "certificate.revoked.v1": on_certificate_ended,
    "certificate.expired.v1": on_certificate_ended,
}
