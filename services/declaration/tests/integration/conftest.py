"""The declaration service in process against the real PostgreSQL, RabbitMQ, Redis and S3, next to the
REAL benchmark service (in process too): its catalog events reach this service through the bus, and
the comparison calls go to its HTTP routes (no mock).

Time: both apps share one ``FixedClock`` (the injected time source), so the 14-day designation notice
and the 14-day public notice pass when a test advances it, without touching the shared Redis offset.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import httpx
import pytest
from benchmark.config import Settings as BenchmarkSettings
from benchmark.main import create_app as create_benchmark_app
from contracts.auth import ORGANISATION_CREATED
from declaration.config import Settings
from declaration.consumers import ROUTING_KEYS
from declaration.main import create_app
from kit.bus import Envelope, declare_consumer_queue
from kit.clock import FixedClock
from kit.testing.factories import Org, credit_code, make_org
from kit.testing.files import pdf_bytes, png_bytes
from kit.testing.fixtures import consumer_listening, running_app, wait_until

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

PLAN = {
    "title": "羽绒服装企业标准“领跑者”评估方案",
    "group_standard": "T/CAQP 002-2023",
    "indicators": [
        {"code": "down_content", "name": "含绒量", "unit": "%", "direction": "higher", "forerunner": "90",
         "stars": ["50", "70", "80", "85", "90"], "lower_bound": "0", "upper_bound": "100"},
        {"code": "formaldehyde", "name": "甲醛含量", "unit": "mg/kg", "direction": "lower", "forerunner": 20,
         "stars": [300, 150, 75, 30, 20], "lower_bound": 0},
    ],
}  # fmt: skip
GOOD_VALUES = {"down_content": "92.5", "formaldehyde": 18}


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def settings(service_env) -> Settings:
    return Settings(**service_env("declaration", notice_poll_seconds=0.2))


@pytest.fixture(scope="module")
def benchmark_settings(service_env) -> BenchmarkSettings:
    return BenchmarkSettings(**service_env("benchmark"))


@pytest.fixture(scope="module")
async def apps(benchmark_settings, settings, clock):
    # the queue exists before the benchmark service publishes anything: no catalog event can be missed
    # while this service's consumer is still connecting
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        await declare_consumer_queue(await connection.channel(), settings, "declaration", list(ROUTING_KEYS))
    benchmark_app = create_benchmark_app(benchmark_settings)
    async with running_app(benchmark_app) as bench_client:
        # the tests announce agencies on the bus: the benchmark service's queue must exist to receive them
        await consumer_listening(benchmark_app.state.runtime)
        app = create_app(settings, benchmark_transport=httpx.ASGITransport(app=benchmark_app))
        async with running_app(app) as client:
            benchmark_app.state.runtime.clock = clock
            app.state.runtime.clock = clock
            yield {"app": app, "client": client, "bench": bench_client, "bench_app": benchmark_app}


@pytest.fixture
def client(apps) -> httpx.AsyncClient:
    return apps["client"]


@pytest.fixture
def runtime(apps):
    return apps["app"].state.runtime


@pytest.fixture
def working_group(make_token) -> Org:
    return make_org(make_token, "working_group", "领跑者工作组")


@pytest.fixture
def publish(settings):
    """Publish an event as another service would (auth), through the real exchange."""

    async def _publish(event_type: str, payload: dict) -> None:
        envelope = Envelope(type=event_type, producer="auth", payload=payload)
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.declare_exchange(
                settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
            await exchange.publish(
                aio_pika.Message(envelope.model_dump_json().encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 message_id=str(envelope.id)),
                routing_key=envelope.routing_key,
            )  # fmt: skip

    return _publish


@pytest.fixture
def register_agency(apps, publish, working_group):
    """An agency organisation as auth announces it (``account.organisation_created``); returns once the
    benchmark service lists it, so the working group may designate it."""
    bench = apps["bench"]

    async def _register(agency: Org) -> None:
        await publish(
            ORGANISATION_CREATED, {"org_id": str(agency.id), "org_type": "agency", "name": agency.name}
        )

        async def listed() -> bool:
            r = await bench.get("/api/benchmark/agencies", headers=working_group.headers)
            return r.status_code == 200 and str(agency.id) in [a["id"] for a in r.json()["items"]]

        await wait_until(listed, timeout=20)

    return _register


@pytest.fixture
def open_product(apps, make_token, working_group, clock, register_agency):
    """A key-field product made through the benchmark service: agency designated, plan final, the
    designation notice over; returns once this service's read model has it (via the bus)."""
    from declaration.models import Product

    bench = apps["bench"]
    runtime = apps["app"].state.runtime

    async def _open(product_type: str = "product", name: str = "羽绒服") -> tuple[dict, Org]:
        agency = make_org(make_token, "agency", f"纺织评估中心{uuid.uuid4().hex[:4]}")
        await register_agency(agency)
        body = {"code": f"T-{uuid.uuid4().hex[:10]}", "name": name, "field": "纺织服装", "year": 2026,
                "product_type": product_type}  # fmt: skip
        r = await bench.post("/api/benchmark/products", json=body, headers=working_group.headers)
        assert r.status_code == 201, r.text
        product = r.json()
        pid = product["id"]
        r = await bench.post(f"/api/benchmark/products/{pid}/designation", json={"agency_org_id": str(agency.id)},
                             headers=working_group.headers)  # fmt: skip
        assert r.status_code == 201, r.text
        plan = PLAN if product_type == "product" else {**PLAN, "indicators": []}
        r = await bench.post(f"/api/benchmark/products/{pid}/plans", json=plan, headers=agency.headers)
        assert r.status_code == 201, r.text
        r = await bench.post(f"/api/benchmark/plans/{r.json()['id']}/finalise", headers=agency.headers)
        assert r.status_code == 200, r.text
        ends = datetime.fromisoformat(
            (await bench.get(f"/api/benchmark/products/{pid}")).json()["notice"]["ends_at"]
        )
        if clock.at <= ends:
            await clock.advance(ends - clock.at + timedelta(seconds=1))

        async def arrived() -> bool:
            async with runtime.db.session() as session:
                p = await session.get(Product, uuid.UUID(pid))
                return (
                    p is not None and p.plan_version is not None and p.notice_end is not None and p.name != ""
                )

        await wait_until(arrived, timeout=20)
        return product, agency

    return _open


async def submit_declaration(
    client: httpx.AsyncClient, product: dict, enterprise: Org, *, code: str = "AH"
) -> str:
    """A self-declaration taken to the agency: number ``Q/<code> nnn-2024``, passing values, one model, one
    evidence file, submitted. Returns its id."""
    h = enterprise.headers
    r = await client.post("/api/declarations", headers=h, json={
        "product_id": product["id"], "standard_no": f"Q/{code} {uuid.uuid4().int % 900 + 100}-2024",
        "standard_name": "羽绒服"})  # fmt: skip
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert (
        await client.post(f"/api/declarations/{did}/benchmark", headers=h, json={"values": GOOD_VALUES})
    ).status_code == 200
    assert (await client.put(f"/api/declarations/{did}/products", headers=h,
                             json={"models": [{"name": "羽绒服", "spec": "S"}]})).status_code == 200  # fmt: skip
    assert (await client.post(f"/api/declarations/{did}/evidence", headers=h,
                              files={"file": ("r.pdf", pdf_bytes())})).status_code == 201  # fmt: skip
    r = await client.post(f"/api/declarations/{did}/submit", headers=h)
    assert r.status_code == 200, r.text
    return did


@pytest.fixture(scope="session")
def kit_helpers():
    """The helpers above for test modules (with --import-mode=importlib a test cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(Org=make_org, credit_code=credit_code, pdf_bytes=pdf_bytes, png_bytes=png_bytes,
                           GOOD_VALUES=GOOD_VALUES, submit_declaration=submit_declaration)  # fmt: skip
