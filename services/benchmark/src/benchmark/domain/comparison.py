"""The comparison engine (对标). Pure functions: a plan specification and submitted values in, a
result out. The server calls these whenever values are saved; a client's verdict is never trusted.

- Forerunner comparison: the standard's public values against each indicator's forerunner threshold.
  All pass → success.
- Star comparison: a product model's measured values against the grading standard (stars 1..5);
  the result is the highest star every indicator reaches and whether the chosen star holds.
- Service-type products skip comparison (服务类无需对标): the verdict says so and nothing is judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from benchmark.domain.indicators import (
    SELF_DECLARABLE_STARS,
    CoreIndicator,
    Direction,
    PlanSpec,
    Threshold,
    Value,
    ValueProblem,
    threshold_json,
    value_json,
)
from benchmark.domain.issues import Issue
from benchmark.domain.numbers import plain
from benchmark.domain.statuses import ComparisonKind, Verdict
from benchmark.errors import ComparisonInputError, GradingStandardMissing, StarNotDeclarable


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    code: str
    name: str
    unit: str
    direction: Direction
    value: Value
    threshold: Threshold
    passed: bool
    margin: Decimal | None
    star_reached: int | None = None  # star comparison only

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction.value,
            "direction_label": self.direction.label,
            "value": value_json(self.value),
            "threshold": threshold_json(self.threshold),
            "passed": self.passed,
            "margin": plain(self.margin) if self.margin is not None else None,
            "star_reached": self.star_reached,
        }


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    kind: ComparisonKind
    plan_version: int
    verdict: Verdict
    indicators: tuple[IndicatorResult, ...]
    requested_star: int | None = None
    highest_star: int | None = None  # star comparison: 0 when not even one star is reached

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "plan_version": self.plan_version,
            "verdict": self.verdict.value,
            "verdict_label": self.verdict.label,
            "may_continue": self.verdict.may_continue,
            "passed_count": sum(1 for r in self.indicators if r.passed),
            "failed_count": sum(1 for r in self.indicators if not r.passed),
            "requested_star": self.requested_star,
            "highest_star": self.highest_star,
            "indicators": [r.as_dict() for r in self.indicators],
        }


def read_values(plan: PlanSpec, values: Mapping[str, Any]) -> dict[str, Value]:
    """Every indicator's value, exactly; ``ComparisonInputError`` lists every missing, extra,
    non-numeric or out-of-domain value, each naming its indicator."""
    issues: list[Issue] = []
    parsed: dict[str, Value] = {}
    known = {i.code for i in plan.indicators}
    for key in values:
        if key not in known:
            issues.append(
                Issue("unknown_indicator", f"「{key}」不是本评估方案的核心指标", indicator=str(key))
            )
    for indicator in plan.indicators:
        if indicator.code not in values:
            issues.append(Issue("missing_value", f"{indicator.title}：未填写数值", indicator=indicator.code))
            continue
        try:
            parsed[indicator.code] = indicator.parse_value(values[indicator.code])
        except ValueProblem as problem:
            issues.append(
                Issue(problem.code, f"{indicator.title}：{problem.message}", indicator=indicator.code)
            )
    if issues:
        raise ComparisonInputError(issues)
    return parsed


def _skipped(plan: PlanSpec, kind: ComparisonKind, star: int | None) -> ComparisonResult:
    return ComparisonResult(kind, plan.version, Verdict.NOT_REQUIRED, (), requested_star=star)


def compare_forerunner(plan: PlanSpec, values: Mapping[str, Any]) -> ComparisonResult:
    if not plan.product_type.compared:
        return _skipped(plan, ComparisonKind.FORERUNNER, None)
    parsed = read_values(plan, values)
    results = []
    for i in plan.indicators:
        results.append(_judged(i, parsed[i.code], i.forerunner))
    verdict = Verdict.PASSED if all(r.passed for r in results) else Verdict.FAILED
    return ComparisonResult(ComparisonKind.FORERUNNER, plan.version, verdict, tuple(results))


def _judged(
    indicator: CoreIndicator, value: Value, threshold: Threshold, *, star_reached: int | None = None
) -> IndicatorResult:
    passed, margin = indicator.judge(value, threshold)
    return IndicatorResult(
        code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        direction=indicator.direction,
        value=value,
        threshold=threshold,
        passed=passed,
        margin=margin,
        star_reached=star_reached,
    )


def check_declarable_star(star: Any) -> int:
    if isinstance(star, bool) or not isinstance(star, int) or star not in SELF_DECLARABLE_STARS:
        allowed = "或".join(f"{s} 星级" for s in SELF_DECLARABLE_STARS)
        raise StarNotDeclarable(f"只能自我声明{allowed}产品")
    return star


def compare_star(plan: PlanSpec, values: Mapping[str, Any], star: Any) -> ComparisonResult:
    requested = check_declarable_star(star)
    if not plan.product_type.compared:
        return _skipped(plan, ComparisonKind.STAR, requested)
    if not plan.graded:
        raise GradingStandardMissing()
    parsed = read_values(plan, values)
    results = []
    for i in plan.indicators:
        assert i.stars is not None
        value = parsed[i.code]
        results.append(_judged(i, value, i.stars[requested - 1], star_reached=i.star_reached(value)))
    # thresholds grow stricter with each star, so the level every indicator reaches is the minimum
    # of what each indicator reaches on its own
    highest = min(r.star_reached or 0 for r in results)
    verdict = Verdict.PASSED if highest >= requested else Verdict.FAILED
    return ComparisonResult(
        ComparisonKind.STAR,
        plan.version,
        verdict,
        tuple(results),
        requested_star=requested,
        highest_star=highest,
    )
