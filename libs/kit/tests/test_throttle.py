"""Growing delays after failures (kit.throttle), against the real Redis."""

from __future__ import annotations

import uuid

import pytest
from kit.errors import RateLimited
from kit.throttle import Rule, Throttle, network_of
from redis.asyncio import Redis


@pytest.fixture
async def throttle():
    redis = Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    prefix = f"lpt:throttle:{uuid.uuid4().hex[:8]}"
    yield Throttle(redis, prefix=prefix)
    keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


def test_networks_are_slash_24_and_slash_64() -> None:
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_of("::ffff:203.0.113.77") == "203.0.113.0/24"  # an IPv4 client seen over IPv6
    assert network_of("unknown") == "unknown"


async def test_free_failures_then_a_delay_that_doubles_up_to_the_ceiling(throttle: Throttle) -> None:
    rule = Rule(free=3, base_seconds=2, ceiling_seconds=10, window_seconds=60)
    for _ in range(3):
        await throttle.fail("ip:a", rule)
        assert await throttle.wait("ip:a") == 0
    waits = []
    for _ in range(4):
        await throttle.fail("ip:a", rule)
        waits.append(await throttle.wait("ip:a"))
    assert waits == [2, 4, 8, 10]
    assert await throttle.failures("ip:a") == 7
    with pytest.raises(RateLimited) as e:
        await throttle.check("ip:b", "ip:a")
    assert e.value.code == "rate_limited" and e.value.headers["Retry-After"] == "10"
    assert e.value.details == {"retry_after": 10}
    await throttle.check("ip:b")  # another scope is not touched
    await throttle.clear("ip:a")
    assert await throttle.wait("ip:a") == 0 and await throttle.failures("ip:a") == 0
