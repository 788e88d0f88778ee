"""The platform clock route (development and demo only): operators read, move and reset the offset that
every service's ``kit.clock`` adds to real time; without ``LP_CLOCK_ADJUSTABLE`` the route does not exist."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from auth.config import Settings
from auth.main import create_app
from kit.clock import Clock
from kit.testing.fixtures import running_app


@pytest.fixture(scope="module")
async def adjustable(app, settings):
    """The service with the adjustable clock on, its offset under a key of its own (Redis is shared by every
    test run on the machine, and the usual key would move other runs' time)."""
    other = create_app(Settings(**{**settings.model_dump(), "clock_adjustable": True}))
    async with running_app(other) as client:  # the same database as ``app``, where the demo accounts are
        client.headers["X-Forwarded-For"] = f"10.99.{random.randint(0, 255)}.{random.randint(1, 254)}"
        runtime = other.state.runtime
        runtime.clock = Clock(runtime.redis, adjustable=True, key=f"lp:clock:offset:test:{uuid.uuid4().hex}")
        yield client
        await runtime.clock.reset()


async def test_operator_moves_and_resets_the_platform_clock(adjustable, h):
    client = adjustable
    op = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    start = await client.get("/api/dev/clock", headers=op)
    assert start.status_code == 200, start.text
    assert start.json()["offset_seconds"] == 0

    moved = await client.post("/api/dev/clock/advance", headers=op, json={"days": 14.5})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["offset_days"] == 14.5 and body["offset_seconds"] == 14.5 * 86400
    ahead = datetime.fromisoformat(body["now"]) - datetime.now(UTC)
    assert 14.4 < ahead.total_seconds() / 86400 < 14.6
    # Every process reads the same offset: a second clock on the same key sees the move.
    runtime = client._transport.app.state.runtime
    other = Clock(runtime.redis, adjustable=True, key=runtime.clock._key)
    assert (await other.offset()).total_seconds() == 14.5 * 86400

    back = await client.post("/api/dev/clock/advance", headers=op, json={"days": -0.5})
    assert back.json()["offset_days"] == 14

    reset = await client.delete("/api/dev/clock", headers=op)
    assert reset.status_code == 200 and reset.json()["offset_seconds"] == 0
    assert (await client.get("/api/dev/clock", headers=op)).json()["offset_seconds"] == 0


async def test_clock_input_and_roles_are_checked(adjustable, h):
    client = adjustable
    op = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    for bad in ({"days": 0}, {"days": 4000}, {"days": "soon"}, {}, {"days": 1, "extra": 1}):
        r = await client.post("/api/dev/clock/advance", headers=op, json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["message"], r.text
    assert (
        h.error_code(await client.post("/api/dev/clock/advance", headers=op, json={"days": 0}))
        == "clock_days_zero"
    )
    r = await client.post(
        "/api/dev/clock/advance", headers={**op, "Content-Type": "application/json"}, content=b'{"days": NaN}'
    )
    assert r.status_code == 422
    assert (await client.get("/api/dev/clock")).status_code == 401
    group = h.bearer((await h.demo_login(client, "workgroup01"))["access_token"])
    assert (await client.get("/api/dev/clock", headers=group)).status_code == 403
    assert (await client.post("/api/dev/clock/advance", headers=group, json={"days": 1})).status_code == 403
    assert (await client.delete("/api/dev/clock", headers=group)).status_code == 403


async def test_without_the_adjustable_clock_there_is_no_route(client, h, settings):
    assert settings.clock_adjustable is False
    op = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    assert (await client.get("/api/dev/clock", headers=op)).status_code == 404
    assert (await client.post("/api/dev/clock/advance", headers=op, json={"days": 1})).status_code == 404
    app = create_app(settings)
    assert not any(p.startswith("/api/dev/clock") for p in app.openapi()["paths"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as bare:
        assert (await bare.delete("/api/dev/clock")).status_code == 404
