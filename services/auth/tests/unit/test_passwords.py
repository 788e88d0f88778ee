"""Password policy, generated passwords and the argon2id hasher (QUALITY 1)."""

from __future__ import annotations

import asyncio

import pytest
from argon2 import PasswordHasher, Type
from auth.domain.passwords import (
    MAX_LENGTH,
    POLICY_HINT,
    Passwords,
    common_passwords,
    generate_password,
    length,
    policy_errors,
)


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("abc123", "不能少于 8 个字符"),
        ("password123", "过于常见"),
        ("PassWord123", "过于常见"),  # case does not dodge the list
        ("ｐａｓｓｗｏｒｄ１２３", "过于常见"),  # nor full-width forms
        ("sunshine", "过于常见"),  # letters only, from the breached-password list
        ("1qaz2wsx", "过于常见"),
        ("a1" * 65, "不能超过 128 个字符"),
    ],
)
def test_policy_refuses(password: str, fragment: str) -> None:
    assert any(fragment in e for e in policy_errors(password))


def test_policy_refuses_the_login_name_and_phone() -> None:
    assert any("登录名" in e for e in policy_errors("91110108ma01c2q57b", login_name="91110108MA01C2Q57B"))
    # The login name written in full-width characters is still the login name.
    assert any(
        "登录名" in e
        for e in policy_errors("９１１１０１０８ＭＡ０１Ｃ２Ｑ５７Ｂ", login_name="91110108MA01C2Q57B")
    )
    assert any("手机号" in e for e in policy_errors("x13800001111", phone="13800001111"))


def test_no_composition_rule() -> None:
    """ASVS 5.0 6.2.5: any characters; a long passphrase of letters only, or of digits only, is fine."""
    assert policy_errors("correct horse battery staple") == []
    assert policy_errors("lingpaozhebiaozhun") == []
    assert policy_errors("80457193264") == []


def test_full_width_and_chinese_characters_count_as_one_each() -> None:
    assert length("领跑者标准质量分级") == 9
    assert policy_errors("领跑者标准质量分级") == []  # 9 characters (27 bytes in UTF-8)
    assert any("不能少于" in e for e in policy_errors("领跑者标准质量"))  # 7 characters
    assert policy_errors("Ｌｉｎｇｐａｏ２") == []  # 8 full-width characters
    assert length("e\u0301") == 1  # a letter and its combining accent are one character
    assert policy_errors("字" * 128) == [] and any("不能超过" in e for e in policy_errors("字" * 129))


def test_policy_accepts_long_and_unicode_passwords_without_truncation() -> None:
    assert policy_errors("Lingpao2024") == []
    assert policy_errors("领跑者标准2024abc") == []
    assert policy_errors("a1" * 64) == []  # exactly 128


def test_generated_passwords_pass_the_policy_and_differ() -> None:
    made = {generate_password() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert len(password) == 10
        assert policy_errors(password) == []
        assert not set(password) & set("0O1lI")


def test_breached_list_is_shipped_by_a_package_and_large() -> None:
    words = common_passwords()
    assert len(words) >= 10_000
    assert "password1" in words and "qwe123456" in words and "iloveyou" in words
    assert all(w == w.casefold() for w in words)


def test_policy_hint_is_what_the_portal_shows() -> None:
    """The password fields' placeholder says exactly the rule the service applies."""
    from pathlib import Path

    validators = Path(__file__).resolve().parents[4] / "gateway" / "web" / "src" / "utils" / "validators.ts"
    assert f"PASSWORD_RULE = '{POLICY_HINT}'" in validators.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hasher() -> Passwords:
    return Passwords(memory_kib=19456, time_cost=2, parallelism=1)


async def test_hash_is_argon2id_with_the_minimum_parameters(hasher: Passwords) -> None:
    stored = await hasher.hash("Lingpao2024")
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored
    assert await hasher.verify(stored, "Lingpao2024")
    assert not await hasher.verify(stored, "Lingpao2025")
    assert not await hasher.verify("not-a-hash", "Lingpao2024")


async def test_rising_parameters_ask_for_a_rehash(hasher: Passwords) -> None:
    stored = await hasher.hash("Lingpao2024")
    assert not hasher.needs_rehash(stored)
    stronger = Passwords(memory_kib=32768, time_cost=3, parallelism=1)
    assert stronger.needs_rehash(stored)
    assert await stronger.verify(stored, "Lingpao2024")  # old hashes still log in, then get rehashed


async def test_unknown_account_still_pays_for_a_hash(hasher: Passwords, monkeypatch) -> None:
    calls: list[str] = []
    original = hasher._verify_sync

    def counting(stored: str, password: str) -> bool:
        calls.append(stored)
        return original(stored, password)

    monkeypatch.setattr(hasher, "_verify_sync", counting)
    assert not await hasher.verify(None, "whatever1")
    assert len(calls) == 1 and calls[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_hashing_runs_off_the_event_loop(hasher: Passwords) -> None:
    # While a hash runs, the loop keeps ticking: a ticker gets many turns during three hashes.
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(hasher.hash("Lingpao2024") for _ in range(3)))
    task.cancel()
    assert ticks > 3


def test_max_length_constant() -> None:
    assert MAX_LENGTH == 128
    assert PasswordHasher(type=Type.ID).type is Type.ID


async def test_hashes_run_on_lowered_priority_threads():
    import os
    import threading

    from auth.domain.passwords import HASHING_NICENESS, Passwords

    passwords = Passwords(memory_kib=19456, time_cost=2, parallelism=1)
    seen: list[tuple[str, int]] = []

    def where() -> None:
        seen.append(
            (threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        )

    await passwords._run(where)
    name, niceness = seen[0]
    assert name.startswith("argon2") and niceness >= HASHING_NICENESS  # requests are served before hashes
    assert (
        os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < HASHING_NICENESS
    )  # the loop keeps its own
    stored = await passwords.hash("Abcdef123")
    assert await passwords.verify(stored, "Abcdef123") and not await passwords.verify(stored, "Abcdef124")


async def test_a_call_that_waits_too_long_for_a_hashing_thread_is_refused(monkeypatch):
    import time

    from auth.domain.passwords import Passwords
    from auth.errors import HashingBusy

    passwords = Passwords(memory_kib=19456, time_cost=2, parallelism=1, threads=1, max_wait_seconds=0.05)
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow(stored: str, password: str) -> bool:
        # holds the only hashing thread until the test lets go
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)
        return False

    monkeypatch.setattr(passwords, "_verify_sync", slow)
    holder = asyncio.create_task(passwords.verify("$argon2id$x", "Lingpao2024"))
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    with pytest.raises(HashingBusy) as refused:
        await passwords.verify("$argon2id$x", "Lingpao2024")
    assert time.perf_counter() - started < 0.5  # refused after the bounded wait, not queued
    assert refused.value.status_code == 503 and refused.value.code == "hashing_busy"
    assert refused.value.headers == {"Retry-After": "1"} and refused.value.details == {"retry_after": 1}

    # A caller that gives up while its hash runs does not free the thread early: the hash still occupies it.
    holder.cancel()
    await asyncio.sleep(0.01)
    with pytest.raises(HashingBusy):
        await passwords.verify("$argon2id$x", "Lingpao2024")
    release.set()
    await asyncio.sleep(0.05)
    monkeypatch.undo()
    assert not await passwords.verify(None, "Lingpao2024")  # the slot came back once the hash finished


def test_the_default_pool_leaves_a_core_to_the_other_routes(monkeypatch, tmp_path):
    import os

    from auth.domain import passwords as module

    no_limit = tmp_path / "cpu.max"
    no_limit.write_text("max 100000\n")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    assert module.default_hashing_threads(no_limit) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert module.default_hashing_threads(no_limit) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)))
    assert module.default_hashing_threads(no_limit) == 7
    assert module.default_hashing_threads(tmp_path / "absent") == 7  # no cgroup v2 file: the CPUs alone
    # A pod limited to 1 CPU on an 8-core node: one thread; to 2.5 CPUs: two.
    limited = tmp_path / "limited"
    limited.write_text("100000 100000\n")
    assert module.default_hashing_threads(limited) == 1
    limited.write_text("250000 100000\n")
    assert module.default_hashing_threads(limited) == 2
