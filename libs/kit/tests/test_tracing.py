"""Trace context across HTTP and events (kit.tracing): a request continues the caller's traceparent or
starts a trace, emitted events carry it, consumers continue it around the handler, and the trace id is in
the structlog context meanwhile. No I/O: a bare app, a session that records statements, a fake message."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI
from kit import tracing
from kit.bus import Consumer, Envelope, emit
from kit.errors import install_error_handlers
from kit.settings import ServiceSettings
from kit.web import RequestContextMiddleware
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import SpanKind, StatusCode

INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING_SPAN = "00f067aa0ba902b7"
INCOMING = f"00-{INCOMING_TRACE}-{INCOMING_SPAN}-01"


def _parts(traceparent: str) -> tuple[str, str, str]:
    version, trace_id, span_id, flags = traceparent.split("-")
    assert version == "00" and len(trace_id) == 32 and len(span_id) == 16
    return trace_id, span_id, flags


@pytest.fixture
def spans(monkeypatch) -> InMemorySpanExporter:
    """Record every span in memory (as a process with an exporter would); the process-wide set-up comes
    back after the test."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_ON)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_provider", tracing._provider)
    monkeypatch.setattr(tracing, "_tracer", tracing._tracer)
    tracing.configure("kit-test", provider=provider)
    return exporter


class RecordingSession:
    """Stands in for the use case's AsyncSession: emit only executes statements on it."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def execute(self, statement: Any, *_: Any) -> None:
        params = statement.compile().params if hasattr(statement, "compile") else {}
        if "body" in params:
            self.rows.append(params["body"])


def _app(session: RecordingSession) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="kit-test", max_body_bytes=1024)

    @app.post("/things/{thing_id}")
    async def create(thing_id: int) -> dict:
        envelope = await emit(session, "thing.created", {"id": thing_id})
        return {
            "traceparent": tracing.current_traceparent(),
            "log_context": structlog.contextvars.get_contextvars(),
            "event_traceparent": envelope.traceparent,
        }

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("internals")

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"traceparent": tracing.current_traceparent()}

    return app


async def _call(app: FastAPI, method: str, path: str, **kw: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kw)


async def test_a_request_continues_the_callers_trace_and_its_events_carry_it(spans):
    session = RecordingSession()
    r = await _call(_app(session), "POST", "/things/7", headers={"traceparent": INCOMING})

    assert r.status_code == 200
    body = r.json()
    trace_id, server_span_id, flags = _parts(body["traceparent"])
    assert trace_id == INCOMING_TRACE and server_span_id != INCOMING_SPAN and flags == "01"
    assert body["log_context"]["trace_id"] == INCOMING_TRACE  # every log line of the request carries it
    assert structlog.contextvars.get_contextvars().get("trace_id") is None  # and it is gone afterwards

    event_trace, event_span, _ = _parts(body["event_traceparent"])
    assert event_trace == INCOMING_TRACE
    assert session.rows[0]["traceparent"] == body["event_traceparent"]  # stored in the outbox row

    finished = {s.name: s for s in spans.get_finished_spans()}
    server = finished["POST /things/{thing_id}"]
    assert server.kind is SpanKind.SERVER
    assert format(server.parent.span_id, "016x") == INCOMING_SPAN and server.parent.is_remote
    assert server.attributes["http.route"] == "/things/{thing_id}"
    assert server.attributes["http.response.status_code"] == 200
    create = finished["create thing.created.v1"]
    assert create.kind is SpanKind.PRODUCER
    assert format(create.context.span_id, "016x") == event_span
    assert create.parent.span_id == server.context.span_id


@pytest.mark.parametrize(
    "header",
    [
        None,
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id is invalid
        f"00-{INCOMING_TRACE}-0000000000000000-01",  # all-zero span id is invalid
        f"00-{INCOMING_TRACE.upper()}-{INCOMING_SPAN}-01",  # upper-case hex is not W3C
    ],
)
async def test_a_missing_or_malformed_traceparent_starts_a_fresh_trace(header):
    app = _app(RecordingSession())
    headers = {"traceparent": header} if header else {}
    first = (await _call(app, "POST", "/things/1", headers=headers)).json()
    second = (await _call(app, "POST", "/things/2", headers=headers)).json()

    first_trace, _, _ = _parts(first["traceparent"])
    second_trace, _, _ = _parts(second["traceparent"])
    assert first_trace != INCOMING_TRACE.lower() and int(first_trace, 16) != 0
    assert first_trace != second_trace
    assert first["log_context"]["trace_id"] == first_trace
    assert _parts(first["event_traceparent"])[0] == first_trace


async def test_without_an_exporter_ids_travel_but_nothing_is_recorded():
    """The default set-up (no OTEL_EXPORTER_OTLP_ENDPOINT) does not sample fresh traces: cheap, and the
    ids still reach the logs and the events. A caller's sampled trace stays sampled downstream."""
    tracing.configure("kit-test")  # no-op if set up already
    if tracing._exporting or not isinstance(tracing._provider, TracerProvider):
        pytest.skip("this process exports spans")
    # FastAPI turns its own telemetry on when a global provider is set: the kit must not set one.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    with tracing.continue_trace("fresh", None) as span:
        assert not span.is_recording()
        assert int(_parts(tracing.current_traceparent())[2], 16) & 1 == 0  # not sampled
        assert tracing.current_trace_id() is not None
    with tracing.continue_trace("continued", INCOMING) as span:
        assert span.is_recording() and int(_parts(tracing.current_traceparent())[2], 16) & 1 == 1


async def test_probes_are_not_traced_and_server_errors_mark_the_span(spans):
    app = _app(RecordingSession())
    assert (await _call(app, "GET", "/healthz", headers={"traceparent": INCOMING})).json() == {
        "traceparent": None
    }
    assert (await _call(app, "GET", "/boom")).status_code == 500

    finished = spans.get_finished_spans()
    assert [s.name for s in finished] == ["GET /boom"]
    assert finished[0].status.status_code is StatusCode.ERROR


async def test_an_event_emitted_outside_any_request_starts_its_own_trace():
    session = RecordingSession()
    one = await emit(session, "deadline.passed", {"n": 1})
    two = await emit(session, "deadline.passed", {"n": 2})
    assert _parts(one.traceparent)[0] != _parts(two.traceparent)[0]
    assert [row["traceparent"] for row in session.rows] == [one.traceparent, two.traceparent]


class FakeMessage:
    def __init__(self, body: bytes, routing_key: str) -> None:
        self.body = body
        self.routing_key = routing_key
        self.headers: dict[str, Any] = {}
        self.outcome: str | None = None

    async def ack(self) -> None:
        self.outcome = "ack"

    async def nack(self, requeue: bool = True) -> None:
        self.outcome = "nack"

    async def reject(self, requeue: bool = False) -> None:
        self.outcome = "reject"


def _consumer(seen: list[dict[str, Any]], *, fail: bool = False) -> Consumer:
    consumer = Consumer(
        name=f"kit-trace-{uuid.uuid4().hex[:6]}",
        db=None,  # type: ignore[arg-type]  # handle() is replaced below: no database here
        settings=ServiceSettings(),
        handlers={"thing.created.v1": lambda *_: None},  # type: ignore[dict-item]
        max_backoff=0.01,
    )
    session = RecordingSession()

    async def handle(envelope: Envelope) -> bool:
        # What a handler sees: the current trace, the log context, and what it emits in turn.
        follow_up = await emit(session, "thing.noticed", {"id": envelope.payload["id"]})
        seen.append(
            {
                "trace_id": tracing.current_trace_id(),
                "log_context": structlog.contextvars.get_contextvars(),
                "follow_up": follow_up.traceparent,
            }
        )
        if fail:
            raise ValueError("handler broke")
        return True

    consumer.handle = handle  # type: ignore[method-assign]
    return consumer


def _message(traceparent: str | None, **extra: Any) -> FakeMessage:
    envelope = Envelope(
        type="thing.created", producer="kit-test", payload={"id": 1}, traceparent=traceparent, **extra
    )
    return FakeMessage(envelope.model_dump_json().encode(), envelope.routing_key)


async def test_the_consumer_continues_the_events_trace_around_its_handler(spans):
    seen: list[dict[str, Any]] = []
    producer_span = "1111111111111111"
    message = _message(f"00-{INCOMING_TRACE}-{producer_span}-01")

    await _consumer(seen)._on_message(message)

    assert message.outcome == "ack"
    assert seen[0]["trace_id"] == INCOMING_TRACE
    assert seen[0]["log_context"]["trace_id"] == INCOMING_TRACE
    assert _parts(seen[0]["follow_up"])[0] == INCOMING_TRACE  # the chain goes on to the next service
    assert "trace_id" not in structlog.contextvars.get_contextvars()
    process = next(s for s in spans.get_finished_spans() if s.name == "process thing.created.v1")
    assert process.kind is SpanKind.CONSUMER
    assert format(process.parent.span_id, "016x") == producer_span


async def test_events_without_or_with_a_bad_traceparent_are_handled_in_a_fresh_trace():
    seen: list[dict[str, Any]] = []
    consumer = _consumer(seen)
    old = FakeMessage(  # written by a producer before the field existed
        json.dumps(
            {"type": "thing.created", "producer": "old", "payload": {"id": 1}, "id": str(uuid.uuid4())}
        ).encode(),
        "thing.created.v1",
    )
    bad = _message("00-not-a-trace-01")

    await consumer._on_message(old)
    await consumer._on_message(bad)

    assert old.outcome == bad.outcome == "ack"
    assert seen[0]["trace_id"] and seen[1]["trace_id"] and seen[0]["trace_id"] != seen[1]["trace_id"]


async def test_a_failing_handler_marks_its_span_and_the_message_is_retried(spans):
    seen: list[dict[str, Any]] = []
    message = _message(INCOMING)

    await _consumer(seen, fail=True)._on_message(message)

    assert message.outcome == "reject" and seen[0]["trace_id"] == INCOMING_TRACE
    process = next(s for s in spans.get_finished_spans() if s.name.startswith("process "))
    assert process.status.status_code is StatusCode.ERROR
    assert process.status.description == "ValueError"  # the type, never the message


def test_json_log_lines_carry_the_trace_id(monkeypatch):
    """Through the kit's own log configuration (configure_logging), restored afterwards."""
    import io
    import logging
    import sys

    from kit.logging import configure_logging

    saved_config = structlog.get_config()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    try:
        configure_logging("kit-test", "INFO")
        log = structlog.get_logger("kit.test")
        with tracing.continue_trace("GET /x", INCOMING):
            log.info("inside", phone="13812345678")
        log.info("outside")
    finally:
        structlog.configure(**saved_config)
        root.handlers, root.level = saved_handlers, saved_level
        structlog.contextvars.unbind_contextvars("service")

    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert inside["event"] == "inside" and inside["trace_id"] == INCOMING_TRACE
    assert inside["phone"] == "138****5678"  # the scrubbing still applies
    assert "trace_id" not in outside
