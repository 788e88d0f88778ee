"""The declaration worker: outbox relay, consumers and the notice poller without HTTP."""

from __future__ import annotations

import asyncio

from kit.worker import run_worker

from declaration.config import Settings
from declaration.main import make_runtime


def main() -> None:
    asyncio.run(run_worker(make_runtime(Settings())))


if __name__ == "__main__":
    main()
