"""An injectable time source. In development and tests the offset lives in Redis so that every process
moves together (deadline tests move time instead of sleeping); production refuses the adjustable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

OFFSET_KEY = "lp:clock:offset"


class Clock:
    def __init__(
        self, redis: Redis | None = None, *, adjustable: bool = False, key: str = OFFSET_KEY
    ) -> None:
        self._redis = redis
        self._adjustable = adjustable and redis is not None
        self._key = key

    @property
    def adjustable(self) -> bool:
        return self._adjustable

    async def offset(self) -> timedelta:
        """How far this clock is ahead of (or behind) real time; zero when it is not adjustable."""
        if not self._adjustable:
            return timedelta(0)
        raw = await self._redis.get(self._key)  # type: ignore[union-attr]
        return timedelta(seconds=float(raw)) if raw else timedelta(0)

    async def now(self) -> datetime:
        base = datetime.now(UTC)
        if not self._adjustable:
            return base
        return base + await self.offset()

    async def advance(self, delta: timedelta) -> None:
        if not self._adjustable:
            raise RuntimeError("the clock is not adjustable here")
        await self._redis.incrbyfloat(self._key, delta.total_seconds())  # type: ignore[union-attr]

    async def reset(self) -> None:
        if self._adjustable:
            await self._redis.delete(self._key)  # type: ignore[union-attr]


class FixedClock(Clock):
    """For unit tests: a clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    @property
    def adjustable(self) -> bool:
        return True

    async def offset(self) -> timedelta:
        return timedelta(0)

    async def now(self) -> datetime:
        return self.at

    async def advance(self, delta: timedelta) -> None:
        self.at += delta
