"""The public pages on a phone (390 px, what a shop assistant scanning a label holds): the header is one
compact row, the menu one line whose items never wrap (it scrolls sideways), and no page is wider than
the screen. The desktop header keeps its full title. Photographed."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .conftest import shot

PAGES = ["/", "/verify", "/forerunners", "/notices", "/mall", "/statistics", "/audit-heads", "/open-data"]


@pytest.mark.parametrize("path", PAGES)
async def test_public_page_fits_a_phone(portal, browser, path):
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = await context.new_page()
    try:
        await page.goto(portal.url + path)
        await page.wait_for_load_state("networkidle")
        # the brand and the account links in one row (the menu is the header's second row)
        row = await page.locator("header.top > .inner").bounding_box()
        assert row is not None and row["height"] <= 64, row
        # every menu item on one line: as tall as the shortest, however long its label
        heights = [
            box["height"]
            for item in await page.locator("nav.nav .nav-item").all()
            if (box := await item.bounding_box()) is not None
        ]
        assert len(heights) == 6 and max(heights) <= min(heights) + 1, heights
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
        # no text squeezed to a character per line: every card title of the home page is wider than tall
        for title in await page.locator(".e-title").all():
            box = await title.bounding_box()
            assert box is not None and box["width"] > box["height"], box
        if path in ("/", "/verify", "/mall"):
            await shot(page, "phone_public_" + (path.strip("/") or "home"))
    finally:
        await context.close()


async def test_desktop_header_keeps_the_full_title(portal, new_page):
    page = await new_page()
    await page.goto(portal.url + "/")
    await expect(page.locator("header.top").get_by_text("质量分级及“领跑者”管理信息平台")).to_be_visible()
    header = await page.locator("header.top").bounding_box()
    assert header is not None and header["width"] >= 1400
