"""Consumer and delivery dispatcher of the notify service without HTTP: ``python -m notify.worker``."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from notify.config import Settings
from notify.main import build_runtime


async def main() -> None:
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
