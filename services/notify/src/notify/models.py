"""Notify's own tables: the contact read model (fed by enterprise events), the declaration owners (to
address notice events that carry only declaration ids), in-site messages and the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime

from kit.db import new_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


class Contact(Base):
    """How to reach an organisation: the contact phone arrives sealed in enterprise events and stays
    sealed at rest; it is unsealed only at the moment an SMS is sent."""

    __tablename__ = "contacts"

    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    credit_code: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(Text)
    phone_sealed: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    # When the copied facts were true (the event's occurred_at): events may be handled out of order,
    # and an older one must not overwrite a newer profile.
    as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the phone was asked of auth rather than carried by an event: such a copy is reused only for
    # Settings.notify_asked_phone_seconds, then asked again (nothing tells notify when it changes).
    phone_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeclarationOwner(Base):
    """Which enterprise (and agency) a declaration belongs to, from its status events."""

    __tablename__ = "declaration_owners"

    declaration_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    agency_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    standard_no: Mapped[str] = mapped_column(Text)
    standard_name: Mapped[str] = mapped_column(Text)
    product_name: Mapped[str | None] = mapped_column(Text)


class Message(Base):
    """An in-site message (站内消息) for an organisation; every account of it sees the same inbox."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("event_id", "org_id", name="uq_messages_event_org"),
        Index("ix_messages_org_created", "org_id", "created_at"),
        Index("ix_messages_org_unread", "org_id", postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """The delivery log: one row per (event, channel, recipient), never two. In-site rows are written
    'sent' with the message; SMS and e-mail rows start 'pending' and the dispatcher sends them after the
    event's transaction committed, so a rolled-back or redelivered event never texts anybody twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_event_channel_recipient"),
        Index(
            "ix_deliveries_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'sending')")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)  # site | sms | email
    recipient: Mapped[str] = mapped_column(Text)  # "org:<uuid>": the organisation, never a phone in clear
    org_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    destination_masked: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")  # pending|sending|sent|failed|skipped
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEndpoint(Base):
    """A subscriber organisation's endpoint (a retailer, a market regulator), registered by an operator. The
    signing secrets are sealed at rest (``kit.pii``); the previous one keeps signing until
    ``previous_secret_until`` after a rotation."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    organisation: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    secret_sealed: Mapped[str] = mapped_column(Text)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every attempt failed since ``failing_since`` (``consecutive_failures`` of them); a success clears both.
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The operator organisation that registered it: told in-site when the endpoint is paused.
    created_by_org: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(Base):
    """The webhook outbox: one row per (event, endpoint), written in the transaction that handled the event.
    ``body`` is the exact JSON sent on every attempt; ``id`` is the ``webhook-id`` header, the same on
    every retry and redelivery (receivers dedupe on it)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # No attempt after this (24 h after the event, or after a manual redelivery).
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    """Every attempt of a delivery: what the receiver answered (status, a capped piece of the body) or why
    nothing came back, and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)  # 1, 2, …; a manual redelivery starts again at 1
