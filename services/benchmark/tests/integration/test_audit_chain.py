"""The withdrawn designations as a hash chain: a withdrawal ends up chained and verifies; the routes are
anonymous (heads) and operators-only (verification); the trigger refuses plain changes."""

from __future__ import annotations

import uuid

import pytest
from benchmark.models import WithdrawnDesignation
from kit.testing.fixtures import wait_until
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError


async def test_a_withdrawal_is_chained_and_verifies(client, runtime, working_group, open_product, make_token):
    product, _agency, _plan = await open_product()
    r = await client.post(
        f"/api/benchmark/products/{product['id']}/designation/withdraw",
        json={"reason": "机构资质已到期"},
        headers=working_group.headers,
    )
    assert r.status_code == 200, r.text

    async def chained():
        async with runtime.db.session() as session:
            row = (
                await session.execute(
                    select(WithdrawnDesignation.id, WithdrawnDesignation.chain_seq).where(
                        WithdrawnDesignation.product_id == uuid.UUID(product["id"])
                    )
                )
            ).first()
        return row if row is not None and row.chain_seq is not None else None

    row = await wait_until(chained, timeout=20)

    operator = {"Authorization": f"Bearer {make_token('operator')}"}
    report = await client.get("/api/benchmark/audit/verify", headers=operator)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["service"] == "benchmark" and body["ok"] is True
    (chain,) = body["chains"]
    assert chain["chain"] == "withdrawn_designations" and chain["rows"] >= row.chain_seq

    heads = await client.get("/api/benchmark/audit/heads")
    assert heads.status_code == 200 and heads.json()["total"] >= 1

    for statement in (
        f"UPDATE withdrawn_designations SET reason = 'forged' WHERE id = '{row.id}'",
        f"DELETE FROM withdrawn_designations WHERE id = '{row.id}'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.db.transaction() as session:
                await session.execute(text(statement))


async def test_verification_is_for_operators_only(client, make_token):
    for role in ("enterprise", "agency", "working_group"):
        headers = {"Authorization": f"Bearer {make_token(role)}"}
        refused = await client.get("/api/benchmark/audit/verify", headers=headers)
        assert refused.status_code == 403, (role, refused.text)
    assert (await client.get("/api/benchmark/audit/verify")).status_code == 401
