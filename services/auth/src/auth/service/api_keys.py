"""Open-data API keys (开放数据接口密钥): operators issue and revoke them; the gateway checks them in Redis.

The database is the record; Redis holds what the gateway needs of each active key (``kit.api_keys``). Every
change writes Redis after its transaction commits, and ``sync_to_redis`` writes all of them again at start
and periodically, so a key is never lost to a Redis restart and a revoked key never outlives a sync."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from kit import api_keys
from kit.api_keys import KeyGrant
from kit.security import Principal
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from auth.domain.statuses import AuditAction
from auth.errors import ApiKeyNotFound, ApiKeyRevoked
from auth.models import ApiKey
from auth.service.context import AuthContext, audit

log = structlog.get_logger("auth.api_keys")


def view(key: ApiKey, *, last_used_at: datetime | None = None) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "contact": key.contact,
        "limit_per_minute": key.limit_per_minute,
        "hint": key.hint,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "active": key.revoked_at is None,
        "last_used_at": last_used_at,
    }


async def _publish(redis: Redis, key: ApiKey) -> None:
    """Tell the gateways (Redis) about a change already committed; when Redis is away the next sync does."""
    try:
        if key.revoked_at is None:
            grant = KeyGrant(id=str(key.id), limit=key.limit_per_minute)
            await redis.set(api_keys.redis_key(key.digest), grant.dumps())
        else:
            await redis.delete(api_keys.redis_key(key.digest))
    except (RedisError, OSError) as exc:
        log.warning("api_key_publish_failed", api_key_id=str(key.id), error=type(exc).__name__)


async def issue(
    ctx: AuthContext, operator: Principal, *, name: str, contact: str, limit_per_minute: int | None, ip: str
) -> dict[str, Any]:
    """A new key; the answer holds the key itself, which is never shown again."""
    secret = api_keys.new_key()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        key = ApiKey(
            id=uuid.uuid4(),
            name=name,
            contact=contact,
            limit_per_minute=limit_per_minute or ctx.settings.api_key_default_limit,
            digest=api_keys.digest(secret),
            hint=secret[: len(api_keys.KEY_PREFIX) + 4],
            created_at=now,
            created_by=operator.account_id,
        )
        session.add(key)
        audit(
            session,
            at=now,
            action=AuditAction.api_key_issued,
            actor_account_id=operator.account_id,
            actor_org_id=operator.org_id,
            ip=ip,
            api_key_id=key.id,
            name=name,
            limit_per_minute=key.limit_per_minute,
        )
    await _publish(ctx.redis, key)
    return {**view(key), "key": secret}


async def list_keys(ctx: AuthContext) -> list[dict[str, Any]]:
    """Every key, active ones first, newest first; with when a gateway last saw it (within a minute)."""
    async with ctx.db.session() as session:
        keys = list(
            await session.scalars(
                select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id)
            )
        )
    used: list[Any] = []
    if keys:
        used = await ctx.redis.mget([api_keys.REDIS_LAST_USED.format(key_id=k.id) for k in keys])
    return [
        view(k, last_used_at=datetime.fromtimestamp(int(u), tz=UTC) if u else None)
        for k, u in zip(keys, used or [None] * len(keys), strict=True)
    ]


async def revoke(ctx: AuthContext, operator: Principal, key_id: uuid.UUID, *, ip: str) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        key = await session.get(ApiKey, key_id, with_for_update=True)
        if key is None:
            raise ApiKeyNotFound()
        if key.revoked_at is not None:
            raise ApiKeyRevoked()
        now = await ctx.now()
        key.revoked_at = now
        key.revoked_by = operator.account_id
        audit(
            session,
            at=now,
            action=AuditAction.api_key_revoked,
            actor_account_id=operator.account_id,
            actor_org_id=operator.org_id,
            ip=ip,
            api_key_id=key.id,
            name=key.name,
        )
    await _publish(ctx.redis, key)
    return view(key)


async def sync_to_redis(ctx: AuthContext) -> int:
    """Write every active key to Redis and remove every revoked one; returns how many are active."""
    async with ctx.db.session() as session:
        keys = list(await session.scalars(select(ApiKey)))
    pipe = ctx.redis.pipeline(transaction=False)
    active = 0
    for key in keys:
        if key.revoked_at is None:
            active += 1
            pipe.set(
                api_keys.redis_key(key.digest), KeyGrant(id=str(key.id), limit=key.limit_per_minute).dumps()
            )
        else:
            pipe.delete(api_keys.redis_key(key.digest))
    if keys:
        await pipe.execute()
    return active
