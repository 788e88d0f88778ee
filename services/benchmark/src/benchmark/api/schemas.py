"""Request and response bodies of the benchmark API. Indicator thresholds and comparison values stay loose here
(numbers or decimal strings, ranges, yes/no, grades): the domain checks them and reports each fault
naming its indicator and field, which a generic schema error could not."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from benchmark.domain.indicators import MAX_INDICATORS, STAR_FIELDS, printable
from benchmark.domain.statuses import (
    ClosedReason,
    ComparisonKind,
    Direction,
    HiddenReason,
    PlanStatus,
    ProductType,
    Verdict,
)
from benchmark.domain.workbook import GROUP_STANDARD_MAX, TITLE_MAX


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        # NUL and other control characters cannot be stored in PostgreSQL text or jsonb: refuse them here
        # instead of failing in the database. Free-form values (thresholds, comparison values) are checked
        # by the domain, which refuses anything that is not a number, a grade or yes/no.
        if isinstance(value, str) and not printable(value):
            raise ValueError("内容含有不可见的控制字符")
        return value


class ProductIn(_Body):
    code: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="产品代码，如 JD-2023-01",
    )
    name: str = Field(min_length=1, max_length=100, description="重点领域产品名称，如 家用电冰箱")
    field: str = Field(min_length=1, max_length=50, description="领域/行业，如 家用电器")
    year: int = Field(ge=2000, le=2100, description="年度（领跑者名单年份）")
    product_type: Literal["product", "service"] = Field(
        description="product=产品类, service=服务类（服务类无需对标）"
    )


class DesignationIn(_Body):
    agency_org_id: uuid.UUID = Field(description="评估机构的组织编号")


class WithdrawalIn(_Body):
    reason: str = Field(min_length=1, max_length=500, description="撤销原因，如 机构资质到期")


class IndicatorIn(_Body):
    code: str = Field(default="", max_length=40, description="指标代码，字母开头，如 down_content")
    name: str = Field(default="", max_length=100, description="指标名称，如 含绒量")
    unit: str = Field(default="", max_length=30, description="单位，如 %、mg/kg")
    direction: str = Field(
        default="", max_length=20, description="higher | lower | range | bool | grade（或中文：越大越好 …）"
    )
    forerunner: Any = Field(
        default=None, description='领跑者门槛：数值；区间 {min,max} 或 "4.0~8.5"；是/否；等级'
    )
    stars: list[Any] | None = Field(
        default=None, max_length=5, description="1 至 5 星门槛（质量分级），或不填"
    )
    lower_bound: Any = Field(default=None, description="取值下限（数值型指标）")
    upper_bound: Any = Field(default=None, description="取值上限（数值型指标）")
    grades: list[str] | str | None = Field(default=None, description="等级序列，由差到好（仅等级方向）")

    def fields(self) -> dict[str, Any]:
        """The loose field names the domain reads (``star_1`` … ``star_5``)."""
        fields = self.model_dump(exclude={"stars"})
        stars = self.stars or []
        for index, field in enumerate(STAR_FIELDS):
            fields[field] = stars[index] if index < len(stars) else None
        return fields


class PlanIn(_Body):
    title: str = Field(min_length=1, max_length=TITLE_MAX, description="方案名称")
    group_standard: str = Field(default="", max_length=GROUP_STANDARD_MAX, description="依据的团体标准编号")
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=MAX_INDICATORS)


class _CompareBase(_Body):
    product_id: uuid.UUID
    values: dict[str, Any] = Field(description="指标代码 → 数值（数字或十进制字符串；是/否；等级）")

    @field_validator("values")
    @classmethod
    def _bounded(cls, values: dict[str, Any]) -> dict[str, Any]:
        if len(values) > MAX_INDICATORS * 2:
            raise ValueError("指标数值过多")
        return values


class ForerunnerCompareIn(_CompareBase):
    pass


class StarCompareIn(_CompareBase):
    star: StrictInt = Field(description="申报的星级：3 或 4")


class InternalForerunnerCompareIn(ForerunnerCompareIn):
    plan_version: int | None = Field(
        default=None, ge=1, description="按指定的方案版本重新对标（默认当前终稿）"
    )


class InternalStarCompareIn(StarCompareIn):
    plan_version: int | None = Field(default=None, ge=1)


# -- responses -------------------------------------------------------------------------------------


class IntervalOut(BaseModel):
    """A closed interval (在区间内): both bounds inclusive, as decimal strings."""

    min: str
    max: str


# A value as the domain writes it: a decimal string or a grade label (str), or yes/no (bool).
IndicatorValue = str | bool
# A threshold: the same, or a closed interval for a range indicator.
Threshold = IntervalOut | str | bool


class AgencyRef(BaseModel):
    id: uuid.UUID
    name: str


class NoticeOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    running: bool


class ClosedReasonOut(BaseModel):
    code: ClosedReason
    message: str


class ProductOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    field: str
    year: int
    product_type: ProductType
    product_type_label: str
    agency: AgencyRef | None
    notice: NoticeOut | None
    final_plan_version: int | None
    open_for_declaration: bool = Field(description="可自主申报：评估机构已完成 14 天公示且已有评估方案终稿")
    closed_reasons: list[ClosedReasonOut]
    closed_message: str | None


class DesignationNoticeOut(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    field: str
    year: int
    agency: AgencyRef
    starts_at: datetime
    ends_at: datetime
    running: bool


class FieldOut(BaseModel):
    field: str
    products: int


class IndicatorOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: Direction
    direction_label: str
    forerunner: Threshold
    stars: list[Threshold] | None
    lower_bound: str | None
    upper_bound: str | None
    grades: list[str] | None


class PlanOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    product_type: ProductType
    version: int
    status: PlanStatus
    status_label: str
    title: str
    group_standard: str
    source: str
    graded: bool
    indicators: list[IndicatorOut]
    created_at: datetime
    updated_at: datetime
    finalised_at: datetime | None


class IndicatorResultOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: Direction
    direction_label: str
    value: IndicatorValue
    threshold: Threshold
    passed: bool
    margin: str | None
    star_reached: int | None


class ComparisonOut(BaseModel):
    product_id: uuid.UUID
    product_name: str
    kind: ComparisonKind
    plan_version: int
    verdict: Verdict
    verdict_label: str
    may_continue: bool
    passed_count: int
    failed_count: int
    requested_star: int | None
    highest_star: int | None
    indicators: list[IndicatorResultOut]


# -- the threshold calibrator ----------------------------------------------------------------------


class ShareOut(BaseModel):
    passing: int = Field(description="通过的企业数")
    total: int = Field(description="参与计算的企业数")
    share: float = Field(description="通过比例（0～1，四位小数）")


class BinOut(BaseModel):
    """A bar of the distribution: numbers in ``[low, high)`` (the last bar closed), or one grade or answer
    (``low``/``high`` null)."""

    label: str
    count: int
    low: str | None
    high: str | None


class QuantileOut(BaseModel):
    p: int = Field(description="百分位（10、25、50、75、90）")
    value: IndicatorValue


class IndicatorCalibrationOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: Direction
    direction_label: str
    threshold: Threshold = Field(description="方案中的领跑者门槛（当前门槛）")
    grades: list[str] | None
    enterprises: int = Field(description="填报了该指标的企业数（每家企业取最近一次对标的数值）")
    hidden: bool
    hidden_reason: HiddenReason | None
    hidden_message: str | None
    bins: list[BinOut]
    quantiles: list[QuantileOut]
    current: ShareOut | None = Field(description="当前门槛下的通过比例")
    proposed_threshold: Threshold | None
    proposed: ShareOut | None = Field(description="拟定门槛下的通过比例（给出拟定门槛时）")
    suggestion: Threshold | None = Field(description="保留领先比例的建议门槛（是/否指标无）")
    suggested: ShareOut | None


class JointCalibrationOut(BaseModel):
    enterprises: int = Field(description="填报了全部指标的企业数")
    hidden: bool
    hidden_reason: HiddenReason | None
    hidden_message: str | None
    current: ShareOut | None = Field(description="全部指标均达到当前门槛的比例")
    proposed: ShareOut | None = Field(description="以拟定门槛（未拟定的取当前门槛）全部达到的比例")
    suggested: ShareOut | None = Field(description="以建议门槛（无建议的取当前门槛）全部达到的比例")


class CalibrationOut(BaseModel):
    plan_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    plan_version: int
    top_share: float
    min_enterprises: int = Field(description="少于该数量的企业填报时不显示")
    indicators: list[IndicatorCalibrationOut]
    joint: JointCalibrationOut
