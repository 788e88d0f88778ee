"""The dashboard's arithmetic, without I/O: percentiles of review times, pass rates, the Beijing week, the
90-day window of expiring certificates, and the province of an enterprise (行政区划)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from stdnum import numdb

from declaration.domain.statuses import Action, Actor, ListStatus

BEIJING = ZoneInfo("Asia/Shanghai")
UNKNOWN_PROVINCE = "未知"
EXPIRY_WINDOW_DAYS = 90

# the agency's desk: a declaration waits there for the agency's review
AGENCY_DESK: frozenset[str] = frozenset({ListStatus.WITH_AGENCY.value, ListStatus.GROUP_RETURNED.value})


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (NumPy's default, the
    R-7 estimator); None for no values."""
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(passed: int, decided: int) -> float | None:
    """Passed over decided, None when nothing was decided (no rate rather than 0 %)."""
    if passed < 0 or decided < 0 or passed > decided:
        raise ValueError("passed must be within 0..decided")
    return passed / decided if decided else None


def beijing_week(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, Beijing time, of the week holding ``now``."""
    local = now.astimezone(BEIJING)
    monday = datetime(local.year, local.month, local.day, tzinfo=BEIJING) - timedelta(days=local.weekday())
    return monday, monday + timedelta(days=7)


def expiry_window(now: datetime) -> tuple[date, date]:
    """Today (Beijing) and the last day of the next 90 days: certificates valid until a day in between."""
    today = now.astimezone(BEIJING).date()
    return today, today + timedelta(days=EXPIRY_WINDOW_DAYS)


@cache
def _divisions() -> numdb.NumDB:
    # python-stdnum's GB/T 2260 table (the one stdnum.cn.ric reads): division code → province / city / county
    return numdb.get("cn/loc")


def province_name(code: str) -> str | None:
    """The province of a GB/T 2260 division code (its first two digits), None when unknown."""
    if len(code) < 2 or not code[:2].isdigit():
        return None
    for _, info in _divisions().info(code[:2]):
        if "province" in info:
            return str(info["province"])
    return None


def province_of(region_code: str | None, credit_code: str | None) -> str:
    """The enterprise's province: its own 行政区划 (基本信息) when set, else the registering authority's
    division, characters 3-8 of the 统一社会信用代码 (GB 32100-2015); 未知 when neither names one."""
    for code in (region_code or "", (credit_code or "")[2:8]):
        name = province_name(code)
        if name:
            return name
    return UNKNOWN_PROVINCE


@dataclass(frozen=True)
class Move:
    """One lifecycle move as the read model keeps it."""

    declaration_id: uuid.UUID
    agency_org_id: uuid.UUID | None
    action: str
    actor_role: str
    list_from: str | None
    list_to: str
    at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class ReviewTime:
    declaration_id: uuid.UUID
    agency_org_id: uuid.UUID | None
    arrived_at: datetime
    decided_at: datetime

    @property
    def hours(self) -> float:
        return (self.decided_at - self.arrived_at).total_seconds() / 3600


def is_decision(move: Move, actor: Actor) -> bool:
    return move.actor_role == actor.value and move.action in {a.value for a in (Action.PASS, Action.FAIL,
                                                                                Action.INCOMPLETE)}  # fmt: skip


def agency_review_times(moves: Iterable[Move]) -> list[ReviewTime]:
    """Each agency decision with the time its declaration arrived on the agency's desk (the latest move into
    评估机构未提交 or 工作组退回 before it); a decision whose arrival is unknown is left out."""
    by_declaration: dict[uuid.UUID, list[Move]] = {}
    for m in moves:
        by_declaration.setdefault(m.declaration_id, []).append(m)
    times: list[ReviewTime] = []
    for history in by_declaration.values():
        arrived: datetime | None = None
        for m in sorted(history, key=lambda m: (m.at, m.occurred_at)):
            if is_decision(m, Actor.AGENCY):
                if arrived is not None:
                    times.append(ReviewTime(m.declaration_id, m.agency_org_id, arrived, m.at))
                arrived = None
            if m.list_to in AGENCY_DESK:
                arrived = m.at
    return times


def waiting_since(history: Iterable[Move]) -> datetime | None:
    """When a declaration arrived on the agency's desk, if its newest move left it there."""
    ordered = sorted(history, key=lambda m: (m.at, m.occurred_at))
    if not ordered or ordered[-1].list_to not in AGENCY_DESK:
        return None
    return ordered[-1].at
