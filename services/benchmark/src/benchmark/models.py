"""Tables of the benchmark service. Nobody else reads them: other services learn through catalog.* events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kit.audit_chain import ChainedRow, heads_table
from kit.db import new_metadata
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


class Agency(Base):
    """Local copy of the auth service's agency organisations (fed by ``account.organisation_created`` and
    by the demo loader), so a designation can name its agency without calling auth."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the organisation id in auth
    name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeyFieldProduct(Base):
    """重点领域产品."""

    __tablename__ = "key_field_products"
    __table_args__ = (CheckConstraint("product_type IN ('product', 'service')", name="product_type"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(50), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    product_type: Mapped[str] = mapped_column(String(16))  # ProductType value
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Designation(Base):
    """The agency designated for a product and its 14-day public notice. One per product."""

    __tablename__ = "designations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_field_products.id"), unique=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(index=True)
    agency_name: Mapped[str] = mapped_column(String(200))  # as designated, for the public notice
    notice_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notice_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    designated_by: Mapped[uuid.UUID]  # working-group account
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WithdrawnDesignation(ChainedRow, Base):
    """A designation the working group withdrew (撤销), kept for the record: who, when and why. The live
    ``designations`` row is removed in the same transaction, so a product has at most one live designation
    and may be designated again. Append-only but the chainer's one linking of the row, and a hash chain
    (kit.audit_chain) in the order the rows were written."""

    __tablename__ = "withdrawn_designations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the withdrawn designation's id
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_field_products.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(index=True)
    agency_name: Mapped[str] = mapped_column(String(200))
    notice_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notice_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    designated_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[uuid.UUID]  # working-group account
    reason: Mapped[str] = mapped_column(String(500))


class AssessmentPlan(Base):
    """评估方案, one row per version. Indicators are stored as the validated field lists the domain
    reads back (``indicator_fields``); a final version is never modified."""

    __tablename__ = "assessment_plans"
    __table_args__ = (
        UniqueConstraint("product_id", "version"),
        CheckConstraint("status IN ('draft', 'final', 'superseded')", name="status"),
        CheckConstraint("version >= 1", name="version"),
        # at most one draft and one final version per product at any time
        Index(
            "uq_assessment_plans_one_draft",
            "product_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
        ),
        Index(
            "uq_assessment_plans_one_final",
            "product_id",
            unique=True,
            postgresql_where=text("status = 'final'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_field_products.id"), index=True)
    agency_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # PlanStatus value
    title: Mapped[str] = mapped_column(String(200))
    group_standard: Mapped[str] = mapped_column(String(100))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    source: Mapped[str] = mapped_column(String(16))  # json | workbook
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ComparisonValue(Base):
    """One value an enterprise entered in a comparison (对标), kept for the agency's threshold calibrator.

    No identity: ``enterprise_key`` is an HMAC of the organisation id with the service's
    ``LP_COMPARISON_KEY_SECRET`` (``benchmark.domain.calibration.enterprise_key``), enough to count distinct
    enterprises and take each one's latest value per indicator, not to say who it is. The ``id`` orders
    the rows as they were written (the latest value wins)."""

    __tablename__ = "comparison_values"
    __table_args__ = (
        CheckConstraint("kind IN ('forerunner', 'star')", name="kind"),
        # the calibrator's query: a product's latest value per indicator and enterprise
        Index("ix_comparison_values_latest", "product_id", "indicator", "enterprise_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_field_products.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_plans.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(50))  # the product's field (领域) when compared
    kind: Mapped[str] = mapped_column(String(16))  # ComparisonKind value
    indicator: Mapped[str] = mapped_column(String(40))  # the indicator's code
    value: Mapped[str] = mapped_column(Text)  # decimal string, grade label, true/false
    enterprise_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The daily heads of the withdrawal chain, published at GET /api/benchmark/audit/heads (kit.audit_chain).
AUDIT_HEADS = heads_table(Base.metadata)
