"""How the comparison port turns the benchmark service's answers into ours (the adapter alone; the
integration tests run it against the real benchmark service)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from declaration.errors import BenchmarkRefusal
from declaration.service.comparison import BenchmarkComparison
from kit.errors import Unavailable

PID = uuid.uuid4()


def answer(verdict: str, plan_version: int, **extra) -> dict:
    """A comparison answer as the benchmark service gives it (``ComparisonOut``)."""
    return {
        "product_id": str(PID), "product_name": "家用电冰箱", "kind": "forerunner", "plan_version": plan_version,
        "verdict": verdict, "verdict_label": "未通过", "may_continue": verdict != "failed",
        "passed_count": 1, "failed_count": 1, "requested_star": None, "highest_star": None,
        "indicators": [
            {"code": "energy", "name": "能效指数", "unit": "%", "direction": "lower", "direction_label": "越小越好",
             "value": "42.5", "threshold": "40", "passed": False, "margin": "-2.5", "star_reached": None},
            {"code": "ph", "name": "pH 值", "unit": "", "direction": "range", "direction_label": "在区间内",
             "value": "6", "threshold": {"min": "4.0", "max": "8.5"}, "passed": True, "margin": "2",
             "star_reached": None},
        ],
        **extra,
    }  # fmt: skip


def port(handler) -> BenchmarkComparison:
    return BenchmarkComparison("http://benchmark", timeout=1, transport=httpx.MockTransport(handler))


async def test_forwards_the_callers_token_and_reads_the_verdict():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        seen["path"] = request.url.path
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json=answer("failed", 3))

    outcome = await port(handler).forerunner(product_id=PID, values={"a": "1"}, authorization="Bearer t")
    assert (outcome.verdict, outcome.plan_version, outcome.may_continue) == ("failed", 3, False)
    assert outcome.result == answer("failed", 3)  # stored exactly as the benchmark service answered
    assert seen == {"auth": "Bearer t", "path": "/api/benchmark/compare/forerunner",
                    "body": {"product_id": str(PID), "values": {"a": "1"}}}  # fmt: skip


async def test_callerless_processes_use_the_internal_route():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/internal/benchmark/compare/star"
        assert request.headers["x-internal-token"] == "secret" and "authorization" not in request.headers
        return httpx.Response(200, json=answer("passed", 1, kind="star", requested_star=4, highest_star=4))

    comparison = BenchmarkComparison(
        "http://benchmark", timeout=1, transport=httpx.MockTransport(handler), internal_token="secret"
    )
    assert (await comparison.star(product_id=PID, values={}, star=4, authorization=None)).verdict == "passed"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"verdict": "?"}),
        httpx.Response(200, json={"verdict": "passed", "plan_version": 1}),
        httpx.Response(200, json={**answer("passed", 1), "indicators": [{"code": "energy", "value": [1]}]}),
    ],
)
async def test_a_broken_benchmark_service_is_503(response):
    with pytest.raises(Unavailable) as caught:
        await port(lambda _r: response).forerunner(product_id=PID, values={}, authorization="Bearer t")
    assert caught.value.code == "benchmark_unavailable"


async def test_an_unreachable_benchmark_service_is_503():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Unavailable):
        await port(handler).forerunner(product_id=PID, values={}, authorization="Bearer t")


async def test_client_errors_pass_through_with_their_details():
    body = {
        "error": {
            "code": "comparison_values_invalid",
            "message": "对标数据有误",
            "details": [{"indicator": "a"}],
        }
    }

    with pytest.raises(BenchmarkRefusal) as caught:
        await port(lambda _r: httpx.Response(422, json=body)).forerunner(
            product_id=PID, values={}, authorization="x"
        )
    assert (caught.value.status, caught.value.code, caught.value.details) == (
        422, "comparison_values_invalid", [{"indicator": "a"}],
    )  # fmt: skip
    with pytest.raises(BenchmarkRefusal) as caught:
        await port(lambda _r: httpx.Response(400, json=body)).forerunner(
            product_id=PID, values={}, authorization="x"
        )
    assert caught.value.status == 422
