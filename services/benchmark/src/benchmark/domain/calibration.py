"""The agency's threshold calibrator (门槛校准): how a plan's thresholds sort the enterprises that compared.

Input: each enterprise's latest value per indicator (from the comparisons they made, keyed by a pseudonym,
never an identity), the plan's indicators, thresholds an agency proposes, and a top share (the forerunner
idea: the leading few). Output per indicator: the distribution (histogram bins and quantiles), the share of
enterprises passing at the current and at the proposed threshold, and the threshold that keeps the top
share; over all indicators, the joint share passing every one.

Shares are exact counts (``CoreIndicator.meets``, the comparison engine's own rule). Nothing is shown of
an indicator fewer than ``MIN_ENTERPRISES`` distinct enterprises entered values for, nor the joint share
when fewer than that many entered values for every indicator: a distribution of three values would let an
agency read one enterprise's figures.

A suggestion is the strictest threshold, taken among the values entered, that at least ``top_share`` of
the enterprises still pass (ties can let a few more pass): for 越大越好 the k-th largest value, for
越小越好 the k-th smallest, for a grade the k-th best grade, for a range the narrowest interval between two
entered values holding k of them, where k = ⌈top_share · n⌉. A yes/no indicator has none.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import statistics
import uuid
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import pairwise
from typing import Any

from benchmark.domain.indicators import (
    MAX_INDICATORS,
    CoreIndicator,
    Interval,
    Threshold,
    Value,
    ValueProblem,
    threshold_json,
)
from benchmark.domain.issues import Issue
from benchmark.domain.numbers import NotANumber, TooPrecise, plain, to_decimal
from benchmark.domain.statuses import Direction, HiddenReason
from benchmark.errors import CalibrationShareInvalid, CalibrationThresholdInvalid

MIN_ENTERPRISES = 5
DEFAULT_TOP_SHARE = Decimal("0.2")
MAX_BINS = 12
QUANTILES = (10, 25, 50, 75, 90)


def enterprise_key(secret: str, org_id: uuid.UUID) -> str:
    """The pseudonym a comparison is recorded under: HMAC-SHA256 of the organisation id with the service's
    secret. The same enterprise always gets the same key (so it is counted once, with its latest values),
    and without the secret no key can be traced back to an organisation."""
    return hmac.new(secret.encode(), org_id.bytes, hashlib.sha256).hexdigest()


def recorded_value(value: Value) -> str:
    """A parsed value as stored: a decimal string, a grade label, or ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return plain(value) if isinstance(value, Decimal) else value


# -- reading the agency's query ------------------------------------------------------------------------


def parse_top_share(raw: str | None) -> Decimal:
    """The share of enterprises a suggestion keeps: a decimal in (0, 1] ("0.2"), or a percentage ("20%")."""
    if raw is None or not raw.strip():
        return DEFAULT_TOP_SHARE
    text = raw.strip()
    percent = text.endswith(("%", "％"))
    try:
        share = to_decimal(text[:-1] if percent else text)
    except (NotANumber, TooPrecise):
        raise CalibrationShareInvalid(f"领先比例「{raw}」不是有效数字，例如 0.2 或 20%") from None
    if percent:
        share /= 100
    if not 0 < share <= 1:
        raise CalibrationShareInvalid(f"领先比例「{raw}」应大于 0 且不超过 1（或 100%）")
    return share


def parse_proposals(indicators: Sequence[CoreIndicator], raw: Sequence[str]) -> dict[str, Threshold]:
    """Proposed thresholds written ``code:threshold`` (``down_content:92``, ``ph:4.0~8.5``, ``azo:是``),
    each read as the plan would read it. ``CalibrationThresholdInvalid`` lists every bad one."""
    by_code = {i.code: i for i in indicators}
    issues: list[Issue] = []
    proposed: dict[str, Threshold] = {}
    if len(raw) > MAX_INDICATORS:
        raise CalibrationThresholdInvalid([Issue("too_many_thresholds", f"拟定门槛至多 {MAX_INDICATORS} 项")])
    for item in raw:
        code, sep, text = item.partition(":")
        code = code.strip()
        if not sep or not code:
            issues.append(Issue("not_a_proposal", f"「{item}」应写成“指标代码:门槛值”，例如 down_content:92"))
            continue
        indicator = by_code.get(code)
        if indicator is None:
            issues.append(Issue("unknown_indicator", f"「{code}」不是本评估方案的核心指标", indicator=code))
            continue
        if code in proposed:
            issues.append(
                Issue("duplicate_indicator", f"{indicator.title}：拟定门槛重复给出", indicator=code)
            )
            continue
        try:
            proposed[code] = indicator.parse_threshold(text)
        except ValueProblem as problem:
            issues.append(
                Issue(problem.code, f"{indicator.title}：拟定门槛{problem.message}", indicator=code)
            )
    if issues:
        raise CalibrationThresholdInvalid(issues)
    return proposed


def read_entries(
    indicators: Sequence[CoreIndicator], rows: Sequence[tuple[str, str, str]]
) -> dict[str, dict[str, Value]]:
    """Each enterprise's latest values (``(enterprise key, indicator code, stored value)``, one per pair)
    as the plan's indicators read them. A value recorded under an earlier version that no longer fits the
    indicator (another direction, scale or range) is left out."""
    by_code = {i.code: i for i in indicators}
    entries: dict[str, dict[str, Value]] = {}
    for key, code, raw in rows:
        indicator = by_code.get(code)
        if indicator is None:
            continue
        try:
            value = indicator.parse_value(raw)
        except ValueProblem:
            continue
        entries.setdefault(key, {})[code] = value
    return entries


# -- the calculation --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Share:
    passing: int
    total: int

    @property
    def ratio(self) -> float:
        return self.passing / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"passing": self.passing, "total": self.total, "share": round(self.ratio, 4)}


@dataclass(frozen=True, slots=True)
class Bin:
    """A bar of the distribution: numbers in ``[low, high)`` (the last one closed), or one grade or answer."""

    label: str
    count: int
    low: Decimal | None = None
    high: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "count": self.count,
            "low": plain(self.low) if self.low is not None else None,
            "high": plain(self.high) if self.high is not None else None,
        }


@dataclass(frozen=True, slots=True)
class IndicatorCalibration:
    indicator: CoreIndicator
    enterprises: int
    bins: tuple[Bin, ...] = ()
    quantiles: tuple[tuple[int, Value], ...] = ()
    current: Share | None = None
    proposed_threshold: Threshold | None = None
    proposed: Share | None = None
    suggestion: Threshold | None = None
    suggested: Share | None = None

    @property
    def hidden(self) -> bool:
        return self.enterprises < MIN_ENTERPRISES

    def as_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "direction": i.direction.value,
            "direction_label": i.direction.label,
            "threshold": threshold_json(i.forerunner),
            "grades": list(i.grades) if i.direction is Direction.GRADE else None,
            "enterprises": self.enterprises,
            **hidden_fields(self.enterprises),
            "bins": [b.as_dict() for b in self.bins],
            "quantiles": [{"p": p, "value": _json(v)} for p, v in self.quantiles],
            "current": self.current.as_dict() if self.current else None,
            "proposed_threshold": threshold_json(self.proposed_threshold)
            if self.proposed_threshold is not None
            else None,
            "proposed": self.proposed.as_dict() if self.proposed else None,
            "suggestion": threshold_json(self.suggestion) if self.suggestion is not None else None,
            "suggested": self.suggested.as_dict() if self.suggested else None,
        }


@dataclass(frozen=True, slots=True)
class Calibration:
    top_share: Decimal
    indicators: tuple[IndicatorCalibration, ...]
    joint_enterprises: int  # enterprises with a value for every indicator
    joint_current: Share | None = None
    joint_proposed: Share | None = None
    joint_suggested: Share | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "top_share": float(self.top_share),
            "min_enterprises": MIN_ENTERPRISES,
            "indicators": [i.as_dict() for i in self.indicators],
            "joint": {
                "enterprises": self.joint_enterprises,
                **hidden_fields(self.joint_enterprises),
                "current": self.joint_current.as_dict() if self.joint_current else None,
                "proposed": self.joint_proposed.as_dict() if self.joint_proposed else None,
                "suggested": self.joint_suggested.as_dict() if self.joint_suggested else None,
            },
        }


def hidden_fields(enterprises: int) -> dict[str, Any]:
    if enterprises >= MIN_ENTERPRISES:
        return {"hidden": False, "hidden_reason": None, "hidden_message": None}
    return {
        "hidden": True,
        "hidden_reason": HiddenReason.TOO_FEW_ENTERPRISES.value,
        "hidden_message": f"填报对标数据的企业不足 {MIN_ENTERPRISES} 家（现有 {enterprises} 家），"
        "为避免识别出具体企业，暂不显示分布和通过比例",
    }


def _json(value: Value) -> Any:
    return plain(value) if isinstance(value, Decimal) else value


def share_passing(indicator: CoreIndicator, values: Sequence[Value], threshold: Threshold) -> Share:
    return Share(sum(1 for v in values if indicator.meets(v, threshold)), len(values))


def joint_share(
    indicators: Sequence[CoreIndicator],
    entries: Sequence[Mapping[str, Value]],
    thresholds: Mapping[str, Threshold],
) -> Share:
    """Among the given enterprises (each with a value for every indicator), how many pass them all."""
    passing = sum(1 for e in entries if all(i.meets(e[i.code], thresholds[i.code]) for i in indicators))
    return Share(passing, len(entries))


def keep_count(top_share: Decimal, n: int) -> int:
    """How many enterprises a top share keeps: ⌈share · n⌉, at least one."""
    return max(1, int((top_share * n).to_integral_value(ROUND_CEILING)))


def _numbers(values: Sequence[Value]) -> list[Decimal]:
    return [v for v in values if isinstance(v, Decimal)]


def _grades(values: Sequence[Value]) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def suggest(indicator: CoreIndicator, values: Sequence[Value], top_share: Decimal) -> Threshold | None:
    """The strictest threshold among the entered values that at least ``top_share`` of them meet."""
    if not values or indicator.direction is Direction.BOOL:
        return None
    k = keep_count(top_share, len(values))
    match indicator.direction:
        case Direction.HIGHER:
            return sorted(_numbers(values), reverse=True)[k - 1]
        case Direction.LOWER:
            return sorted(_numbers(values))[k - 1]
        case Direction.GRADE:
            return sorted(_grades(values), key=indicator.rank, reverse=True)[k - 1]
        case Direction.RANGE:
            ordered = sorted(_numbers(values))
            start = min(range(len(ordered) - k + 1), key=lambda s: ordered[s + k - 1] - ordered[s])
            return Interval(ordered[start], ordered[start + k - 1])
    return None  # pragma: no cover - every direction is matched above


def _nice_width(raw: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 (times a power of ten) at least ``raw``: bin edges people can read."""
    exponent = raw.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        width = step.scaleb(exponent)
        if width >= raw:
            return width
    return Decimal(10).scaleb(exponent)  # pragma: no cover - 10·10^e always exceeds raw


def histogram(indicator: CoreIndicator, values: Sequence[Value]) -> tuple[Bin, ...]:
    """Numbers: equal-width bins with readable edges (Sturges' count, at most ``MAX_BINS``); grades: one
    bar per grade of the scale, worst first; yes/no: 是 and 否."""
    match indicator.direction:
        case Direction.BOOL:
            yes = sum(1 for v in values if v is True)
            return (Bin("是", yes), Bin("否", len(values) - yes))
        case Direction.GRADE:
            return tuple(Bin(g, sum(1 for v in values if v == g)) for g in indicator.grades)
    numbers = sorted(_numbers(values))
    if not numbers:
        return ()
    low, high = numbers[0], numbers[-1]
    if low == high:
        return (Bin(plain(low), len(numbers), low, high),)
    count = min(MAX_BINS, math.ceil(math.log2(len(numbers))) + 1)
    width = _nice_width((high - low) / count)
    edges = [(low / width).to_integral_value(ROUND_FLOOR) * width]
    while edges[-1] <= high:
        edges.append(edges[-1] + width)
    bins = []
    for a, b in pairwise(edges):
        n = bisect_left(numbers, b) - bisect_left(numbers, a)
        bins.append(Bin(f"{plain(a)}~{plain(b)}", n, a, b))
    return tuple(bins)


def quantiles(indicator: CoreIndicator, values: Sequence[Value]) -> tuple[tuple[int, Value], ...]:
    """The 10th, 25th, 50th, 75th and 90th percentiles of numeric values (inclusive method); a grade's
    percentiles are the grades at those ranks. Not the extremes: those would be single enterprises' values."""
    if len(values) < 2 or indicator.direction is Direction.BOOL:
        return ()
    if indicator.direction is Direction.GRADE:
        ranks = sorted(indicator.rank(v) for v in _grades(values))
        cuts = statistics.quantiles(ranks, n=100, method="inclusive")
        return tuple((p, indicator.grades[math.floor(cuts[p - 1])]) for p in QUANTILES)
    # statistics works on Decimal as well (exact here: the cuts are weighted means of two values)
    numeric: list[Any] = _numbers(values)
    decimal_cuts: list[Decimal] = statistics.quantiles(numeric, n=100, method="inclusive")
    return tuple((p, decimal_cuts[p - 1]) for p in QUANTILES)


def calibrate(
    indicators: Sequence[CoreIndicator],
    entries: Mapping[str, Mapping[str, Value]],
    *,
    proposed: Mapping[str, Threshold] | None = None,
    top_share: Decimal = DEFAULT_TOP_SHARE,
) -> Calibration:
    """The calibration of a plan's indicators over the enterprises' latest values (``entries``: enterprise
    key → indicator code → value)."""
    proposed = proposed or {}
    results = []
    suggestions: dict[str, Threshold] = {}
    for indicator in indicators:
        values = [e[indicator.code] for e in entries.values() if indicator.code in e]
        if len(values) < MIN_ENTERPRISES:
            results.append(IndicatorCalibration(indicator, len(values)))
            continue
        suggestion = suggest(indicator, values, top_share)
        if suggestion is not None:
            suggestions[indicator.code] = suggestion
        mine = proposed.get(indicator.code)
        results.append(
            IndicatorCalibration(
                indicator,
                len(values),
                bins=histogram(indicator, values),
                quantiles=quantiles(indicator, values),
                current=share_passing(indicator, values, indicator.forerunner),
                proposed_threshold=mine,
                proposed=share_passing(indicator, values, mine) if mine is not None else None,
                suggestion=suggestion,
                suggested=share_passing(indicator, values, suggestion) if suggestion is not None else None,
            )
        )
    complete = [e for e in entries.values() if all(i.code in e for i in indicators)]
    if not indicators or len(complete) < MIN_ENTERPRISES:
        return Calibration(top_share, tuple(results), len(complete) if indicators else 0)
    current = {i.code: i.forerunner for i in indicators}
    return Calibration(
        top_share,
        tuple(results),
        len(complete),
        joint_current=joint_share(indicators, complete, current),
        joint_proposed=joint_share(indicators, complete, {**current, **proposed}),
        joint_suggested=joint_share(indicators, complete, {**current, **suggestions}),
    )
