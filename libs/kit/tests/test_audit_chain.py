"""The audit chain against a real PostgreSQL: built, verified, and every kind of tampering found. The
attacker is the superuser: the tests switch the table's triggers off with SQL before changing rows."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from kit import audit_chain
from kit.audit_chain import AuditBreakKind, ChainedRow, ChainSpec, Head
from kit.db import Database, new_metadata
from sqlalchemy import BigInteger, DateTime, Numeric, String, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .conftest import scratch_database


class Base(DeclarativeBase):
    metadata = new_metadata()


class Event(ChainedRow, Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)


HEADS = audit_chain.heads_table(Base.metadata)
SPEC = ChainSpec("events", Event.__table__)  # type: ignore[arg-type]
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    async with scratch_database(Base.metadata) as database:
        async with database.engine.begin() as conn:
            for statement in audit_chain.guard_statements("events") + audit_chain.HEADS_GUARD:
                await conn.execute(text(statement))
        yield database


async def add(db: Database, n: int, *, start: int = 0) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(Event.__table__),
            [
                {
                    "at": T0 + timedelta(seconds=start + i),
                    "action": f"login-{start + i}",
                    "actor": uuid.uuid4(),
                    "amount": Decimal("12.50"),
                    "detail": {"ip": "10.0.0.1", "n": start + i, "名": "张三"},
                }
                for i in range(n)
            ],
        )


async def verify(db: Database, heads: list[Head] | None = None, **kw: object) -> audit_chain.ChainReport:
    async with db.engine.connect() as conn:
        return await audit_chain.verify(conn, SPEC, heads=heads or [], **kw)  # type: ignore[arg-type]


async def as_attacker(db: Database, *statements: str) -> None:
    """The superuser: triggers off, the statements, triggers on again."""
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        for statement in statements:
            await conn.execute(text(statement))
        await conn.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))


async def ids(db: Database) -> list[int]:
    async with db.engine.connect() as conn:
        return list((await conn.scalars(select(Event.id).order_by(Event.chain_seq))).all())


def test_canonical_form_is_the_documented_one() -> None:
    row = {
        "id": 7,
        "at": datetime(2026, 12, 3, 10, 4, 5, 123, tzinfo=UTC),
        "actor": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "amount": Decimal("12.50"),
        "detail": {"b": [1, None, True], "a": "张三"},
        "day": date(2026, 12, 3),
    }
    body = audit_chain.canonical("events", row, sorted(row))
    assert (
        body
        == (
            '{"@chain":"events","actor":"12345678-1234-5678-1234-567812345678","amount":"12.5",'
            '"at":"2026-12-03T10:04:05.000123Z","day":"2026-12-03","detail":{"a":"张三","b":[1,null,true]},'
            '"id":7}'
        ).encode()
    )
    # the same instant in another zone is the same canonical row
    shifted = dict(row, at=row["at"].astimezone(audit_chain.CHINA))
    assert audit_chain.canonical("events", shifted, sorted(row)) == body
    with pytest.raises(TypeError):
        audit_chain.canonical("events", {"x": object()}, ["x"])


async def test_chain_is_built_in_batches_and_verifies(db: Database) -> None:
    await add(db, 7)
    assert await audit_chain.link(db, SPEC, batch=4) == 4
    partial = await verify(db)
    assert (partial.rows, partial.unchained, partial.ok) == (4, 3, True)
    assert await audit_chain.link(db, SPEC, batch=4) == 3
    assert await audit_chain.link(db, SPEC) == 0
    report = await verify(db)
    assert (report.rows, report.unchained, report.head_seq, report.ok) == (7, 0, 7, True)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(Event.__table__).order_by(Event.chain_seq))).mappings().all()
    assert [r["chain_seq"] for r in rows] == list(range(1, 8))
    assert rows[0]["prev_hash"] == audit_chain.GENESIS
    assert all(b["prev_hash"] == a["row_hash"] for a, b in itertools.pairwise(rows))
    assert report.head_hash == rows[-1]["row_hash"]


async def test_two_chainers_at_once_link_each_row_once(db: Database) -> None:
    await add(db, 40)
    while await asyncio.gather(*(audit_chain.link(db, SPEC, batch=7) for _ in range(3))) != [0, 0, 0]:
        pass
    report = await verify(db)
    assert (report.rows, report.unchained, report.ok) == (40, 0, True)


async def test_trigger_refuses_changes_but_linking_once(db: Database) -> None:
    await add(db, 2)
    for statement in (
        "UPDATE events SET action = 'forged'",
        "DELETE FROM events",
        "TRUNCATE events",
        # linking and changing the content in the same statement
        "UPDATE events SET chain_seq = id, prev_hash = repeat('0', 64), row_hash = repeat('1', 64), "
        "action = 'forged'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(statement))
    await audit_chain.link(db, SPEC)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE events SET row_hash = repeat('1', 64)"))
    assert (await verify(db)).ok


async def test_altered_row_is_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    third = (await ids(db))[2]
    await as_attacker(
        db, f"UPDATE events SET detail = jsonb_set(detail, '{{ip}}', '\"1.2.3.4\"') WHERE id = {third}"
    )
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.altered,
        str(third),
        3,
    )
    assert report.rows == 2


async def test_deleted_middle_row_is_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    order = await ids(db)
    await as_attacker(db, f"DELETE FROM events WHERE id = {order[2]}")
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.deleted,
        str(order[3]),
        3,
    )


async def test_deleted_row_with_renumbered_chain_is_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    order = await ids(db)
    await as_attacker(
        db,
        f"DELETE FROM events WHERE id = {order[1]}",
        "UPDATE events SET chain_seq = chain_seq - 1 WHERE chain_seq > 2",
    )
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.deleted,
        str(order[2]),
        2,
    )


async def test_deleted_last_rows_are_found_against_a_published_head(db: Database) -> None:
    await add(db, 6)
    await audit_chain.link(db, SPEC)
    assert await audit_chain.record_heads(db, [SPEC], HEADS, T0) == 1
    assert await audit_chain.record_heads(db, [SPEC], HEADS, T0 + timedelta(hours=1)) == 0  # same day
    order = await ids(db)
    await as_attacker(db, f"DELETE FROM events WHERE id IN ({order[4]}, {order[5]})")
    assert (await verify(db)).ok  # the chain alone cannot tell its end was cut off
    async with db.engine.connect() as conn:
        heads = await audit_chain.published_heads(conn, HEADS, "events")
    assert [(h.day, h.seq) for h in heads] == [(date(2026, 12, 3), 6)]
    report = await verify(db, heads)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.truncated,
        None,
        5,
    )
    # verify_all reads the service's own heads table
    (all_report,) = await audit_chain.verify_all(db, [SPEC], HEADS)
    assert all_report.broken is not None and all_report.broken.kind is AuditBreakKind.truncated


async def test_rewritten_history_is_found_against_a_published_head(db: Database) -> None:
    await add(db, 4)
    await audit_chain.link(db, SPEC)
    await audit_chain.record_heads(db, [SPEC], HEADS, T0)
    await add(db, 2, start=10)
    await audit_chain.link(db, SPEC)
    # the attacker changes row 2 and recomputes every hash after it: the chain is consistent again
    order = await ids(db)
    await as_attacker(
        db,
        f"UPDATE events SET action = 'nothing-happened' WHERE id = {order[1]}",
        "UPDATE events SET chain_seq = NULL, prev_hash = NULL, row_hash = NULL WHERE chain_seq >= 2",
    )
    await audit_chain.link(db, SPEC)
    assert (await verify(db)).ok
    (report,) = await audit_chain.verify_all(db, [SPEC], HEADS)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.head_mismatch,
        str(order[3]),
        4,
    )


async def test_reordered_rows_are_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    order = await ids(db)
    # the rows at positions 2 and 3 change places (their links travel with them)
    await as_attacker(
        db,
        f"UPDATE events SET chain_seq = -1 WHERE id = {order[1]}",
        f"UPDATE events SET chain_seq = 2 WHERE id = {order[2]}",
        f"UPDATE events SET chain_seq = 3 WHERE id = {order[1]}",
    )
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.reordered,
        str(order[2]),
        2,
    )


async def test_swapped_contents_are_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    order = await ids(db)
    a, b = order[1], order[3]
    await as_attacker(
        db,
        f"""UPDATE events AS e SET action = o.action, at = o.at, actor = o.actor, detail = o.detail
            FROM events AS o WHERE (e.id, o.id) IN (({a}, {b}), ({b}, {a}))""",
    )
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.altered,
        str(a),
        2,
    )


async def test_forged_row_slipped_in_is_found(db: Database) -> None:
    await add(db, 5)
    await audit_chain.link(db, SPEC)
    order = await ids(db)
    async with db.engine.connect() as conn:
        second = (await conn.execute(select(Event.__table__).where(Event.id == order[1]))).mappings().one()
    forged = {
        "id": 1000,
        "at": second["at"] + timedelta(milliseconds=1),
        "action": "grant-operator",
        "actor": None,
        "amount": None,
        "detail": {},
        "recorded_at": second["recorded_at"],
    }
    # a careful forgery: correct hash and link, the rows after it renumbered
    forged_hash = audit_chain.row_digest(SPEC, second["row_hash"], forged)
    await as_attacker(
        db,
        "UPDATE events SET chain_seq = -chain_seq WHERE chain_seq > 2",
        "UPDATE events SET chain_seq = 1 - chain_seq WHERE chain_seq < 0",
    )
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        await conn.execute(
            insert(Event.__table__).values(
                **forged, chain_seq=3, prev_hash=second["row_hash"], row_hash=forged_hash
            )
        )
        await conn.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
    report = await verify(db)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.broken.seq) == (
        AuditBreakKind.inserted,
        "1000",
        3,
    )


async def test_row_left_unchained_too_long_is_found(db: Database) -> None:
    await add(db, 3)
    await audit_chain.link(db, SPEC)
    await add(db, 1, start=5)
    assert (await verify(db, unchained_bound=timedelta(minutes=5))).ok  # just written: within the bound
    async with db.engine.begin() as conn:
        late = await conn.scalar(
            insert(Event.__table__)
            .values(at=T0, action="late", detail={}, recorded_at=datetime.now(UTC) - timedelta(hours=1))
            .returning(Event.id)
        )
    report = await verify(db, unchained_bound=timedelta(minutes=5))
    assert report.broken is not None
    assert (report.broken.kind, report.broken.row_id, report.unchained) == (
        AuditBreakKind.unchained,
        str(late),
        2,
    )
    await audit_chain.link(db, SPEC)
    assert (await verify(db, unchained_bound=timedelta(minutes=5))).ok
