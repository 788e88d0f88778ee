"""Password policy (等保2.0 / ASVS 6.2), generated passwords, and argon2id hashing off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from auth.errors import HashingBusy

T = TypeVar("T")
MIN_LENGTH = 8
MAX_LENGTH = 128
# ASVS 5.0 (6.2): length, a breached-password list and the login name, no composition rule. One sentence,
# shown by the portal as the placeholder and returned with every refusal.
POLICY_HINT = "密码长度 8-128 个字符（中文、全角字符均按 1 个计），不能与登录名相同，不能包含手机号，不能使用常见或已泄露的密码"

# Generated passwords avoid characters people confuse when copying from an SMS (0/O, 1/l/I).
_GEN_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_GEN_DIGITS = "23456789"
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")


def _comparable(text: str) -> str:
    """Full-width and other compatibility forms folded to their plain letters, case ignored: "ｐａｓｓ１２３"
    is the same password as "pass123" when it comes to lists and the login name."""
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def common_passwords() -> frozenset[str]:
    """30,000 passwords most common in public breach corpora (the list zxcvbn ships), plus the project's
    own additions for this platform (common Chinese keyboard and pinyin patterns)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    text = resources.files("auth.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    own = (line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(_comparable(w) for w in (*FREQUENCY_LISTS["passwords"], *own))


def length(password: str) -> int:
    """Characters as a person counts them: one per code point after composition (NFC), so "密码" is 2
    and a full-width "Ａ" is 1, whatever their size in bytes."""
    return len(unicodedata.normalize("NFC", password))


def policy_errors(password: str, *, login_name: str | None = None, phone: str | None = None) -> list[str]:
    """Every rule the password breaks, in Chinese; empty when acceptable. No truncation anywhere."""
    errors: list[str] = []
    size = length(password)
    if size < MIN_LENGTH:
        errors.append(f"密码不能少于 {MIN_LENGTH} 个字符")
    if size > MAX_LENGTH:
        errors.append(f"密码不能超过 {MAX_LENGTH} 个字符")
    folded = _comparable(password)
    if login_name and folded == _comparable(login_name.strip()):
        errors.append("密码不能与登录名相同")
    if phone and phone in unicodedata.normalize("NFKC", password):
        errors.append("密码不能包含手机号")
    if folded in common_passwords():
        errors.append("密码过于常见或已在泄露数据中出现，请换一个")
    return errors


def generate_password(length: int = 10) -> str:
    """A random password from ``secrets`` that itself satisfies the policy."""
    alphabet = _GEN_LETTERS + _GEN_DIGITS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            _LETTER.search(candidate)
            and _DIGIT.search(candidate)
            and _comparable(candidate) not in common_passwords()
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


CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The CPUs this process may use: those it may run on, capped by its cgroup's quota (a Kubernetes CPU
    limit of 1 on an 8-core node is 1)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    return cpus


def default_hashing_threads(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """One hashing thread per usable CPU but one: the other routes keep at least a core however many people
    log in (QUALITY 19, 22). On 2 cores that is one thread; on 1 core, one thread at lowered priority."""
    return max(1, usable_cpus(cpu_max) - 1)


class Passwords:
    """argon2id hashing on a bounded pool of lowered-priority threads. A hash takes tens of milliseconds of
    CPU: more threads than the pool's would only slow every other route, and an unbounded queue would make
    a burst of logins wait without end. A call waits at most ``max_wait_seconds`` for a thread, then raises
    ``HashingBusy`` (the route answers 503 with Retry-After). A thread's slot is given back when its hash
    has finished, not when the caller stops waiting, so a cancelled request never lets more hashes run at
    once than there are threads."""

    def __init__(
        self,
        *,
        memory_kib: int,
        time_cost: int,
        parallelism: int,
        threads: int | None = None,
        max_wait_seconds: float = 1.0,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy: str | None = None
        self.threads = threads or default_hashing_threads()
        self._max_wait = max_wait_seconds
        self._slots = asyncio.Semaphore(self.threads)
        self._pool = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="argon2", initializer=_lower_own_priority
        )

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._max_wait)
        except TimeoutError:
            raise HashingBusy(retry_after=self._max_wait) from None
        loop = asyncio.get_running_loop()
        try:
            job: Future[T] = self._pool.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        job.add_done_callback(lambda _: self._give_back(loop))
        return await asyncio.wrap_future(job)

    def _give_back(self, loop: asyncio.AbstractEventLoop) -> None:
        # on the hashing thread, when the hash has finished; a loop already closed has no waiter left
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._slots.release)

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
