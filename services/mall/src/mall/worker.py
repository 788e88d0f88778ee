"""The mall's outbox relay and event consumers without HTTP: ``python -m mall.worker``."""

from __future__ import annotations

import asyncio

from kit.worker import run_worker

from mall.config import Settings
from mall.main import make_runtime


def main() -> None:
    asyncio.run(run_worker(make_runtime(Settings())))


if __name__ == "__main__":
    main()
