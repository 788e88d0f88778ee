"""The audit chains' pages: anyone opens 审计链头公示 from the footer and sees each service's daily heads
with what they prove; the operator's 审计链校验 shows every service's chains intact. Both photographed."""

from __future__ import annotations

from playwright.async_api import expect

from .conftest import assert_no_raw_text, login, shot

PASSWORD = "LpDemo2024"
SERVICES = ("账号与身份", "重点领域产品与评价方案", "领跑者申报", "证书与标识")


async def test_public_heads_page_from_the_footer(portal, new_page):
    page = await new_page()
    await page.goto(portal.url + "/")
    await page.get_by_role("link", name="审计链头公示").click()
    await expect(page).to_have_url(portal.url + "/audit-heads")
    await expect(page.get_by_text("这些链头能证明什么")).to_be_visible()
    table = page.locator("[data-test=audit-heads]")
    for chain in ("审计日志", "撤销机构确定记录", "申报审核记录", "证书变更记录"):
        await expect(table.get_by_text(chain).first).to_be_visible(timeout=20_000)
    # every head shows its hash, or says its chain was still empty that day (sequence 0)
    rows = table.locator("tbody tr")
    hashes = await table.locator("code.hash").all_inner_texts()
    empty = await table.get_by_text("当日尚无记录").count()
    assert await rows.count() == len(hashes) + empty > 0
    assert all(len(h.strip()) == 64 for h in hashes)
    await shot(page, "audit_heads_public")
    await assert_no_raw_text(page)


async def test_operator_sees_every_chain_intact(portal, new_page):
    page = await new_page()
    await login(page, portal, "operator01", PASSWORD)
    await page.get_by_text("审计链校验").first.click()
    await expect(page).to_have_url(portal.url + "/workspace/operator/audit")
    for service in ("auth", "benchmark", "declaration", "certificate"):
        card = page.locator(f"[data-test=audit-{service}]")
        await expect(card.get_by_text("完好", exact=True)).to_be_visible(timeout=20_000)
        await expect(card.get_by_text("行校验通过")).to_be_visible()
    for name in SERVICES:
        await expect(page.get_by_text(name, exact=True)).to_be_visible()
    await shot(page, "audit_chains_operator")
    await assert_no_raw_text(page)
