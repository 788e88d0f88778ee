"""The mall's outbox relay and event consumers without HTTP: ``python -m mall.worker``."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from mall.config import Settings
from mall.main import make_runtime


async def main() -> None:
    runtime = make_runtime(Settings())
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
