"""事件订阅 (webhooks) in the operator's portal: register a subscriber's endpoint pointing at a real receiver
on this machine, see the secret once, send a test event, read it in the delivery log (delivered, with its
attempt), redeliver it, and see a receiver answering 500 leave the delivery waiting. Photographed."""

from __future__ import annotations

import os
import re

from kit.testing.fixtures import wait_until
from kit.testing.receiver import Receiver
from playwright.async_api import expect
from standardwebhooks.webhooks import Webhook

from .conftest import assert_no_raw_text, login, shot

PASSWORD = "LpDemo2024"
PORT = int(os.environ.get("LP_BROWSER_WEBHOOK_PORT", "24540"))


async def test_operator_subscribes_and_reads_the_delivery_log(portal, new_page):
    receiver = Receiver(port=PORT)
    await receiver.up()
    try:
        page = await new_page()
        await login(page, portal, "operator01", PASSWORD)
        await page.get_by_text("事件订阅").first.click()
        await expect(page).to_have_url(portal.url + "/workspace/operator/webhooks")

        await page.get_by_role("button", name="新增订阅").click()
        dialog = page.locator(".el-dialog", has_text="新增订阅")
        await dialog.get_by_placeholder("如：某连锁超市有限公司、某市市场监督管理局").fill(
            "某市市场监督管理局"
        )
        await dialog.get_by_placeholder("姓名及联系电话或邮箱").fill("赵六 0571-88880000")
        await dialog.get_by_placeholder("以 https 开头的完整地址").fill(receiver.url)
        await shot(page, "webhooks_create")
        await dialog.get_by_role("button", name="创建").click()

        secret_box = page.locator("[data-test=webhook-secret]")
        await expect(secret_box).to_have_text(re.compile(r"^whsec_"))
        secret = (await secret_box.inner_text()).strip()
        await shot(page, "webhooks_secret_once")
        await page.get_by_role("button", name="我已保存").click()

        row = page.locator(".el-table__row", has_text="某市市场监督管理局")
        await expect(row.get_by_text("正常")).to_be_visible()
        await row.get_by_role("button", name="发送测试").click()
        await wait_until(lambda: len(receiver.received) == 1, timeout=15)
        assert (
            Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)["type"]
            == "webhook.test"
        )

        await page.get_by_role("button", name="刷新").first.click()
        await expect(row.get_by_text("送达 1")).to_be_visible()
        await assert_no_raw_text(page)
        await shot(page, "webhooks_list")

        await row.get_by_role("button", name="投递记录").click()
        drawer = page.locator(".el-drawer")
        await expect(drawer.get_by_text("已送达")).to_be_visible()
        await expect(drawer.get_by_text("测试事件")).to_be_visible()
        await drawer.get_by_role("button", name="详情").click()
        detail = page.locator(".el-dialog", has_text="投递详情")
        await expect(detail.get_by_text("HTTP 204")).to_be_visible()
        await shot(page, "webhooks_delivery_detail")
        await detail.locator(".el-dialog__headerbtn").click()

        receiver.mode = "error"
        await drawer.get_by_role("button", name="重新投递").click()
        await wait_until(lambda: len(receiver.received) > 1, timeout=15)
        assert receiver.ids()[0] == receiver.ids()[1]  # the same webhook-id
        await drawer.get_by_role("button", name="刷新").click()
        await expect(drawer.get_by_text("待投递")).to_be_visible()
        await expect(drawer.get_by_text("HTTP 500")).to_be_visible()
        await shot(page, "webhooks_delivery_log")
    finally:
        await receiver.down()
