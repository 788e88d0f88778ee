"""The declaration worker: outbox relay, consumers and the notice poller without HTTP."""

from __future__ import annotations

import asyncio

from declaration.config import Settings
from declaration.main import make_runtime


async def main() -> None:
    runtime = make_runtime(Settings())
    await runtime.start(workers=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
