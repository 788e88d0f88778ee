"""The auth worker (``python -m auth.worker``): outbox relay and candidate-list consumer without HTTP."""

from __future__ import annotations

import asyncio
import contextlib

from auth.config import Settings
from auth.main import make_runtime


async def main() -> None:
    runtime = make_runtime(Settings())
    await runtime.start(workers=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
