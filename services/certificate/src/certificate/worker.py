"""Outbox relay, event consumers and the expiry poller without HTTP (python -m certificate.worker)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from certificate.config import Settings
from certificate.main import build_runtime
from certificate.rendering import register_fonts


async def main() -> None:
    register_fonts()
    runtime = build_runtime(Settings())
    await runtime.start(workers=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
