"""Async SQLAlchemy: one engine per process, sessions per unit of work, a naming convention for Alembic."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy import ColumnElement, MetaData, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from kit.errors import is_outage

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Metadata with the naming convention. Each service writes its own declarative base with it, as a class
    a type checker reads (a base returned by a factory is not one it accepts as a base class)::

        class Base(DeclarativeBase):
            metadata = new_metadata()  # this service's own: services share no tables
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


async def upsert(
    session: AsyncSession,
    model: type[Any],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    set_: Mapping[str, Any] | None = None,
    where: ColumnElement[bool] | None = None,
) -> None:
    """One statement that inserts the row ``key`` + ``values`` or, when a row with that ``key`` (its unique
    columns) exists, sets ``set_`` on it (``values`` when not given), only where ``where`` holds: a read
    model's copy kept by events, safe when two deliveries race."""
    statement = (
        pg_insert(model)
        .values(**key, **values)
        .on_conflict_do_update(
            index_elements=list(key), set_=dict(values if set_ is None else set_), where=where
        )
    )
    await session.execute(statement)


# A pooled connection that has rested this long is pinged before it is handed out (a database restart or a
# dropped connection is found there, not by the caller's query). One in steady use is not: the ping of
# SQLAlchemy's ``pool_pre_ping`` is a BEGIN and a ROLLBACK, two round trips on every checkout, which made
# up a tenth of a list request's CPU (QUALITY 18). A connection that breaks while in steady use fails its
# query instead; SQLAlchemy then retires every connection of that generation, so a restart costs each
# process at most the requests in flight (503, "try again").
PING_AFTER_IDLE_SECONDS = 2.0


def _install_idle_ping(engine: AsyncEngine, idle_seconds: float) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _rested_from(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        rested = record.info.get("checked_in")
        if rested is None or time.monotonic() - rested < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # any failure: this connection is gone, the pool opens a new one
            raise DisconnectionError("pooled connection failed its ping") from exc


# asyncpg prepares every statement, and after five runs PostgreSQL may switch a prepared statement to a
# generic plan, one that ignores the values bound to it. For lists filtered by skewed statuses, contains
# patterns and partial indexes (whose predicate a generic plan cannot prove) that plan was a full scan:
# the declaration list's 2 ms page became 500 ms on its sixth call (QUALITY 18). Every statement is
# planned with its values instead, for a fraction of a millisecond of planning.
SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    ) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max(2, pool_size // 2),
            pool_timeout=10,
            echo=echo,
            connect_args={"server_settings": SERVER_SETTINGS},
        )
        _install_idle_ping(self.engine, ping_after_idle)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # the same pool; the asyncpg dialect keeps AUTOCOMMIT on the client side (no statement is sent for it)
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only, outside any transaction: each statement sees what was committed when it
        started, and the BEGIN and ROLLBACK around it (two round trips) are not sent. For reads that are one
        statement, or whose statements need no common snapshot (a page of a list). Writes through it are
        refused by the caller's discipline, not by the database: use ``transaction()`` to change data."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """A statement's SQL for asyncpg (``$1`` placeholders) and, per placeholder, the bind parameter's name,
    its constant (a literal the statement itself carries, e.g. ``origin = 'candidate'``; None for a value the
    caller gives) and the type's conversion of the value (None when asyncpg takes the value as it is)."""

    sql: str
    names: tuple[str, ...]
    constants: tuple[tuple[Any] | None, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, constant, process in zip(self.names, self.constants, self.processors, strict=True):
            if constant is not None:
                value = constant[0]
            elif name in values:
                value = values[name]
            else:
                raise TypeError(f"no value for bind parameter {name!r}")
            out.append(value if process is None else process(value))
        return out


@dataclass(frozen=True, slots=True)
class Shaped:
    """A read statement as ``StatementCache`` takes it: its shape (what the SQL differs by, e.g. which filters a
    request has) and the values bound to it by name."""

    shape: tuple[Hashable, ...]
    values: dict[str, Any]


class StatementCache:
    """Read statements compiled once per shape and run on the session's asyncpg connection.

    SQLAlchemy compiles a statement once too, but finding the compiled form walks the whole statement on every
    call (to build its cache key and pull out its values), and the rows then pass through its execution
    context and result set-up: for a list page that was a quarter of the service's CPU per request (issue 17
    §2). Here the caller names the statement's shape itself (which filters a request has: the SQL differs
    only by those) and passes the values by bind parameter name; ``build(shape)`` makes the statement with
    ``bindparam(name)`` for every value, compiled once per shape and dialect. asyncpg then prepares it once per
    connection (its own statement cache, keyed by the SQL).

    For reads on ``Database.read_session()`` only: the statements run outside SQLAlchemy, so no transaction
    is begun for them and they see what was committed when each started.
    """

    def __init__(self, build: Callable[[Hashable], ClauseElement], *, maxsize: int = 256) -> None:
        self._build = build
        self._maxsize = maxsize
        self._compiled: OrderedDict[tuple[Hashable, str], CompiledStatement] = OrderedDict()

    def compiled(self, shape: Hashable, dialect: Dialect) -> CompiledStatement:
        key = (shape, dialect.name)
        found = self._compiled.get(key)
        if found is not None:
            self._compiled.move_to_end(key)
            return found
        compiled = cast(SQLCompiler, self._build(shape).compile(dialect=dialect))
        names = tuple(compiled.positiontup or ())
        binds = [compiled.binds[name] for name in names]
        found = CompiledStatement(
            compiled.string,
            names,
            tuple(None if bind.required else (bind.effective_value,) for bind in binds),
            tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds),
        )
        self._compiled[key] = found
        if len(self._compiled) > self._maxsize:
            self._compiled.popitem(last=False)
        return found

    async def fetch(
        self, session: AsyncSession, shape: Hashable, values: Mapping[str, Any]
    ) -> list[asyncpg.Record]:
        connection = await session.connection()
        statement = self.compiled(shape, connection.dialect)
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None, "the pooled connection has no asyncpg connection"
        try:
            return await raw.fetch(statement.sql, *statement.args(values))
        except Exception as exc:
            if is_outage(exc):
                # the connection is gone, and SQLAlchemy did not see it fail: drop it from the pool here
                await connection.invalidate()
            raise


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg wants, from an SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
