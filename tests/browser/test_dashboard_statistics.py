"""数据看板 (the working group's dashboard) and 统计数据 (the public statistics) in the browser, on a desktop and
on a 390 px phone: every panel is drawn (an ECharts canvas, or the empty text), each CSV button downloads the
service's numbers, no page is wider than the screen. Photographed."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect

from .conftest import assert_no_raw_text, login, shot

DEMO_PASSWORD = "LpDemo2024"
PANELS = ["申报漏斗（按阶段）", "当前名单状态", "审核通过率（按评估机构）", "评估机构审核用时", "本周结束的公示", "公示异议",
          "90 天内到期的证书（按月）"]  # fmt: skip


async def _fits(page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


async def _panels_drawn(page, titles: list[str]) -> None:
    for title in titles:
        card = page.locator("section.chart-card", has=page.get_by_role("heading", name=title, exact=True))
        await expect(card).to_be_visible()
        # a chart, or the panel says there is nothing to draw
        await expect(card.locator("canvas, .el-empty").first).to_be_visible()


async def test_dashboard_on_desktop_and_phone(portal, browser, new_page):
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
