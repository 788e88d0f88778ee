"""Delete the queues and exchanges that test runs left on the local RabbitMQ (namespaces lpt…, lpe2e…,
lpbench…, lpbrowser…, lpsec…). Quorum queues are Raft groups: hundreds of leftovers make a small broker slow
to restart. The platform's own namespace (`lp.`) is never touched, nor anything in use: a queue with a consumer
or an exchange with bindings belongs to a run that is still going (another engineer's suite on the same
broker). Run by `make test` before the suite."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess

import aio_pika

TEST_NAMESPACE = re.compile(r"^lp(t|e2e|bench|browser|sec|scratch|chaos|deg)[a-z0-9]*\.")


def _listed(kind: str) -> list[str]:
    if not shutil.which("rabbitmqctl"):
        return []
    out = subprocess.run(
        ["rabbitmqctl", "-q", f"list_{kind}", "name"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return [line.strip() for line in out.stdout.splitlines() if TEST_NAMESPACE.match(line.strip())]


def _test_policies() -> list[tuple[str, str]]:
    if not shutil.which("rabbitmqctl"):
        return []
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_policies", "--formatter", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    try:
        listed = json.loads(out.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return [
        (p.get("vhost", "/"), p["name"])
        for p in listed
        if TEST_NAMESPACE.match(p.get("name", "")) and p["name"].endswith(".dead-letter")
    ]


async def main() -> None:
    queues, exchanges = _listed("queues"), _listed("exchanges")
    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        purged = {"queues": 0, "exchanges": 0}
        for name in queues:
            try:
                # quorum queues refuse queue.delete's if-unused flag: ask the broker for the consumers
                # (declare-ok answers at once; rabbitmqctl's counts lag) and leave a live run's queues alone
                queue = await channel.declare_queue(name, passive=True)
                if queue.declaration_result.consumer_count:
                    continue
                await channel.queue_delete(name)
                purged["queues"] += 1
            except Exception:  # deleted meanwhile by its own run's cleanup
                channel = await connection.channel()
        for name in exchanges:
            try:
                await channel.exchange_delete(name, if_unused=True)
                purged["exchanges"] += 1
            except Exception:  # still bound: a live run's
                channel = await connection.channel()
    print(f"purged {purged['queues']} test queues and {purged['exchanges']} test exchanges (live ones kept)")


def purge_policies() -> None:
    """Dead-letter policies a test set (kit.testing.broker) and could not clear because it was killed."""
    policies = _test_policies()
    for vhost, name in policies:
        subprocess.run(
            ["rabbitmqctl", "-q", "clear_policy", "-p", vhost, name],
            capture_output=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    print(f"purged {len(policies)} test policies")


if __name__ == "__main__":
    asyncio.run(main())
    purge_policies()
