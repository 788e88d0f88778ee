"""The agency's threshold calibrator in the plan editor (screenshots in test-artifacts/screenshots/): six
enterprises registered through the API compare against a new product's final plan; agency01 opens the plan,
sees each indicator's distribution with the shares the service counts, drags a proposed threshold, takes the
top-share suggestion into a new version's 领跑者要求; a plan only two enterprises compared against shows the
notice instead of a chart."""

from __future__ import annotations

import random
import re
import uuid

import httpx
from playwright.async_api import expect

from .conftest import (
    assert_no_raw_text,
    latest_code,
    login,
    random_credit_code,
    random_phone,
    shot,
    sms_messages,
)

PASSWORD = "LpDemo2024"
AGENCY_ID = "00000000-0000-4000-a000-000000000101"  # agency01
PLAN = {
    "title": "电热水壶企业标准“领跑者”评估方案",
    "group_standard": "T/CAQP 098-2026",
    "indicators": [
        {"code": "efficiency", "name": "热效率", "unit": "%", "direction": "higher", "forerunner": "88",
         "lower_bound": "0", "upper_bound": "100"},
        {"code": "standby", "name": "待机功率", "unit": "W", "direction": "lower", "forerunner": "0.5",
         "lower_bound": "0"},
        {"code": "bpa_free", "name": "不含双酚A", "unit": "", "direction": "bool", "forerunner": True},
    ],
}  # fmt: skip
ENTERED = [("92.5", "0.3"), ("90", "0.45"), ("88", "0.5"), ("86.5", "0.2"), ("84", "0.6"), ("91", "0.55")]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def token(api: httpx.AsyncClient, name: str, password: str) -> str:
    r = await api.post("/api/auth/login", json={"login_name": name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def enterprise_token(base_url: str) -> str:
    """A new enterprise registered from its own loopback address (auth limits SMS codes per address)."""
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, transport=transport) as api:
        phone, credit = random_phone(), random_credit_code()
        r = await api.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
        assert r.status_code == 202, r.text
        r = await api.post("/api/auth/register", json={
            "enterprise_name": f"校准测试电器{phone[-4:]}有限公司", "credit_code": credit, "contact_name": "张校准",
            "phone": phone, "sms_code": await latest_code(api, phone)})  # fmt: skip
        assert r.status_code == 201, r.text
        sms = next(m["text"] for m in await sms_messages(api, phone) if "登录密码" in m["text"])
        generated = re.search(r"登录密码为\s*([^\s,，。]+)", sms).group(1)
        password = "Cal" + phone[-6:] + "zq"
        r = await api.post("/api/auth/password", headers=bearer(await token(api, credit, generated)),
                           json={"current_password": generated, "new_password": password})  # fmt: skip
        assert r.status_code == 204, r.text
        return await token(api, credit, password)


async def product_with_final_plan(
    api: httpx.AsyncClient, group: dict, agency: dict, name: str
) -> tuple[str, str]:
    r = await api.post("/api/benchmark/products", headers=group, json={
        "code": f"CB-{uuid.uuid4().hex[:8]}", "name": name, "field": "家用电器", "year": 2026,
        "product_type": "product"})  # fmt: skip
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = await api.post(
        f"/api/benchmark/products/{pid}/designation", headers=group, json={"agency_org_id": AGENCY_ID}
    )
    assert r.status_code == 201, r.text
    r = await api.post(f"/api/benchmark/products/{pid}/plans", headers=agency, json=PLAN)
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    assert (await api.post(f"/api/benchmark/plans/{plan_id}/finalise", headers=agency)).status_code == 200
    return pid, plan_id


async def compare(api: httpx.AsyncClient, enterprise: str, pid: str, efficiency: str, standby: str) -> None:
    r = await api.post("/api/benchmark/compare/forerunner", headers=bearer(enterprise), json={
        "product_id": pid, "values": {"efficiency": efficiency, "standby": standby, "bpa_free": "是"}})  # fmt: skip
    assert r.status_code == 200, r.text


async def test_the_calibrator_in_the_plan_editor(portal, api, new_page):
    group = bearer(await token(api, "workgroup01", PASSWORD))
    agency = bearer(await token(api, "agency01", PASSWORD))
    name = f"电热水壶{uuid.uuid4().hex[:4]}"
    pid, plan_id = await product_with_final_plan(api, group, agency, name)
    few_pid, _ = await product_with_final_plan(api, group, agency, f"{name}（少量）")
    enterprises = [await enterprise_token(portal.url) for _ in ENTERED]
    for enterprise, (efficiency, standby) in zip(enterprises, ENTERED, strict=True):
        await compare(api, enterprise, pid, efficiency, standby)
    for enterprise in enterprises[:2]:
        await compare(api, enterprise, few_pid, "90", "0.4")
    expected = (await api.get(f"/api/benchmark/plans/{plan_id}/calibration", headers=agency)).json()
    efficiency = next(i for i in expected["indicators"] if i["code"] == "efficiency")
    assert efficiency["current"]["passing"] == 4  # 92.5, 91, 90, 88 ≥ 88

    page = await new_page()
    await login(page, portal, "agency01", PASSWORD)
    await page.goto(f"{portal.url}/workspace/agency/plans/{pid}")
    panel = page.locator("[data-test=calibrator-efficiency]")
    await expect(panel.get_by_text("热效率")).to_be_visible()
    await expect(panel.locator("canvas")).to_be_visible()  # the ECharts distribution
    await expect(panel.locator("[data-test=share-current]")).to_have_text("4 / 6 家（66.7%）")
    await expect(page.locator("[data-test=joint]")).to_contain_text(
        "当前门槛：3 / 6 家（50.0%）"
    )  # 91 uses 0.55 W
    # the top 20 % of six keeps two: 91 is the strictest threshold two enterprises still meet
    await expect(panel.locator("[data-test=suggestion]")).to_have_text("≥ 91 %")

    # a proposed threshold: the shares follow
    await panel.get_by_placeholder("%").fill("86")
    await expect(panel.locator("[data-test=share-proposed]")).to_have_text("5 / 6 家（83.3%）")
    await panel.scroll_into_view_if_needed()
    await shot(page, "agency_threshold_calibrator")
    await assert_no_raw_text(page)

    # a final plan is not edited: revise it, then take the suggestion into 领跑者要求
    await page.get_by_role("button", name="基于此版本修订").click()
    await panel.get_by_role("button", name="采用建议，填入领跑者要求").click()
    await expect(page.get_by_text("已将门槛填入指标「热效率」的领跑者要求")).to_be_visible()
    forerunner_cell = (
        page.locator(".el-table__row").first.locator("td").nth(5)
    )  # 序号, 代码, 名称, 单位, 判定方式
    await expect(forerunner_cell.locator("input")).to_have_value("91")

    # two enterprises only: a notice, no chart
    await page.goto(f"{portal.url}/workspace/agency/plans/{few_pid}")
    few = page.locator("[data-test=calibrator-efficiency]")
    await expect(few.get_by_text("填报对标数据的企业不足 5 家（现有 2 家）")).to_be_visible()
    await expect(few.locator("canvas")).to_have_count(0)
    await few.scroll_into_view_if_needed()
    await shot(page, "agency_threshold_calibrator_hidden")
