"""The one event envelope. Routing key ``<type>.v<version>``; additive changes only within a version."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


class Envelope(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    correlation_id: str | None = None
    payload: dict[str, Any]
    # W3C trace context of the producing span (kit.tracing); optional, so envelopes written before it or
    # by a producer without tracing still validate, and a malformed value only starts a fresh trace.
    traceparent: str | None = None

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"
