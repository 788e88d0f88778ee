"""Fixed-window counters in Redis, shared by every replica."""

from __future__ import annotations

from redis.asyncio import Redis

from kit.errors import RateLimited


async def hit(redis: Redis, key: str, *, limit: int, window_seconds: int) -> tuple[int, int]:
    """Count one hit; returns (count in window, seconds until the window ends)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_seconds, nx=True)
        pipe.ttl(key)
        count, _, ttl = await pipe.execute()
    return int(count), int(ttl if ttl and ttl > 0 else window_seconds)


async def enforce(
    redis: Redis, key: str, *, limit: int, window_seconds: int, message: str | None = None
) -> None:
    count, ttl = await hit(redis, key, limit=limit, window_seconds=window_seconds)
    if count > limit:
        raise RateLimited(message, retry_after=ttl)
