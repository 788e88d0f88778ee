"""Outbox relay, event consumers and the expiry poller without HTTP (python -m certificate.worker)."""

from __future__ import annotations

import asyncio

from kit.worker import run_worker

from certificate.config import Settings
from certificate.main import build_runtime
from certificate.rendering import register_fonts


def main() -> None:
    register_fonts()
    asyncio.run(run_worker(build_runtime(Settings())))


if __name__ == "__main__":
    main()
