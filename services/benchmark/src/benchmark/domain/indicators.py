"""Core indicators (核心指标) and assessment-plan specifications.

An indicator has a direction that decides how a value is judged against a threshold:

==========  ==================  ===========================  ==================================
direction   label               threshold                    passes when (inclusive)
==========  ==================  ===========================  ==================================
higher      越大越好             a minimum                     value >= minimum
lower       越小越好             a maximum                     value <= maximum
range       在区间内             a closed interval [low, high] low <= value <= high
bool        是否                 the required answer          value == required
grade       等级                 the lowest acceptable grade  rank(value) >= rank(grade)
==========  ==================  ===========================  ==================================

The margin says how far a value is above (positive) or short of (negative) its threshold, in the
indicator's unit: ``value - minimum``, ``maximum - value``, for a range the distance to the nearer
bound (negative outside), for a grade the number of steps on its scale. A value passes exactly when
its margin is zero or more. Yes/no indicators have no margin.

A grading standard (质量分级) gives each indicator five thresholds, one per star 1..5, each at least
as strict as the one below it; that order is what makes "the highest star every indicator reaches"
well defined.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from benchmark.domain.issues import Issue
from benchmark.domain.numbers import NotANumber, TooPrecise, plain, to_decimal
from benchmark.domain.statuses import Direction, ProductType
from benchmark.errors import PlanDefinitionError

# The Excel template shows the Chinese labels; a few common synonyms are accepted as well.
_DIRECTION_ALIASES = {
    **{d.value: d for d in Direction},
    **{d.label: d for d in Direction},
    "≥": Direction.HIGHER,
    "不小于": Direction.HIGHER,
    "≤": Direction.LOWER,
    "不大于": Direction.LOWER,
    "区间": Direction.RANGE,
    "范围": Direction.RANGE,
    "是/否": Direction.BOOL,
    "是否符合": Direction.BOOL,
    "等级制": Direction.GRADE,
}


@dataclass(frozen=True, slots=True)
class Interval:
    low: Decimal
    high: Decimal


Value: TypeAlias = Decimal | bool | str
Threshold: TypeAlias = Decimal | Interval | bool | str

STAR_LEVELS = (1, 2, 3, 4, 5)
# The seed lets an enterprise self-declare 3-star or 4-star products only (自我声明3星级、4星级产品).
SELF_DECLARABLE_STARS = (3, 4)
# Colour fastness and similar grey-scale ratings (GB/T 250): whole and half grades, worst first.
DEFAULT_GRADES = ("1", "1-2", "2", "2-3", "3", "3-4", "4", "4-5", "5")
MAX_INDICATORS = 100

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_DASHES = str.maketrans({"～": "-", "~": "-", "－": "-", "—": "-", "–": "-", "至": "-"})
_RANGE_TEXT = re.compile(r"^\s*([+-]?[\d.]+)\s*(?:~|～|至|,|，|-|－|—)\s*([+-]?[\d.]+)\s*$")
_YES = {"是", "yes", "y", "true", "符合", "有", "合格"}
_NO = {"否", "no", "n", "false", "不符合", "无", "不合格"}


class ValueProblem(ValueError):
    """A value or threshold does not fit its indicator; ``code`` is the machine error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def parse_flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _YES:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _NO:
        return False
    raise ValueProblem("not_a_flag", "应填写“是”或“否”")


def _grade_label(raw: Any) -> str:
    if isinstance(raw, bool) or raw is None:
        return ""
    if isinstance(raw, int | float | Decimal):
        try:
            number = to_decimal(raw)
        except ValueError:
            return ""
        return plain(number.normalize()) if number == number.to_integral_value() else plain(number)
    return str(raw).strip().translate(_DASHES).replace(" ", "")


@dataclass(frozen=True, slots=True)
class CoreIndicator:
    code: str
    name: str
    unit: str
    direction: Direction
    forerunner: Threshold
    stars: tuple[Threshold, ...] | None = None  # thresholds of stars 1..5, or None: not graded
    lower_bound: Decimal | None = None  # the physically possible values (取值范围), inclusive
    upper_bound: Decimal | None = None
    grades: tuple[str, ...] = ()  # grade direction only: the scale, worst first

    @property
    def title(self) -> str:
        """How messages name the indicator: its Chinese name with the code people type."""
        return f"「{self.name}」({self.code})"

    # -- reading values -------------------------------------------------------------------------
    def parse_value(self, raw: Any) -> Value:
        """A submitted value as an exact domain value; ``ValueProblem`` says what is wrong."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValueProblem("missing_value", "未填写数值")
        match self.direction:
            case Direction.BOOL:
                return parse_flag(raw)
            case Direction.GRADE:
                label = _grade_label(raw)
                if label not in self.grades:
                    # people write "4级" for grade "4"; a scale like 三级/二级/一级 keeps its suffix
                    label = label.removesuffix("级")
                if label not in self.grades:
                    raise ValueProblem(
                        "unknown_grade", f"「{raw}」不是允许的等级（{'、'.join(self.grades)}）"
                    )
                return label
            case _:
                return self._number(raw)

    def _number(self, raw: Any) -> Decimal:
        try:
            value = to_decimal(raw)
        except TooPrecise as exc:
            raise ValueProblem(
                "too_precise", f"数值「{raw}」位数过多（整数至多 15 位，小数至多 10 位）"
            ) from exc
        except NotANumber as exc:
            raise ValueProblem("not_a_number", f"「{raw}」不是有效数字") from exc
        if (self.lower_bound is not None and value < self.lower_bound) or (
            self.upper_bound is not None and value > self.upper_bound
        ):
            raise ValueProblem("out_of_domain", f"数值 {plain(value)} 超出取值范围 {self.domain_text}")
        return value

    @property
    def domain_text(self) -> str:
        low = f"[{plain(self.lower_bound)}" if self.lower_bound is not None else "(-∞"
        high = f"{plain(self.upper_bound)}]" if self.upper_bound is not None else "+∞)"
        return f"{low}, {high}"

    def parse_threshold(self, raw: Any) -> Threshold:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValueProblem("missing_threshold", "未填写门槛值")
        match self.direction:
            case Direction.RANGE:
                low_raw, high_raw = _interval_parts(raw)
                low, high = self._number(low_raw), self._number(high_raw)
                if low > high:
                    raise ValueProblem("range_reversed", f"区间下限 {plain(low)} 大于上限 {plain(high)}")
                return Interval(low, high)
            case _:
                return self.parse_value(raw)

    # -- judging ----------------------------------------------------------------------------------
    def rank(self, grade: str) -> int:
        return self.grades.index(grade)

    def judge(self, value: Value, threshold: Threshold) -> tuple[bool, Decimal | None]:
        """Pass/fail and margin in one step (the margin decides the pass for every ordered direction)."""
        if self.direction is Direction.BOOL:
            return value is threshold, None
        margin = self.margin(value, threshold)
        assert margin is not None
        return margin >= 0, margin

    def meets(self, value: Value, threshold: Threshold) -> bool:
        if self.direction is Direction.BOOL:
            return value is threshold
        margin = self.margin(value, threshold)
        assert margin is not None
        return margin >= 0

    def margin(self, value: Value, threshold: Threshold) -> Decimal | None:
        match self.direction:
            case Direction.HIGHER:
                assert isinstance(value, Decimal) and isinstance(threshold, Decimal)
                return value - threshold
            case Direction.LOWER:
                assert isinstance(value, Decimal) and isinstance(threshold, Decimal)
                return threshold - value
            case Direction.RANGE:
                assert isinstance(value, Decimal) and isinstance(threshold, Interval)
                # inside: distance to the nearer bound; outside: minus the distance to the bound crossed
                return min(value - threshold.low, threshold.high - value)
            case Direction.GRADE:
                assert isinstance(value, str) and isinstance(threshold, str)
                return Decimal(self.rank(value) - self.rank(threshold))
            case Direction.BOOL:
                return None

    def at_least_as_strict(self, upper: Threshold, lower: Threshold) -> bool:
        """True when every value meeting ``upper`` also meets ``lower`` (star k+1 vs star k)."""
        match self.direction:
            case Direction.HIGHER:
                return upper >= lower  # type: ignore[operator]
            case Direction.LOWER:
                return upper <= lower  # type: ignore[operator]
            case Direction.RANGE:
                assert isinstance(upper, Interval) and isinstance(lower, Interval)
                return lower.low <= upper.low and upper.high <= lower.high
            case Direction.GRADE:
                return self.rank(upper) >= self.rank(lower)  # type: ignore[arg-type]
            case Direction.BOOL:
                return upper is lower

    def star_reached(self, value: Value) -> int:
        """The highest star whose threshold this value meets (0 when not even star 1)."""
        assert self.stars is not None
        reached = 0
        for level, threshold in zip(STAR_LEVELS, self.stars, strict=True):
            if not self.meets(value, threshold):
                break
            reached = level
        return reached

    # -- presenting -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction.value,
            "direction_label": self.direction.label,
            "forerunner": threshold_json(self.forerunner),
            "stars": [threshold_json(t) for t in self.stars] if self.stars is not None else None,
            "lower_bound": plain(self.lower_bound) if self.lower_bound is not None else None,
            "upper_bound": plain(self.upper_bound) if self.upper_bound is not None else None,
            "grades": list(self.grades) if self.direction is Direction.GRADE else None,
        }


def _interval_parts(raw: Any) -> tuple[Any, Any]:
    if isinstance(raw, Interval):
        return raw.low, raw.high
    if isinstance(raw, Mapping) and set(raw) == {"min", "max"}:
        return raw["min"], raw["max"]
    if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2:
        return raw[0], raw[1]
    if isinstance(raw, str) and (match := _RANGE_TEXT.match(raw)):
        return match.group(1), match.group(2)
    raise ValueProblem("not_a_range", f"区间「{raw}」应写成“下限~上限”，例如 4.0~8.5")


def value_json(value: Value) -> Any:
    return plain(value) if isinstance(value, Decimal) else value


def threshold_json(threshold: Threshold) -> Any:
    if isinstance(threshold, Interval):
        return {"min": plain(threshold.low), "max": plain(threshold.high)}
    return value_json(threshold)


def threshold_text(threshold: Threshold) -> str:
    """A threshold as a spreadsheet cell or a sentence shows it."""
    if isinstance(threshold, Interval):
        return f"{plain(threshold.low)}~{plain(threshold.high)}"
    if isinstance(threshold, bool):
        return "是" if threshold else "否"
    return plain(threshold) if isinstance(threshold, Decimal) else threshold


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """What a comparison needs of an assessment plan: its version, the product type and indicators."""

    version: int
    product_type: ProductType
    indicators: tuple[CoreIndicator, ...]

    @property
    def graded(self) -> bool:
        return bool(self.indicators) and all(i.stars is not None for i in self.indicators)

    def indicator(self, code: str) -> CoreIndicator | None:
        return next((i for i in self.indicators if i.code == code), None)


# -- defining indicators from client input ---------------------------------------------------------

INDICATOR_FIELDS = (
    "code",
    "name",
    "unit",
    "direction",
    "forerunner",
    "star_1",
    "star_2",
    "star_3",
    "star_4",
    "star_5",
    "lower_bound",
    "upper_bound",
    "grades",
)
STAR_FIELDS = tuple(f"star_{level}" for level in STAR_LEVELS)


def printable(text: str) -> bool:
    """No control characters (NUL, escapes ...): they cannot be stored and never belong in a name."""
    return not any(unicodedata.category(c) == "Cc" for c in text)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def define_indicator(fields: Mapping[str, Any], *, row: int | None = None) -> CoreIndicator:
    """Build one indicator from loose fields (JSON body or spreadsheet row), checking everything.

    ``fields`` uses the names of ``INDICATOR_FIELDS``; ``grades`` may be a list or a text separated
    by commas. Every fault is collected, each naming its field, so a spreadsheet row can report
    each bad cell. Raises ``PlanDefinitionError``.
    """
    issues: list[Issue] = []
    code_raw = fields.get("code")
    code = str(code_raw).strip() if not _blank(code_raw) else ""
    ref = code or None

    def fault(field: str, problem_code: str, message: str) -> None:
        issues.append(Issue(problem_code, message, indicator=ref, field=field, row=row))

    if not code:
        fault("code", "missing_code", "未填写指标代码")
    elif not _CODE.match(code):
        fault("code", "invalid_code", f"指标代码「{code}」须以字母开头，仅含字母、数字和下划线，最长 40 位")
    name = str(fields.get("name") or "").strip()
    if not name:
        fault("name", "missing_name", "未填写指标名称")
    elif len(name) > 100:
        fault("name", "name_too_long", "指标名称最长 100 字")
    elif not printable(name):
        fault("name", "invalid_text", "指标名称含有不可见的控制字符")
    unit = str(fields.get("unit") or "").strip()
    if len(unit) > 30:
        fault("unit", "unit_too_long", "单位最长 30 字")
    elif not printable(unit):
        fault("unit", "invalid_text", "单位含有不可见的控制字符")

    direction = None
    raw_direction = fields.get("direction")
    if _blank(raw_direction):
        fault("direction", "missing_direction", "未填写判定方向")
    else:
        direction = _DIRECTION_ALIASES.get(str(raw_direction).strip())
        if direction is None:
            allowed = "、".join(d.label for d in Direction)
            fault("direction", "invalid_direction", f"判定方向「{raw_direction}」无效，应为：{allowed}")

    grades: tuple[str, ...] = ()
    raw_grades = fields.get("grades")
    if direction is Direction.GRADE:
        grades = DEFAULT_GRADES if _blank(raw_grades) else _grade_scale(raw_grades)
        if (
            len(grades) < 2
            or len(set(grades)) != len(grades)
            or "" in grades
            or not printable("".join(grades))
        ):
            fault("grades", "invalid_grades", "等级序列至少两级、不得重复，按由差到好的顺序以逗号分隔")
            grades = ()
    elif not _blank(raw_grades) and raw_grades != []:
        fault("grades", "grades_not_applicable", "只有“等级”方向的指标才填写等级序列")

    bounds: dict[str, Decimal | None] = {"lower_bound": None, "upper_bound": None}
    for field in bounds:
        raw = fields.get(field)
        if _blank(raw):
            continue
        if direction is not None and not direction.numeric:
            fault(field, "bound_not_applicable", "只有数值型指标才填写取值范围")
            continue
        try:
            bounds[field] = to_decimal(raw)
        except (NotANumber, TooPrecise):
            fault(field, "not_a_number", f"取值范围「{raw}」不是有效数字")
    low, high = bounds["lower_bound"], bounds["upper_bound"]
    if low is not None and high is not None and low > high:
        fault("upper_bound", "bounds_reversed", "取值范围的上限小于下限")
        bounds = {"lower_bound": None, "upper_bound": None}

    if issues and (direction is None or (direction is Direction.GRADE and not grades)):
        # thresholds cannot be judged without a valid direction and scale; report what we have
        raise PlanDefinitionError(issues)

    assert direction is not None
    probe = CoreIndicator(
        code=code,
        name=name,
        unit=unit,
        direction=direction,
        forerunner=Decimal(0),
        lower_bound=bounds["lower_bound"],
        upper_bound=bounds["upper_bound"],
        grades=grades,
    )
    forerunner: Threshold | None = None
    try:
        forerunner = probe.parse_threshold(fields.get("forerunner"))
    except ValueProblem as problem:
        fault("forerunner", problem.code, f"领跑者门槛：{problem.message}")

    stars: tuple[Threshold, ...] | None = None
    raw_stars = [fields.get(f) for f in STAR_FIELDS]
    if any(not _blank(r) for r in raw_stars):
        parsed: list[Threshold | None] = []
        for level, raw in zip(STAR_LEVELS, raw_stars, strict=True):
            try:
                parsed.append(probe.parse_threshold(raw))
            except ValueProblem as problem:
                message = (
                    "分级标准须给出 1 至 5 星全部门槛"
                    if problem.code == "missing_threshold"
                    else problem.message
                )
                fault(f"star_{level}", problem.code, f"{level} 星门槛：{message}")
                parsed.append(None)
        for level in STAR_LEVELS[1:]:
            upper, lower = parsed[level - 1], parsed[level - 2]
            if upper is not None and lower is not None and not probe.at_least_as_strict(upper, lower):
                fault(f"star_{level}", "stars_not_monotonic", f"{level} 星门槛不得比 {level - 1} 星门槛宽松")
        if all(t is not None for t in parsed):
            stars = tuple(t for t in parsed if t is not None)

    if issues:
        raise PlanDefinitionError(issues)
    assert forerunner is not None
    return CoreIndicator(
        code=code,
        name=name,
        unit=unit,
        direction=direction,
        forerunner=forerunner,
        stars=stars,
        lower_bound=bounds["lower_bound"],
        upper_bound=bounds["upper_bound"],
        grades=grades,
    )


def _grade_scale(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        parts = re.split(r"[,，、;；\s]+", raw.strip())
    elif isinstance(raw, Sequence):
        parts = list(raw)
    else:
        return ()
    return tuple(_grade_label(p) for p in parts if not _blank(p))


def define_indicators(
    rows: Sequence[Mapping[str, Any]], *, product_type: ProductType
) -> tuple[CoreIndicator, ...]:
    """Build a plan's indicator list, checking each row and the list as a whole (unique codes, a
    grading standard covering every indicator or none). Raises ``PlanDefinitionError`` with every
    fault found, each carrying its 1-based row."""
    issues: list[Issue] = []
    indicators: list[CoreIndicator] = []
    if len(rows) > MAX_INDICATORS:
        raise PlanDefinitionError([Issue("too_many_indicators", f"核心指标至多 {MAX_INDICATORS} 项")])
    seen: dict[str, int] = {}
    for row, fields in enumerate(rows, start=1):
        try:
            indicator = define_indicator(fields, row=row)
        except PlanDefinitionError as exc:
            issues.extend(exc.issues)
            continue
        if indicator.code in seen:
            issues.append(
                Issue(
                    "duplicate_indicator",
                    f"指标代码「{indicator.code}」与第 {seen[indicator.code]} 项重复",
                    indicator=indicator.code,
                    field="code",
                    row=row,
                )
            )
            continue
        seen[indicator.code] = row
        indicators.append(indicator)
    if not rows and product_type.compared:
        issues.append(Issue("no_indicators", "产品类评估方案至少须有一项核心指标"))
    if not issues:
        graded = [i for i in indicators if i.stars is not None]
        if graded and len(graded) != len(indicators):
            for row, indicator in enumerate(indicators, start=1):
                if indicator.stars is None:
                    issues.append(
                        Issue(
                            "grading_incomplete",
                            "分级标准须覆盖全部核心指标：本项缺少 1 至 5 星门槛",
                            indicator=indicator.code,
                            field="star_1",
                            row=row,
                        )
                    )
    if issues:
        raise PlanDefinitionError(issues)
    return tuple(indicators)


def indicator_fields(indicator: CoreIndicator) -> dict[str, Any]:
    """The loose fields ``define_indicator`` reads, for a round trip through JSON or a workbook."""
    fields: dict[str, Any] = {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": indicator.direction.value,
        "forerunner": threshold_json(indicator.forerunner),
        "lower_bound": plain(indicator.lower_bound) if indicator.lower_bound is not None else None,
        "upper_bound": plain(indicator.upper_bound) if indicator.upper_bound is not None else None,
        "grades": list(indicator.grades) if indicator.direction is Direction.GRADE else None,
    }
    for field, threshold in zip(STAR_FIELDS, indicator.stars or (None,) * 5, strict=True):
        fields[field] = threshold_json(threshold) if threshold is not None else None
    return fields
