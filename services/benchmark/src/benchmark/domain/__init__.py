"""The benchmark domain: indicators, plans, catalogue rules, the comparison engine and the Excel
workbook. No I/O."""

from benchmark.domain.catalogue import NOTICE_PERIOD, Openness, notice_ends, openness, plan_transition
from benchmark.domain.comparison import (
    ComparisonResult,
    IndicatorResult,
    compare_forerunner,
    compare_star,
    read_values,
)
from benchmark.domain.indicators import (
    SELF_DECLARABLE_STARS,
    STAR_LEVELS,
    CoreIndicator,
    Interval,
    PlanSpec,
    define_indicator,
    define_indicators,
    indicator_fields,
)
from benchmark.domain.issues import Issue
from benchmark.domain.statuses import (
    ClosedReason,
    ComparisonKind,
    Direction,
    PlanStatus,
    ProductType,
    Verdict,
)

__all__ = [
    "NOTICE_PERIOD",
    "SELF_DECLARABLE_STARS",
    "STAR_LEVELS",
    "ClosedReason",
    "ComparisonKind",
    "ComparisonResult",
    "CoreIndicator",
    "Direction",
    "IndicatorResult",
    "Interval",
    "Issue",
    "Openness",
    "PlanSpec",
    "PlanStatus",
    "ProductType",
    "Verdict",
    "compare_forerunner",
    "compare_star",
    "define_indicator",
    "define_indicators",
    "indicator_fields",
    "notice_ends",
    "openness",
    "plan_transition",
    "read_values",
]
