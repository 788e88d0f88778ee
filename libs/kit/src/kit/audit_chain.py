"""Tamper-evident audit trails: a service's audit rows form a SHA-256 hash chain, one chain per table.

What a chain proves
    Each chained row carries ``chain_seq`` (1, 2, 3, … without gaps), ``prev_hash`` (the ``row_hash`` of the
    row before it; 64 zeros for the first) and ``row_hash = SHA-256(bytes(prev_hash) || canonical(row))``.
    Changing a row's content, deleting a row, reordering rows or slipping a row in breaks a link that
    :func:`verify` finds and names (the first broken link, with the row's id and the kind of break). Someone
    with write access to the database can recompute the whole chain after a change, so once a day the head
    of each chain (day, seq, hash) is recorded in ``audit_heads`` and published on an anonymous route: a
    chain that no longer reaches a published head, or reaches it with another hash, was rewritten.

Canonical form of a row (stable: changing it invalidates every stored hash)
    UTF-8 JSON, keys sorted, no whitespace (``separators=(",", ":")``), non-ASCII kept as is, of an object
    holding ``"@chain"`` (the chain's name) and every chained column by name (all of the table's columns
    except ``chain_seq``, ``prev_hash`` and ``row_hash``; ``recorded_at`` included). Values: None → null;
    bool and int as JSON; float as Python's shortest repr; Decimal → string of the normalised value in
    plain notation (``Decimal("1.50")`` → ``"1.5"``); str as is; datetime → UTC with microseconds,
    ``"2026-12-03T02:04:05.000123Z"`` (a naive one is taken as UTC); date → ``"2026-12-03"``; UUID → its
    lowercase hyphenated form; Enum → its value; bytes → lowercase hex; dict and list (JSONB) recursively
    with the same rules. ``chain_seq`` is left out of the hash on purpose: order is what ``prev_hash`` binds,
    so a swap of two rows' positions is told apart (``reordered``) from a change of content (``altered``).

Why a chainer instead of hashing on insert
    Chaining at insert time needs the previous row's hash, i.e. one lock serialising every writer of the
    table: every login would wait for every other login. Instead rows are inserted as before with NULL
    chain columns, and a chainer (a background job of the service's worker, :func:`chainer`) links the
    unchained rows in id order, in batches, under a PostgreSQL advisory lock (so two worker replicas never
    link the same rows twice). A row therefore stays unchained for about one chainer interval; the
    verifier reports a row left unchained longer than a bound (``unchained``: the chainer is stopped or
    someone slipped a row in after the fact). Rows whose transaction commits late (a lower id seen after a
    higher one) are simply linked later: the chain's order is ``chain_seq``, not the id.

The database's part (:func:`guard_statements`)
    A row trigger refuses UPDATE and DELETE except the one update that sets the three NULL chain columns
    and nothing else; a statement trigger refuses TRUNCATE. Only someone who can disable triggers (the
    superuser) can change history, and the chain shows what they changed.

Daily heads (:func:`record_heads`) use the platform clock (operators may shift it in development) and the
Beijing calendar day: the first chainer round of a day records each chain's head for that day, once.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

if TYPE_CHECKING:
    from kit.db import Database
    from kit.runtime import BackgroundJob, Runtime

GENESIS = "0" * 64
CHAIN_COLUMNS = ("chain_seq", "prev_hash", "row_hash")
CHINA = timezone(timedelta(hours=8), "CST")
BATCH = 500
WALK_BATCH = 2000


class ChainedRow:
    """Mixin for an audit model: the chain columns (NULL until the chainer links the row) and
    ``recorded_at``, the database's own time of insert (the platform clock may be shifted; this one is not),
    by which an unchained row's age is judged."""

    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )


@dataclass(frozen=True)
class ChainSpec:
    """One chain: the table, the column its rows are linked in (``order``: an identity or serial column,
    or ``recorded_at`` for a table without one; ties go by ``key``) and the column that names a row in
    reports (``key``, the primary key)."""

    name: str
    table: Table
    order: str = "id"
    key: str = "id"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.columns if c.name not in CHAIN_COLUMNS)

    @property
    def lock_key(self) -> int:
        digest = hashlib.sha256(f"audit_chain:{self.table.name}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


# ---------------------------------------------------------------------------------------------- canonical


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical(chain: str, row: Mapping[Any, Any], columns: Sequence[str]) -> bytes:
    """The bytes a row's hash covers (see the module's docstring)."""
    body = {"@chain": chain, **{name: _plain(row[name]) for name in columns}}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def row_digest(spec: ChainSpec, prev_hash: str, row: Mapping[Any, Any]) -> str:
    return link_hash(prev_hash, canonical(spec.name, row, spec.columns))


# ------------------------------------------------------------------------------------------------ schema


def guard_statements(table: str, order: str = "id") -> list[str]:
    """SQL for a migration: the guard function (created once per database, shared by its chained tables)
    and the table's triggers. Replaces a plain append-only trigger."""
    return [
        """
        CREATE OR REPLACE FUNCTION audit_chain_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE'
             AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL AND OLD.row_hash IS NULL
             AND NEW.chain_seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.row_hash IS NOT NULL
             AND (to_jsonb(NEW) - ARRAY['chain_seq', 'prev_hash', 'row_hash'])
                 = (to_jsonb(OLD) - ARRAY['chain_seq', 'prev_hash', 'row_hash']) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION '% is append-only (audit chain)', TG_TABLE_NAME;
        END $$;
        """,
        """
        CREATE OR REPLACE FUNCTION audit_chain_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only (audit chain)', TG_TABLE_NAME;
        END $$;
        """,
        f"CREATE TRIGGER {table}_chain_guard BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_chain_guard()",
        f"CREATE TRIGGER {table}_chain_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_no_truncate()",
        f"CREATE INDEX ix_{table}_unchained ON {table} ({order}) WHERE chain_seq IS NULL",
    ]


def drop_guard_statements(table: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS ix_{table}_unchained",
        f"DROP TRIGGER IF EXISTS {table}_chain_guard ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_chain_no_truncate ON {table}",
    ]


def heads_table(metadata: MetaData) -> Table:
    """``audit_heads`` in a service's own metadata: one row per chain and Beijing day, never changed."""
    return Table(
        "audit_heads",
        metadata,
        Column("chain", String(64), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("seq", BigInteger, nullable=False),
        Column("row_hash", String(64), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


HEADS_GUARD = [
    """
    CREATE OR REPLACE FUNCTION audit_heads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_heads is append-only';
    END $$;
    """,
    "CREATE TRIGGER audit_heads_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_heads "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_append_only()",
]


# ---------------------------------------------------------------------------------------------- chaining


async def link(db: Database, spec: ChainSpec, *, batch: int = BATCH) -> int:
    """Links up to ``batch`` unchained rows in ``order``; returns how many. Another process holding the
    chain's lock is linking already: this call returns 0 at once."""
    t = spec.table
    async with db.engine.begin() as conn:
        if not await conn.scalar(select(func.pg_try_advisory_xact_lock(spec.lock_key))):
            return 0
        seq, prev = await head(conn, spec)
        rows = (
            (
                await conn.execute(
                    select(t)
                    .where(t.c.chain_seq.is_(None))
                    .order_by(t.c[spec.order], t.c[spec.key])
                    .limit(batch)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            return 0
        links = []
        for row in rows:
            seq += 1
            digest = row_digest(spec, prev, row)
            links.append({"_key": row[spec.key], "_seq": seq, "_prev": prev, "_hash": digest})
            prev = digest
        await conn.execute(
            update(t)
            .where(t.c[spec.key] == bindparam("_key"))
            .values(chain_seq=bindparam("_seq"), prev_hash=bindparam("_prev"), row_hash=bindparam("_hash")),
            links,
        )
        return len(links)


async def head(conn: AsyncConnection, spec: ChainSpec) -> tuple[int, str]:
    t = spec.table
    last = (
        await conn.execute(
            select(t.c.chain_seq, t.c.row_hash)
            .where(t.c.chain_seq.is_not(None))
            .order_by(t.c.chain_seq.desc())
            .limit(1)
        )
    ).first()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


def beijing_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


async def record_heads(db: Database, specs: Sequence[ChainSpec], heads: Table, now: datetime) -> int:
    """Records each chain's head for ``now``'s Beijing day unless that day has one; returns how many."""
    day = beijing_day(now)
    recorded = 0
    async with db.engine.begin() as conn:
        for spec in specs:
            # under the chain's lock: the head read is not moved by a chainer linking at the same time
            await conn.execute(select(func.pg_advisory_xact_lock(spec.lock_key)))
            seq, digest = await head(conn, spec)
            result = await conn.execute(
                pg_insert(heads)
                .values(chain=spec.name, day=day, seq=seq, row_hash=digest)
                .on_conflict_do_nothing(index_elements=["chain", "day"])
            )
            recorded += result.rowcount or 0
    return recorded


def chainer(specs: Sequence[ChainSpec], heads: Table, *, interval: float | None = None) -> BackgroundJob:
    """The background job linking ``specs`` every ``interval`` seconds (the settings'
    ``audit_chain_seconds`` when not given) and recording the day's heads on the first round of a day."""

    async def chain_audit(runtime: Runtime) -> None:
        every = interval if interval is not None else runtime.settings.audit_chain_seconds
        recorded_day: date | None = None
        while True:
            async with runtime.poll_round("chain_audit"):
                linked = 0
                for spec in specs:
                    linked += await link(runtime.db, spec)
                now = await runtime.clock.now()
                if beijing_day(now) != recorded_day:
                    await record_heads(runtime.db, specs, heads, now)
                    recorded_day = beijing_day(now)
            if linked < BATCH:
                await asyncio.sleep(every)

    return chain_audit


# --------------------------------------------------------------------------------------------- verifying


class AuditBreakKind(enum.StrEnum):
    altered = "altered"
    deleted = "deleted"
    reordered = "reordered"
    inserted = "inserted"
    unchained = "unchained"
    truncated = "truncated"
    head_mismatch = "head_mismatch"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    AuditBreakKind.altered: "行内容被改动",
    AuditBreakKind.deleted: "行被删除",
    AuditBreakKind.reordered: "行顺序被调换",
    AuditBreakKind.inserted: "有伪造行插入",
    AuditBreakKind.unchained: "行长时间未入链",
    AuditBreakKind.truncated: "链比已公布的链头短",
    AuditBreakKind.head_mismatch: "与已公布的链头不符",
}


@dataclass(frozen=True)
class Head:
    day: date
    seq: int
    row_hash: str


@dataclass(frozen=True)
class Break:
    kind: AuditBreakKind
    row_id: str | None
    seq: int | None
    message: str


@dataclass
class ChainReport:
    chain: str
    table: str
    rows: int = 0
    unchained: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    heads_checked: int = 0
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass
class _Walk:
    spec: ChainSpec
    heads: dict[int, Head]
    report: ChainReport
    expected: int = 1
    prev: str = GENESIS
    seen_heads: set[int] = field(default_factory=set)


async def _where_hash(conn: AsyncConnection, spec: ChainSpec, digest: str) -> tuple[int, Any] | None:
    t = spec.table
    found = (
        await conn.execute(
            select(t.c.chain_seq, t.c[spec.key])
            .where(t.c.row_hash == digest)
            .order_by(t.c.chain_seq)
            .limit(1)
        )
    ).first()
    return (int(found[0]), found[1]) if found and found[0] is not None else None


async def _key_at(conn: AsyncConnection, spec: ChainSpec, seq: int) -> Any:
    t = spec.table
    return await conn.scalar(select(t.c[spec.key]).where(t.c.chain_seq == seq).limit(1))


async def _check_row(conn: AsyncConnection, w: _Walk, row: Mapping[Any, Any]) -> Break | None:
    spec = w.spec
    key = str(row[spec.key])
    seq = int(row["chain_seq"])
    if seq > w.expected:
        return Break(AuditBreakKind.deleted, key, w.expected, f"链序号 {w.expected} 至 {seq - 1} 的行缺失")
    if seq < w.expected:
        return Break(AuditBreakKind.inserted, key, seq, f"链序号 {seq} 出现了不止一行")
    stored_prev = row["prev_hash"] or ""
    if len(stored_prev) != 64 or row_digest(spec, stored_prev, row) != row["row_hash"]:
        return Break(AuditBreakKind.altered, key, seq, "行的内容与它的哈希不符")
    if stored_prev != w.prev:
        found = await _where_hash(conn, spec, stored_prev) if stored_prev != GENESIS else (0, None)
        if found is None:
            return Break(AuditBreakKind.deleted, key, seq, "前一行已不在链中（被删除，或被改写后重算了哈希）")
        at, _ = found
        if at < seq - 1:
            first_forged = await _key_at(conn, spec, at + 1)
            return Break(
                AuditBreakKind.inserted,
                str(first_forged) if first_forged is not None else key,
                at + 1,
                f"链序号 {at + 1} 至 {seq - 1} 的行是后来插入的",
            )
        return Break(AuditBreakKind.reordered, key, seq, f"本行原应接在链序号 {at} 的行之后")
    published = w.heads.get(seq)
    if published is not None:
        w.seen_heads.add(seq)
        if published.row_hash != row["row_hash"]:
            return Break(
                AuditBreakKind.head_mismatch,
                key,
                seq,
                f"{published.day.isoformat()} 公布的链头（序号 {seq}）与现存的行不符",
            )
    return None


async def verify(
    conn: AsyncConnection,
    spec: ChainSpec,
    *,
    heads: Sequence[Head] = (),
    unchained_bound: timedelta = timedelta(minutes=10),
) -> ChainReport:
    """Walks the chain in ``chain_seq`` order and reports the first broken link (or none), checking it
    against the published ``heads`` too. ``unchained_bound``: how long a row may wait for the chainer."""
    t = spec.table
    report = ChainReport(chain=spec.name, table=t.name)
    w = _Walk(spec=spec, heads={h.seq: h for h in heads if h.seq > 0}, report=report)
    last = 0
    while report.broken is None:
        rows = (
            (
                await conn.execute(
                    select(t)
                    .where(t.c.chain_seq.is_not(None), t.c.chain_seq > last)
                    .order_by(t.c.chain_seq)
                    .limit(WALK_BATCH)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            broken = await _check_row(conn, w, row)
            if broken is not None:
                report.broken = broken
                break
            report.rows += 1
            w.expected = int(row["chain_seq"]) + 1
            w.prev = str(row["row_hash"])
        last = int(rows[-1]["chain_seq"])
    report.head_seq, report.head_hash = w.expected - 1, w.prev
    unchained = (
        await conn.execute(select(func.count(), func.min(t.c.recorded_at)).where(t.c.chain_seq.is_(None)))
    ).one()
    report.unchained = int(unchained[0])
    report.heads_checked = len(w.seen_heads)
    if report.broken is not None:
        return report
    beyond = [h for h in heads if h.seq > report.head_seq]
    if beyond:
        longest = max(beyond, key=lambda h: h.seq)
        report.broken = Break(
            AuditBreakKind.truncated,
            None,
            report.head_seq + 1,
            f"{longest.day.isoformat()} 公布的链头序号为 {longest.seq}，现存的链只到 {report.head_seq}",
        )
        return report
    oldest = unchained[1]
    if oldest is not None:
        now = await conn.scalar(select(func.clock_timestamp()))
        if now - oldest > unchained_bound:
            key = await conn.scalar(
                select(t.c[spec.key])
                .where(t.c.chain_seq.is_(None))
                .order_by(t.c.recorded_at, t.c[spec.order])
                .limit(1)
            )
            report.broken = Break(
                AuditBreakKind.unchained,
                str(key),
                None,
                f"本行写入已超过 {int(unchained_bound.total_seconds())} 秒仍未入链",
            )
    return report


async def published_heads(conn: AsyncConnection, heads: Table, chain: str) -> list[Head]:
    rows = (await conn.execute(select(heads).where(heads.c.chain == chain))).mappings().all()
    return [Head(day=r["day"], seq=int(r["seq"]), row_hash=str(r["row_hash"])) for r in rows]


async def verify_all(
    db: Database,
    specs: Sequence[ChainSpec],
    heads: Table | None,
    *,
    unchained_bound: timedelta = timedelta(minutes=10),
    published: Mapping[str, Sequence[Head]] | None = None,
) -> list[ChainReport]:
    """Every chain of a service, checked against its own ``audit_heads`` (and ``published``, heads read
    elsewhere, e.g. from the public route, by chain name)."""
    reports = []
    async with db.engine.connect() as conn:
        for spec in specs:
            known = await published_heads(conn, heads, spec.name) if heads is not None else []
            known.extend((published or {}).get(spec.name, ()))
            reports.append(await verify(conn, spec, heads=known, unchained_bound=unchained_bound))
            await conn.rollback()
    return reports


# --------------------------------------------------------------------------------------------- migrations


def upgrade_table(op: Any, table: str, *, order: str = "id") -> None:
    """A service migration's part for one audit table: the chain columns (NULL: the chainer links the
    existing rows on its first rounds), ``recorded_at`` (existing rows get the migration's time) and the
    guard, which replaces a plain append-only trigger of the same table if there was one."""
    import sqlalchemy as sa

    op.add_column(table, sa.Column("chain_seq", sa.BigInteger(), nullable=True))
    op.add_column(table, sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column(table, sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.add_column(
        table,
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
    )
    op.create_unique_constraint(f"uq_{table}_chain_seq", table, ["chain_seq"])
    for statement in guard_statements(table, order):
        op.execute(statement)


def downgrade_table(op: Any, table: str) -> None:
    for statement in drop_guard_statements(table):
        op.execute(statement)
    op.drop_constraint(f"uq_{table}_chain_seq", table, type_="unique")
    for column in ("recorded_at", "row_hash", "prev_hash", "chain_seq"):
        op.drop_column(table, column)


def create_heads(op: Any) -> None:
    import sqlalchemy as sa

    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("chain", "day", name="pk_audit_heads"),
    )
    for statement in HEADS_GUARD:
        op.execute(statement)


def drop_heads(op: Any) -> None:
    op.drop_table("audit_heads")
    op.execute("DROP FUNCTION IF EXISTS audit_heads_append_only()")
