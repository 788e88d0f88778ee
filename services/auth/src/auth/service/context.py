"""What the use cases share: the runtime plus the password hasher and the token issuer of this process."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from kit.db import Database
from kit.runtime import Runtime
from kit.security import TokenIssuer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from auth import repository as repo
from auth.config import Settings
from auth.domain.passwords import Passwords
from auth.domain.statuses import AuditAction


class AuthContext:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        assert isinstance(settings, Settings), "the auth context needs the auth service's settings"
        self.settings = settings
        self.passwords = Passwords(
            memory_kib=self.settings.argon2_memory_kib,
            time_cost=self.settings.argon2_time_cost,
            parallelism=self.settings.argon2_parallelism,
            threads=self.settings.password_hashing_threads or None,
            max_wait_seconds=self.settings.password_hashing_max_wait_seconds,
        )
        self._issuer: TokenIssuer | None = None

    @property
    def issuer(self) -> TokenIssuer:
        if self._issuer is None:
            s = self.settings
            self._issuer = TokenIssuer(
                Path(s.jwt_private_key_file).read_bytes(),
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                access_ttl=s.access_token_seconds,
            )
        return self._issuer

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def redis(self) -> Redis:
        return self.runtime.redis

    async def now(self) -> datetime:
        return await self.runtime.clock.now()


def get_context(runtime: Runtime) -> AuthContext:
    ctx = runtime.extras.get("auth")
    if ctx is None:
        ctx = runtime.extras["auth"] = AuthContext(runtime)
    return ctx


def fingerprint(value: str) -> str:
    """A stable non-reversible name for a value used in Redis keys (login names, phones)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def audit(
    session: AsyncSession,
    *,
    at: datetime,
    action: AuditAction,
    result: str = "success",
    actor_account_id: uuid.UUID | None = None,
    actor_org_id: uuid.UUID | None = None,
    subject_org_id: uuid.UUID | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Append one audit row in the caller's transaction. Details never hold a password, code or token,
    and phones only masked."""
    repo.add_audit(
        session,
        at=at,
        action=action.value,
        result=result,
        actor_account_id=actor_account_id,
        actor_org_id=actor_org_id,
        subject_org_id=subject_org_id,
        ip=ip,
        detail={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in detail.items() if v is not None},
    )
