"""A real service (benchmark, in process, with its relay and consumer) exposes the platform's metrics at
/metrics, and they move when work happens: a request, an event emitted and relayed, an event consumed.
The Grafana dashboard queries only series, and labels, that a running service exposes."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import aio_pika
import httpx
from kit import metrics
from kit.bus import Envelope, outbox
from kit.testing.fixtures import bound_queue, wait_until
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "deploy" / "grafana" / "lp-platform.json"

# The names issue 8 asks for, as Prometheus sees them (a counter's series ends in _total).
REQUIRED = {
    "http_requests_total": "counter",
    "http_request_duration_seconds": "histogram",
    "http_errors_total": "counter",
    "events_published_total": "counter",
    "outbox_backlog": "gauge",
    "events_consumed_total": "counter",
    "consumer_queue_depth": "gauge",
    "dead_letter_queue_depth": "gauge",
}


class Scrape:
    """One /metrics answer: declared families (# TYPE lines) and sample values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.MULTILINE))
        self.samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples named ``name`` whose labels include ``labels`` (0 when there are none)."""
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )

    def has(self, name: str, **labels: str) -> bool:
        return any(
            s.name == name and all(s.labels.get(k) == v for k, v in labels.items()) for s in self.samples
        )

    def series_names(self) -> set[str]:
        """Every series name a query may use, from the declared families (also those without samples)."""
        suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}
        names: set[str] = set()
        for family, kind in self.types.items():
            base = family.removesuffix("_total") if kind == "counter" else family
            names |= {base + suffix for suffix in suffixes.get(kind, ("",))}
        return names


async def scrape(client) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


async def test_metrics_named_in_the_issue_are_exposed(client):
    exposed = await scrape(client)
    for name, kind in REQUIRED.items():
        assert exposed.types.get(name) == kind, f"{name} is not exposed as a {kind}"


async def test_requests_move_the_request_counters_and_latency(app, client):
    route = {"service": "benchmark", "method": "GET", "route": "/api/benchmark/products/{product_id}"}
    before = await scrape(client)
    unknown = uuid.uuid4()

    for _ in range(3):
        assert (await client.get(f"/api/benchmark/products/{unknown}")).status_code == 404
    # the in-process client re-raises app exceptions; this one answers 500 as a server would
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        assert (await raw.get("/api/benchmark/_observability_failure")).status_code == 500
    assert (await client.get("/healthz")).status_code == 200

    after = await scrape(client)
    assert (
        after.value("http_requests_total", **route, status="404")
        - before.value("http_requests_total", **route, status="404")
        == 3
    )
    # One latency observation per request, filed under the route template, never the raw path.
    assert (
        after.value("http_request_duration_seconds_count", **route)
        - before.value("http_request_duration_seconds_count", **route)
        == 3
    )
    assert not any(str(unknown) in s.labels.get("route", "") for s in after.samples)
    failing = {"service": "benchmark", "route": "/api/benchmark/_observability_failure"}
    assert after.value("http_errors_total", **failing) - before.value("http_errors_total", **failing) == 1
    # 4xx are client errors, not server errors
    assert after.value("http_errors_total", **route) == before.value("http_errors_total", **route)
    # probes and scrapes are not requests of the service
    assert not after.has("http_requests_total", route="/healthz")
    assert not after.has("http_requests_total", route="/metrics")


async def test_an_emitted_event_is_counted_when_the_relay_has_published_it(app, client, make_token, settings):
    async with bound_queue(settings.bus_namespace, "catalog.#"):
        await _emit_and_count(app, client, make_token)


async def _emit_and_count(app, client, make_token) -> None:
    before = (await scrape(client)).value("events_published_total", service="benchmark")
    working_group = {"Authorization": f"Bearer {make_token('working_group', org_name='领跑者工作组')}"}
    code = f"OBS-{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "羽绒服", "field": "纺织服装", "year": 2026, "product_type": "product"}

    response = await client.post("/api/benchmark/products", json=body, headers=working_group)
    assert response.status_code == 201, response.text

    async def relayed():
        async with app.state.runtime.db.session() as session:
            rows = (await session.execute(select(outbox.c.body, outbox.c.sent_at))).all()
        return [r for r in rows if r.body["payload"].get("code") == code and r.sent_at is not None]

    assert await wait_until(relayed, timeout=15)
    after = await wait_until(
        lambda: _published_beyond(client, before), timeout=10
    )  # the counter moves right after the rows are marked sent
    assert after >= before + 1


async def _published_beyond(client, before: float) -> float | None:
    value = (await scrape(client)).value("events_published_total", service="benchmark")
    return value if value > before else None


async def test_a_consumed_event_is_counted_by_outcome(app, settings, client):
    runtime = app.state.runtime
    await wait_until(lambda: runtime.consumer is not None and runtime.connection is not None, timeout=20)
    key = {"consumer": "benchmark", "event_type": "account.organisation_created"}
    before = await scrape(client)
    envelope = Envelope(
        type="account.organisation_created",
        producer="auth",
        payload={"org_id": str(uuid.uuid4()), "org_type": "agency", "name": "指标测试评估机构"},
    )

    connection = await aio_pika.connect_robust(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        for _ in range(2):  # the second delivery is a duplicate: counted, not handled again
            await exchange.publish(
                aio_pika.Message(
                    json.dumps(envelope.model_dump(mode="json")).encode(),
                    message_id=str(envelope.id),
                    content_type="application/json",
                ),
                routing_key=envelope.routing_key,
            )

    async def counted():
        now = await scrape(client)
        handled = now.value("events_consumed_total", **key, outcome="handled") - before.value(
            "events_consumed_total", **key, outcome="handled"
        )
        duplicate = now.value("events_consumed_total", **key, outcome="duplicate") - before.value(
            "events_consumed_total", **key, outcome="duplicate"
        )
        return now if (handled, duplicate) == (1, 1) else None

    after = await wait_until(counted, timeout=20)
    assert (
        after.value("event_delivery_seconds_count", consumer="benchmark")
        - before.value("event_delivery_seconds_count", consumer="benchmark")
        == 2
    )


async def test_queue_gauges_report_the_consumers_queue_and_its_dead_letters(app, settings, client):
    queue = settings.queue_name("benchmark")

    async def reported():
        now = await scrape(client)
        return now if now.has("consumer_queue_depth", queue=queue) else None

    # The runtime polls the broker every 10 s; the first poll may precede the queue's declaration.
    now = await wait_until(reported, timeout=30, interval=0.5)
    assert now.has("dead_letter_queue_depth", queue=queue)
    assert now.value("dead_letter_queue_depth", queue=queue) >= 0


# ------------------------------------------------------------------------------------------ dashboard

_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_BARE = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[|\))")
_BY = re.compile(r"\bby\s*\(([^)]*)\)")
_FUNCTIONS = frozenset(
    {"sum", "rate", "max", "min", "avg", "count", "topk", "histogram_quantile", "increase", "irate", "by"}
)


def _labels_of() -> dict[str, set[str]]:
    """Label names per series, from the collectors /metrics serves (a family without samples yet has no
    labels in the text)."""
    from prometheus_client.metrics import MetricWrapperBase

    labels: dict[str, set[str]] = {}
    for collector in vars(metrics).values():
        if isinstance(collector, MetricWrapperBase):
            for family in collector.describe():
                for suffix in ("", "_total", "_bucket", "_sum", "_count"):
                    labels[family.name + suffix] = set(collector._labelnames) | (
                        {"le"} if suffix == "_bucket" else set()
                    )
    return labels


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = [
        (panel.get("title", "?"), target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            # label_values(metric, label): the metric and the label must both exist
            match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query.strip())
            assert match, f"dashboard variable {variable.get('name')}: unexpected query {query!r}"
            queries.append((f"variable {variable['name']}", f"sum by ({match[2]}) ({match[1]})"))
    return queries


async def test_the_dashboard_queries_only_series_and_labels_a_service_exposes(client):
    exposed = (await scrape(client)).series_names()
    labels = _labels_of()
    queries = dashboard_queries()
    assert len(queries) >= 10

    problems = []
    for title, expr in queries:
        used = {m for m in _BARE.findall(_BY.sub("", expr)) if m not in _FUNCTIONS}
        assert used, f"{title}: no series found in {expr!r}"
        problems += [f"{title}: {name} is not exposed" for name in sorted(used - exposed)]
        for name, matchers in _SELECTOR.findall(expr):
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
                if label not in labels.get(name, set()):
                    problems.append(f"{title}: {name} has no label {label}")
        for grouping in _BY.findall(expr):
            for label in (part.strip() for part in grouping.split(",")):
                if not any(label in labels.get(name, set()) for name in used):
                    problems.append(f"{title}: groups by {label}, which none of {sorted(used)} carries")
    assert problems == []
