"""The demo loader against a fresh database, and agencies arriving through the bus from auth."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest
from benchmark import consumers
from benchmark import repository as repo
from benchmark.config import Settings
from benchmark.demo import load_demo, parse_agency_ids
from benchmark.domain.demo_data import AGENCIES, PRODUCTS
from kit.bus import Envelope, declare_consumer_queue, outbox
from kit.db import Database
from kit.paging import PageParams
from kit.testing.fixtures import wait_until
from sqlalchemy import func, select

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_settings(service_env) -> Settings:
    return Settings(**service_env("benchmark"))


async def test_demo_loader_is_idempotent_and_opens_the_finished_products(demo_settings):
    db = Database(demo_settings.database_url, pool_size=2)
    textiles = uuid.uuid4()
    try:
        first = await load_demo(db, now=NOW, agency_ids={"textiles": textiles})
        assert len(first["products"]) == len(PRODUCTS) >= 7
        second = await load_demo(db, now=NOW, agency_ids={"textiles": textiles})
        assert second == {"products": [], "designations": [], "plans": []}

        async with db.session() as session:
            rows, total = await repo.list_products(session, now=NOW, page=PageParams(page_size=100))
            events = dict((await session.execute(
                select(outbox.c.routing_key, func.count()).group_by(outbox.c.routing_key)
            )).all())  # fmt: skip
        assert total == len(PRODUCTS)
        by_code = {r.product.code: r for r in rows}
        jacket = by_code["FZ-2023-01"]
        assert jacket.designation.agency_id == textiles
        assert jacket.final_plan is not None and jacket.final_plan.version == 1
        pending = by_code["JD-2024-01"]
        assert pending.final_plan is None and pending.designation.notice_ends_at > NOW
        # one event per thing created, none from the second run
        finals = sum(1 for p in PRODUCTS if p.plan_final)
        assert events == {
            "catalog.product_saved.v1": len(PRODUCTS),
            "catalog.agency_designated.v1": len(PRODUCTS),
            "catalog.plan_finalised.v1": finals,
        }
    finally:
        await db.dispose()


def test_agency_ids_are_parsed_strictly():
    some = uuid.uuid4()
    assert parse_agency_ids([f"textiles={some}"]) == {"textiles": some}
    for bad in ["textiles", f"nobody={some}", "textiles=not-a-uuid"]:
        with pytest.raises(ValueError):
            parse_agency_ids([bad])
    assert len({a.id for a in AGENCIES}) == len(AGENCIES)


async def test_agency_organisations_arrive_from_auth_through_the_bus(app, settings, client, working_group):
    org_id = uuid.uuid4()
    envelope = Envelope(
        type="account.organisation_created",
        producer="auth",
        payload={"org_id": str(org_id), "org_type": "agency", "name": "总线送来的评估机构"},
    )
    ignored = Envelope(
        type="account.organisation_created",
        producer="auth",
        payload={"org_id": str(uuid.uuid4()), "org_type": "enterprise", "name": "某企业"},
    )
    connection = await aio_pika.connect_robust(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

        # the service's durable queue, declared exactly as its consumer declares it: bound before we
        # publish, so nothing is dropped while the consumer is still connecting
        await declare_consumer_queue(channel, settings, "benchmark", list(consumers.HANDLERS))
        for env in (envelope, envelope, ignored):  # the duplicate delivery must have no second effect
            await exchange.publish(
                aio_pika.Message(json.dumps(env.model_dump(mode="json")).encode(), message_id=str(env.id),
                                 content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=env.routing_key,
            )  # fmt: skip

    async def listed():
        agencies = (await client.get("/api/benchmark/agencies", headers=working_group.headers)).json()[
            "items"
        ]
        return [a for a in agencies if a["id"] in {str(org_id), ignored.payload["org_id"]}]

    found = await wait_until(listed, timeout=20)
    assert found == [{"id": str(org_id), "name": "总线送来的评估机构"}]
