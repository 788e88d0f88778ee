"""Use cases of the dashboard (工作组数据看板) and the public statistics: one read-only session each, the
platform's clock for "this week" and "the next 90 days"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from kit.runtime import Runtime

from declaration.config import Settings
from declaration.domain.stats import BEIJING
from declaration.stats import queries
from declaration.stats.export import to_csv
from declaration.stats.queries import Filters


class Panel(StrEnum):
    """The dashboard's panels, each downloadable as CSV."""

    FUNNEL = "funnel"
    PASS_RATES = "pass_rates"
    REVIEW_TIMES = "review_times"
    OVERDUE = "overdue"
    NOTICES = "notices"
    OBJECTIONS = "objections"
    CERTIFICATES = "certificates"

    @property
    def label(self) -> str:
        return PANEL_LABELS[self]


PANEL_LABELS: dict[Panel, str] = {
    Panel.FUNNEL: "申报漏斗",
    Panel.PASS_RATES: "审核通过率",
    Panel.REVIEW_TIMES: "评估机构审核用时",
    Panel.OVERDUE: "超期未审核",
    Panel.NOTICES: "本周结束的公示",
    Panel.OBJECTIONS: "公示异议",
    Panel.CERTIFICATES: "90天内到期的证书",
}


class Breakdown(StrEnum):
    """The public statistics' breakdowns of published forerunners."""

    FIELD = "field"
    YEAR = "year"
    PROVINCE = "province"
    FIELD_YEAR = "field_year"


async def dashboard(runtime: Runtime, filters: Filters) -> dict[str, Any]:
    now = await runtime.clock.now()
    overdue_days = Settings.of(runtime).review_overdue_days
    async with runtime.db.session() as session:
        view = await queries.load_moves(session, filters)
        return {
            "generated_at": now,
            "year": filters.year,
            "field": filters.field,
            "options": await queries.options(session),
            "funnel": queries.funnel(view),
            "pass_rates": queries.pass_rates(view),
            "review_times": queries.review_times(view, now=now, overdue_days=overdue_days),
            "notices": await queries.notices_this_week(session, filters, now=now),
            "objections": await queries.objections(session, filters),
            "certificates": await queries.expiring_certificates(session, filters, now=now),
        }


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _time(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


Table = tuple[Sequence[str], list[Sequence[Any]]]


def _funnel(d: dict[str, Any]) -> Table:
    stages, funnel = d["funnel"]["stages"], d["funnel"]
    rows: list[Sequence[Any]] = [[r["field"], *(r[s["key"]] for s in stages)] for r in funnel["rows"]]
    rows.append(["合计", *(funnel["total"][s["key"]] for s in stages)])
    return ["领域", *(s["label"] for s in stages)], rows


def _pass_rates(d: dict[str, Any]) -> Table:
    header = ["评估机构", "机构审核通过", "机构审核决定", "机构审核通过率", "工作组审核通过", "工作组审核决定",
              "工作组审核通过率"]  # fmt: skip
    rows: list[Sequence[Any]] = [
        [r["agency_name"], r["agency_passed"], r["agency_decided"], _percent(r["agency_rate"]),
         r["group_passed"], r["group_decided"], _percent(r["group_rate"])]
        for r in d["pass_rates"]
    ]  # fmt: skip
    return header, rows


def _review_times(d: dict[str, Any]) -> Table:
    header = ["评估机构", "已审核次数", "用时中位数（小时）", "用时P90（小时）", "超期未审核"]
    rows: list[Sequence[Any]] = [
        [r["agency_name"], r["reviews"], r["p50_hours"], r["p90_hours"], r["overdue"]]
        for r in d["review_times"]["rows"]
    ]
    return header, rows


def _overdue(d: dict[str, Any]) -> Table:
    header = ["企业标准号", "重点领域产品", "评估机构", "送达评估机构时间", "已等待（天）"]
    rows: list[Sequence[Any]] = [
        [i["standard_no"], i["product_name"], i["agency_name"], _time(i["waiting_since"]), i["waiting_days"]]
        for i in d["review_times"]["overdue_items"]
    ]
    return header, rows


def _notices(d: dict[str, Any]) -> Table:
    header = ["重点领域产品", "年度", "企业标准数", "公示结束时间", "已结束"]
    rows: list[Sequence[Any]] = [
        [i["product_name"], i["year"], i["declarations"], _time(i["ends_at"]), i["closed"]]
        for i in d["notices"]["items"]
    ]
    return header, rows


def _objections(d: dict[str, Any]) -> Table:
    header = ["公示编号", "重点领域产品", "待处理", "异议成立", "异议不成立"]
    rows: list[Sequence[Any]] = [
        [str(e["notice_id"]), e["product_name"], e["open"], e["upheld"], e["dismissed"]]
        for e in d["objections"]["by_notice"]
    ]
    return header, rows


def _certificates(d: dict[str, Any]) -> Table:
    return ["到期月份", "证书数"], [[m["month"], m["count"]] for m in d["certificates"]["months"]]


TABLES: dict[Panel, Callable[[dict[str, Any]], Table]] = {
    Panel.FUNNEL: _funnel,
    Panel.PASS_RATES: _pass_rates,
    Panel.REVIEW_TIMES: _review_times,
    Panel.OVERDUE: _overdue,
    Panel.NOTICES: _notices,
    Panel.OBJECTIONS: _objections,
    Panel.CERTIFICATES: _certificates,
}


async def panel_csv(runtime: Runtime, panel: Panel, filters: Filters) -> tuple[str, bytes]:
    """The file name and the CSV of one panel, from the same numbers the dashboard answers."""
    data = await dashboard(runtime, filters)
    header, rows = TABLES[panel](data)
    suffix = "".join(f"-{part}" for part in (filters.year, filters.field) if part)
    return f"{panel.label}{suffix}.csv", to_csv(header, rows)


async def forerunner_statistics(runtime: Runtime, filters: Filters) -> dict[str, Any]:
    async with runtime.db.session() as session:
        return {
            "year": filters.year,
            "field": filters.field,
            "options": await queries.options(session),
            **await queries.forerunner_statistics(session, filters),
        }


BREAKDOWN_TABLES: dict[Breakdown, Callable[[dict[str, Any]], Table]] = {
    Breakdown.FIELD: lambda d: (["领域", "领跑者数"], [[r["field"], r["count"]] for r in d["by_field"]]),
    Breakdown.YEAR: lambda d: (["年度", "领跑者数"], [[r["year"], r["count"]] for r in d["by_year"]]),
    Breakdown.PROVINCE: lambda d: (
        ["省份", "领跑者数"],
        [[r["province"], r["count"]] for r in d["by_province"]],
    ),
    Breakdown.FIELD_YEAR: lambda d: (
        ["领域", "年度", "领跑者数"],
        [[r["field"], r["year"], r["count"]] for r in d["by_field_year"]],
    ),
}

BREAKDOWN_LABELS = {
    Breakdown.FIELD: "按领域",
    Breakdown.YEAR: "按年度",
    Breakdown.PROVINCE: "按省份",
    Breakdown.FIELD_YEAR: "按领域和年度",
}


async def statistics_csv(runtime: Runtime, by: Breakdown, filters: Filters) -> tuple[str, bytes]:
    header, rows = BREAKDOWN_TABLES[by](await forerunner_statistics(runtime, filters))
    return f"领跑者统计-{BREAKDOWN_LABELS[by]}.csv", to_csv(header, rows)
