"""The machine-wide lock around restarts of shared infrastructure and benchmarks (/tmp/lp-infra.lock, flock).

Taken exclusively by the fault tests while they restart PostgreSQL and RabbitMQ, so nobody's benchmark runs
through a restart (and a fault test waits for a running benchmark). When the test itself runs under
``flock /tmp/lp-infra.lock …`` (an ancestor process holds it), waiting would never end: the lock is then
already ours and is not taken again."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK = "/tmp/lp-infra.lock"


def _ancestors() -> set[int]:
    seen: set[int] = set()
    pid = os.getpid()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return seen


def _holders(path: str) -> dict[int, str]:
    """Processes holding a flock on ``path`` and how (WRITE: exclusive, READ: shared), from /proc/locks;
    waiters, marked '->', are left out."""
    inode = os.stat(path).st_ino
    holders: dict[int, str] = {}
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return holders
    for line in lines:
        parts = line.split()
        if len(parts) < 6 or parts[1] == "->" or parts[1] != "FLOCK":
            continue
        if int(parts[5].rsplit(":", 1)[1]) == inode:
            holders[int(parts[4])] = parts[3]
    return holders


class InfraLock:
    def __init__(self, path: str = LOCK) -> None:
        self.path = path
        self._file = None
        self.how = "not taken"

    def acquire(self) -> str:
        """Block until the lock is ours; returns how it was had (for the report)."""
        self._file = open(self.path, "a")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.how = "taken at once"
            return self.how
        except BlockingIOError:
            pass
        holders = _holders(self.path)
        held_above = sorted(set(holders) & _ancestors())
        if held_above:
            # Shared by the caller: others may share it too, and waiting for exclusive would never end.
            self._file.close()
            self._file = None
            pid = held_above[0]
            mode = "exclusive" if holders[pid] == "WRITE" else "shared"
            self.how = f"held ({mode}) by the calling process {pid}"
            return self.how
        started = time.monotonic()
        fcntl.flock(self._file, fcntl.LOCK_EX)
        self.how = f"taken after waiting {time.monotonic() - started:.0f} s"
        return self.how

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
