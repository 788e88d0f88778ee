"""The dashboard's panels and the public statistics, read from the ``stats_*`` read models (and the
products read model for a product's year and field). Numbers only; the routes shape them."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from declaration.domain import stats
from declaration.domain.statuses import Action, Actor, ListStatus, ObjectionStatus
from declaration.models import Enterprise, Product
from declaration.stats.models import (
    StatsCertificate,
    StatsForerunner,
    StatsMove,
    StatsNotice,
    StatsObjection,
)

# the funnel's stages: how many declarations ever reached each (a later return does not undo a pass)
STAGES: tuple[tuple[str, str], ...] = (
    ("submitted", "已提交"),
    ("agency_passed", "评估机构审核通过"),
    ("group_passed", "工作组审核通过（公示）"),
    ("published", "已发布"),
)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    field: str | None = None

    def products(self, product_id: Any) -> Any:
        """The condition on a product id column: the product's year and field match."""
        conditions = []
        if self.year is not None:
            conditions.append(Product.year == self.year)
        if self.field:
            conditions.append(Product.field == self.field)
        if not conditions:
            return True
        return product_id.in_(select(Product.product_id).where(*conditions))


def _stage_of(move: stats.Move) -> str | None:
    if move.action == Action.SUBMIT.value:
        return "submitted"
    if move.action == Action.PASS.value and move.actor_role == Actor.AGENCY.value:
        return "agency_passed"
    if move.action == Action.PASS.value and move.actor_role == Actor.WORKING_GROUP.value:
        return "group_passed"
    if move.list_to == ListStatus.PUBLISHED.value:
        return "published"
    return None


@dataclass
class MovesView:
    """The moves matching the filters, loaded once per dashboard answer."""

    moves: list[stats.Move]
    fields: dict[uuid.UUID, str]  # declaration → its product's field
    agencies: dict[uuid.UUID, str]  # agency org → name
    labels: dict[uuid.UUID, tuple[str, str]]  # declaration → (standard_no, product_name)

    def histories(self) -> dict[uuid.UUID, list[stats.Move]]:
        out: dict[uuid.UUID, list[stats.Move]] = defaultdict(list)
        for m in self.moves:
            out[m.declaration_id].append(m)
        for history in out.values():
            history.sort(key=lambda m: (m.at, m.occurred_at))
        return out


async def load_moves(session: AsyncSession, filters: Filters) -> MovesView:
    rows = (
        await session.execute(
            select(StatsMove, Product.field)
            .join(Product, Product.product_id == StatsMove.product_id, isouter=True)
            .where(filters.products(StatsMove.product_id))
        )
    ).all()
    moves: list[stats.Move] = []
    fields: dict[uuid.UUID, str] = {}
    agencies: dict[uuid.UUID, str] = {}
    labels: dict[uuid.UUID, tuple[str, str]] = {}
    for m, field in rows:
        moves.append(
            stats.Move(m.declaration_id, m.agency_org_id, m.action, m.actor_role, m.list_from, m.list_to, m.at,
                       m.occurred_at)
        )  # fmt: skip
        fields[m.declaration_id] = field or ""
        labels[m.declaration_id] = (m.standard_no, m.product_name)
        if m.agency_org_id is not None and m.agency_name:
            agencies[m.agency_org_id] = m.agency_name
    # agencies named by a current designation (a move recorded before the designation reached us has none)
    for agency_id, name in (
        await session.execute(select(Product.agency_org_id, Product.agency_name).where(Product.agency_org_id.is_not(None)))
    ).all():  # fmt: skip
        if agency_id is not None:
            agencies.setdefault(agency_id, name)
    return MovesView(moves, fields, agencies, labels)


def funnel(view: MovesView) -> dict[str, Any]:
    reached: dict[str, dict[str, set[uuid.UUID]]] = defaultdict(lambda: {key: set() for key, _ in STAGES})
    current: Counter[tuple[str, str]] = Counter()
    for declaration_id, history in view.histories().items():
        field = view.fields.get(declaration_id, "")
        for m in history:
            stage = _stage_of(m)
            if stage:
                reached[field][stage].add(declaration_id)
        current[(field, history[-1].list_to)] += 1
    rows: list[dict[str, Any]] = [
        {"field": field, **{key: len(ids) for key, ids in stages.items()}}
        for field, stages in sorted(reached.items())
    ]
    totals = {key: sum(r[key] for r in rows) for key, _ in STAGES}
    by_status = [
        {
            "list_status": status.value,
            "label": status.label,
            "count": sum(n for (_, s), n in current.items() if s == status.value),
        }
        for status in ListStatus
    ]
    return {
        "stages": [{"key": key, "label": label} for key, label in STAGES],
        "rows": rows,
        "total": totals,
        "current": by_status,
    }


def pass_rates(view: MovesView) -> list[dict[str, Any]]:
    counts: dict[uuid.UUID | None, Counter[str]] = defaultdict(Counter)
    for m in view.moves:
        for actor, stage in ((Actor.AGENCY, "agency"), (Actor.WORKING_GROUP, "group")):
            if stats.is_decision(m, actor):
                counts[m.agency_org_id][f"{stage}_decided"] += 1
                counts[m.agency_org_id][f"{stage}_passed"] += m.action == Action.PASS.value
    rows: list[dict[str, Any]] = []
    for agency_id, c in counts.items():
        rows.append(
            {
                "agency_org_id": agency_id,
                "agency_name": view.agencies.get(agency_id, "") if agency_id else "（无评估机构）",
                "agency_passed": c["agency_passed"],
                "agency_decided": c["agency_decided"],
                "agency_rate": stats.rate(c["agency_passed"], c["agency_decided"]),
                "group_passed": c["group_passed"],
                "group_decided": c["group_decided"],
                "group_rate": stats.rate(c["group_passed"], c["group_decided"]),
            }
        )
    return sorted(rows, key=lambda r: (r["agency_name"], str(r["agency_org_id"])))


def review_times(view: MovesView, *, now: datetime, overdue_days: int) -> dict[str, Any]:
    hours: dict[uuid.UUID | None, list[float]] = defaultdict(list)
    for t in stats.agency_review_times(view.moves):
        hours[t.agency_org_id].append(t.hours)
    overdue_items: list[dict[str, Any]] = []
    limit = timedelta(days=overdue_days)
    for declaration_id, history in view.histories().items():
        since = stats.waiting_since(history)
        if since is not None and now - since > limit:
            agency_id = history[-1].agency_org_id
            standard_no, product_name = view.labels[declaration_id]
            overdue_items.append(
                {
                    "declaration_id": declaration_id,
                    "standard_no": standard_no,
                    "product_name": product_name,
                    "agency_org_id": agency_id,
                    "agency_name": view.agencies.get(agency_id, "") if agency_id else "",
                    "waiting_since": since,
                    "waiting_days": round((now - since).total_seconds() / 86400, 1),
                }
            )
    overdue: Counter[uuid.UUID | None] = Counter(item["agency_org_id"] for item in overdue_items)
    rows: list[dict[str, Any]] = [
        {
            "agency_org_id": agency_id,
            "agency_name": view.agencies.get(agency_id, "") if agency_id else "（无评估机构）",
            "reviews": len(hours.get(agency_id, [])),
            "p50_hours": _round(stats.percentile(hours.get(agency_id, []), 50)),
            "p90_hours": _round(stats.percentile(hours.get(agency_id, []), 90)),
            "overdue": overdue.get(agency_id, 0),
        }
        for agency_id in set(hours) | set(overdue)
    ]
    overdue_items.sort(key=lambda i: i["waiting_since"])
    return {
        "overdue_days": overdue_days,
        "rows": sorted(rows, key=lambda r: (r["agency_name"], str(r["agency_org_id"]))),
        "overdue_items": overdue_items,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _notice_filter(filters: Filters) -> list[Any]:
    conditions = [filters.products(StatsNotice.product_id)]
    if filters.year is not None:
        conditions.append(StatsNotice.year == filters.year)
    return conditions


async def notices_this_week(session: AsyncSession, filters: Filters, *, now: datetime) -> dict[str, Any]:
    start, end = stats.beijing_week(now)
    rows = (
        await session.execute(
            select(StatsNotice, Product.name)
            .join(Product, Product.product_id == StatsNotice.product_id, isouter=True)
            .where(StatsNotice.ends_at >= start, StatsNotice.ends_at < end, *_notice_filter(filters))
            .order_by(StatsNotice.ends_at, StatsNotice.notice_id)
        )
    ).all()
    items: list[dict[str, Any]] = [
        {
            "notice_id": n.notice_id,
            "product_name": name or "",
            "year": n.year,
            "declarations": len(n.declaration_ids),
            "ends_at": n.ends_at,
            "closed": n.closed,
        }
        for n, name in rows
    ]
    by_day = Counter(i["ends_at"].astimezone(stats.BEIJING).date().isoformat() for i in items)
    days = [(start + timedelta(days=k)).date().isoformat() for k in range(7)]
    return {
        "week_start": start,
        "week_end": end,
        "count": len(items),
        "days": [{"date": d, "count": by_day.get(d, 0)} for d in days],
        "items": items,
    }


async def objections(session: AsyncSession, filters: Filters) -> dict[str, Any]:
    product = func.coalesce(StatsObjection.product_id, StatsNotice.product_id)
    conditions: list[Any] = [filters.products(product)]
    if filters.year is not None:
        conditions.append(func.coalesce(StatsObjection.year, StatsNotice.year) == filters.year)
    rows = (
        await session.execute(
            select(StatsObjection.notice_id, Product.name, StatsObjection.status, func.count())
            .join(StatsNotice, StatsNotice.notice_id == StatsObjection.notice_id, isouter=True)
            .join(Product, Product.product_id == product, isouter=True)
            .where(*conditions)
            .group_by(StatsObjection.notice_id, Product.name, StatsObjection.status)
        )
    ).all()
    by_notice: dict[uuid.UUID, dict[str, Any]] = {}
    for notice_id, name, status, count in rows:
        entry = by_notice.setdefault(
            notice_id,
            {"notice_id": notice_id, "product_name": name or "", **{s.value: 0 for s in ObjectionStatus}},
        )
        entry[status] = entry.get(status, 0) + int(count)
    items = sorted(by_notice.values(), key=lambda e: (-e["open"], e["product_name"], str(e["notice_id"])))
    still_open = sum(e["open"] for e in items)
    closed = sum(e["upheld"] + e["dismissed"] for e in items)
    return {"open": still_open, "closed": closed, "by_notice": items}


async def expiring_certificates(session: AsyncSession, filters: Filters, *, now: datetime) -> dict[str, Any]:
    first, last = stats.expiry_window(now)
    conditions = [
        StatsCertificate.status == "valid",
        StatsCertificate.valid_until >= first,
        StatsCertificate.valid_until <= last,
    ]
    if filters.year is not None or filters.field:
        # the certificate's declaration, by the product its moves name
        of_products = select(StatsMove.declaration_id).where(filters.products(StatsMove.product_id))
        conditions.append(StatsCertificate.declaration_id.in_(of_products))
    month = func.to_char(StatsCertificate.valid_until, "YYYY-MM")
    rows = (await session.execute(select(month, func.count()).where(*conditions).group_by(month))).all()
    counts = {m: int(n) for m, n in rows}
    months = sorted({first.strftime("%Y-%m"), *(d.strftime("%Y-%m") for d in _month_starts(first, last))})
    return {
        "first_day": first,
        "last_day": last,
        "total": sum(counts.values()),
        "months": [{"month": m, "count": counts.get(m, 0)} for m in months],
    }


def _month_starts(first: Any, last: Any) -> list[Any]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


async def options(session: AsyncSession) -> dict[str, list[Any]]:
    """The years and fields the filters offer: those of the key-field products."""
    years = await session.scalars(
        select(Product.year).where(Product.year > 0).distinct().order_by(Product.year.desc())
    )
    fields = await session.scalars(
        select(Product.field).where(Product.field != "").distinct().order_by(Product.field)
    )
    return {"years": list(years), "fields": list(fields)}


# ---------------------------------------------------------------- public statistics (published forerunners)


def _forerunners(filters: Filters) -> Select[StatsForerunner, str]:
    conditions = []
    if filters.year is not None:
        conditions.append(StatsForerunner.year == filters.year)
    if filters.field:
        conditions.append(StatsForerunner.field == filters.field)
    return (
        select(StatsForerunner, Enterprise.region_code)
        .join(Enterprise, Enterprise.org_id == StatsForerunner.org_id, isouter=True)
        .where(*conditions)
    )


async def forerunner_statistics(session: AsyncSession, filters: Filters) -> dict[str, Any]:
    rows = (await session.execute(_forerunners(filters))).all()
    by_field: Counter[str] = Counter()
    by_year: Counter[int] = Counter()
    by_province: Counter[str] = Counter()
    by_field_year: Counter[tuple[str, int]] = Counter()
    for f, region_code in rows:
        by_field[f.field] += 1
        by_year[f.year] += 1
        by_field_year[(f.field, f.year)] += 1
        by_province[stats.province_of(region_code, f.credit_code)] += 1
    return {
        "total": len(rows),
        "by_field": [
            {"field": k, "count": n} for k, n in sorted(by_field.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_year": [{"year": k, "count": n} for k, n in sorted(by_year.items())],
        "by_field_year": [{"field": f, "year": y, "count": n} for (f, y), n in sorted(by_field_year.items())],
        "by_province": [
            {"province": k, "count": n}
            for k, n in sorted(
                by_province.items(), key=lambda kv: (kv[0] == stats.UNKNOWN_PROVINCE, -kv[1], kv[0])
            )
        ],
    }
