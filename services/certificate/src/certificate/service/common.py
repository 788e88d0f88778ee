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
from certificate.offline import SignedFields, keyring_of
from certificate.signing import PlatformKeys, SignedPdf, platform_keys, sign_pdf

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


async def sign_off_loop(settings: Settings, fields: SignedFields) -> str:
    """The QR code's signed fragment for ``fields`` (SM2 costs ~12 ms of pure Python: off the loop too)."""
    keyring = keyring_of(settings)
    return await asyncio.to_thread(keyring.sign, fields)


@dataclass(frozen=True)
class Context:
    """What the use cases need from the process: settings, object storage and the time."""

    settings: Settings
    storage: Storage
    now: datetime

    @property
    def today(self) -> date:
        return china_today(self.now)

    @property
    def keys(self) -> PlatformKeys:
        return keys_of(self.settings)

    async def sign(self, pdf: bytes, *, number: str, reason: str) -> SignedPdf:
        """The platform's PAdES signature on ``pdf``, in a worker thread (outside the render lock: pyHanko
        keeps no shared state)."""
        return await asyncio.to_thread(sign_pdf, pdf, self.keys, number=number, reason=reason)

    async def store(self, key: str, data: bytes, *, content_type: str, number: str) -> None:
        await storage.store(
            self.storage, BUCKET, key, data, content_type=content_type, metadata={"number": number}
        )


def keys_of(settings: Settings) -> PlatformKeys:
    """The process's signing material (read once; generated on first use outside production)."""
    files = settings.signing_files
    return platform_keys(
        key_file=files[0] if files else None,
        cert_file=files[1] if files else None,
        ca_file=files[2] if files else None,
        directory=settings.signing_dir,
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
