"""The reviews as a hash chain: a submission's review record ends up chained and verifies; the routes are
anonymous (heads) and operators-only (verification); the trigger refuses plain changes."""

from __future__ import annotations

import uuid

import pytest
from declaration.models import Review
from kit.testing.fixtures import wait_until
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError


async def test_a_submission_is_chained_and_verifies(client, runtime, open_product, make_token, kit_helpers):
    product, _agency = await open_product()
    enterprise = kit_helpers.Org(make_token, "enterprise", "某审计羽绒有限公司")
    declaration_id = uuid.UUID(await kit_helpers.submit_declaration(client, product, enterprise, code="AU"))

    async def submitted_review():
        async with runtime.db.session() as session:
            row = (
                await session.execute(
                    select(Review.id, Review.chain_seq).where(
                        Review.declaration_id == declaration_id, Review.action == "submit"
                    )
                )
            ).first()
        return row if row is not None and row.chain_seq is not None else None

    row = await wait_until(submitted_review, timeout=20)

    operator = kit_helpers.Org(make_token, "operator", "平台运营")
    report = await client.get("/api/declarations/audit/verify", headers=operator.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["service"] == "declaration" and body["ok"] is True
    (chain,) = body["chains"]
    assert chain["chain"] == "reviews" and chain["rows"] >= row.chain_seq and chain["broken"] is None

    heads = await client.get("/api/declarations/audit/heads", params={"chain": "reviews"})
    assert heads.status_code == 200, heads.text
    assert heads.json()["service"] == "declaration" and heads.json()["total"] >= 1

    for statement in (
        f"UPDATE reviews SET opinion = 'forged' WHERE id = '{row.id}'",
        f"DELETE FROM reviews WHERE id = '{row.id}'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.db.transaction() as session:
                await session.execute(text(statement))


async def test_verification_is_for_operators_only(client, make_token, kit_helpers):
    for role in ("enterprise", "agency", "working_group"):
        caller = kit_helpers.Org(make_token, role, "某机构")
        refused = await client.get("/api/declarations/audit/verify", headers=caller.headers)
        assert refused.status_code == 403, (role, refused.text)
    assert (await client.get("/api/declarations/audit/verify")).status_code == 401
