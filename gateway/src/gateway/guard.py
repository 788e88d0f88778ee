"""The gateway's first line: the access token (signature, expiry, revocation) and the rate limits by
client address and by account, shared by the replicas through Redis. Both are kept off the request path as
far as safety allows, because this runs on every proxied request and the gateway's added latency budget is
about a millisecond."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
from kit import api_keys
from kit.api_keys import KeyGrant
from kit.errors import RateLimited, Unauthorized, Unavailable
from kit.security import (
    REVOKED_BEFORE,
    REVOKED_SESSION,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    TokenVerifier,
)
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.config import Settings


class ServiceUnavailable(Unavailable):
    """The gateway cannot check tokens yet (no public key loaded) or cannot reach a service."""

    code = "service_unavailable"
    message = "服务暂时不可用，请稍后再试"


class ApiKeyInvalid(Unauthorized):
    """An ``X-API-Key`` the platform did not issue, or one an operator revoked: refused, never taken for an
    anonymous request (the caller would silently get the anonymous limit)."""

    code = "api_key_invalid"
    message = "开放数据接口密钥无效或已被撤销，请核对 X-API-Key 或联系平台运营人员"


class OpenRateLimited(RateLimited):
    message = "开放数据接口请求过于频繁，请稍后再试；需要更高额度可向平台运营人员申请接口密钥（X-API-Key）"


log = structlog.get_logger("gateway.guard")

_KEY_RETRY_SECONDS = 5.0


class TokenCache:
    """Signature checks are the costly part of a token check; a token's claims never change, so verified
    claims are kept (bounded, LRU) until the token expires. Revocation is still asked of Redis each time."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def get(self, token: str, now: float) -> dict[str, Any] | None:
        claims = self._items.get(token)
        if claims is None:
            return None
        if claims["exp"] <= now:
            del self._items[token]
            raise TokenExpired()
        self._items.move_to_end(token)
        return claims

    def put(self, token: str, claims: dict[str, Any]) -> None:
        self._items[token] = claims
        if len(self._items) > self.size:
            self._items.popitem(last=False)


class WindowLimiter:
    """Fixed-window counters shared through Redis, kept off the request path: each request is counted
    locally and the increments go to Redis in one pipeline every ``flush_interval`` seconds, which brings
    back the counts of every replica. A request is judged on the last known shared count plus what this
    process has counted since, so one process is exact and replicas see each other within a flush.
    When Redis is away the local counts still limit each process."""

    def __init__(self, redis: Redis, *, prefix: str, window: int, flush_interval: float = 0.05) -> None:
        self.redis = redis
        self.prefix = prefix
        self.window = window
        self.flush_interval = flush_interval
        self._slot = 0
        self._known: dict[str, int] = {}  # shared counts (this slot) as Redis last reported them
        self._pending: dict[str, int] = {}  # counted here, not yet sent
        self._inflight: dict[str, int] = {}  # sent, answer not yet back
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-rate-limit-flush")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    def _roll(self, now: float) -> int:
        slot = int(now // self.window)
        if slot != self._slot:
            self._slot = slot
            self._known.clear()
            self._pending.clear()
            self._inflight.clear()
        return slot

    def hit(self, kind: str, ident: str, limit: int, now: float) -> int | None:
        """Count one request; returns the seconds to wait when over the limit (the request is not counted)."""
        slot = self._roll(now)
        key = f"{self.prefix}:{kind}:{ident}:{slot}"
        seen = self._known.get(key, 0) + self._pending.get(key, 0) + self._inflight.get(key, 0)
        if seen >= limit:
            return max(1, int((slot + 1) * self.window - now) + 1)
        self._pending[key] = self._pending.get(key, 0) + 1
        return None

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        slot = self._slot
        for key, n in batch.items():
            self._inflight[key] = self._inflight.get(key, 0) + n
        pipe = self.redis.pipeline(transaction=False)
        for key, n in batch.items():
            pipe.incrby(key, n)
            pipe.expire(key, self.window + 1)
        try:
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("gateway_rate_limit_redis_unavailable", error=type(exc).__name__)
            results = None
        if slot != self._slot:
            return  # the window rolled over meanwhile: those counts are history
        for i, (key, n) in enumerate(batch.items()):
            left = self._inflight.get(key, 0) - n
            if left > 0:
                self._inflight[key] = left
            else:
                self._inflight.pop(key, None)
            if results is not None:
                self._known[key] = max(self._known.get(key, 0), int(results[2 * i]))
            else:
                self._known[key] = self._known.get(key, 0) + n

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let the flusher die
                log.warning("gateway_rate_limit_flush_failed", error=type(exc).__name__)


class RevocationCache:
    """Session and account revocation markers from Redis, kept ``ttl`` seconds per session so that a busy
    session costs one Redis round trip per ``ttl`` instead of one per request. A revoked token is refused
    by the gateway within ``ttl`` (and by the services, which ask Redis themselves, at once)."""

    def __init__(self, redis: Redis, *, ttl: float, size: int = 50_000) -> None:
        self.redis = redis
        self.ttl = ttl
        self.size = size
        self._items: dict[tuple[str, str], tuple[float, str | None, str | None]] = {}

    async def revoked(self, claims: dict[str, Any]) -> bool:
        key = (claims["sid"], claims["sub"])
        now = time.monotonic()
        cached = self._items.get(key)
        if cached is not None and cached[0] > now:
            revoked_sid, revoked_before = cached[1], cached[2]
        else:
            try:
                markers = await self.redis.mget(
                    REVOKED_SESSION.format(sid=claims["sid"]), REVOKED_BEFORE.format(account_id=claims["sub"])
                )
                # the client decodes responses: the markers are text (or absent)
                revoked_sid, revoked_before = (None if m is None else str(m) for m in markers)
            except (RedisError, OSError) as exc:
                # Redis away: let the request through; the services check revocation again and fail closed.
                log.warning("gateway_redis_unavailable", error=type(exc).__name__)
                return False
            if self.ttl > 0:
                if len(self._items) >= self.size:
                    self._items.clear()
                self._items[key] = (now + self.ttl, revoked_sid, revoked_before)
        issued_ms = claims.get("iat_ms", claims["iat"] * 1000)
        return revoked_sid is not None or (
            revoked_before is not None and issued_ms <= float(revoked_before) * 1000
        )


class ApiKeyCache:
    """Open-data API keys as auth published them in Redis (digest → id and limit), kept ``ttl`` seconds per
    key so a busy key costs one Redis read per ``ttl``; a revoked key is refused within ``ttl``. When Redis
    does not answer, a key seen before keeps its last grant and an unseen one is 503 (never anonymous)."""

    def __init__(self, redis: Redis, *, ttl: float, size: int = 10_000) -> None:
        self.redis = redis
        self.ttl = ttl
        self.size = size
        self._items: dict[str, tuple[float, KeyGrant | None]] = {}
        self._used_written: dict[str, float] = {}
        self._writes: set[asyncio.Task[None]] = set()  # held until done: the loop keeps only weak references

    async def grant(self, key: str) -> KeyGrant:
        if not key or len(key) > 200:
            raise ApiKeyInvalid()
        digest = api_keys.digest(key)
        now = time.monotonic()
        cached = self._items.get(digest)
        if cached is not None and cached[0] > now:
            grant = cached[1]
        else:
            try:
                raw = await self.redis.get(api_keys.redis_key(digest))
            except (RedisError, OSError) as exc:
                log.warning("gateway_api_key_redis_unavailable", error=type(exc).__name__)
                if cached is not None and cached[1] is not None:
                    return cached[1]
                raise ServiceUnavailable() from exc
            grant = KeyGrant.loads(str(raw)) if raw is not None else None
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[digest] = (now + self.ttl, grant)
        if grant is None:
            raise ApiKeyInvalid()
        return grant

    def used(self, grant: KeyGrant, wall_clock: float) -> None:
        """Note that the key was used (auth lists it), at most once a minute per key, off the request path."""
        if wall_clock - self._used_written.get(grant.id, 0.0) < 60:
            return
        self._used_written[grant.id] = wall_clock
        task = asyncio.get_running_loop().create_task(self._write_used(grant.id, wall_clock))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write_used(self, key_id: str, wall_clock: float) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.set(api_keys.REDIS_LAST_USED.format(key_id=key_id), str(int(wall_clock)))


class Guard:
    def __init__(self, settings: Settings, redis: Redis, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.redis = redis
        self.clock = clock  # wall-clock seconds, which place a request in its rate-limit window
        self.cache = TokenCache()
        self.revocations = RevocationCache(redis, ttl=settings.gateway_revocation_cache_seconds)
        self.api_keys = ApiKeyCache(redis, ttl=settings.gateway_api_key_cache_seconds)
        self.limiter = WindowLimiter(
            redis,
            prefix=settings.gateway_rate_limit_prefix,
            window=settings.gateway_rate_limit_window_seconds,
        )
        self._verifier: TokenVerifier | None = None
        self._next_key_attempt = 0.0

    def start(self) -> None:
        if self.settings.gateway_rate_limit_enabled:
            self.limiter.start()

    async def stop(self) -> None:
        await self.limiter.stop()
        with contextlib.suppress(RedisError, OSError):
            await self.limiter.flush()

    def _load_verifier(self) -> TokenVerifier | None:
        """The public key appears when auth first starts (local runner); look for it again now and then."""
        if self._verifier is not None:
            return self._verifier
        now = time.monotonic()
        if now < self._next_key_attempt:
            return None
        self._next_key_attempt = now + _KEY_RETRY_SECONDS
        path = Path(self.settings.jwt_public_key_file)
        try:
            self._verifier = TokenVerifier.from_file(
                path, issuer=self.settings.jwt_issuer, audience=self.settings.jwt_audience, redis=None
            )
        except (OSError, ValueError) as exc:
            log.warning("jwt_public_key_unavailable", path=str(path), error=type(exc).__name__)
            return None
        return self._verifier

    def claims(self, authorization: str) -> dict[str, Any]:
        """Decode and verify a ``Bearer`` header; 401 in the error shape when it is not acceptable."""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenInvalid("登录凭证格式不正确")
        now = time.time()
        claims = self.cache.get(token, now)
        if claims is not None:
            return claims
        verifier = self._load_verifier()
        if verifier is None:
            raise ServiceUnavailable()
        claims = verifier.decode(token)
        self.cache.put(token, claims)
        return claims

    async def admit(self, ip: str, claims: dict[str, Any] | None) -> None:
        """Revocation first (401), then the limits by address and by account (429 with Retry-After)."""
        if claims is not None and await self.revocations.revoked(claims):
            raise TokenRevoked()
        s = self.settings
        if not s.gateway_rate_limit_enabled:
            return
        now = self.clock()
        wait = self.limiter.hit("ip", ip, s.gateway_rate_limit_per_ip, now)
        if wait is None and claims is not None:
            wait = self.limiter.hit("acct", claims["sub"], s.gateway_rate_limit_per_account, now)
        if wait is not None:
            raise RateLimited(retry_after=wait)

    async def admit_open(self, ip: str, api_key: str | None) -> None:
        """The open data API's own limits, on top of ``admit``: per client address for anonymous callers,
        per key (the key's own limit) with ``X-API-Key``; an unknown or revoked key is 401."""
        s = self.settings
        now = self.clock()
        if api_key is not None:
            grant = await self.api_keys.grant(api_key)
            self.api_keys.used(grant, now)
            kind, ident, limit = "open-key", grant.id, grant.limit
        else:
            kind, ident, limit = "open-ip", ip, s.gateway_open_rate_per_ip
        if not s.gateway_rate_limit_enabled:
            return
        wait = self.limiter.hit(kind, ident, limit, now)
        if wait is not None:
            raise OpenRateLimited(retry_after=wait)
