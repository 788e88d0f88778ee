"""Growing delays after failures, shared by every replica through Redis: the defence against guessing
(passwords, codes, refresh tokens) from one address or one network.

Each *scope* (a client address, its /24 or /64 network, an account) counts failures in a window. The
first ``free`` failures cost nothing; each one after that blocks the scope for ``base`` seconds, doubling
with every further failure up to ``ceiling``. A blocked scope answers 429 with ``Retry-After`` until the
block ends; nothing is locked for good, and a success can clear a scope."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from redis.asyncio import Redis

from kit.errors import RateLimited

# One failure: count it, and when past the free ones, block for the grown delay (milliseconds).
_FAIL = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local free = tonumber(ARGV[2])
if n > free then
  local delay = math.min(tonumber(ARGV[3]) * 2 ^ (n - free - 1), tonumber(ARGV[4]))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(delay))
end
return n
"""


def network_of(ip: str) -> str:
    """The network an address belongs to for throttling: /24 for IPv4, /64 for IPv6 (one customer's
    allocation). Anything that is not an address stands for itself."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True)
class Rule:
    free: int  # failures in the window that cost nothing
    base_seconds: float  # the first delay; it doubles with every further failure
    ceiling_seconds: float  # the longest delay
    window_seconds: int  # how long failures are remembered


class Throttle:
    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _keys(self, scope: str) -> tuple[str, str]:
        return f"{self.prefix}:n:{scope}", f"{self.prefix}:block:{scope}"

    async def wait(self, *scopes: str) -> int:
        """Seconds until every one of ``scopes`` is open again (0: none is blocked)."""
        if not scopes:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for scope in scopes:
                pipe.pttl(self._keys(scope)[1])
            left = await pipe.execute()
        longest = max((int(ms) for ms in left if ms and int(ms) > 0), default=0)
        return (longest + 999) // 1000

    async def check(self, *scopes: str, message: str | None = None) -> None:
        """429 ``rate_limited`` with Retry-After while any scope is blocked."""
        wait = await self.wait(*scopes)
        if wait:
            raise RateLimited(message or f"尝试过于频繁，请 {wait} 秒后再试", retry_after=wait)

    async def fail(self, scope: str, rule: Rule) -> int:
        """Count one failure of ``scope``; returns the failures in the window."""
        count_key, block_key = self._keys(scope)
        return int(
            await self.redis.eval(
                _FAIL,
                2,
                count_key,
                block_key,
                rule.window_seconds,
                rule.free,
                rule.base_seconds * 1000,
                rule.ceiling_seconds * 1000,
            )
        )

    async def failures(self, scope: str) -> int:
        return int(await self.redis.get(self._keys(scope)[0]) or 0)

    async def clear(self, *scopes: str) -> None:
        if scopes:
            await self.redis.delete(*(k for scope in scopes for k in self._keys(scope)))
