"""The issue's journey through the real gateway: the working group creates a product and designates an
agency; the product stays closed, with the right reason, until the notice has ended (time moved through the
service's injected clock) and the agency's final plan exists; then it is open and comparisons run."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from benchmark.config import Settings
from benchmark.main import create_app
from benchmark.service import upsert_agency
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway
from kit.clock import FixedClock
from kit.testing.fixtures import REDIS_URL, serving
from kit.testing.s3server import free_port
from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def gateway_service_settings(service_env) -> Settings:
    return Settings(**service_env("benchmark"))


@pytest.fixture(scope="module")
async def platform(gateway_service_settings, jwt_keys):
    service_port, gateway_port = free_port(), free_port()
    service = create_app(gateway_service_settings)
    gateway = create_gateway(GatewaySettings(
        env="test", log_level="WARNING", redis_url=REDIS_URL, jwt_public_key_file=str(jwt_keys["public"]),
        benchmark_url=f"http://127.0.0.1:{service_port}", gateway_rate_limit_enabled=False,
    ))  # fmt: skip
    async with serving(service, port=service_port), serving(gateway, port=gateway_port) as gateway_url:
        runtime = service.state.runtime
        runtime.clock = FixedClock(START)  # the injected time source: moved by the test, never slept through
        async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
            yield client, runtime


def bearer(make_token, org_type: str, org_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(org_type, org_id=org_id, org_name='测试')}"}


async def test_the_issue_journey_through_the_gateway(platform, make_token):
    client, runtime = platform
    group = bearer(make_token, "working_group", uuid.uuid4())
    agency_id, other_agency_id = uuid.uuid4(), uuid.uuid4()
    agency = bearer(make_token, "agency", agency_id)
    other_agency = bearer(make_token, "agency", other_agency_id)
    enterprise = bearer(make_token, "enterprise", uuid.uuid4())
    async with runtime.db.transaction() as session:  # as if auth's organisation events had arrived
        await upsert_agency(session, org_id=agency_id, name="纺织工业科学技术发展中心", now=START)
        await upsert_agency(session, org_id=other_agency_id, name="中国家用电器研究院", now=START)

    body = {
        "code": "FZ-2026-01",
        "name": "羽绒服",
        "field": "纺织服装",
        "year": 2026,
        "product_type": "product",
    }
    assert (await client.post("/api/benchmark/products", json=body, headers=enterprise)).status_code == 403
    r = await client.post("/api/benchmark/products", json=body, headers=group)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = await client.post(
        f"/api/benchmark/products/{pid}/designation", json={"agency_org_id": str(agency_id)}, headers=group
    )
    assert r.status_code == 201
    public = (await client.get(f"/api/benchmark/products/{pid}")).json()
    assert [c["code"] for c in public["closed_reasons"]] == ["notice_running", "no_final_plan"]

    # the agency fills the template through the gateway (multipart both ways) and finalises
    template = await client.get(f"/api/benchmark/products/{pid}/plan-template", headers=agency)
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(template.content))
    wb["方案信息"]["B2"] = "羽绒服装企业标准“领跑者”评估方案"
    wb["方案信息"]["B3"] = "T/CAQP 002-2023"
    rows = [
        ["down_content", "含绒量", "%", "越大越好", "90", "50", "70", "80", "85", "90", "0", "100", None],
        ["formaldehyde", "甲醛含量", "mg/kg", "越小越好", "20", "300", "150", "75", "30", "20", "0", None, None],
        ["ph", "pH值", None, "在区间内", "4.0~8.5", "4.0~9.0", "4.0~9.0", "4.0~8.5", "4.0~8.5", "4.0~8.5", "0", "14",
         None],
        ["colourfast", "耐水色牢度", "级", "等级", "4", "3", "3", "3-4", "4", "4", None, None, None],
        ["azo_free", "不含禁用偶氮染料", None, "是否", "是", "是", "是", "是", "是", "是", None, None, None],
    ]  # fmt: skip
    for r_index, row in enumerate(rows, start=2):
        for c_index, value in enumerate(row, start=1):
            wb["核心指标"].cell(row=r_index, column=c_index, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    files = {"file": ("方案.xlsx", buffer.getvalue(), XLSX)}
    r = await client.post(f"/api/benchmark/products/{pid}/plans/workbook", files=files, headers=enterprise)
    assert r.status_code == 403
    r = await client.post(f"/api/benchmark/products/{pid}/plans/workbook", files=files, headers=other_agency)
    assert r.status_code == 404
    r = await client.post(f"/api/benchmark/products/{pid}/plans/workbook", files=files, headers=agency)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert len(plan["indicators"]) == 5 and plan["graded"] is True
    assert (
        await client.post(f"/api/benchmark/plans/{plan['id']}/finalise", headers=other_agency)
    ).status_code == 404
    assert (
        await client.post(f"/api/benchmark/plans/{plan['id']}/finalise", headers=agency)
    ).status_code == 200

    public = (await client.get(f"/api/benchmark/products/{pid}")).json()
    assert public["open_for_declaration"] is False
    assert [c["code"] for c in public["closed_reasons"]] == ["notice_running"]

    await runtime.clock.advance(timedelta(days=14))
    listed = (await client.get("/api/benchmark/products", params={"open": "true"})).json()
    assert [p["id"] for p in listed["items"]] == [pid]
    assert listed["items"][0]["closed_reasons"] == []

    values = {"down_content": "90", "formaldehyde": 20, "ph": "8.5", "colourfast": "4", "azo_free": "是"}
    r = await client.post(
        "/api/benchmark/compare/forerunner", json={"product_id": pid, "values": values}, headers=enterprise
    )
    assert r.status_code == 200 and r.json()["verdict"] == "passed"
    r = await client.post(
        "/api/benchmark/compare/star",
        json={"product_id": pid, "values": values, "star": 4},
        headers=enterprise,
    )
    assert (r.json()["verdict"], r.json()["highest_star"]) == ("passed", 5)
    r = await client.post(
        "/api/benchmark/compare/forerunner",
        json={"product_id": pid, "values": {"ph": "x"}},
        headers=enterprise,
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "comparison_values_invalid"
    assert len(r.json()["error"]["details"]) == 5
