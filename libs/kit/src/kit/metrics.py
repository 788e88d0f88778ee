"""Prometheus metrics every service exposes at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HTTP_ERRORS = Counter("http_errors_total", "HTTP responses with status >= 500", ["service", "route"])
EVENTS_PUBLISHED = Counter("events_published_total", "Outbox events confirmed by the broker", ["service"])
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet confirmed by the broker", ["service"])
EVENTS_CONSUMED = Counter(
    "events_consumed_total", "Events taken from the queue by outcome", ["consumer", "event_type", "outcome"]
)
EVENT_LATENCY = Histogram(
    "event_delivery_seconds",
    "Time from an event's occurrence to its handling",
    ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30),
)
QUEUE_DEPTH = Gauge("consumer_queue_depth", "Messages waiting in a consumer's queue (lag)", ["queue"])
DEAD_LETTERED = Gauge("dead_letter_queue_depth", "Messages in a consumer's dead-letter queue", ["queue"])
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_unsent_seconds",
    "Age of the oldest outbox row not yet confirmed by the broker",
    ["service"],
)
OUTBOX_PARKED = Gauge(
    "outbox_parked",
    "Events parked because no queue was bound for their routing key (outbox rows with claimed_until = infinity)",
    ["service"],
)
JOB_LAST_SUCCESS = Gauge(
    "background_job_last_success_timestamp_seconds",
    "When a background poller last completed a round (Unix time)",
    ["service", "job"],
)
