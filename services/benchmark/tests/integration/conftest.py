"""The benchmark service running in process against the real PostgreSQL, RabbitMQ and Redis.

Time: the app's clock is replaced by the kit's ``FixedClock`` (the injected time source), so a test
moves time by calling ``advance`` and does not touch the shared Redis offset other suites may read.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from benchmark.config import Settings
from benchmark.main import create_app
from benchmark.service import upsert_agency
from kit.clock import FixedClock
from kit.testing.fixtures import running_app

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def settings(service_env) -> Settings:
    return Settings(**service_env("benchmark"))


@pytest.fixture(scope="module")
async def app(settings):
    application = create_app(settings)
    async with running_app(application):
        runtime = application.state.runtime
        runtime.clock = FixedClock(START)
        yield application


@pytest.fixture
def clock(runtime) -> FixedClock:
    return runtime.clock


class Org:
    """An organisation with a bearer token, as the gateway would pass it on."""

    def __init__(self, make_token, org_type: str, name: str) -> None:
        self.id = uuid.uuid4()
        self.name = name
        self.headers = {"Authorization": f"Bearer {make_token(org_type, org_id=self.id, org_name=name)}"}


@pytest.fixture
def working_group(make_token) -> Org:
    return Org(make_token, "working_group", "领跑者工作组")


@pytest.fixture
def enterprise(make_token) -> Org:
    return Org(make_token, "enterprise", "某羽绒制品有限公司")


@pytest.fixture
def make_enterprise(make_token):
    """Another enterprise each call (distinct organisation ids)."""

    def _make() -> Org:
        return Org(make_token, "enterprise", f"企业{uuid.uuid4().hex[:6]}")

    return _make


@pytest.fixture
def make_agency(make_token, runtime):
    """An agency organisation already known to benchmark (as if auth's event had arrived)."""

    async def _make(name: str = "测试评估机构") -> Org:
        org = Org(make_token, "agency", f"{name}{uuid.uuid4().hex[:4]}")
        async with runtime.db.transaction() as session:
            await upsert_agency(session, org_id=org.id, name=org.name, now=START)
        return org

    return _make


@pytest.fixture
def jacket_plan_body() -> dict:
    """A down-jacket plan as an agency submits it: every direction, with a grading standard."""

    def ind(code, name, unit, direction, forerunner, stars, **extra):
        return {
            "code": code,
            "name": name,
            "unit": unit,
            "direction": direction,
            "forerunner": forerunner,
            "stars": stars,
            **extra,
        }

    return {
        "title": "羽绒服装企业标准“领跑者”评估方案",
        "group_standard": "T/CAQP 002-2023",
        "indicators": [
            ind(
                "down_content",
                "含绒量",
                "%",
                "higher",
                "90",
                ["50", "70", "80", "85", "90"],
                lower_bound="0",
                upper_bound="100",
            ),
            ind("formaldehyde", "甲醛含量", "mg/kg", "lower", 20, [300, 150, 75, 30, 20], lower_bound=0),
            ind(
                "ph",
                "pH值",
                "",
                "range",
                {"min": "4.0", "max": "8.5"},
                ["4.0~9.0", "4.0~9.0", "4.0~8.5", "4.0~8.5", "4.0~8.5"],
                lower_bound="0",
                upper_bound="14",
            ),
            ind("colourfast", "耐水色牢度", "级", "grade", "4", ["3", "3", "3-4", "4", "4"]),
            ind("azo_free", "不含禁用偶氮染料", "", "bool", True, [True] * 5),
        ],
    }


@pytest.fixture
def new_product(client, working_group):
    """Create a key-field product through the API; returns its JSON."""

    async def _new(product_type: str = "product", name: str = "羽绒服") -> dict:
        code = f"T-{uuid.uuid4().hex[:10]}"
        body = {"code": code, "name": name, "field": "纺织服装", "year": 2026, "product_type": product_type}
        response = await client.post("/api/benchmark/products", json=body, headers=working_group.headers)
        assert response.status_code == 201, response.text
        return response.json()

    return _new


@pytest.fixture
def open_product(client, working_group, make_agency, new_product, jacket_plan_body, clock):
    """A product with a designated agency, a final plan and its notice over: open for declaration."""

    async def _open(product_type: str = "product") -> tuple[dict, Org, dict]:
        agency = await make_agency()
        product = await new_product(product_type)
        pid = product["id"]
        r = await client.post(
            f"/api/benchmark/products/{pid}/designation",
            json={"agency_org_id": str(agency.id)},
            headers=working_group.headers,
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            f"/api/benchmark/products/{pid}/plans", json=jacket_plan_body, headers=agency.headers
        )
        assert r.status_code == 201, r.text
        plan = r.json()
        r = await client.post(f"/api/benchmark/plans/{plan['id']}/finalise", headers=agency.headers)
        assert r.status_code == 200, r.text
        # the notice of this designation ends 14 days after the clock's current time
        ends = datetime.fromisoformat(
            (await client.get(f"/api/benchmark/products/{pid}")).json()["notice"]["ends_at"]
        )
        if clock.at < ends:
            await clock.advance(ends - clock.at)
        return product, agency, r.json()

    return _open
