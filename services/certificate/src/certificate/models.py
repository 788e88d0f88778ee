"""Tables of the certificate service (database ``lp_certificate``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from kit.audit_chain import ChainedRow, heads_table
from kit.db import new_metadata
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from certificate.domain.statuses import CertificateStatus, HistoryAction, LabelKind


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Product(Base):
    """Copy of the key-field products (catalog.product_saved): their code goes into the numbers."""

    __tablename__ = "products"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    # The final plan's group standard (团体标准, catalog.plan_finalised): the basis of star grading.
    group_standard: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    # One certificate per published declaration: the guard against a re-published or replayed event.
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    agency_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    key_field_product: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int] = mapped_column(Integer, index=True)
    standard_no: Mapped[str] = mapped_column(String(100))
    standard_name: Mapped[str] = mapped_column(String(300))
    agency_name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[CertificateStatus] = mapped_column(
        _enum(CertificateStatus, "certificate_status"), default=CertificateStatus.VALID
    )
    unstamped_key: Mapped[str] = mapped_column(String(300))
    stamped_key: Mapped[str | None] = mapped_column(String(300))
    stamped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the file verifier compares (certificate.signing): SHA-256 of the byte ranges the platform's
    # PAdES signature covers, and the SHA-256 fingerprint of the certificate that signed, per file.
    unstamped_sha256: Mapped[str | None] = mapped_column(String(64))
    unstamped_signer: Mapped[str | None] = mapped_column(String(64))
    stamped_sha256: Mapped[str | None] = mapped_column(String(64))
    stamped_signer: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    models: Mapped[list[CertificateModel]] = relationship(
        back_populates="certificate", order_by="CertificateModel.position", lazy="selectin"
    )

    __table_args__ = (
        # The expiry poller's scan: valid certificates by end date.
        Index("ix_certificates_expiry", "valid_until", postgresql_where=text("status = 'valid'")),
    )


class CertificateModel(Base):
    """A product model (规格型号) covered by a certificate, published or appended later."""

    __tablename__ = "certificate_models"

    model_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # the model's sequence in label numbers
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200))
    appended: Mapped[bool] = mapped_column(Boolean, default=False)

    certificate: Mapped[Certificate] = relationship(back_populates="models")

    __table_args__ = (UniqueConstraint("certificate_id", "position"),)


class CertificateHistory(ChainedRow, Base):
    """Every change of a certificate: who, when, what, why (the audit trail of issue/stamp/revoke/expire);
    append-only but the chainer's one linking of the row, and a hash chain (kit.audit_chain)."""

    __tablename__ = "certificate_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[HistoryAction] = mapped_column(_enum(HistoryAction, "certificate_action"))
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StarProduct(Base):
    """Copy of self-declared star products (star_product.declared), shown on their star labels."""

    __tablename__ = "star_products"

    star_product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    key_field_product: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    star: Mapped[int] = mapped_column(SmallInteger)


class Label(Base):
    __tablename__ = "labels"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[LabelKind] = mapped_column(_enum(LabelKind, "label_kind"))
    number: Mapped[str] = mapped_column(String(48), unique=True)
    verify_code: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # Forerunner labels hang on their certificate and share its fate (revoked, expired).
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    star: Mapped[int | None] = mapped_column(SmallInteger)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    key_field_product: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    standard: Mapped[str] = mapped_column(String(400))
    year: Mapped[int] = mapped_column(Integer)
    pdf_key: Mapped[str] = mapped_column(String(300))
    png_key: Mapped[str] = mapped_column(String(300))
    # The signed PDF's byte-range SHA-256 and signer fingerprint (the PNG carries no signature).
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_signer: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    certificate: Mapped[Certificate | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("kind", "model_id"),)


class Sequence(Base):
    """Counters behind the document numbers, one per (kind, year, field code)."""

    __tablename__ = "number_sequences"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


# The daily heads of the history chain, published at GET /api/certificates/audit/heads (kit.audit_chain).
AUDIT_HEADS = heads_table(Base.metadata)
