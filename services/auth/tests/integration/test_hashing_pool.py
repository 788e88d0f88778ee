"""Logins take at most their share of the CPU (QUALITY 19, 22): password hashing runs on a bounded pool, and a
login that cannot get a hashing thread within the bounded wait is answered 503 with Retry-After at once,
while the other routes keep answering."""

from __future__ import annotations

import asyncio
import time

import pytest
from auth.config import Settings
from auth.service.context import get_context


@pytest.fixture(scope="module")
def settings(service_env, jwt_keys) -> Settings:
    # One hashing thread and a wait far shorter than a burst of hashes takes.
    return Settings(
        **service_env(
            "auth",
            jwt_private_key_file=str(jwt_keys["private"]),
            clock_adjustable=False,
            db_pool_size=3,
            password_hashing_threads=1,
            password_hashing_max_wait_seconds=0.05,
        )
    )


async def test_a_login_burst_beyond_the_pool_is_refused_with_retry_after(client, h, app):
    assert get_context(app.state.runtime).passwords.threads == 1
    info = await h.register(client)
    body = {"login_name": info["credit_code"], "password": info["password"]}

    async def login(i: int):
        return await client.post("/api/auth/login", json=body, headers={"X-Forwarded-For": f"10.77.{i}.9"})

    # One login before the burst, so each login of the burst needs exactly one hash (the first ever login
    # also makes the dummy hash that unknown names are checked against).
    assert (await login(199)).status_code == 200

    async def timed_other_route() -> float:
        await asyncio.sleep(0.02)  # while the burst holds the hashing thread
        started = time.perf_counter()
        r = await client.get("/api/auth/enterprise/natures")
        assert r.status_code == 200, r.text
        return time.perf_counter() - started

    *answers, other_took = await asyncio.gather(*(login(i) for i in range(12)), timed_other_route())
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {200, 503}, [r.text for r in answers]
    assert 200 in statuses and 503 in statuses, statuses
    for busy in (r for r in answers if r.status_code == 503):
        assert h.error_code(busy) == "hashing_busy"
        assert busy.headers["Retry-After"] == "1"
        assert busy.json()["error"]["details"] == {"retry_after": 1}
    # A route that hashes nothing is not queued behind the logins.
    assert other_took < 0.5, other_took
    # The refused logins were not counted as failures: the same account logs in once the burst is over.
    again = await login(200)
    assert again.status_code == 200, again.text
