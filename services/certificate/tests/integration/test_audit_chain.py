"""The certificate history as a hash chain: an issue ends up chained and verifies; the routes are
anonymous (heads) and operators-only (verification); the trigger refuses plain changes."""

from __future__ import annotations

import uuid

import pytest
from certificate.models import CertificateHistory
from kit.testing.fixtures import wait_until
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError


async def test_an_issue_is_chained_and_verifies(org, published, client, runtime):
    enterprise, agency = org("enterprise"), org("agency")
    _, cert = await published(enterprise, agency)
    certificate_id = uuid.UUID(cert["id"])

    async def issued_row():
        async with runtime.db.session() as session:
            row = (
                await session.execute(
                    select(CertificateHistory.id, CertificateHistory.chain_seq).where(
                        CertificateHistory.certificate_id == certificate_id,
                        CertificateHistory.action == "issued",
                    )
                )
            ).first()
        return row if row is not None and row.chain_seq is not None else None

    row = await wait_until(issued_row, timeout=20)

    operator = org("operator")
    report = await client.get("/api/certificates/audit/verify", headers=operator.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["service"] == "certificate" and body["ok"] is True
    (chain,) = body["chains"]
    assert chain["chain"] == "certificate_history" and chain["rows"] >= row.chain_seq

    heads = await client.get("/api/certificates/audit/heads")
    assert heads.status_code == 200, heads.text
    page = heads.json()
    # the FixedClock's day (2026-03-01 in Beijing), not the machine's
    assert page["service"] == "certificate" and page["items"][0]["day"] == "2026-03-01"

    for statement in (
        f"UPDATE certificate_history SET reason = 'forged' WHERE id = {row.id}",
        f"DELETE FROM certificate_history WHERE id = {row.id}",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.db.transaction() as session:
                await session.execute(text(statement))


async def test_verification_is_for_operators_only(org, client):
    for role in ("enterprise", "agency", "working_group"):
        refused = await client.get("/api/certificates/audit/verify", headers=org(role).headers)
        assert refused.status_code == 403, (role, refused.text)
    assert (await client.get("/api/certificates/audit/verify")).status_code == 401
