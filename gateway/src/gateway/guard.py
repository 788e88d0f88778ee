"""The gateway's first line: the access token (signature, expiry, revocation) and the rate limits by
client address and by account. Both Redis look-ups (revocation, counters) go out in one round trip,
because this runs on every proxied request and the gateway's added latency budget is about a millisecond."""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import structlog
from kit.errors import RateLimited, Unauthorized, Unavailable
from kit.security import REVOKED_BEFORE, REVOKED_SESSION, TokenVerifier
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.config import Settings

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
            raise Unauthorized("登录已过期，请重新登录", code="token_expired")
        self._items.move_to_end(token)
        return claims

    def put(self, token: str, claims: dict[str, Any]) -> None:
        self._items[token] = claims
        if len(self._items) > self.size:
            self._items.popitem(last=False)


class Guard:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis
        self.cache = TokenCache()
        self._verifier: TokenVerifier | None = None
        self._next_key_attempt = 0.0

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
            raise Unauthorized("登录凭证格式不正确", code="token_invalid")
        now = time.time()
        claims = self.cache.get(token, now)
        if claims is not None:
            return claims
        verifier = self._load_verifier()
        if verifier is None:
            raise Unavailable("服务暂时不可用，请稍后再试", code="service_unavailable")
        claims = verifier.decode(token)
        self.cache.put(token, claims)
        return claims

    async def admit(self, ip: str, claims: dict[str, Any] | None) -> None:
        """Revocation and rate limits in one Redis round trip. Redis away: the gateway lets traffic through
        (the services check revocation again and fail closed themselves) rather than take the site down."""
        s = self.settings
        limited = s.gateway_rate_limit_enabled
        if not limited and claims is None:
            return
        window = s.gateway_rate_limit_window_seconds
        now = time.time()
        slot = int(now // window)
        pipe = self.redis.pipeline(transaction=False)
        if claims is not None:
            pipe.mget(REVOKED_SESSION.format(sid=claims["sid"]), REVOKED_BEFORE.format(account_id=claims["sub"]))
        if limited:
            ip_key = f"{s.gateway_rate_limit_prefix}:ip:{ip}:{slot}"
            pipe.incr(ip_key).expire(ip_key, window + 1)
            if claims is not None:
                acct_key = f"{s.gateway_rate_limit_prefix}:acct:{claims['sub']}:{slot}"
                pipe.incr(acct_key).expire(acct_key, window + 1)
        try:
            results = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("gateway_redis_unavailable", error=type(exc).__name__)
            return
        if claims is not None:
            revoked_sid, revoked_before = results[0]
            if revoked_sid is not None or (revoked_before is not None and claims["iat"] < float(revoked_before)):
                raise Unauthorized("登录已失效，请重新登录", code="token_revoked")
            results = results[1:]
        if not limited:
            return
        retry_after = max(1, int((slot + 1) * window - now) + 1)
        if int(results[0]) > s.gateway_rate_limit_per_ip:
            raise RateLimited(retry_after=retry_after)
        if claims is not None and int(results[2]) > s.gateway_rate_limit_per_account:
            raise RateLimited(retry_after=retry_after)
