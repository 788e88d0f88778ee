"""The audit log as a hash chain: a real login ends up chained and verifies; the chain's routes are
anonymous (heads) and operators-only (verification); the trigger still refuses changes."""

from __future__ import annotations

from datetime import date

from auth.models import AuditEntry
from kit.audit_chain import beijing_day
from kit.testing.fixtures import wait_until
from sqlalchemy import select, text


async def test_a_login_is_chained_and_verifies(client, h, runtime):
    info = await h.register(client)
    await h.login(client, info["credit_code"], info["password"])
    async with runtime.db.session() as session:
        login_id = await session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "login").order_by(AuditEntry.id.desc()).limit(1)
        )

    async def login_row():
        async with runtime.db.session() as session:
            return (
                await session.execute(
                    select(AuditEntry.chain_seq, AuditEntry.row_hash).where(AuditEntry.id == login_id)
                )
            ).first()

    chained = await wait_until(lambda: _chained(login_row()), timeout=15)
    seq, row_hash = chained
    assert seq >= 1 and len(row_hash) == 64

    operator = await h.demo_login(client, "operator01")
    report = await client.get("/api/auth/audit/verify", headers=h.bearer(operator["access_token"]))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["service"] == "auth" and body["ok"] is True
    (chain,) = body["chains"]
    assert chain["chain"] == "audit_log" and chain["broken"] is None and chain["rows"] >= seq

    # the day's head was recorded and is published to anyone, no token needed
    heads = await client.get("/api/auth/audit/heads", params={"chain": "audit_log"})
    assert heads.status_code == 200, heads.text
    page = heads.json()
    assert page["service"] == "auth" and page["total"] >= 1
    today = beijing_day(await runtime.clock.now())
    assert date.fromisoformat(page["items"][0]["day"]) == today
    assert len(page["items"][0]["row_hash"]) == 64


async def _chained(pending):
    row = await pending
    return row if row is not None and row[0] is not None else None


async def test_verification_is_for_operators_only(client, h):
    enterprise = await h.ready_enterprise(client)
    refused = await client.get("/api/auth/audit/verify", headers=h.bearer(enterprise["access_token"]))
    assert refused.status_code == 403 and h.error_code(refused) == "forbidden"
    anonymous = await client.get("/api/auth/audit/verify")
    assert anonymous.status_code == 401


async def test_an_altered_login_row_is_reported_to_the_operator(client, h, runtime):
    await h.register(client)
    operator = await h.demo_login(client, "operator01")

    async def all_chained():
        async with runtime.db.session() as session:
            return not await session.scalar(
                select(AuditEntry.id).where(AuditEntry.chain_seq.is_(None)).limit(1)
            )

    await wait_until(all_chained, timeout=15)
    async with runtime.db.session() as session:
        target = await session.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.action == "register")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
    for statement in ("UPDATE audit_log SET result = 'forged'", "DELETE FROM audit_log"):
        try:
            async with runtime.db.transaction() as session:
                await session.execute(text(statement))
        except Exception as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError(f"{statement} was allowed")
    # the superuser can switch the trigger off: the chain still shows the change
    async with runtime.db.transaction() as session:
        await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await session.execute(text(f"UPDATE audit_log SET result = 'failure' WHERE id = {target}"))
        await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    try:
        body = (await client.get("/api/auth/audit/verify", headers=h.bearer(operator["access_token"]))).json()
        assert body["ok"] is False
        broken = body["chains"][0]["broken"]
        assert (broken["kind"], broken["row_id"]) == ("altered", str(target))
    finally:
        async with runtime.db.transaction() as session:
            await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await session.execute(text(f"UPDATE audit_log SET result = 'success' WHERE id = {target}"))
            await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    assert (await client.get("/api/auth/audit/verify", headers=h.bearer(operator["access_token"]))).json()[
        "ok"
    ] is True
