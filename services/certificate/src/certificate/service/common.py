"""What the use cases share: the process context, rendering off the event loop, numbering, stored files."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from kit import storage
from kit.storage import Storage
from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository
from certificate.config import BUCKET, Settings
from certificate.domain import numbers
from certificate.domain.validity import china_today

T = TypeVar("T")

# reportlab's per-document font state and PDFium are not safe to drive from two threads at once,
# and both hold the GIL anyway: one lock serialises rendering at no cost in throughput.
_render_lock = threading.Lock()


async def render_off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run a rendering function in a worker thread so the event loop keeps serving requests."""

    def _locked() -> T:
        with _render_lock:
            return fn(*args)

    return await asyncio.to_thread(_locked)


@dataclass(frozen=True)
class Context:
    """What the use cases need from the process: settings, object storage and the time."""

    settings: Settings
    storage: Storage
    now: datetime

    @property
    def today(self) -> date:
        return china_today(self.now)

    async def store(self, key: str, data: bytes, *, content_type: str, number: str) -> None:
        await storage.store(
            self.storage, BUCKET, key, data, content_type=content_type, metadata={"number": number}
        )


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    content_type: str


async def product_code(session: AsyncSession, product_id: uuid.UUID | None) -> str:
    """The key-field product's catalogue code; before the catalogue copy arrives, a code derived
    from the product id keeps numbers unique and stable per product."""
    if product_id is not None:
        product = await repository.product(session, product_id)
        if product is not None and product.code:
            return product.code
        return product_id.hex[:6]
    return "X"


async def unique_verify_code(session: AsyncSession) -> str:
    # 128 random bits collide practically never; the check makes a collision a retry, not an error.
    while True:
        code = numbers.new_verify_code()
        if not await repository.verify_code_taken(session, code):
            return code
