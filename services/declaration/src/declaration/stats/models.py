"""Read models of the working group's dashboard and the public statistics (``stats_*`` tables). Fed only by
events (``declaration.stats.consumers``), or recomputed from the workflow tables by ``python -m
declaration.stats rebuild``; the dashboard never reads the workflow tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from declaration.models import Base


class StatsMove(Base):
    """One move of a declaration's lifecycle (``declaration.status_changed``), keyed by its audit row: the
    funnel, the pass rates and the review times are all computed from these."""

    __tablename__ = "stats_moves"
    __table_args__ = (Index("ix_stats_moves_declaration", "declaration_id", "at", "occurred_at"),)
    review_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    agency_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    standard_no: Mapped[str] = mapped_column(String(40), default="")
    product_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    list_from: Mapped[str | None] = mapped_column(String(32))
    list_to: Mapped[str] = mapped_column(String(32))
    # the platform's time of the move (the 审核记录's), then the envelope's as the tie-break between two
    # moves of one declaration at the same platform instant
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatsForerunner(Base):
    """A published forerunner standard (``declaration.published``): the public statistics."""

    __tablename__ = "stats_forerunners"
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_name: Mapped[str] = mapped_column(String(200), default="")
    field: Mapped[str] = mapped_column(String(100), default="")
    year: Mapped[int] = mapped_column(Integer, index=True)
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatsNotice(Base):
    """A public notice (``notice.opened`` / ``notice.closed``, either may come first)."""

    __tablename__ = "stats_notices"
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    year: Mapped[int] = mapped_column(Integer)
    declaration_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed: Mapped[bool] = mapped_column(default=False)


class StatsObjection(Base):
    """An objection (``objection.raised`` / ``objection.resolved``, either may come first)."""

    __tablename__ = "stats_objections"
    objection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")  # domain.statuses.ObjectionStatus
    raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatsCertificate(Base):
    """A forerunner certificate (``certificate.issued/stamped/revoked/expired``, in any order): revoked and
    expired are final, an issued event arriving after them fills the dates only."""

    __tablename__ = "stats_certificates"
    certificate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    number: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid | revoked | expired
