"""W3C trace context (OpenTelemetry) across HTTP requests and events.

A request continues the ``traceparent`` it came with (the gateway forwards headers unchanged) or starts a
fresh trace; every event emitted inside it carries the context of a "create" span in the envelope's
``traceparent``; the consumer continues that context around its handler, so one trace id follows a piece
of work from the HTTP request through every service it reaches. The trace id is bound into the structlog
context, so each JSON log line written meanwhile carries ``trace_id``.

Spans leave the process only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) is set:
then they are batched to that collector over OTLP/HTTP from a background thread. Without an exporter the
spans are not sampled (unless ``OTEL_TRACES_SAMPLER`` says otherwise): the ids are still made and passed
on, but nothing is recorded, which keeps the cost per request to a few microseconds. The standard
``OTEL_*`` variables (sampler, resource attributes, ``OTEL_SDK_DISABLED``) are honoured by the SDK.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = [
    "Span",
    "SpanKind",
    "configure",
    "continue_trace",
    "current_trace_id",
    "current_traceparent",
    "flush",
    "mark_failed",
    "message_traceparent",
]

# Only W3C trace context: the platform's own hops need nothing else, and a fixed propagator is not
# swapped by OTEL_PROPAGATORS into one that reads or writes other headers.
_PROPAGATOR = TraceContextTextMapPropagator()
_lock = threading.Lock()
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
_exporting = False


def _exporter_endpoint() -> str | None:
    return os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )


def configure(service: str, *, provider: TracerProvider | None = None) -> None:
    """Set up tracing for this process once (later calls keep the first set-up), or replace it with
    ``provider`` (tests, or a process that builds its own)."""
    global _provider, _tracer, _exporting
    with _lock:
        if _tracer is not None and provider is None:
            return
        if provider is None:
            endpoint = _exporter_endpoint()
            sampler = None if endpoint or os.environ.get("OTEL_TRACES_SAMPLER") else ParentBased(ALWAYS_OFF)
            provider = TracerProvider(
                resource=Resource.create({SERVICE_NAME: service, "service.namespace": "lp-platform"}),
                sampler=sampler,
            )
            if endpoint:
                # Imported only when used: the exporter pulls in protobuf.
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
                _exporting = True
            # Deliberately not the global provider: FastAPI switches its own telemetry on as soon as one is
            # set (a second server span per request, spans around every dependency, and exception
            # messages with stack traces sent to the collector, past the log scrubbing).
        _provider = provider
        _tracer = provider.get_tracer("kit")


def _get_tracer() -> trace.Tracer:
    if _tracer is None:
        # Used before Runtime.start (a bare app in a test): the service name is not known yet.
        configure(os.environ.get("OTEL_SERVICE_NAME") or os.environ.get("LP_SERVICE_NAME") or "lp-service")
    assert _tracer is not None
    return _tracer


def flush(timeout_millis: int = 5000) -> None:
    """Send the spans still queued (process shutdown). Blocks: run it in a thread from async code."""
    if _provider is not None and _exporting:
        _provider.force_flush(timeout_millis)


def _parent(traceparent: str | None) -> otel_context.Context:
    # Always an explicit context: without a valid traceparent the span is a new root, never a child of
    # whatever happens to be current.
    if not traceparent:
        return otel_context.Context()
    return _PROPAGATOR.extract({"traceparent": traceparent}, context=otel_context.Context())


@contextmanager
def continue_trace(
    name: str,
    traceparent: str | None,
    *,
    kind: SpanKind = SpanKind.SERVER,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span continuing ``traceparent`` (a fresh trace when it is missing or malformed), current for the
    block, with its trace id bound into the structlog context. An exception escaping the block marks the
    span failed and propagates."""
    span = _get_tracer().start_span(name, context=_parent(traceparent), kind=kind, attributes=attributes)
    token = otel_context.attach(trace.set_span_in_context(span))
    span_context = span.get_span_context()
    log_tokens = (
        structlog.contextvars.bind_contextvars(trace_id=format_trace_id(span_context.trace_id))
        if span_context.is_valid
        else {}
    )
    try:
        yield span
    except BaseException as exc:
        mark_failed(span, exc)
        raise
    finally:
        if log_tokens:
            structlog.contextvars.reset_contextvars(**log_tokens)
        otel_context.detach(token)
        span.end()


def mark_failed(span: Span, exc: BaseException | str) -> None:
    """Mark a span failed with the error's type (never its message: it may carry personal data)."""
    if span.is_recording():
        span.set_status(Status(StatusCode.ERROR, exc if isinstance(exc, str) else type(exc).__name__))


def current_traceparent() -> str | None:
    """The ``traceparent`` header value of the current span, or None outside any valid span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format_trace_id(span_context.trace_id) if span_context.is_valid else None


def message_traceparent(routing_key: str, event_id: str) -> str | None:
    """The trace context an event carries: a "create" span, child of the current span (the request or
    the handled event) or the root of a fresh trace when there is none (a deadline poller)."""
    span = _get_tracer().start_span(
        f"create {routing_key}",
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "create",
            "messaging.destination.name": routing_key,
            "messaging.message.id": event_id,
        },
    )
    try:
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
        return carrier.get("traceparent")
    finally:
        span.end()
