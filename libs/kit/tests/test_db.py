"""The pool pings only connections that have rested: a busy connection costs no extra round trips, and a
rested one that the database dropped is replaced before the caller's query sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum

import asyncpg
import pytest
from kit.db import Database, StatementCache, asyncpg_dsn
from kit.errors import is_outage
from sqlalchemy import Column, Integer, MetaData, Table, Text, bindparam, select, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import ARRAY


async def _backend_pid(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")))


@asynccontextmanager
async def _pool(url: str, *, ping_after_idle: float) -> AsyncIterator[Database]:
    """A second one-connection pool on the scratch database, with its own idle-ping threshold."""
    database = Database(url, pool_size=1, ping_after_idle=ping_after_idle)
    try:
        yield database
    finally:
        await database.dispose()


async def _terminate(db: Database, pid: int) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(db.url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        for _ in range(50):  # the backend is gone once the server no longer lists it
            if not await admin.fetchval("SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid):
                break
            await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def test_busy_connection_is_not_pinged(scratch_db, monkeypatch):
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    pings: list[object] = []
    original = AsyncAdapt_asyncpg_connection.ping

    def counting_ping(self):
        pings.append(self)
        return original(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting_ping)
    async with scratch_db(pool_size=1) as db:
        pid = await _backend_pid(db)
        for _ in range(5):
            assert await _backend_pid(db) == pid  # the same pooled connection each time
        assert pings == []  # in steady use: no ping round trips
        async with _pool(db.url, ping_after_idle=0.0) as rested:
            await _backend_pid(rested)
            await _backend_pid(rested)
            assert len(pings) == 1  # the second checkout found a rested connection and pinged it


async def test_rested_connection_dropped_by_the_server_is_replaced_before_use(scratch_db):
    # rested long enough: the checkout pings, finds the connection dead and opens a new one
    async with scratch_db(pool_size=1) as db, _pool(db.url, ping_after_idle=0.0) as ping_db:
        first = await _backend_pid(ping_db)
        await _terminate(db, first)
        assert await _backend_pid(ping_db) != first  # no error reached the caller


async def test_busy_connection_dropped_by_the_server_fails_once_as_an_outage(scratch_db):
    async with scratch_db(pool_size=1) as db, _pool(db.url, ping_after_idle=3600) as busy:
        pid = await _backend_pid(busy)
        await _terminate(db, pid)
        with pytest.raises(Exception) as failed:
            await _backend_pid(busy)
        assert is_outage(failed.value)  # answered 503 "try again", never a 500
        assert await _backend_pid(busy) != pid  # the pool replaced it: the next request works


async def test_statements_are_planned_with_their_values(scratch_db):
    # a generic plan cannot use a partial index or see a skewed value: the sixth run of the declaration
    # list's prepared statement became a full scan without this
    async with scratch_db(pool_size=1) as db, db.session() as session:
        assert await session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


async def test_read_session_sends_no_transaction_and_sees_fresh_commits(scratch_db, monkeypatch):
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    begun: list[object] = []
    original = AsyncAdapt_asyncpg_connection._start_transaction

    async def counting(self):
        if self.isolation_level != "autocommit":  # the dialect sends BEGIN only then
            begun.append(self)
        return await original(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "_start_transaction", counting)
    async with scratch_db(pool_size=1) as db:
        start = len(begun)
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (n int)"))
        assert len(begun) == start + 1
        async with db.read_session() as reader:
            assert await reader.scalar(text("SELECT count(*) FROM t")) == 0
            async with db.transaction() as writer:  # another connection commits meanwhile
                await writer.execute(text("INSERT INTO t VALUES (1)"))
            # no snapshot held: the next statement sees the commit
            assert await reader.scalar(text("SELECT count(*) FROM t")) == 1
            assert (
                await reader.scalar(text("SELECT current_setting('transaction_isolation')"))
                == "read committed"
            )
        assert len(begun) == start + 2  # the two transactions; the reader began none
        async with db.session() as session:  # the pooled connection is transactional again for others
            await session.execute(text("INSERT INTO t VALUES (2)"))
            await session.rollback()
            assert await session.scalar(text("SELECT count(*) FROM t")) == 1


# ---------------------------------------------------------------- statements compiled once per shape


class _Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


_ITEMS = Table(
    "lp_statement_cache_items",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("colour", SAEnum(_Colour, values_callable=lambda e: [m.value for m in e], native_enum=False)),
    Column("tags", ARRAY(Text)),
    Column("kind", Text),
)


def _items(shape):
    """The shape names the filters present; the statement also carries a literal of its own."""
    query = select(_ITEMS.c.id, _ITEMS.c.colour).where(_ITEMS.c.kind == "shown").order_by(_ITEMS.c.id)
    if "colour" in shape:
        query = query.where(_ITEMS.c.colour == bindparam("colour"))
    if "tags" in shape:
        query = query.where(_ITEMS.c.tags.contains(bindparam("tags")))
    return query.limit(bindparam("limit"))


async def _seeded(db: Database) -> None:
    async with db.transaction() as session:
        await session.run_sync(lambda s: _ITEMS.create(s.connection()))
        await session.execute(
            _ITEMS.insert(),
            [
                {"id": 1, "colour": _Colour.RED, "tags": ["a", "b"], "kind": "shown"},
                {"id": 2, "colour": _Colour.BLUE, "tags": ["b"], "kind": "shown"},
                {"id": 3, "colour": _Colour.RED, "tags": ["b"], "kind": "hidden"},
            ],
        )


async def test_statement_cache_binds_values_by_name_and_keeps_the_statements_own_literals(scratch_db):
    built: list[object] = []

    def build(shape):
        built.append(shape)
        return _items(shape)

    cache = StatementCache(build)
    async with scratch_db() as db:
        await _seeded(db)
        async with db.read_session() as session:
            everything = await cache.fetch(session, (), {"limit": 10})
            # the literal 'shown' of the statement itself holds: row 3 is not listed
            assert [r["id"] for r in everything] == [1, 2]
            # an enum value is converted by the column's type, an array bound as one
            red = await cache.fetch(session, ("colour",), {"colour": _Colour.RED, "limit": 10})
            assert [(r["id"], r["colour"]) for r in red] == [(1, "red")]
            tagged = await cache.fetch(
                session, ("colour", "tags"), {"colour": _Colour.BLUE, "tags": ["b"], "limit": 10}
            )
            assert [r["id"] for r in tagged] == [2]
            assert await cache.fetch(session, ("tags",), {"tags": ["a", "b"], "limit": 1}) == [(1, "red")]
            # the same shape again: compiled once, other values
            blue = await cache.fetch(session, ("colour",), {"colour": _Colour.BLUE, "limit": 10})
            assert [r["id"] for r in blue] == [2]
    assert built == [(), ("colour",), ("colour", "tags"), ("tags",)]


async def test_statement_cache_refuses_a_missing_value_and_forgets_the_oldest_shape(scratch_db):
    cache = StatementCache(_items, maxsize=2)
    async with scratch_db() as db:
        await _seeded(db)
        async with db.read_session() as session:
            with pytest.raises(TypeError, match="colour"):
                await cache.fetch(session, ("colour",), {"limit": 10})
            dialect = (await session.connection()).dialect
    first = cache.compiled((), dialect)
    cache.compiled(("colour",), dialect)
    assert cache.compiled((), dialect) is first  # used last: kept
    cache.compiled(("tags",), dialect)  # a third shape pushes out the one used longest ago, ("colour",)
    assert cache.compiled((), dialect) is first
    assert "$1" in first.sql and first.names[-1] == "limit"


async def test_statement_cache_drops_a_broken_connection_from_the_pool(scratch_db):
    cache = StatementCache(_items)
    async with scratch_db(pool_size=1) as db:
        await _seeded(db)
        pid = await _backend_pid(db)
        await _terminate(db, pid)
        async with db.read_session() as session:
            # the pool's ping is for rested connections only (this one is fresh): the statement meets the break
            with pytest.raises(Exception) as caught:
                await cache.fetch(session, (), {"limit": 10})
            assert is_outage(caught.value)
        # the next statement runs on a new connection rather than the dead one
        assert await _backend_pid(db) != pid
        async with db.read_session() as session:
            assert len(await cache.fetch(session, (), {"limit": 10})) == 2


def test_a_protocol_that_cannot_go_on_is_an_outage():
    # what asyncpg raises when the server's termination notice arrives as a statement begins (seen in CI):
    # the connection is gone, so the client is told to try again and the pool drops it
    import asyncpg

    assert is_outage(
        asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress")
    )
    assert not is_outage(ValueError("a bug is not an outage"))
