"""开放数据 in the portal: the public page explains the open API and its downloads work; an operator issues a
key (shown once, copyable), sees it listed without the key, and revokes it after confirming."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from playwright.async_api import expect

from .conftest import login, shot

PASSWORD = "LpDemo2024"


async def test_public_open_data_page_downloads(portal, new_page):
    page = await new_page()
    await page.goto(portal.url + "/")
    await page.get_by_role("link", name="开放数据", exact=True).click()
    await expect(page.get_by_role("heading", name="开放数据")).to_be_visible()
    await expect(page.get_by_text("匿名调用每个来源地址每分钟 60 次")).to_be_visible()
    row = page.locator(".el-table__row", has_text="重点领域产品及评估方案")
    await shot(page, "public_open_data")
    async with page.expect_download() as info:
        await row.get_by_role("link", name="CSV").click()
    download = await info.value
    assert download.suggested_filename == "重点领域产品.csv"  # filename* (RFC 6266) over the ASCII one
    text = (await download.path()).read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:2] == ["产品编号", "重点领域产品"] and any(r[1] == "家用电冰箱" for r in rows)
    link = page.get_by_role("link", name="OpenAPI 文档（/api/open/v1/openapi.json）")
    assert await link.get_attribute("href") == "/api/open/v1/openapi.json"


async def test_operator_issues_and_revokes_a_key(portal, new_page):
    name = f"开放数据使用单位{uuid.uuid4().hex[:4]}"
    page = await new_page()
    await login(page, portal, "operator01", PASSWORD)
    await page.get_by_text("开放数据密钥").first.click()
    await expect(page.get_by_role("heading", name="开放数据密钥")).to_be_visible()
    await page.get_by_role("button", name="签发密钥").click()
    dialog = page.get_by_role("dialog", name="签发开放数据密钥")
    await dialog.get_by_placeholder("使用密钥的单位名称").fill(name)
    await dialog.get_by_placeholder("联系人及联系方式（仅运营人员可见）").fill("赵工 010-88888888")
    await dialog.get_by_role("button", name="签发").click()
    await expect(dialog.get_by_text("密钥只显示这一次")).to_be_visible()
    key = await dialog.locator(
        "input[data-test=issued-key], [data-test=issued-key] input"
    ).first.input_value()
    assert key.startswith("lpk_") and len(key) > 40
    await shot(page, "operator_api_key_issued")
    await dialog.get_by_role("button", name="完成").click()

    # the key works at the gateway, and the list shows only its beginning
    async with httpx.AsyncClient(base_url=portal.url) as api:
        r = await api.get("/api/open/v1/key-products", params={"limit": 1}, headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
    row = page.locator(".el-table__row", has_text=name)
    await expect(row.get_by_text("有效")).to_be_visible()
    assert key not in await page.inner_text("body")
    await shot(page, "operator_api_keys")

    await row.get_by_role("button", name="撤销").click()
    await page.get_by_role("dialog", name="撤销密钥").get_by_role("button", name="确定").click()
    await expect(row.get_by_text("已撤销")).to_be_visible()
