"""Inbound events: the candidate lists of the declaration service feed the read model of phones that may
authenticate an enterprise (领跑者企业身份认证). The kit wraps each handler in one transaction with the
inbox row, so a redelivered event changes nothing twice."""

from __future__ import annotations

from contracts.declaration import CandidateListed, CandidatePhoneChanged, CandidateRemoved
from kit.bus import Envelope, Handler, batchable_all
from kit.db import upsert
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from auth.domain.identifiers import normalise_credit_code
from auth.models import CandidatePhone


async def on_candidate_listed(session: AsyncSession, event: Envelope) -> None:
    data = CandidateListed.model_validate(event.payload)
    values = {
        "credit_code": normalise_credit_code(data.credit_code),
        "enterprise_name": data.enterprise_name,
        "standard_no": data.standard_no,
        "phone_ref": data.phone_ref,
        "phone_masked": data.phone_masked,
        "phone_sealed": data.phone_sealed,
    }
    await upsert(session, CandidatePhone, {"candidate_id": data.candidate_id}, values)


async def on_candidate_phone_changed(session: AsyncSession, event: Envelope) -> None:
    data = CandidatePhoneChanged.model_validate(event.payload)
    values = {
        "credit_code": normalise_credit_code(data.credit_code),
        "phone_ref": data.phone_ref,
        "phone_masked": data.phone_masked,
        "phone_sealed": data.phone_sealed,
    }
    # A change that overtakes its listing still creates the row; the listing then fills the names.
    await upsert(session, CandidatePhone, {"candidate_id": data.candidate_id}, values)


async def on_candidate_removed(session: AsyncSession, event: Envelope) -> None:
    data = CandidateRemoved.model_validate(event.payload)
    await session.execute(delete(CandidatePhone).where(CandidatePhone.candidate_id == data.candidate_id))


# Every handler only writes to this service's database: events arriving together share a transaction.
HANDLERS: dict[str, Handler] = batchable_all(
    {
        "candidate.listed.v1": on_candidate_listed,
        "candidate.phone_changed.v1": on_candidate_phone_changed,
        "candidate.removed.v1": on_candidate_removed,
    }
)
