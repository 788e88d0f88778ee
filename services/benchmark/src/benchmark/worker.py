"""Outbox relay and consumers of the benchmark service without HTTP: ``python -m benchmark.worker``."""

from __future__ import annotations

import asyncio

from kit.worker import run_worker

from benchmark.config import Settings
from benchmark.main import build_runtime


def main() -> None:
    asyncio.run(run_worker(build_runtime(Settings())))


if __name__ == "__main__":
    main()
