"""The token check and the rate limits in front of the services."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from gateway.guard import Guard
from kit.security import TokenIssuer, generate_keypair, revoke_account_sessions, revoke_session
from kit.testing.fixtures import REDIS_URL, wait_until
from redis.asyncio import Redis

from gateway import main as gateway_main

from .conftest import serve_gateway


@pytest.fixture
def guards(monkeypatch: pytest.MonkeyPatch) -> list[Guard]:
    """The guards of the gateways a test starts, their clocks held in the middle of the current rate-limit
    window: the limits count in fixed windows of the wall clock, and a test that straddled a window's end
    would see its counts start again from zero."""
    started: list[Guard] = []

    class HeldClockGuard(Guard):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            window = self.settings.gateway_rate_limit_window_seconds
            held = (time.time() // window + 0.5) * window
            self.clock = lambda: held
            started.append(self)

    monkeypatch.setattr(gateway_main, "Guard", HeldClockGuard)
    return started


@pytest.fixture
async def client(gateway_url: str):
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_requests_without_a_token_pass_to_the_service(client: httpx.AsyncClient):
    r = await client.get("/api/mall/products")
    assert r.status_code == 200
    assert "authorization" not in r.json()["headers"]


async def test_valid_token_passes_with_its_header(client: httpx.AsyncClient, make_token):
    token = make_token("enterprise")
    r = await client.get("/api/declarations", headers=_bearer(token))
    assert r.status_code == 200
    assert r.json()["headers"]["authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer not-a-jwt", "token_invalid"),
        ("Basic dXNlcjpwYXNz", "token_invalid"),
        ("Bearer", "token_invalid"),
    ],
)
async def test_malformed_tokens_get_401(client: httpx.AsyncClient, header: str, code: str):
    r = await client.get("/api/declarations", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == code
    assert r.headers["www-authenticate"] == "Bearer"


async def test_forged_and_expired_tokens_get_401(client: httpx.AsyncClient, token_issuer: TokenIssuer):
    private, _ = generate_keypair()
    forger = TokenIssuer(private, issuer="lp-auth", audience="lp-platform")
    claims = {
        "account_id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "org_type": "enterprise",
        "org_name": "某公司",
        "session_id": uuid.uuid4().hex,
    }
    r = await client.get("/api/declarations", headers=_bearer(forger.access_token(**claims)))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_invalid"

    expired = token_issuer.access_token(**claims, now=time.time() - 3600)
    r = await client.get("/api/declarations", headers=_bearer(expired))
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    assert r.json()["error"]["message"] == "登录已过期，请重新登录"


async def test_revoked_session_and_account_get_401(client: httpx.AsyncClient, token_issuer: TokenIssuer):
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    account = uuid.uuid4()
    sid = uuid.uuid4().hex
    token = token_issuer.access_token(
        account_id=account, org_id=uuid.uuid4(), org_type="agency", org_name="检测机构", session_id=sid
    )
    assert (await client.get("/api/declarations", headers=_bearer(token))).status_code == 200  # cached now
    await revoke_session(redis, sid, 60)

    async def refused(t: str) -> httpx.Response | None:
        r = await client.get("/api/declarations", headers=_bearer(t))
        return r if r.status_code == 401 else None

    # The gateway keeps revocation markers for at most LP_GATEWAY_REVOCATION_CACHE_SECONDS (1 s).
    r = await wait_until(lambda: refused(token), timeout=3)
    assert r.json()["error"]["code"] == "token_revoked"

    other = token_issuer.access_token(
        account_id=account,
        org_id=uuid.uuid4(),
        org_type="agency",
        org_name="检测机构",
        session_id=uuid.uuid4().hex,
        now=time.time() - 5,
    )
    await revoke_account_sessions(redis, account, 60)
    r = await wait_until(lambda: refused(other), timeout=3)
    assert r.json()["error"]["code"] == "token_revoked"
    await redis.aclose()


async def test_login_and_refresh_pass_with_a_stale_token(client: httpx.AsyncClient):
    r = await client.post(
        "/api/auth/refresh", headers=_bearer("expired.or.garbage"), json={"refresh_token": "x"}
    )
    assert r.status_code == 200 and r.json()["path"] == "/api/auth/refresh"


async def test_public_verification_passes_with_a_stale_token_other_routes_do_not(client: httpx.AsyncClient):
    r = await client.get("/api/certificates/verify/abc123", headers=_bearer("expired.or.garbage"))
    assert r.status_code == 200 and r.json()["path"] == "/api/certificates/verify/abc123"
    r = await client.get("/api/certificates", headers=_bearer("expired.or.garbage"))
    assert r.status_code == 401


async def test_rate_limit_by_address_answers_429_with_retry_after(gateway_settings, guards):
    settings = gateway_settings(gateway_rate_limit_per_ip=3, gateway_rate_limit_window_seconds=30)
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        statuses = [(await c.get("/api/mall/products")).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        r = await c.get("/api/mall/products")
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert r.json()["error"]["message"] == "操作过于频繁，请稍后再试"
        assert 1 <= int(r.headers["retry-after"]) <= 31
        assert r.json()["error"]["details"]["retry_after"] == int(r.headers["retry-after"])


async def test_rate_limit_by_account_counts_each_account(gateway_settings, make_token, guards):
    settings = gateway_settings(gateway_rate_limit_per_account=2, gateway_rate_limit_per_ip=100)
    first, second = make_token("enterprise"), make_token("enterprise")
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        assert [(await c.get("/api/declarations", headers=_bearer(first))).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        assert (await c.get("/api/declarations", headers=_bearer(second))).status_code == 200


async def test_trusted_proxy_address_is_used_for_limits(gateway_settings, guards):
    settings = gateway_settings(gateway_trusted_proxy_hops=1, gateway_rate_limit_per_ip=1)
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url) as c:
        r = await c.get(
            "/api/mall/products", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        )
        # The services trust one hop (the gateway): they get the resolved client address alone.
        assert r.json()["headers"]["x-forwarded-for"] == "203.0.113.7"
        spoofed = await c.get("/api/mall/products", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
        assert spoofed.json()["headers"]["x-forwarded-for"] == "203.0.113.9"
        assert r.json()["headers"]["x-forwarded-proto"] == "https"
        assert (
            await c.get("/api/mall/products", headers={"X-Forwarded-For": "203.0.113.8"})
        ).status_code == 200
        assert (
            await c.get("/api/mall/products", headers={"X-Forwarded-For": "203.0.113.7"})
        ).status_code == 429


async def test_replicas_share_the_counts_through_redis(gateway_settings, guards):
    settings = gateway_settings(gateway_rate_limit_per_ip=4)
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    async with serve_gateway(settings) as a, serve_gateway(settings) as b, httpx.AsyncClient() as c:
        replica_a, replica_b = guards
        slot = int(replica_a.clock() // settings.gateway_rate_limit_window_seconds)
        key = f"{settings.gateway_rate_limit_prefix}:ip:127.0.0.1:{slot}"
        assert [(await c.get(f"{a}/api/mall/products")).status_code for _ in range(3)] == [200, 200, 200]
        # replica A has sent its three to Redis
        await wait_until(lambda: _count_is(redis, key, 3), timeout=5, interval=0.01)
        assert (await c.get(f"{b}/api/mall/products")).status_code == 200
        # replica B has sent its one and learnt the shared total back (nothing of its own left unanswered)
        await wait_until(lambda: _settled(replica_b, key, 4), timeout=5, interval=0.01)
        assert (await c.get(f"{b}/api/mall/products")).status_code == 429
    await redis.aclose()


async def _count_is(redis: Redis, key: str, n: int) -> bool:
    return await redis.get(key) == str(n)


def _settled(guard: Guard, key: str, known: int) -> bool:
    limiter = guard.limiter
    return key not in limiter._pending and key not in limiter._inflight and limiter._known.get(key) == known


async def test_redis_outage_keeps_the_site_up_with_local_limits(gateway_settings, make_token, dead_service):
    port = dead_service.rsplit(":", 1)[1]
    settings = gateway_settings(redis_url=f"redis://127.0.0.1:{port}/0", gateway_rate_limit_per_ip=3)
    async with serve_gateway(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as c:
        token = make_token("enterprise")
        statuses = [(await c.get("/api/mall/products", headers=_bearer(token))).status_code for _ in range(4)]
        assert statuses == [
            200,
            200,
            200,
            429,
        ]  # revocation unknown: the services check it; limits still hold
        r = await c.get("/readyz")
        # The site stays up, so the gateway stays ready: Redis is reported as degraded.
        assert r.status_code == 200 and r.json()["checks"]["redis"] is False
        assert r.json()["degraded"] == ["redis"]
