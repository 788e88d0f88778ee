"""Login sessions: an EdDSA access token per request of the client, an opaque rotating refresh token per
session, reuse of an old refresh token revokes the whole session (ASVS 7.2, 7.4)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from kit.security import REVOKED_BEFORE, revoke_account_sessions, revoke_session
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Account, LoginSession, Organisation, RefreshToken
from auth.service.context import AuthContext


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    must_change_password: bool
    token_type: str = "bearer"

    def as_dict(self) -> dict:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "must_change_password": self.must_change_password,
        }


def hash_refresh(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh(session: AsyncSession, sid: str, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=hash_refresh(token), session_id=sid, issued_at=now))
    return token


def password_expired(ctx: AuthContext, account: Account, now: datetime) -> bool:
    return account.password_generated and now > account.password_set_at + timedelta(
        days=ctx.settings.generated_password_days
    )


async def access_token(ctx: AuthContext, account: Account, org: Organisation, sid: str) -> str:
    # The account-wide revocation mark has a one-second grain; a token made in the same second as a
    # password change would be refused, so wait for the next second in that rare case.
    mark = await ctx.redis.get(REVOKED_BEFORE.format(account_id=account.id))
    if mark is not None:
        gap = float(mark) - time.time()
        if 0 < gap <= 2:
            await asyncio.sleep(gap + 0.01)
    return ctx.issuer.access_token(
        account_id=account.id,
        org_id=org.id,
        org_type=org.org_type,
        org_name=org.name,
        session_id=sid,
        forerunner_verified=account.forerunner_verified_at is not None,
        must_change_password=account.password_generated,
    )


async def open_session(
    session: AsyncSession,
    ctx: AuthContext,
    *,
    account: Account,
    org: Organisation,
    ip: str | None,
    now: datetime,
) -> tuple[str, str]:
    """A new session row and its first refresh token; returns (sid, refresh token)."""
    sid = secrets.token_hex(16)
    session.add(
        LoginSession(
            id=sid,
            account_id=account.id,
            ip=ip,
            created_at=now,
            expires_at=now + timedelta(days=ctx.settings.refresh_token_days),
        )
    )
    await session.flush()
    return sid, new_refresh(session, sid, now)


async def pair(ctx: AuthContext, *, account: Account, org: Organisation, sid: str, refresh: str) -> TokenPair:
    return TokenPair(
        access_token=await access_token(ctx, account, org, sid),
        refresh_token=refresh,
        expires_in=ctx.settings.access_token_seconds,
        must_change_password=account.password_generated,
    )


async def refuse_sessions(ctx: AuthContext, sids: list[str]) -> None:
    for sid in sids:
        await revoke_session(ctx.redis, sid, ctx.settings.access_token_seconds)


async def refuse_account(ctx: AuthContext, account_id) -> None:
    await revoke_account_sessions(ctx.redis, account_id, ctx.settings.access_token_seconds)
