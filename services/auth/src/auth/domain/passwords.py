"""Password policy (等保2.0 / ASVS 6.2), generated passwords, and argon2id hashing off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")
MIN_LENGTH = 8
MAX_LENGTH = 128
POLICY_HINT = "密码长度 8-128 位，须同时包含字母和数字，不能与登录名相同，不能使用常见密码"

# Generated passwords avoid characters people confuse when copying from an SMS (0/O, 1/l/I).
_GEN_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_GEN_DIGITS = "23456789"
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("auth.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def policy_errors(password: str, *, login_name: str | None = None, phone: str | None = None) -> list[str]:
    """Every rule the password breaks, in Chinese; empty when acceptable. No truncation anywhere."""
    errors: list[str] = []
    if len(password) < MIN_LENGTH:
        errors.append(f"密码不能少于 {MIN_LENGTH} 位")
    if len(password) > MAX_LENGTH:
        errors.append(f"密码不能超过 {MAX_LENGTH} 位")
    if not (_LETTER.search(password) and _DIGIT.search(password)):
        errors.append("密码须同时包含字母和数字")
    lowered = password.lower()
    if login_name and lowered == login_name.lower():
        errors.append("密码不能与登录名相同")
    if phone and phone in password:
        errors.append("密码不能包含手机号")
    if lowered in common_passwords():
        errors.append("密码过于常见，请换一个")
    return errors


def generate_password(length: int = 10) -> str:
    """A random password from ``secrets`` that itself satisfies the policy."""
    alphabet = _GEN_LETTERS + _GEN_DIGITS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            _LETTER.search(candidate)
            and _DIGIT.search(candidate)
            and candidate.lower() not in common_passwords()
        ):
            return candidate


# Hashing threads run at this niceness: a hash is tens of milliseconds of CPU, and logins must not slow the
# other routes of the machine (QUALITY 19). Under contention the scheduler serves requests first and hashes
# with what is left; on an idle core a hash takes as long as before.
HASHING_NICENESS = 10


def _lower_own_priority() -> None:
    # Linux: the priority of a thread is set by its id; elsewhere nothing happens
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class Passwords:
    """argon2id hashing. Every call runs on a hashing thread of lowered priority, one per CPU: a hash takes
    tens of milliseconds of CPU, and more threads than cores would only make each hash slower."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy: str | None = None
        self._threads = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1, thread_name_prefix="argon2", initializer=_lower_own_priority
        )

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    def _verify_sync(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def ensure_dummy(self) -> None:
        """Make the dummy hash before the first login of any kind, so its cost never marks an unknown name."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))

    async def verify(self, stored: str | None, password: str) -> bool:
        """Check a password. With no stored hash (unknown account) a dummy hash with the same parameters
        is checked instead, so the answer takes as long as for a real account."""
        if stored is None:
            await self.ensure_dummy()
            await self._run(self._verify_sync, self._dummy, password)
            return False
        return await self._run(self._verify_sync, stored, password)

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
