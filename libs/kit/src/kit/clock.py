"""An injectable time source. In development and tests the offset lives in Redis so that every process
moves together (deadline tests move time instead of sleeping); production refuses the adjustable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

OFFSET_KEY = "lp:clock:offset"


class Clock:
    def __init__(self, redis: Redis | None = None, *, adjustable: bool = False) -> None:
        self._redis = redis
        self._adjustable = adjustable and redis is not None

    async def now(self) -> datetime:
        base = datetime.now(UTC)
        if not self._adjustable:
            return base
        raw = await self._redis.get(OFFSET_KEY)  # type: ignore[union-attr]
        return base + timedelta(seconds=float(raw)) if raw else base

    async def advance(self, delta: timedelta) -> None:
        if not self._adjustable:
            raise RuntimeError("the clock is not adjustable here")
        await self._redis.incrbyfloat(OFFSET_KEY, delta.total_seconds())  # type: ignore[union-attr]

    async def reset(self) -> None:
        if self._adjustable:
            await self._redis.delete(OFFSET_KEY)  # type: ignore[union-attr]


class FixedClock(Clock):
    """For unit tests: a clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    async def now(self) -> datetime:
        return self.at

    async def advance(self, delta: timedelta) -> None:
        self.at += delta
