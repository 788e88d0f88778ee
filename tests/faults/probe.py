"""A worker process for the fault suite, built on the kit exactly as a service's worker is: ``relay`` runs an
outbox relay, ``consume`` runs a consumer whose side effect is one row per handled event."""

from __future__ import annotations

import asyncio
import os
import sys

import aio_pika
from kit.bus import Consumer, Envelope, OutboxRelay
from kit.db import Database, new_metadata
from kit.logging import configure_logging
from kit.settings import ServiceSettings
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

metadata: MetaData = new_metadata()
effects = Table(
    "chaos_effects", metadata, Column("id", Integer, primary_key=True), Column("tag", Text, nullable=False)
)
produced = Table("chaos_produced", metadata, Column("tag", Text, primary_key=True))


async def _handler(session, event: Envelope) -> None:
    await session.execute(insert(effects).values(tag=event.payload["tag"]))


async def main(role: str) -> None:
    settings = ServiceSettings(
        env="test",
        database_url=os.environ["LP_DATABASE_URL"],
        bus_namespace=os.environ["LP_BUS_NAMESPACE"],
        consumer_delivery_limit=5,
    )
    configure_logging(f"chaos-{role}", "WARNING")
    db = Database(settings.database_url, pool_size=4)
    if role == "relay":
        relay = OutboxRelay(
            db=db,
            database_url=settings.database_url,
            amqp_url=settings.amqp_url,
            exchange_name=settings.exchange_name,
            service="chaos",
            claim_seconds=5,
        )
        await relay.run()
    else:
        connection = await aio_pika.connect_robust(settings.amqp_url)
        consumer = Consumer(name="chaos", db=db, settings=settings, handlers={"chaos.#": _handler})
        await consumer.start(connection)
        print("consumer ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
