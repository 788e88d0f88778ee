"""Forerunner certificates (企业标准“领跑者”证书): issued when a declaration is published, joined by appended
models, stamped by the agency, revoked by the working group, expired by the poller; read by each role."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from types import SimpleNamespace

from contracts import certificate as events
from contracts.declaration import DeclarationModelAppended, DeclarationPublished
from kit.bus import emit
from kit.paging import PageParams
from kit.security import OrgType, Principal
from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository
from certificate.domain import numbers
from certificate.domain.statuses import CertificateStatus, HistoryAction, check_transition, require_valid
from certificate.domain.validity import china_today, is_past, valid_until
from certificate.errors import CertificateNotFound, CertificateRevoked, StampedUnsignable
from certificate.models import Certificate, CertificateHistory, CertificateModel
from certificate.offline import DocumentKind, SignedFields
from certificate.rendering import CertificateContent, render_certificate_pdf
from certificate.service.common import (
    Context,
    StoredFile,
    product_code,
    render_off_loop,
    sign_off_loop,
    unique_verify_code,
)
from certificate.signing import UnsignablePdf

EXPIRED_REASON = "expired"


def certificate_content(cert: Certificate, ctx: Context) -> CertificateContent:
    names = list(dict.fromkeys(m.name for m in cert.models if m.name.strip()))
    return CertificateContent(
        number=cert.number,
        enterprise_name=cert.enterprise_name,
        credit_code=cert.credit_code,
        standard_number=cert.standard_no,
        standard_name=cert.standard_name,
        key_field_product=cert.key_field_product,
        product_name="、".join(names) or cert.key_field_product,
        models=tuple(m.spec or m.name for m in cert.models),
        year=cert.year,
        agency_name=cert.agency_name,
        issued_on=cert.issued_on,
        valid_until=cert.valid_until,
        verify_url=numbers.verify_url(ctx.settings.public_base_url, cert.verify_code),
    )


def _issued_payload(cert: Certificate) -> events.CertificateIssued:
    return events.CertificateIssued(
        certificate_id=cert.id,
        number=cert.number,
        verify_code=cert.verify_code,
        declaration_id=cert.declaration_id,
        org_id=cert.org_id,
        agency_org_id=cert.agency_org_id,
        enterprise_name=cert.enterprise_name,
        standard_no=cert.standard_no,
        standard_name=cert.standard_name,
        product_id=cert.product_id,
        year=cert.year,
        issued_on=cert.issued_on,
        valid_until=cert.valid_until,
        stamped=cert.stamped_key is not None,
    )


def _history(
    cert: Certificate,
    action: HistoryAction,
    at: datetime,
    *,
    principal: Principal | None = None,
    reason: str | None = None,
) -> CertificateHistory:
    return CertificateHistory(
        certificate_id=cert.id,
        action=action,
        actor_org_id=principal.org_id if principal else None,
        actor_account_id=principal.account_id if principal else None,
        actor_role=principal.org_type.value if principal else "system",
        reason=reason,
        at=at,
    )


async def issue_certificate(session: AsyncSession, ctx: Context, event: DeclarationPublished) -> Certificate:
    """Issue the certificate of a published declaration: number, verify code, unstamped PDF in the
    object store, the record and ``certificate.issued``. A second call for the same declaration
    (a replayed or re-published event) returns the certificate already issued."""
    existing = await repository.certificate_of_declaration(session, event.declaration_id)
    if existing is not None:
        return existing

    field_code = numbers.field_code(await product_code(session, event.product_id))
    seq = await repository.next_sequence(session, kind="LP", year=event.year, field_code=field_code)
    issued_on = ctx.today
    cert = Certificate(
        id=uuid.uuid4(),
        number=numbers.certificate_number(year=event.year, product_code=field_code, seq=seq),
        verify_code=await unique_verify_code(session),
        declaration_id=event.declaration_id,
        org_id=event.org_id,
        agency_org_id=event.agency_org_id,
        enterprise_name=event.enterprise_name,
        credit_code=event.credit_code,
        product_id=event.product_id,
        key_field_product=event.product_name,
        field=event.field,
        year=event.year,
        standard_no=event.standard_no,
        standard_name=event.standard_name,
        agency_name=event.agency_name,
        issued_on=issued_on,
        valid_until=valid_until(issued_on, ctx.settings.certificate_validity_months),
        status=CertificateStatus.VALID,
        # Keyed by declaration: a retry after a rollback overwrites its own object, leaving no orphans.
        unstamped_key=f"certificates/unstamped/{event.declaration_id}.pdf",
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    cert.models = [
        CertificateModel(model_id=m.model_id, position=i, name=m.name, spec=m.spec, appended=False)
        for i, m in enumerate(event.models, start=1)
    ]
    content = certificate_content(cert, ctx)
    fields = SignedFields.of(
        DocumentKind.CERTIFICATE,
        number=cert.number,
        holder=cert.enterprise_name,
        subject=cert.standard_no,
        valid_until=cert.valid_until,
    )
    content = dataclasses.replace(content, offline_signature=await sign_off_loop(ctx.settings, fields))
    pdf = await render_off_loop(render_certificate_pdf, content)
    signed = await ctx.sign(
        pdf, number=cert.number, reason=f"企业标准“领跑者”证书 {cert.number}（无章版），平台签发"
    )
    cert.unstamped_sha256, cert.unstamped_signer = signed.content_sha256, signed.signer_fingerprint
    await ctx.store(cert.unstamped_key, signed.data, content_type="application/pdf", number=cert.number)
    session.add(cert)
    session.add(_history(cert, HistoryAction.ISSUED, ctx.now))
    await session.flush()
    await emit(session, events.CERTIFICATE_ISSUED, _issued_payload(cert))
    return cert


async def append_model(session: AsyncSession, event: DeclarationModelAppended) -> bool:
    """A model appended after publication joins the certificate so a label can be applied for it.
    The certificate PDF is not re-issued: its number and the list it attested stay as published."""
    cert = await repository.certificate_of_declaration(session, event.declaration_id, lock=True)
    if cert is None:
        # The published event has not been handled yet; failing makes the kit retry this one later.
        raise LookupError(f"no certificate yet for declaration {event.declaration_id}")
    if await repository.certificate_model(session, event.model.model_id) is not None:
        return False
    session.add(
        CertificateModel(
            model_id=event.model.model_id,
            certificate_id=cert.id,
            position=await repository.last_model_position(session, cert.id) + 1,
            name=event.model.name,
            spec=event.model.spec,
            appended=True,
        )
    )
    return True


async def list_certificates(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    *,
    year: int | None = None,
    status: CertificateStatus | None = None,
    keyword: str | None = None,
    stamped: bool | None = None,
) -> tuple[list[SimpleNamespace], int]:
    """A page of the certificates this principal sees, each with its models and their forerunner labels'
    ids (``repository.certificate_page``), and the total."""
    query = repository.certificates(principal, year=year, status=status, keyword=keyword, stamped=stamped)
    return await repository.certificate_page(session, query, params)


async def get_certificate(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID, *, for_update: bool = False
) -> Certificate:
    """The certificate if this principal may see it; otherwise 404, never 403 (another tenant's object)."""
    cert = await repository.visible_certificate(session, principal, certificate_id, lock=for_update)
    if cert is None:
        raise CertificateNotFound()
    return cert


def certificate_file(cert: Certificate, principal: Principal) -> StoredFile:
    """The stamped PDF once the agency uploaded it, the unstamped one before (seed: 无章版 first)."""
    if cert.status is CertificateStatus.REVOKED and principal.org_type is OrgType.enterprise:
        raise CertificateRevoked("证书已撤销，不能下载")
    if cert.stamped_key:
        return StoredFile(cert.stamped_key, f"领跑者证书-{cert.number}（盖章版）.pdf", "application/pdf")
    return StoredFile(cert.unstamped_key, f"领跑者证书-{cert.number}（无章版）.pdf", "application/pdf")


async def upload_stamped(
    session: AsyncSession, ctx: Context, principal: Principal, certificate_id: uuid.UUID, pdf: bytes
) -> Certificate:
    """The agency of the certificate's product uploads its stamped scan (already checked by content). The
    platform countersigns it on receipt by an incremental update, so a signature the agency put in the file
    itself stays valid beside the platform's."""
    if principal.org_type is not OrgType.agency:
        raise CertificateNotFound()
    cert = await get_certificate(session, principal, certificate_id, for_update=True)
    require_valid(cert.status)
    try:
        signed = await ctx.sign(
            pdf, number=cert.number, reason=f"企业标准“领跑者”证书 {cert.number}（盖章版），平台收讫并签署"
        )
    except UnsignablePdf as exc:
        raise StampedUnsignable() from exc
    key = f"certificates/stamped/{cert.id}/{uuid.uuid4().hex}.pdf"
    await ctx.store(key, signed.data, content_type="application/pdf", number=cert.number)
    cert.stamped_sha256, cert.stamped_signer = signed.content_sha256, signed.signer_fingerprint
    cert.stamped_key = key
    cert.stamped_at = ctx.now
    session.add(_history(cert, HistoryAction.STAMPED, ctx.now, principal=principal))
    await session.flush()
    await emit(session, events.CERTIFICATE_STAMPED, _issued_payload(cert))
    return cert


async def _end(
    session: AsyncSession,
    cert: Certificate,
    new: CertificateStatus,
    *,
    at: datetime,
    reason: str,
    principal: Principal | None,
) -> None:
    check_transition(cert.status, new)
    cert.status = new
    cert.ended_at = at
    cert.end_reason = reason
    action = HistoryAction.REVOKED if new is CertificateStatus.REVOKED else HistoryAction.EXPIRED
    session.add(_history(cert, action, at, principal=principal, reason=reason))
    await session.flush()
    payload = events.CertificateEnded(
        certificate_id=cert.id,
        number=cert.number,
        declaration_id=cert.declaration_id,
        org_id=cert.org_id,
        model_ids=await repository.model_ids(session, cert.id),
        reason=reason,
    )
    kind = events.CERTIFICATE_REVOKED if new is CertificateStatus.REVOKED else events.CERTIFICATE_EXPIRED
    await emit(session, kind, payload)


async def revoke(
    session: AsyncSession, ctx: Context, principal: Principal, certificate_id: uuid.UUID, reason: str
) -> Certificate:
    """The working group revokes a certificate, with its reason; the mall takes its products down."""
    cert = await get_certificate(session, principal, certificate_id, for_update=True)
    await _end(session, cert, CertificateStatus.REVOKED, at=ctx.now, reason=reason, principal=principal)
    return cert


async def expire_due(session: AsyncSession, *, now: datetime, batch: int = 200) -> int:
    """End every certificate whose validity is over. Idempotent: rows are claimed with SKIP LOCKED,
    so replicas running the poller at once never expire the same certificate twice."""
    today = china_today(now)
    rows = await repository.certificates_due(session, today, batch)
    for cert in rows:
        if is_past(cert.valid_until, today):
            await _end(
                session, cert, CertificateStatus.EXPIRED, at=now, reason=EXPIRED_REASON, principal=None
            )
    return len(rows)


async def labels_by_model(
    session: AsyncSession, certificate_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """model id → its forerunner label's id, for the certificates on a page (one query)."""
    return await repository.forerunner_labels_by_model(session, certificate_ids)


async def history(
    session: AsyncSession, cert: Certificate, params: PageParams
) -> tuple[list[CertificateHistory], int]:
    return await repository.history(session, cert.id, params)
