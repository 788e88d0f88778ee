"""The working group's dashboard (数据看板) and the public statistics of published forerunners (统计数据), read
from the ``stats_*`` read models (declaration.stats). Every panel's numbers also come as CSV."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from kit.downloads import content_disposition
from kit.security import WorkingGroupPrincipal
from pydantic import BaseModel

from declaration.api.deps import RuntimeDep, Text, Year
from declaration.stats import service
from declaration.stats.queries import Filters
from declaration.stats.service import Breakdown, Panel

router = APIRouter(prefix="/api/declarations", tags=["statistics"])

CSV = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV（UTF-8，带 BOM）"}
}


class Options(BaseModel):
    years: list[int]
    fields: list[str]


class Stage(BaseModel):
    key: str
    label: str


class FunnelRow(BaseModel):
    field: str
    submitted: int
    agency_passed: int
    group_passed: int
    published: int


class FunnelTotal(BaseModel):
    submitted: int
    agency_passed: int
    group_passed: int
    published: int


class StatusCount(BaseModel):
    list_status: str
    label: str
    count: int


class Funnel(BaseModel):
    """How many declarations ever reached each stage, per field; and where they are now (名单状态)."""

    stages: list[Stage]
    rows: list[FunnelRow]
    total: FunnelTotal
    current: list[StatusCount]


class PassRate(BaseModel):
    """Passed over decided (通过 / 通过+不通过+不完整) at agency review and at working-group review, per agency;
    a rate is null when nothing was decided."""

    agency_org_id: uuid.UUID | None
    agency_name: str
    agency_passed: int
    agency_decided: int
    agency_rate: float | None
    group_passed: int
    group_decided: int
    group_rate: float | None


class ReviewTimeRow(BaseModel):
    agency_org_id: uuid.UUID | None
    agency_name: str
    reviews: int
    p50_hours: float | None
    p90_hours: float | None
    overdue: int


class OverdueItem(BaseModel):
    declaration_id: uuid.UUID
    standard_no: str
    product_name: str
    agency_org_id: uuid.UUID | None
    agency_name: str
    waiting_since: datetime
    waiting_days: float


class ReviewTimes(BaseModel):
    """From arriving on the agency's desk (评估机构未提交 / 工作组退回) to its decision; overdue: waiting there
    longer than ``overdue_days`` (setting ``LP_REVIEW_OVERDUE_DAYS``)."""

    overdue_days: int
    rows: list[ReviewTimeRow]
    overdue_items: list[OverdueItem]


class NoticeItem(BaseModel):
    notice_id: uuid.UUID
    product_name: str
    year: int
    declarations: int
    ends_at: datetime
    closed: bool


class DayCount(BaseModel):
    date: str
    count: int


class NoticesThisWeek(BaseModel):
    """Public notices whose 14 days end this week (Monday to Sunday, Beijing time, by the platform clock)."""

    week_start: datetime
    week_end: datetime
    count: int
    days: list[DayCount]
    items: list[NoticeItem]


class NoticeObjections(BaseModel):
    notice_id: uuid.UUID
    product_name: str
    open: int
    upheld: int
    dismissed: int


class Objections(BaseModel):
    open: int
    closed: int
    by_notice: list[NoticeObjections]


class MonthCount(BaseModel):
    month: str
    count: int


class ExpiringCertificates(BaseModel):
    """Valid certificates whose validity ends within the next 90 days (Beijing dates), by month."""

    first_day: date
    last_day: date
    total: int
    months: list[MonthCount]


class Dashboard(BaseModel):
    generated_at: datetime
    year: int | None
    field: str | None
    options: Options
    funnel: Funnel
    pass_rates: list[PassRate]
    review_times: ReviewTimes
    notices: NoticesThisWeek
    objections: Objections
    certificates: ExpiringCertificates


class FieldCount(BaseModel):
    field: str
    count: int


class YearCount(BaseModel):
    year: int
    count: int


class FieldYearCount(BaseModel):
    field: str
    year: int
    count: int


class ProvinceCount(BaseModel):
    province: str
    count: int


class ForerunnerStatistics(BaseModel):
    """Published forerunner standards by field, year and province (the enterprise's 行政区划, else the division
    in its 统一社会信用代码; 未知 when neither names one)."""

    year: int | None
    field: str | None
    options: Options
    total: int
    by_field: list[FieldCount]
    by_year: list[YearCount]
    by_field_year: list[FieldYearCount]
    by_province: list[ProvinceCount]


@router.get("/dashboard", operation_id="group_dashboard", summary="工作组数据看板（全部面板）")
async def group_dashboard(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, year: Year = None, field: Text = None
) -> Dashboard:
    return Dashboard.model_validate(await service.dashboard(runtime, Filters(year, field or None)))


@router.get(
    "/dashboard/{panel}.csv",
    operation_id="group_dashboard_csv",
    summary="工作组数据看板：导出一个面板的数据（CSV）",
    response_class=Response,
    responses=CSV_RESPONSE,
)
async def group_dashboard_csv(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, panel: Panel, year: Year = None, field: Text = None
) -> Response:
    name, data = await service.panel_csv(runtime, panel, Filters(year, field or None))
    return Response(data, media_type=CSV, headers={"Content-Disposition": content_disposition(name)})


@router.get("/public/statistics", operation_id="public_statistics", summary="领跑者统计数据（公开）")
async def public_statistics(
    runtime: RuntimeDep, year: Year = None, field: Text = None
) -> ForerunnerStatistics:
    return ForerunnerStatistics.model_validate(
        await service.forerunner_statistics(runtime, Filters(year, field or None))
    )


@router.get(
    "/public/statistics.csv",
    operation_id="public_statistics_csv",
    summary="领跑者统计数据：导出（CSV，公开）",
    response_class=Response,
    responses=CSV_RESPONSE,
)
async def public_statistics_csv(
    runtime: RuntimeDep,
    by: Annotated[
        Breakdown, Query(description="field 按领域, year 按年度, province 按省份, field_year 按领域和年度")
    ],
    year: Year = None,
    field: Text = None,
) -> Response:
    name, data = await service.statistics_csv(runtime, by, Filters(year, field or None))
    return Response(data, media_type=CSV, headers={"Content-Disposition": content_disposition(name)})
