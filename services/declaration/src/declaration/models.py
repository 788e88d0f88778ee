"""Tables of the declaration service. Read models (products, enterprises) are fed by events only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kit.audit_chain import ChainedRow, heads_table
from kit.db import new_metadata
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from declaration.domain.statuses import EvidenceStatus, ListStatus, StarStatus


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


JsonB = JSONB().with_variant(JSON(), "sqlite")


def _enum(cls: type, name: str, *, length: int = 32) -> Enum:
    return Enum(
        cls, name=name, values_callable=lambda e: [m.value for m in e], native_enum=False, length=length
    )


class Product(Base):
    """Key-field products with their agency designation and final plan (catalog.* events)."""

    __tablename__ = "products"
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    field: Mapped[str] = mapped_column(String(100), default="")
    year: Mapped[int] = mapped_column(Integer, default=0)
    product_type: Mapped[str] = mapped_column(String(16), default="product")
    agency_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    notice_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    group_standard: Mapped[str] = mapped_column(String(200), default="")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)


class Enterprise(Base):
    """Enterprise profiles (enterprise.* and identity.forerunner_verified events)."""

    __tablename__ = "enterprises"
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    nature: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    phone_masked: Mapped[str] = mapped_column(String(20), default="")
    phone_sealed: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(12), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    forerunner_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # occurred_at of the newest enterprise.* event applied; an older one arriving later changes nothing
    profile_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Candidate(Base):
    """One row of an agency's candidate list (入围名单): imported by the agency (``source = agency``), or a
    self-declared standard the agency passed (``source = self``, 企业自主申报: linked to the enterprise and
    its declaration, the phone is the enterprise's 基本信息 phone and follows it)."""

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("product_id", "credit_code", "standard_no", name="uq_candidate_standard"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.product_id"), index=True
    )
    agency_org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    standard_no: Mapped[str] = mapped_column(String(40))
    standard_name: Mapped[str] = mapped_column(String(200))
    phone_sealed: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20))
    phone_ref: Mapped[str] = mapped_column(String(40))
    values: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    source: Mapped[str] = mapped_column(
        String(16), default="agency", server_default="agency"
    )  # agency | self
    org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)  # source = self only
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        # the list page: one index per audience, each ending in the stable order (created_at, id)
        Index("ix_declarations_org_order", "org_id", text("created_at DESC"), text("id DESC")),
        Index("ix_declarations_agency_order", "agency_org_id", text("created_at DESC"), text("id DESC")),
        Index("ix_declarations_order", text("created_at DESC"), text("id DESC")),
        Index("ix_declarations_year_field", "year", "field", text("created_at DESC")),
        Index("ix_declarations_statuses", "list_status", "evidence_status"),
        Index(
            "ix_declarations_standard_no_trgm",
            "standard_no",
            postgresql_using="gin",
            postgresql_ops={"standard_no": "gin_trgm_ops"},
        ),
        Index(
            "ix_declarations_enterprise_name_trgm",
            "enterprise_name",
            postgresql_using="gin",
            postgresql_ops={"enterprise_name": "gin_trgm_ops"},
        ),
        Index("ix_declarations_published", "year", "list_status", "published_at"),
        # what the agency and the working group see (submitted, or listed by the agency): their list pages and
        # capped counts walk these without touching the rows they may not see
        Index(
            "ix_declarations_shared_order",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        Index(
            "ix_declarations_shared_year_field",
            "year",
            "field",
            text("created_at DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        Index(
            "ix_declarations_shared_agency_order",
            "agency_org_id",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        # 企业标准号 / 企业名称 contains-filters of any length (declaration.search)
        Index("ix_declarations_search_grams", "search_grams", postgresql_using="gin"),
        # 名单状态 / 证明材料状态 filters of the agency and the working group, in list order
        Index(
            "ix_declarations_shared_list_status",
            "list_status",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        Index(
            "ix_declarations_shared_statuses",
            "list_status",
            "evidence_status",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        Index(
            "ix_declarations_shared_evidence_status",
            "evidence_status",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
        Index(
            "ix_declarations_shared_agency_status",
            "agency_org_id",
            "list_status",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_where=text("submitted_at IS NOT NULL OR origin = 'candidate'"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    origin: Mapped[str] = mapped_column(String(16), default="self")  # self | candidate
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.product_id"))
    agency_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    year: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    product_name: Mapped[str] = mapped_column(String(200))
    product_type: Mapped[str] = mapped_column(String(16))
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    standard_no: Mapped[str] = mapped_column(String(40), default="")
    standard_name: Mapped[str] = mapped_column(String(200), default="")
    public_values: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JsonB)
    # kept by the database (migration c5e2a8f41d17): grams of standard_no and enterprise_name for the list's
    # contains-filters; never loaded with a row
    search_grams: Mapped[list[str] | None] = mapped_column(
        ARRAY(Text),
        Computed(
            "lp_search_grams('s:', coalesce(standard_no, '')) || lp_search_grams('e:', coalesce(enterprise_name, ''))",
            persisted=True,
        ),
        deferred=True,
    )
    comparison_verdict: Mapped[str | None] = mapped_column(String(16))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    list_status: Mapped[ListStatus] = mapped_column(
        _enum(ListStatus, "list_status"), default=ListStatus.DRAFT
    )
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        _enum(EvidenceStatus, "evidence_status"), default=EvidenceStatus.NONE
    )
    model_count: Mapped[int] = mapped_column(Integer, default=0)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    enterprise_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonB)
    notice_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProductModel(Base):
    """A model/spec made to the declared standard (产品信息), or appended after publication."""

    __tablename__ = "product_models"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str | None] = mapped_column(Text)
    picture_keys: Mapped[list[str]] = mapped_column(JsonB, default=list)
    appended: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvidenceFile(Base):
    __tablename__ = "evidence_files"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Review(ChainedRow, Base):
    """审核记录: every move of the lifecycle, append-only (a trigger refuses changes but the chainer's one
    linking of the row) and a hash chain (kit.audit_chain)."""

    __tablename__ = "reviews"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    # the order of moves even when the clock gives two of them the same instant
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    actor_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    list_from: Mapped[str | None] = mapped_column(String(32))
    list_to: Mapped[str] = mapped_column(String(32))
    evidence_from: Mapped[str | None] = mapped_column(String(32))
    evidence_to: Mapped[str] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notice(Base):
    """A 14-day public notice (公示) with its stored deadline; the poller closes it."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_open_deadline", "ends_at", postgresql_where=text("closed_at IS NULL")),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    year: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_name: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Objection(Base):
    """异议 from the public during a notice; an open one holds publication."""

    __tablename__ = "objections"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("notices.id"), index=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    phone_sealed: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # domain.statuses.ObjectionStatus
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StarProduct(Base):
    """自我声明3星级、4星级产品."""

    __tablename__ = "star_products"
    __table_args__ = (Index("ix_star_products_org_order", "org_id", text("created_at DESC")),)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.product_id"))
    product_name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    star: Mapped[int] = mapped_column(Integer)
    measured_values: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JsonB)
    comparison_verdict: Mapped[str | None] = mapped_column(String(16))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    intro: Mapped[str | None] = mapped_column(Text)
    status: Mapped[StarStatus] = mapped_column(
        _enum(StarStatus, "star_status", length=16), default=StarStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    declared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The daily heads of the review chain, published at GET /api/declarations/audit/heads (kit.audit_chain).
AUDIT_HEADS = heads_table(Base.metadata)
