"""Use cases of the certificate service. Each runs inside one transaction owned by its caller (the
kit's consumer or a route's ``db.transaction()``), writes its events to the outbox in that same
transaction, and never commits itself."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from contracts import certificate as events
from contracts.catalog import PlanFinalised, ProductSaved
from contracts.declaration import DeclarationModelAppended, DeclarationPublished, StarProductDeclared
from kit.bus import emit
from kit.errors import Conflict, NotFound
from kit.security import Principal
from kit.storage import Storage
from sqlalchemy import func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from certificate.config import BUCKET, Settings
from certificate.domain import numbers
from certificate.domain.status import (
    CertificateStatus,
    HistoryAction,
    LabelKind,
    check_transition,
    require_valid,
)
from certificate.domain.validity import china_today, is_past, valid_until
from certificate.models import (
    Certificate,
    CertificateHistory,
    CertificateModel,
    Label,
    Product,
    Sequence,
    StarProduct,
)
from certificate.rendering import (
    CertificateContent,
    LabelContent,
    StarLabelContent,
    pdf_to_png,
    render_certificate_pdf,
    render_label_pdf,
    render_star_label_pdf,
)

T = TypeVar("T")

# reportlab's per-document font state and PDFium are not safe to drive from two threads at once,
# and both hold the GIL anyway: one lock serialises rendering at no cost in throughput.
_render_lock = threading.Lock()


async def render_off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run a rendering function in a worker thread so the event loop keeps serving requests."""

    def _locked() -> T:
        with _render_lock:
            return fn(*args)

    return await asyncio.to_thread(_locked)


@dataclass(frozen=True)
class Context:
    """What the use cases need from the process: settings, object storage and the time."""

    settings: Settings
    storage: Storage
    now: datetime

    @property
    def today(self) -> date:
        return china_today(self.now)


# ---------------------------------------------------------------------------------------------
# Reference copies fed by other services' events


async def save_product(session: AsyncSession, event: ProductSaved) -> None:
    values = {"code": event.code, "name": event.name, "field": event.field, "year": event.year}
    await session.execute(
        pg_insert(Product)
        .values(product_id=event.product_id, **values)
        .on_conflict_do_update(index_elements=[Product.product_id], set_={**values, "updated_at": func.now()})
    )


async def save_plan(session: AsyncSession, event: PlanFinalised) -> None:
    """Keep the plan's group standard (团体标准): star labels cite it as their grading basis."""
    await session.execute(
        pg_insert(Product)
        .values(
            product_id=event.product_id,
            code="",
            name="",
            field="",
            year=0,
            group_standard=event.group_standard,
        )
        .on_conflict_do_update(
            index_elements=[Product.product_id],
            set_={"group_standard": event.group_standard, "updated_at": func.now()},
        )
    )


async def save_star_product(session: AsyncSession, event: StarProductDeclared) -> None:
    values = {
        "org_id": event.org_id,
        "enterprise_name": event.enterprise_name,
        "product_id": event.product_id,
        "key_field_product": event.product_name,
        "name": event.name,
        "model": event.model,
        "star": event.star,
    }
    await session.execute(
        pg_insert(StarProduct)
        .values(star_product_id=event.star_product_id, **values)
        .on_conflict_do_update(index_elements=[StarProduct.star_product_id], set_=values)
    )


# ---------------------------------------------------------------------------------------------
# Numbers


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


async def _product_code(session: AsyncSession, product_id: uuid.UUID | None) -> str:
    """The key-field product's catalogue code; before the catalogue copy arrives, a code derived
    from the product id keeps numbers unique and stable per product."""
    if product_id is not None:
        product = await session.get(Product, product_id)
        if product is not None and product.code:
            return product.code
        return product_id.hex[:6]
    return "X"


async def _unique_verify_code(session: AsyncSession) -> str:
    # 128 random bits collide practically never; the check makes a collision a retry, not an error.
    while True:
        code = numbers.new_verify_code()
        taken = await session.scalar(select(Certificate.id).where(Certificate.verify_code == code)) or (
            await session.scalar(select(Label.id).where(Label.verify_code == code))
        )
        if not taken:
            return code


# ---------------------------------------------------------------------------------------------
# Certificates


def certificate_content(cert: Certificate, settings: Settings) -> CertificateContent:
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
        verify_url=numbers.verify_url(settings.public_base_url, cert.verify_code),
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
        actor_role=principal.org_type if principal else "system",
        reason=reason,
        at=at,
    )


async def issue_certificate(session: AsyncSession, ctx: Context, event: DeclarationPublished) -> Certificate:
    """Issue the certificate of a published declaration: number, verify code, unstamped PDF in the
    object store, the record and ``certificate.issued``. A second call for the same declaration
    (a replayed or re-published event) returns the certificate already issued."""
    existing = await session.scalar(
        select(Certificate).where(Certificate.declaration_id == event.declaration_id)
    )
    if existing is not None:
        return existing

    field_code = numbers.field_code(await _product_code(session, event.product_id))
    seq = await next_sequence(session, kind="LP", year=event.year, field_code=field_code)
    issued_on = ctx.today
    cert = Certificate(
        id=uuid.uuid4(),
        number=numbers.certificate_number(year=event.year, product_code=field_code, seq=seq),
        verify_code=await _unique_verify_code(session),
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
    pdf = await render_off_loop(render_certificate_pdf, certificate_content(cert, ctx.settings))
    await ctx.storage.put(
        BUCKET, cert.unstamped_key, pdf, content_type="application/pdf", metadata={"number": cert.number}
    )
    session.add(cert)
    session.add(_history(cert, HistoryAction.ISSUED, ctx.now))
    await session.flush()
    await emit(session, events.CERTIFICATE_ISSUED, _issued_payload(cert))
    return cert


async def append_model(session: AsyncSession, event: DeclarationModelAppended) -> bool:
    """A model appended after publication joins the certificate so a label can be applied for it.
    The certificate PDF is not re-issued: its number and the list it attested stay as published."""
    cert = await session.scalar(
        select(Certificate).where(Certificate.declaration_id == event.declaration_id).with_for_update()
    )
    if cert is None:
        # The published event has not been handled yet; failing makes the kit retry this one later.
        raise LookupError(f"no certificate yet for declaration {event.declaration_id}")
    if await session.get(CertificateModel, event.model.model_id) is not None:
        return False
    position = (
        await session.scalar(
            select(func.coalesce(func.max(CertificateModel.position), 0)).where(
                CertificateModel.certificate_id == cert.id
            )
        )
    ) + 1
    session.add(
        CertificateModel(
            model_id=event.model.model_id,
            certificate_id=cert.id,
            position=position,
            name=event.model.name,
            spec=event.model.spec,
            appended=True,
        )
    )
    return True


def _certificate_scope(principal: Principal) -> ColumnElement[bool]:
    """What each role may see: its own (enterprise), its products' (agency), all (working group, operator)."""
    match principal.org_type:
        case "enterprise":
            return Certificate.org_id == principal.org_id
        case "agency":
            return Certificate.agency_org_id == principal.org_id
        case "working_group" | "operator":
            return true()
    return Certificate.id.is_(None)


async def list_certificates(
    session: AsyncSession,
    principal: Principal,
    *,
    offset: int,
    limit: int,
    year: int | None = None,
    status: CertificateStatus | None = None,
    keyword: str | None = None,
    stamped: bool | None = None,
) -> tuple[list[Certificate], int]:
    conditions = [_certificate_scope(principal)]
    if stamped is not None:
        conditions.append(
            Certificate.stamped_key.is_not(None) if stamped else Certificate.stamped_key.is_(None)
        )
    if year is not None:
        conditions.append(Certificate.year == year)
    if status is not None:
        conditions.append(Certificate.status == status)
    if keyword:
        escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        conditions.append(
            Certificate.number.ilike(like)
            | Certificate.enterprise_name.ilike(like)
            | Certificate.standard_no.ilike(like)
        )
    total = await session.scalar(select(func.count()).select_from(Certificate).where(*conditions))
    rows = await session.scalars(
        select(Certificate)
        .where(*conditions)
        .order_by(Certificate.issued_on.desc(), Certificate.number.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def get_certificate(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID, *, for_update: bool = False
) -> Certificate:
    """The certificate if this principal may see it; otherwise 404, never 403 (another tenant's object)."""
    stmt = select(Certificate).where(Certificate.id == certificate_id, _certificate_scope(principal))
    if for_update:
        stmt = stmt.with_for_update()
    cert = await session.scalar(stmt)
    if cert is None:
        raise NotFound("证书不存在", code="certificate_not_found")
    return cert


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    content_type: str


def certificate_file(cert: Certificate, principal: Principal) -> StoredFile:
    """The stamped PDF once the agency uploaded it, the unstamped one before (seed: 无章版 first)."""
    if cert.status is CertificateStatus.REVOKED and principal.org_type == "enterprise":
        raise Conflict("证书已撤销，不能下载", code="certificate_revoked")
    if cert.stamped_key:
        return StoredFile(cert.stamped_key, f"领跑者证书-{cert.number}（盖章版）.pdf", "application/pdf")
    return StoredFile(cert.unstamped_key, f"领跑者证书-{cert.number}（无章版）.pdf", "application/pdf")


async def upload_stamped(
    session: AsyncSession, ctx: Context, principal: Principal, certificate_id: uuid.UUID, pdf: bytes
) -> Certificate:
    """The agency of the certificate's product uploads its stamped scan (already checked by content)."""
    if principal.org_type != "agency":
        raise NotFound("证书不存在", code="certificate_not_found")
    cert = await get_certificate(session, principal, certificate_id, for_update=True)
    require_valid(cert.status)
    key = f"certificates/stamped/{cert.id}/{uuid.uuid4().hex}.pdf"
    await ctx.storage.put(BUCKET, key, pdf, content_type="application/pdf", metadata={"number": cert.number})
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
    model_ids = list(
        await session.scalars(
            select(CertificateModel.model_id).where(CertificateModel.certificate_id == cert.id)
        )
    )
    payload = events.CertificateEnded(
        certificate_id=cert.id,
        number=cert.number,
        declaration_id=cert.declaration_id,
        org_id=cert.org_id,
        model_ids=model_ids,
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


EXPIRED_REASON = "expired"


async def expire_due(session: AsyncSession, *, now: datetime, batch: int = 200) -> int:
    """End every certificate whose validity is over. Idempotent: rows are claimed with SKIP LOCKED,
    so replicas running the poller at once never expire the same certificate twice."""
    today = china_today(now)
    rows = list(
        await session.scalars(
            select(Certificate)
            .where(Certificate.status == CertificateStatus.VALID, Certificate.valid_until < today)
            .order_by(Certificate.valid_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
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
    if not certificate_ids:
        return {}
    rows = await session.execute(
        select(Label.model_id, Label.id).where(
            Label.kind == LabelKind.FORERUNNER, Label.certificate_id.in_(certificate_ids)
        )
    )
    return {model_id: label_id for model_id, label_id in rows}


async def history(session: AsyncSession, cert: Certificate) -> list[CertificateHistory]:
    return list(
        await session.scalars(
            select(CertificateHistory)
            .where(CertificateHistory.certificate_id == cert.id)
            .order_by(CertificateHistory.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Labels


def _label_scope(principal: Principal) -> ColumnElement[bool]:
    match principal.org_type:
        case "enterprise":
            return Label.org_id == principal.org_id
        case "agency":
            return Label.certificate_id.in_(
                select(Certificate.id).where(Certificate.agency_org_id == principal.org_id)
            )
        case "working_group" | "operator":
            return true()
    return Label.id.is_(None)


async def _store_label(ctx: Context, label: Label, pdf: bytes) -> None:
    png = await render_off_loop(pdf_to_png, pdf)
    await ctx.storage.put(
        BUCKET, label.pdf_key, pdf, content_type="application/pdf", metadata={"number": label.number}
    )
    await ctx.storage.put(
        BUCKET, label.png_key, png, content_type="image/png", metadata={"number": label.number}
    )


async def apply_label(
    session: AsyncSession, ctx: Context, principal: Principal, model_id: uuid.UUID
) -> tuple[Label, bool]:
    """The enterprise applies for the forerunner label of one of its certified models (appended ones
    included). Applying twice returns the label already issued; the flag says whether it is new."""
    row = (
        await session.execute(
            select(CertificateModel, Certificate)
            .join(Certificate, Certificate.id == CertificateModel.certificate_id)
            .where(CertificateModel.model_id == model_id, Certificate.org_id == principal.org_id)
            .with_for_update(of=Certificate)
        )
    ).first()
    if row is None:
        raise NotFound("该产品型号不存在或未获得领跑者证书", code="model_not_found")
    model, cert = row
    existing = await session.scalar(
        select(Label).where(Label.kind == LabelKind.FORERUNNER, Label.model_id == model_id)
    )
    if existing is not None:
        return existing, False
    require_valid(cert.status)
    label_id = uuid.uuid4()
    label = Label(
        id=label_id,
        kind=LabelKind.FORERUNNER,
        number=numbers.label_number(certificate_number=cert.number, model_seq=model.position),
        verify_code=await _unique_verify_code(session),
        org_id=cert.org_id,
        certificate_id=cert.id,
        certificate=cert,
        model_id=model.model_id,
        enterprise_name=cert.enterprise_name,
        key_field_product=cert.key_field_product,
        product_name=model.name or cert.key_field_product,
        model=model.spec or model.name,
        standard=f"{cert.standard_no}《{cert.standard_name}》",
        year=cert.year,
        pdf_key=f"labels/{label_id}.pdf",
        png_key=f"labels/{label_id}.png",
        created_at=ctx.now,
    )
    content = LabelContent(
        number=label.number,
        enterprise_name=label.enterprise_name,
        standard_number=cert.standard_no,
        standard_name=cert.standard_name,
        product_name=label.product_name,
        model=label.model,
        year=label.year,
        verify_url=numbers.verify_url(ctx.settings.public_base_url, label.verify_code),
    )
    await _store_label(ctx, label, await render_off_loop(render_label_pdf, content))
    session.add(label)
    await session.flush()
    await emit(session, events.LABEL_ISSUED, _label_payload(label))
    return label, True


def _label_payload(label: Label) -> events.LabelIssued:
    return events.LabelIssued(
        label_id=label.id,
        number=label.number,
        verify_code=label.verify_code,
        model_id=label.model_id,
        org_id=label.org_id,
        kind=label.kind.value,
        star=label.star,
        certificate_id=label.certificate_id,
    )


async def issue_star_label(
    session: AsyncSession,
    ctx: Context,
    *,
    model_id: uuid.UUID,
    org_id: uuid.UUID,
    star: int,
    enterprise_name: str,
    product_name: str,
    model: str,
    star_product_id: uuid.UUID | None,
) -> Label | None:
    """The star label of a self-declared star product, once its promotion material is complete
    (mall.promotion_completed). Once per model; a replay returns the label already issued."""
    existing = await session.scalar(
        select(Label).where(Label.kind == LabelKind.STAR, Label.model_id == model_id)
    )
    if existing is not None:
        return existing
    declared = await session.get(StarProduct, star_product_id or model_id)
    key_field_product = declared.key_field_product if declared else product_name
    product_id = declared.product_id if declared else None
    grading_standard = ""
    if product_id is not None:
        product = await session.get(Product, product_id)
        grading_standard = product.group_standard if product and product.group_standard else ""
    year = ctx.today.year
    field_code = numbers.field_code(await _product_code(session, product_id))
    seq = await next_sequence(session, kind="XJ", year=year, field_code=field_code)
    label_id = uuid.uuid4()
    label = Label(
        id=label_id,
        kind=LabelKind.STAR,
        number=numbers.star_label_number(year=year, product_code=field_code, seq=seq),
        verify_code=await _unique_verify_code(session),
        org_id=org_id,
        certificate_id=None,
        certificate=None,
        model_id=model_id,
        star=star,
        enterprise_name=declared.enterprise_name if declared else enterprise_name,
        key_field_product=key_field_product,
        product_name=declared.name if declared else product_name,
        model=declared.model if declared else model,
        standard=grading_standard,
        year=year,
        pdf_key=f"labels/{label_id}.pdf",
        png_key=f"labels/{label_id}.png",
        created_at=ctx.now,
    )
    content = StarLabelContent(
        number=label.number,
        enterprise_name=label.enterprise_name,
        key_field_product=key_field_product,
        product_name=label.product_name,
        model=label.model,
        star_level=star,
        year=year,
        verify_url=numbers.verify_url(ctx.settings.public_base_url, label.verify_code),
        grading_standard=grading_standard,
    )
    await _store_label(ctx, label, await render_off_loop(render_star_label_pdf, content))
    session.add(label)
    await session.flush()
    await emit(session, events.LABEL_ISSUED, _label_payload(label))
    return label


async def list_labels(
    session: AsyncSession,
    principal: Principal,
    *,
    offset: int,
    limit: int,
    kind: LabelKind | None = None,
    certificate_id: uuid.UUID | None = None,
) -> tuple[list[Label], int]:
    conditions = [_label_scope(principal)]
    if kind is not None:
        conditions.append(Label.kind == kind)
    if certificate_id is not None:
        conditions.append(Label.certificate_id == certificate_id)
    total = await session.scalar(select(func.count()).select_from(Label).where(*conditions))
    rows = await session.scalars(
        select(Label)
        .where(*conditions)
        .order_by(Label.created_at.desc(), Label.number)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def get_label(session: AsyncSession, principal: Principal, label_id: uuid.UUID) -> Label:
    label = await session.scalar(select(Label).where(Label.id == label_id, _label_scope(principal)))
    if label is None:
        raise NotFound("标识不存在", code="label_not_found")
    return label


def label_status(label: Label) -> CertificateStatus:
    """A forerunner label lives and ends with its certificate; a star label has no end of its own."""
    return label.certificate.status if label.certificate is not None else CertificateStatus.VALID


def label_file(label: Label, fmt: str) -> StoredFile:
    if label_status(label) is CertificateStatus.REVOKED:
        raise Conflict("证书已撤销，标识不能下载", code="certificate_revoked")
    base = f"{label.kind.label}-{label.number}"
    if fmt == "png":
        return StoredFile(label.png_key, f"{base}.png", "image/png")
    return StoredFile(label.pdf_key, f"{base}.pdf", "application/pdf")


# ---------------------------------------------------------------------------------------------
# Public verification


async def verify(session: AsyncSession, code: str) -> dict[str, Any] | None:
    """The live status behind a QR code or a typed-in number; None when nothing matches.

    Only what is printed on the document itself is disclosed.
    """
    cert: Certificate | None = None
    label: Label | None = None
    if numbers.is_well_formed_verify_code(code):
        cert = await session.scalar(select(Certificate).where(Certificate.verify_code == code))
        if cert is None:
            label = await session.scalar(select(Label).where(Label.verify_code == code))
    if cert is None and label is None and (number := numbers.normalise_number(code)):
        cert = await session.scalar(select(Certificate).where(Certificate.number == number))
        if cert is None:
            label = await session.scalar(select(Label).where(Label.number == number))
    if cert is not None:
        return {
            **_status_fields(cert.status, cert),
            "kind": "certificate",
            "kind_label": "企业标准“领跑者”证书",
            "number": cert.number,
            "enterprise_name": cert.enterprise_name,
            "standard_no": cert.standard_no,
            "standard_name": cert.standard_name,
            "key_field_product": cert.key_field_product,
            "product_name": cert.key_field_product,
            "models": [m.spec or m.name for m in cert.models if not m.appended],
            "year": cert.year,
            "agency_name": cert.agency_name,
            "issued_on": cert.issued_on,
            "valid_until": cert.valid_until,
            "stamped": cert.stamped_key is not None,
        }
    if label is None:
        return None
    cert = label.certificate
    return {
        **_status_fields(label_status(label), cert),
        "kind": f"{label.kind.value}_label",
        "kind_label": label.kind.label,
        "number": label.number,
        "enterprise_name": label.enterprise_name,
        "standard_no": cert.standard_no if cert else None,
        "standard_name": cert.standard_name if cert else label.standard or None,
        "key_field_product": label.key_field_product,
        "product_name": label.product_name,
        "model": label.model,
        "models": [label.model],
        "star": label.star,
        "year": label.year,
        "agency_name": cert.agency_name if cert else None,
        "issued_on": china_today(label.created_at) if label.created_at else None,
        "valid_until": cert.valid_until if cert else None,
        "certificate_number": cert.number if cert else None,
    }


def _status_fields(status: CertificateStatus, cert: Certificate | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": status.value, "status_label": status.label}
    if cert is not None and status is not CertificateStatus.VALID:
        fields["ended_at"] = cert.ended_at
        if status is CertificateStatus.REVOKED:
            fields["revoked_reason"] = cert.end_reason
    return fields
