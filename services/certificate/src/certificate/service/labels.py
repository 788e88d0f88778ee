"""Labels: the forerunner label (领跑者标识) an enterprise applies for per certified model, and the star
label (星级产品标识) of a self-declared star product once its promotion material is complete."""

from __future__ import annotations

import uuid

from contracts import certificate as events
from kit.bus import emit
from kit.paging import PageParams
from kit.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository
from certificate.domain import numbers
from certificate.domain.statuses import CertificateStatus, LabelKind, require_valid
from certificate.errors import CertificateRevoked, LabelNotFound, ModelNotFound
from certificate.models import Label
from certificate.offline import DocumentKind, SignedFields
from certificate.rendering import (
    LabelContent,
    StarLabelContent,
    pdf_to_png,
    render_label_pdf,
    render_star_label_pdf,
)
from certificate.service.common import (
    Context,
    StoredFile,
    product_code,
    render_off_loop,
    sign_off_loop,
    unique_verify_code,
)


async def _store_label(ctx: Context, label: Label, pdf: bytes) -> None:
    """The PDF goes out signed by the platform; the PNG (for print shops and web pages) is a picture of
    the same page and carries no signature."""
    png = await render_off_loop(pdf_to_png, pdf)
    signed = await ctx.sign(pdf, number=label.number, reason=f"{label.kind.label} {label.number}，平台签发")
    label.pdf_sha256, label.pdf_signer = signed.content_sha256, signed.signer_fingerprint
    await ctx.store(label.pdf_key, signed.data, content_type="application/pdf", number=label.number)
    await ctx.store(label.png_key, png, content_type="image/png", number=label.number)


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


async def apply_label(
    session: AsyncSession, ctx: Context, principal: Principal, model_id: uuid.UUID
) -> tuple[Label, bool]:
    """The enterprise applies for the forerunner label of one of its certified models (appended ones
    included). Applying twice returns the label already issued; the flag says whether it is new."""
    found = await repository.own_certified_model(session, principal.org_id, model_id)
    if found is None:
        raise ModelNotFound()
    model, cert = found
    existing = await repository.label_of_model(session, LabelKind.FORERUNNER, model_id)
    if existing is not None:
        return existing, False
    require_valid(cert.status)
    label_id = uuid.uuid4()
    label = Label(
        id=label_id,
        kind=LabelKind.FORERUNNER,
        number=numbers.label_number(certificate_number=cert.number, model_seq=model.position),
        verify_code=await unique_verify_code(session),
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
        offline_signature=await sign_off_loop(
            ctx.settings,
            SignedFields.of(
                DocumentKind.FORERUNNER_LABEL,
                number=label.number,
                holder=label.enterprise_name,
                subject=label.model,
                valid_until=cert.valid_until,
            ),
        ),
    )
    await _store_label(ctx, label, await render_off_loop(render_label_pdf, content))
    session.add(label)
    await session.flush()
    await emit(session, events.LABEL_ISSUED, _label_payload(label))
    return label, True


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
) -> Label:
    """The star label of a self-declared star product, once its promotion material is complete
    (mall.promotion_completed). Once per model; a replay returns the label already issued."""
    existing = await repository.label_of_model(session, LabelKind.STAR, model_id)
    if existing is not None:
        return existing
    declared = await repository.star_product(session, star_product_id or model_id)
    key_field_product = declared.key_field_product if declared else product_name
    product_id = declared.product_id if declared else None
    grading_standard = ""
    if product_id is not None:
        product = await repository.product(session, product_id)
        grading_standard = product.group_standard if product and product.group_standard else ""
    year = ctx.today.year
    field_code = numbers.field_code(await product_code(session, product_id))
    seq = await repository.next_sequence(session, kind="XJ", year=year, field_code=field_code)
    label_id = uuid.uuid4()
    label = Label(
        id=label_id,
        kind=LabelKind.STAR,
        number=numbers.star_label_number(year=year, product_code=field_code, seq=seq),
        verify_code=await unique_verify_code(session),
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
        # A star label has no end date: it stands until revoked.
        offline_signature=await sign_off_loop(
            ctx.settings,
            SignedFields.of(
                DocumentKind.STAR_LABEL,
                number=label.number,
                holder=label.enterprise_name,
                subject=label.model,
                valid_until=None,
            ),
        ),
    )
    await _store_label(ctx, label, await render_off_loop(render_star_label_pdf, content))
    session.add(label)
    await session.flush()
    await emit(session, events.LABEL_ISSUED, _label_payload(label))
    return label


async def list_labels(
    session: AsyncSession,
    principal: Principal,
    params: PageParams,
    *,
    kind: LabelKind | None = None,
    certificate_id: uuid.UUID | None = None,
) -> tuple[list[Label], int]:
    stmt = repository.labels(principal, kind=kind, certificate_id=certificate_id)
    return await repository.page_of(session, stmt, params)


async def get_label(session: AsyncSession, principal: Principal, label_id: uuid.UUID) -> Label:
    label = await repository.visible_label(session, principal, label_id)
    if label is None:
        raise LabelNotFound()
    return label


def label_status(label: Label) -> CertificateStatus:
    """A forerunner label lives and ends with its certificate; a star label has no end of its own."""
    return label.certificate.status if label.certificate is not None else CertificateStatus.VALID


def label_file(label: Label, fmt: str) -> StoredFile:
    if label_status(label) is CertificateStatus.REVOKED:
        raise CertificateRevoked("证书已撤销，标识不能下载")
    base = f"{label.kind.label}-{label.number}"
    if fmt == "png":
        return StoredFile(label.png_key, f"{base}.png", "image/png")
    return StoredFile(label.pdf_key, f"{base}.pdf", "application/pdf")
