"""``python -m declaration.stats rebuild``: recompute the dashboard's read models from the workflow tables
(an installation that ran before them); prints the rows written per table."""

from __future__ import annotations

import argparse
import asyncio
import json

from kit.runtime import Runtime

from declaration.config import Settings
from declaration.stats.rebuild import rebuild_all


async def _run() -> dict[str, int]:
    runtime = Runtime(Settings(), service="declaration")
    await runtime.start(workers=False)
    try:
        return await rebuild_all(runtime)
    finally:
        await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m declaration.stats", description=__doc__)
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args()
    print(json.dumps(asyncio.run(_run()), ensure_ascii=False))


if __name__ == "__main__":
    main()
