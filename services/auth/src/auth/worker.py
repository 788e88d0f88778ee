"""The auth worker (``python -m auth.worker``): outbox relay and candidate-list consumer without HTTP."""

from __future__ import annotations

import asyncio

from kit.worker import run_worker

from auth.config import Settings
from auth.main import make_runtime


def main() -> None:
    asyncio.run(run_worker(make_runtime(Settings())))


if __name__ == "__main__":
    main()
