"""Delete the queues and exchanges that test runs left on the local RabbitMQ (namespaces lpt…, lpe2e…,
lpbench…, lpbrowser…, lpsec…). Quorum queues are Raft groups: hundreds of leftovers make a small broker slow
to restart. The platform's own namespace (`lp.`) is never touched. Run by `make test` before the suite."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess

import aio_pika

TEST_NAMESPACE = re.compile(r"^lp(t|e2e|bench|browser|sec|scratch|chaos)[a-z0-9]*\.")


def _listed(kind: str) -> list[str]:
    if not shutil.which("rabbitmqctl"):
        return []
    out = subprocess.run(["rabbitmqctl", "-q", f"list_{kind}", "name"], capture_output=True, text=True,
                         timeout=120, check=False, stdin=subprocess.DEVNULL)
    return [line.strip() for line in out.stdout.splitlines() if TEST_NAMESPACE.match(line.strip())]


async def main() -> None:
    queues, exchanges = _listed("queues"), _listed("exchanges")
    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        for name in queues:
            try:
                await channel.queue_delete(name)
            except Exception:  # deleted meanwhile by its own run's cleanup
                channel = await connection.channel()
        for name in exchanges:
            try:
                await channel.exchange_delete(name)
            except Exception:
                channel = await connection.channel()
    print(f"purged {len(queues)} test queues and {len(exchanges)} test exchanges")


if __name__ == "__main__":
    asyncio.run(main())
