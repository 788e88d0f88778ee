"""The event bus: envelope, transactional outbox, relay and idempotent consumers on one topic exchange."""

from kit.bus.consumer import (
    Consumer,
    Handler,
    batchable,
    batchable_all,
    declare_consumer_queue,
    topic_matches,
)
from kit.bus.envelope import Envelope
from kit.bus.outbox import emit, set_producer
from kit.bus.relay import OutboxRelay
from kit.bus.tables import bus_metadata, inbox, outbox

__all__ = [
    "Consumer",
    "Envelope",
    "Handler",
    "OutboxRelay",
    "batchable",
    "batchable_all",
    "bus_metadata",
    "declare_consumer_queue",
    "emit",
    "inbox",
    "outbox",
    "set_producer",
    "topic_matches",
]
