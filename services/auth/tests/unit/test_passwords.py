"""Password policy, generated passwords and the argon2id hasher (QUALITY 1)."""

from __future__ import annotations

import asyncio

import pytest
from argon2 import PasswordHasher, Type
from auth.domain.passwords import MAX_LENGTH, Passwords, common_passwords, generate_password, policy_errors


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("abc123", "不能少于 8 位"),
        ("abcdefghij", "字母和数字"),
        ("1234567890", "字母和数字"),
        ("password123", "过于常见"),
        ("PassWord123", "过于常见"),  # case does not dodge the list
        ("a1" * 65, "不能超过 128 位"),
    ],
)
def test_policy_refuses(password: str, fragment: str) -> None:
    assert any(fragment in e for e in policy_errors(password))


def test_policy_refuses_the_login_name_and_phone() -> None:
    assert any("登录名" in e for e in policy_errors("91110108ma01c2q57b", login_name="91110108MA01C2Q57B"))
    assert any("手机号" in e for e in policy_errors("x13800001111", phone="13800001111"))


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


def test_common_list_is_shipped_and_lower_case() -> None:
    words = common_passwords()
    assert "password1" in words and "qwe123456" in words
    assert all(w == w.lower() for w in words)


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
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    await passwords._run(where)
    name, niceness = seen[0]
    assert name.startswith("argon2") and niceness >= HASHING_NICENESS  # requests are served before hashes
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < HASHING_NICENESS  # the loop keeps its own
    stored = await passwords.hash("Abcdef123")
    assert await passwords.verify(stored, "Abcdef123") and not await passwords.verify(stored, "Abcdef124")
