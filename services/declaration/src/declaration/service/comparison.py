"""The comparison port: the benchmark service recomputes every comparison (对标). Called over internal
HTTP with the caller's Authorization header; the answer is stored with the plan version it used."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import structlog
from pydantic import BaseModel, Field, ValidationError

from declaration.errors import BenchmarkRefusal, BenchmarkUnavailable

log = structlog.get_logger("declaration.comparison")

VERDICTS = ("passed", "failed", "not_required")


class IntervalThreshold(BaseModel):
    """A closed interval threshold (在区间内), bounds inclusive, as decimal strings."""

    min: str
    max: str


class IndicatorOutcome(BaseModel):
    """One indicator of a comparison as the benchmark service judged it."""

    code: str
    name: str
    unit: str
    direction: Literal["higher", "lower", "range", "bool", "grade"]
    direction_label: str
    value: str | bool = Field(description="提交的数值（十进制字符串或等级）或 是/否")
    threshold: IntervalThreshold | str | bool = Field(description="门槛：数值、等级、是/否，或区间")
    passed: bool
    margin: str | None = Field(description="高出（正）或差距（负），单位同指标；是/否 指标无")
    star_reached: int | None = Field(description="达到的星级（仅星级对标）")


class ComparisonAnswer(BaseModel):
    """The benchmark service's comparison answer, stored with the declaration or star product as it came."""

    product_id: uuid.UUID
    product_name: str
    kind: Literal["forerunner", "star"]
    plan_version: int
    verdict: Literal["passed", "failed", "not_required"]
    verdict_label: str
    may_continue: bool
    passed_count: int
    failed_count: int
    requested_star: int | None
    highest_star: int | None
    indicators: list[IndicatorOutcome]


@dataclass(frozen=True)
class ComparisonOutcome:
    verdict: str  # passed | failed | not_required
    plan_version: int | None
    result: dict[str, Any]

    @property
    def may_continue(self) -> bool:
        return self.verdict != "failed"


class BenchmarkComparison:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
        internal_token: str | None = None,
    ) -> None:
        """``internal_token``: for processes acting without a caller (the demo loader), which use the
        benchmark service's internal routes instead of forwarding a person's token."""
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._internal_token = internal_token

    async def aclose(self) -> None:
        await self._client.aclose()

    async def forerunner(
        self, *, product_id: uuid.UUID, values: dict[str, Any], authorization: str | None
    ) -> ComparisonOutcome:
        return await self._call(
            "/api/benchmark/compare/forerunner",
            {"product_id": str(product_id), "values": values},
            authorization,
        )

    async def star(
        self, *, product_id: uuid.UUID, values: dict[str, Any], star: int, authorization: str | None
    ) -> ComparisonOutcome:
        return await self._call(
            "/api/benchmark/compare/star",
            {"product_id": str(product_id), "values": values, "star": star},
            authorization,
        )

    async def _call(self, path: str, body: dict[str, Any], authorization: str | None) -> ComparisonOutcome:
        headers = {"Authorization": authorization} if authorization else {}
        if not authorization and self._internal_token:
            path = path.replace("/api/benchmark/", "/internal/benchmark/", 1)
            headers = {"X-Internal-Token": self._internal_token}
        try:
            response = await self._client.post(path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("benchmark_unreachable", error=type(exc).__name__)
            raise BenchmarkUnavailable() from exc
        if response.status_code >= 500:
            log.warning("benchmark_failed", status=response.status_code)
            raise BenchmarkUnavailable()
        try:
            doc = response.json()
        except ValueError as exc:
            raise BenchmarkUnavailable("对标服务应答异常，请稍后重试") from exc
        if response.status_code >= 400:
            error = doc.get("error", {}) if isinstance(doc, dict) else {}
            # 401/403 of the caller stay theirs; everything else about the input is a 422 here
            raise BenchmarkRefusal(
                status=response.status_code if response.status_code in (401, 403, 404, 409, 422) else 422,
                code=str(error.get("code") or "comparison_refused"),
                message=str(error.get("message") or "对标失败"),
                details=error.get("details"),
            )
        verdict = doc.get("verdict") if isinstance(doc, dict) else None
        if verdict not in VERDICTS:
            raise BenchmarkUnavailable("对标服务应答异常，请稍后重试")
        try:
            answer = ComparisonAnswer.model_validate(doc)
        except ValidationError as exc:
            log.warning("benchmark_answer_unexpected", errors=exc.error_count())
            raise BenchmarkUnavailable("对标服务应答异常，请稍后重试") from exc
        return ComparisonOutcome(answer.verdict, answer.plan_version, answer.model_dump(mode="json"))
