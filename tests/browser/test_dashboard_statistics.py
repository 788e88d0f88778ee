"""数据看板 (the working group's dashboard) and 统计数据 (the public statistics) in the browser, on a desktop and
on a 390 px phone: every panel is drawn (an ECharts canvas, or the empty text), each CSV button downloads the
service's numbers, no page is wider than the screen. Photographed."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect

from .conftest import assert_no_raw_text, demo_open_product, login, shot
from .test_after_publication_journeys import _declare, _h, _new_enterprise
from .test_forerunner_journey import _token

DEMO_PASSWORD = "LpDemo2024"
PANELS = ["申报漏斗（按阶段）", "当前名单状态", "审核通过率（按评估机构）", "评估机构审核用时", "本周结束的公示", "公示异议",
          "90 天内到期的证书（按月）"]  # fmt: skip


async def _fits(page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    # the elements reaching past the screen's right edge, to say what is too wide
    wide = await page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen: {wide}"


async def _panels_drawn(page, titles: list[str]) -> None:
    for title in titles:
        card = page.locator("section.chart-card", has=page.get_by_role("heading", name=title, exact=True))
        await expect(card).to_be_visible()
        # a chart, or the panel says there is nothing to draw
        await expect(card.locator("canvas, .el-empty").first).to_be_visible()


async def _some_reviews(api) -> None:
    """Declarations at several stages (through the API), so that the panels have something to draw: one passed
    by both reviews and in notice with an objection, one returned by the working group, one refused by the
    agency."""
    product = await demo_open_product(api, "家用电冰箱")
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    agency = _h(await _token(api, "agency01", DEMO_PASSWORD))
    group = _h(await _token(api, "workgroup01", DEMO_PASSWORD))
    ids = []
    for i in range(3):
        enterprise = await _new_enterprise(api, f"看板示例企业{i}")
        token = await _token(api, enterprise["credit"], enterprise["password"])
        ids.append(await _declare(api, token, product, plan, f"Q/KBSL 00{i}-2026", f"BCD-4{i}0"))
    for did, decision in zip(ids, ("pass", "pass", "fail"), strict=True):
        r = await api.post(f"/api/declarations/{did}/agency-review", headers=agency,
                           json={"decision": decision, "opinion": "检测报告缺页"})  # fmt: skip
        assert r.status_code == 200, r.text
    for did, decision in zip(ids[:2], ("pass", "fail"), strict=True):
        r = await api.post(f"/api/declarations/{did}/group-review", headers=group,
                           json={"decision": decision, "opinion": "请复核能效指标"})  # fmt: skip
        assert r.status_code == 200, r.text
    notice = (await api.get(f"/api/declarations/{ids[0]}", headers=group)).json()["notice"]["notice_id"]
    r = await api.post(f"/api/declarations/public/notices/{notice}/objections",
                       json={"name": "王五", "phone": "13900003333", "reason": "检测报告日期与申报不符"})  # fmt: skip
    assert r.status_code == 201, r.text


async def test_dashboard_on_desktop_and_phone(portal, browser, new_page, api):
    await _some_reviews(api)
    page = await new_page()
    await login(page, portal, "workgroup01", DEMO_PASSWORD)
    # the first item of the working group's menu
    first = page.locator(".el-menu-item, .el-sub-menu").first
    await expect(first).to_contain_text("数据看板")
    await first.click()
    await page.wait_for_url(re.compile(r"/workspace/group/dashboard$"))
    await _panels_drawn(page, PANELS)
    await expect(page.get_by_text("统计时间")).to_be_visible()
    await assert_no_raw_text(page)
    await shot(page, "group_dashboard")

    # the CSV of the pass rates, as the service writes it
    card = page.locator(
        "section.chart-card", has=page.get_by_role("heading", name="审核通过率（按评估机构）")
    )
    async with page.expect_download() as info:
        await card.get_by_role("button", name="导出 CSV").click()
    download = await info.value
    data = Path(await download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "评估机构,机构审核通过".encode() in data
    assert download.suggested_filename.endswith(".csv")

    # a year filter asks again and still draws every panel
    await page.locator(".filter-form .el-select").first.click()
    options = page.locator(".el-select-dropdown__item:visible")
    if await options.count():
        await options.first.click()
        await _panels_drawn(page, PANELS)

    storage = await page.context.storage_state()
    phone = await browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", storage_state=storage
    )
    try:
        small = await phone.new_page()
        await small.goto(portal.url + "/workspace/group/dashboard")
        await _panels_drawn(small, PANELS)
        await _fits(small)
        await shot(small, "phone_group_dashboard")
        await small.set_viewport_size({"width": 390, "height": 3600})
        await shot(small, "phone_group_dashboard_full")
    finally:
        await phone.close()


async def test_dashboard_is_not_offered_to_an_agency(portal, new_page):
    page = await new_page()
    await login(page, portal, "agency01", DEMO_PASSWORD)
    await expect(page.get_by_text("数据看板")).to_have_count(0)


async def test_public_statistics_on_desktop_and_phone(portal, browser, new_page):
    page = await new_page()
    await page.goto(portal.url + "/")
    await page.locator("nav.nav").get_by_text("统计数据").click()
    await page.wait_for_url(re.compile(r"/statistics$"))
    await expect(page.get_by_role("heading", name=re.compile("领跑者统计数据"))).to_be_visible()
    await _panels_drawn(page, ["按领域", "按年度", "按省份（行政区划）"])
    await assert_no_raw_text(page)
    await shot(page, "public_statistics")
    card = page.locator("section.chart-card", has=page.get_by_role("heading", name="按省份（行政区划）"))
    async with page.expect_download() as info:
        await card.get_by_role("button", name="导出 CSV").click()
    data = Path(await (await info.value).path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "省份,领跑者数".encode() in data

    phone = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        small = await phone.new_page()
        await small.goto(portal.url + "/statistics")
        await _panels_drawn(small, ["按领域", "按年度", "按省份（行政区划）"])
        await _fits(small)
        await shot(small, "phone_public_statistics")
    finally:
        await phone.close()
