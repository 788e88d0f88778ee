"""Anti-automation at login (issue: anyone could lock any account; spraying was not throttled).

The lock is per (account, address): failures from elsewhere never refuse the owner; a soft per-account
delay remains, which the owner ends with an SMS code. Guessing from one address or one /24 network is
slowed with growing delays, for login, refresh, password reset and SMS codes, with the same answers for
unknown accounts."""

from __future__ import annotations

import random

from auth.service.context import fingerprint
from auth.service.throttling import PREFIX


def _ip(prefix: str | None = None) -> dict[str, str]:
    prefix = prefix or f"10.{random.randint(0, 255)}.{random.randint(0, 255)}"
    return {"X-Forwarded-For": f"{prefix}.{random.randint(1, 254)}"}


async def _login(client, headers, login_name, password):
    return await client.post(
        "/api/auth/login", headers=headers, json={"login_name": login_name, "password": password}
    )


async def test_failures_from_another_address_do_not_lock_the_owner_out(client, h):
    info = await h.register(client)
    attacker = _ip()
    for _ in range(5):
        assert (await _login(client, attacker, info["credit_code"], "Wrong12345")).status_code == 401
    locked = await _login(client, attacker, info["credit_code"], info["password"])
    assert locked.status_code == 429 and h.error_code(locked) == "login_locked"
    # The owner, from their own address, is not refused.
    owner = await _login(client, _ip(), info["credit_code"], info["password"])
    assert owner.status_code == 200, owner.text


async def test_password_spraying_from_one_address_is_slowed(client, h, settings):
    info = await h.register(client)
    sprayer = _ip()
    answers = []
    for _ in range(settings.throttle_address_free + 1):
        answers.append((await _login(client, sprayer, h.new_credit_code(), "Lingpao2024")).status_code)
    assert answers == [401] * (settings.throttle_address_free + 1)
    slowed = await _login(client, sprayer, h.new_credit_code(), "Lingpao2024")
    assert slowed.status_code == 429 and h.error_code(slowed) == "too_many_attempts"
    assert 1 <= int(slowed.headers["Retry-After"]) <= settings.throttle_base_seconds + 1
    assert "秒后再试" in slowed.json()["error"]["message"]
    # A known account from that address is held back just the same (no hint that the name exists).
    same = await _login(client, sprayer, info["credit_code"], info["password"])
    assert same.status_code == 429 and same.json()["error"]["code"] == "too_many_attempts"
    # Another network is not.
    assert (await _login(client, _ip(), info["credit_code"], info["password"])).status_code == 200


async def test_a_network_is_slowed_when_its_addresses_spray_together(client, h, settings):
    net = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}"
    for i in range(settings.throttle_network_free + 1):
        headers = {"X-Forwarded-For": f"{net}.{i % 250 + 1}"}
        assert (await _login(client, headers, h.new_credit_code(), "Lingpao2024")).status_code == 401
    fresh = await _login(client, {"X-Forwarded-For": f"{net}.253"}, h.new_credit_code(), "Lingpao2024")
    assert fresh.status_code == 429 and h.error_code(fresh) == "too_many_attempts"


async def test_distributed_guessing_slows_the_account_and_the_owner_unlocks_by_sms(
    client, h, settings, monkeypatch
):
    info = await h.register(client)
    # A first delay long enough that only the unlock can end it within the test.
    monkeypatch.setattr(settings, "throttle_base_seconds", 20.0)
    for _ in range(settings.throttle_account_free + 1):
        assert (await _login(client, _ip(), info["credit_code"], "Wrong12345")).status_code == 401
    owner_ip = _ip()
    slowed = await _login(client, owner_ip, info["credit_code"], info["password"])
    assert slowed.status_code == 429 and h.error_code(slowed) == "login_slowed"
    assert 10 <= int(slowed.headers["Retry-After"]) <= 20
    assert "短信验证码解锁" in slowed.json()["error"]["message"]

    # The owner unlocks with a code sent to the reserved phone; the password stays as it was.
    sent = await client.post(
        "/api/auth/sms-codes", headers=owner_ip, json={"phone": info["phone"], "purpose": "unlock_login"}
    )
    assert sent.status_code == 202, sent.text
    texts = await h.sms_to(client, info["phone"])
    assert "解除登录锁定" in texts[0]
    code = await h.code_for(client, info["phone"])
    wrong_phone = await client.post(
        "/api/auth/login/unlock",
        headers=owner_ip,
        json={"login_name": info["credit_code"], "phone": h.new_phone(), "sms_code": code},
    )
    assert wrong_phone.status_code == 422
    unlocked = await client.post(
        "/api/auth/login/unlock",
        headers=owner_ip,
        json={"login_name": info["credit_code"], "phone": info["phone"], "sms_code": code},
    )
    assert unlocked.status_code == 204, unlocked.text
    assert (await _login(client, owner_ip, info["credit_code"], info["password"])).status_code == 200


async def test_unknown_names_are_slowed_like_accounts(client, h, settings):
    ghost = h.new_credit_code()
    for _ in range(settings.throttle_account_free + 1):
        assert (await _login(client, _ip(), ghost, "Wrong12345")).status_code == 401
    answer = await _login(client, _ip(), ghost, "Wrong12345")
    assert answer.status_code == 429 and h.error_code(answer) == "login_slowed"


async def test_the_owner_unlocks_a_locked_address_by_sms(client, h):
    info = await h.register(client)
    home = _ip()
    for _ in range(5):
        await _login(client, home, info["credit_code"], "Wrong12345")
    assert h.error_code(await _login(client, home, info["credit_code"], info["password"])) == "login_locked"
    code = await h.ask_code(client, info["phone"], purpose="unlock_login")
    unlocked = await client.post(
        "/api/auth/login/unlock",
        headers=home,
        json={"login_name": info["credit_code"], "phone": info["phone"], "sms_code": code},
    )
    assert unlocked.status_code == 204
    assert (await _login(client, home, info["credit_code"], info["password"])).status_code == 200


async def test_refresh_token_guessing_is_slowed(client, h, settings):
    guesser = _ip()
    for _ in range(settings.throttle_address_free + 1):
        bad = await client.post("/api/auth/refresh", headers=guesser, json={"refresh_token": "x" * 43})
        assert bad.status_code == 401 and h.error_code(bad) == "refresh_invalid"
    slowed = await client.post("/api/auth/refresh", headers=guesser, json={"refresh_token": "y" * 43})
    assert slowed.status_code == 429 and h.error_code(slowed) == "too_many_attempts"


async def test_reset_code_guessing_is_slowed(client, h, settings):
    info = await h.register(client)
    guesser = _ip()
    for _ in range(settings.throttle_address_free + 1):
        await h.pass_resend_gap(client, info["phone"])
        await client.post(
            "/api/auth/sms-codes", headers=guesser, json={"phone": info["phone"], "purpose": "reset_password"}
        )
        bad = await client.post(
            "/api/auth/password/reset",
            headers=guesser,
            json={
                "login_name": info["credit_code"],
                "phone": info["phone"],
                "sms_code": "000000",
                "new_password": "Lingpao2024zz",
            },
        )
        assert bad.status_code == 422
    slowed = await client.post(
        "/api/auth/password/reset",
        headers=guesser,
        json={
            "login_name": info["credit_code"],
            "phone": info["phone"],
            "sms_code": "000001",
            "new_password": "Lingpao2024zz",
        },
    )
    assert slowed.status_code == 429 and h.error_code(slowed) == "too_many_attempts"


async def test_sms_codes_from_one_address_wait_longer_each_time(client, h, settings):
    asker = _ip()
    redis = client._transport.app.state.runtime.redis
    block = f"{PREFIX}:block:sms:{fingerprint(asker['X-Forwarded-For'])}"

    async def ask():
        return await client.post(
            "/api/auth/sms-codes", headers=asker, json={"phone": h.new_phone(), "purpose": "register"}
        )

    for _ in range(settings.throttle_sms_free + 1):
        assert (await ask()).status_code == 202
    waits = []
    for _ in range(2):
        refused = await ask()
        assert refused.status_code == 429 and h.error_code(refused) == "too_many_attempts"
        waits.append(int(refused.headers["Retry-After"]))
        await redis.delete(block)  # what waiting would do: the block ends, the count stays
        assert (await ask()).status_code == 202
    assert waits == [1, 2]
