"""Tables of the auth service (database ``lp_auth``; nobody else reads them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from kit.audit_chain import ChainedRow, heads_table
from kit.db import new_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """This service's own metadata: services share no tables."""

    metadata = new_metadata()


def _uuid() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Organisation(Base):
    """An enterprise, an assessment agency, the working group or the platform operator."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = _uuid()
    org_type: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class EnterpriseProfile(Base):
    """基本信息 of an enterprise beyond name, credit code, contact and phone (kept on the organisation)."""

    __tablename__ = "enterprise_profiles"

    org_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    nature: Mapped[str | None] = mapped_column(String(30))
    region_code: Mapped[str | None] = mapped_column(String(6))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(300))
    logo_key: Mapped[str | None] = mapped_column(String(200))


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[uuid.UUID] = _uuid()
    org_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    story: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    logo_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("uq_accounts_phone", "phone", unique=True, postgresql_where=text("phone IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = _uuid()
    org_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    login_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    phone: Mapped[str | None] = mapped_column(String(11))
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    # A generated password (registration, reset by an operator) only allows changing it, for 7 days.
    password_generated: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    password_set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    forerunner_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class LoginSession(Base):
    """One login: its access tokens carry ``sid`` = id; its refresh tokens form one rotation family."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """Opaque refresh tokens, stored only as SHA-256 (they are 256-bit random, so no slow hash is needed)."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("login_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryRequest(Base):
    """账号找回: phone lost and password forgotten; an operator decides."""

    __tablename__ = "recovery_requests"

    id: Mapped[uuid.UUID] = _uuid()
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(50), nullable=False)
    new_phone: Mapped[str | None] = mapped_column(String(11))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    letter_key: Mapped[str] = mapped_column(String(200), nullable=False)
    letter_type: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending", index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    opinion: Mapped[str | None] = mapped_column(Text)
    # An approved request takes effect only after the cooling-off period (or when the current phone confirms);
    # until then the owner can cancel it. ``closed_*`` says how it ended (cancelled or taken effect).
    effective_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_via: Mapped[str | None] = mapped_column(String(40))


class RecoveryToken(Base):
    """The one-time codes of a recovery request sent only to the account's current phone: ``cancel`` refuses
    the request, ``confirm`` lets an approved one take effect before the cooling-off period ends. Stored as
    SHA-256 (random, so no slow hash is needed)."""

    __tablename__ = "recovery_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("recovery_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CandidatePhone(Base):
    """Read model fed by ``candidate.*`` events: which phones may authenticate which credit code.
    The phone stays sealed at rest and is opened only to send the code."""

    __tablename__ = "candidate_phones"

    candidate_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    standard_no: Mapped[str] = mapped_column(String(100), nullable=False, server_default="")
    phone_ref: Mapped[str] = mapped_column(String(100), nullable=False)
    phone_masked: Mapped[str] = mapped_column(String(20), nullable=False)
    phone_sealed: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class AuditEntry(ChainedRow, Base):
    """Append-only (a trigger refuses UPDATE and DELETE but the chainer's one linking of the row): who did
    what, from where, with which result; a hash chain (kit.audit_chain) shows any change made past it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    result: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    subject_org_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))


# The daily heads of the audit chain, published at GET /api/auth/audit/heads (kit.audit_chain).
AUDIT_HEADS = heads_table(Base.metadata)


class ApiKey(Base):
    """An open-data API key (开放数据接口密钥) an operator issued to an organisation that reads the open lists:
    only its SHA-256 is kept (``kit.api_keys``), the key itself is shown once. Revoked keys stay as record."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = _uuid()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    limit_per_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The key's first characters, so an operator can tell which key a caller holds without the key.
    hint: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _created()
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
