"""Public verification: the live status behind a QR code or a typed-in certificate or label number."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository
from certificate.domain import numbers
from certificate.models import Certificate, Label


async def find_document(session: AsyncSession, code: str) -> Certificate | Label | None:
    """The certificate or label a verify code (the QR code's) or a number names; None when nothing matches."""
    if numbers.is_well_formed_verify_code(code):
        found = await repository.certificate_by(session, verify_code=code) or await repository.label_by(
            session, verify_code=code
        )
        if found is not None:
            return found
    if number := numbers.normalise_number(code):
        return await repository.certificate_by(session, number=number) or await repository.label_by(
            session, number=number
        )
    return None
