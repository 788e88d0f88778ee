"""The seed's "原预留手机号不再使用且不知道登录密码" path in Chromium: the request is filed on the public page,
the account's current phone is told, the operator compares the claims with what is registered and approves,
the cooling-off period passes (the platform clock is moved, not slept), the new password arrives on the new
phone, the stored phone is replaced and the old phone told. The owner then changes its 联系电话 once more the
verified way (基本信息 → 修改联系电话). A request someone else filed is refused with the code from the SMS."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta

import redis.asyncio as aioredis
from playwright.async_api import Page, expect

from .conftest import (
    assert_no_raw_text,
    latest_code,
    login,
    random_credit_code,
    random_phone,
    shot,
    sms_messages,
)

CLOCK_KEY = "lp:clock:offset"
OPERATOR = ("operator01", "LpDemo2024")


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _letter() -> dict:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, "Authorisation letter")
    c.save()
    return {"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": out.getvalue()}


async def _ready_enterprise(api, name: str) -> dict:
    """Registered through the API with its password changed: an enterprise that has been working for a while."""
    phone, credit = random_phone(), random_credit_code()
    r = await api.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.text
    r = await api.post(
        "/api/auth/register",
        json={
            "enterprise_name": name,
            "credit_code": credit,
            "contact_name": "张三",
            "phone": phone,
            "sms_code": await latest_code(api, phone),
        },
    )
    assert r.status_code == 201, r.text
    text = next(m["text"] for m in await sms_messages(api, phone) if "登录密码" in m["text"])
    generated = re.search(r"登录密码为\s*([^\s,，。]+)", text).group(1)
    r = await api.post("/api/auth/login", json={"login_name": credit, "password": generated})
    password = "Lp" + phone[-6:] + "rc"
    r = await api.post(
        "/api/auth/password",
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
        json={"current_password": generated, "new_password": password},
    )
    assert r.status_code == 204, r.text
    return {"phone": phone, "credit_code": credit, "password": password, "name": name}


async def _wait_sms(api, phone: str, words: str, timeout: float = 60) -> str:
    for _ in range(int(timeout / 0.5)):
        found = next((m["text"] for m in await sms_messages(api, phone) if words in m["text"]), None)
        if found:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"no SMS with {words!r} for {phone}")


async def _dismiss_identity_popup(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="企标领跑者企业身份认证")
    try:
        await dialog.wait_for(state="visible", timeout=4000)
    except Exception:
        return
    await dialog.get_by_role("button", name=re.compile("等待评估机构名单|稍后认证|我知道了")).first.click()
    await expect(dialog).to_be_hidden()


async def test_lost_phone_recovery_replaces_the_stored_phone_and_tells_the_old_one(portal, new_page, api):
    owner = await _ready_enterprise(api, f"找回旅程测试电器{random_phone()[-4:]}有限公司")
    new_phone = random_phone()

    # -- the public request ------------------------------------------------------------------------------
    page = await new_page()
    await page.goto(portal.url + "/login")
    await page.get_by_role("link", name="忘记密码").click()
    await page.get_by_role("link", name="原手机号不再使用？").click()
    await expect(page.get_by_role("heading", name="原手机号不可用申请")).to_be_visible()
    await page.get_by_placeholder("请输入18位统一社会信用代码").fill(owner["credit_code"])
    await page.get_by_placeholder("请输入企业名称").fill(owner["name"])
    await page.get_by_placeholder("请输入联系人姓名").fill("张三")
    await page.get_by_placeholder("选填，不填写将发送至原手机号").fill(new_phone)
    await page.get_by_placeholder("请说明原手机号不再使用的原因").fill("原手机号已停机，忘记登录密码")
    await page.locator("input[type=file]").set_input_files(_letter())
    await shot(page, "recovery_request_form")
    await page.get_by_role("button", name="提交申请").click()
    await expect(page.get_by_text("申请已提交")).to_be_visible()

    # The account's current phone hears of it at once, with a code that would refuse it.
    filed = await _wait_sms(api, owner["phone"], "账号找回申请")
    assert _masked(new_phone) in filed and "撤销码" in filed

    # -- the operator compares and approves ----------------------------------------------------------------
    op = await new_page()
    await login(op, portal, *OPERATOR)
    await op.goto(portal.url + "/workspace/operator/recovery")
    row = op.locator(".el-table__row", has_text=owner["credit_code"])
    await expect(row.get_by_text("一致", exact=True)).to_be_visible()
    await row.get_by_role("button", name="审核").click()
    dialog = op.get_by_role("dialog", name="审核账号找回申请")
    compare = dialog.locator("table.compare")
    await expect(compare.locator("tr[data-field=enterprise_name]")).to_contain_text(owner["name"])
    await expect(compare.locator("tr[data-field=new_phone]")).to_contain_text(_masked(owner["phone"]))
    await expect(compare.locator("tr[data-field=new_phone]")).to_contain_text(_masked(new_phone))
    await expect(compare.locator("tr.mismatch")).to_have_count(0)
    await assert_no_raw_text(op)
    await shot(op, "operator_recovery_review")
    await dialog.get_by_text("通过（冷静期后重置密码并短信发送）").click()
    await dialog.get_by_placeholder("请说明审核依据，将记入审计日志").fill("授权书与营业执照一致")
    await dialog.get_by_role("button", name="提交").click()
    await expect(dialog).to_be_hidden()

    # Approval alone changes nothing: the requester is told when it takes effect, the owner can still refuse.
    await _wait_sms(api, new_phone, "生效")
    assert not [m for m in await sms_messages(api, new_phone) if "新登录密码为" in m["text"]]
    approved = await _wait_sms(api, owner["phone"], "审核通过")
    assert "确认码" in approved and "撤销码" in approved

    # -- the cooling-off period passes -------------------------------------------------------------------
    redis = aioredis.from_url(portal.redis_url)
    try:
        await redis.incrbyfloat(CLOCK_KEY, timedelta(days=1, hours=1).total_seconds())
    finally:
        await redis.aclose()
    text = await _wait_sms(api, new_phone, "新登录密码为", timeout=90)
    password = re.search(r"新登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    told = await _wait_sms(api, owner["phone"], "已由本号码更换为")
    assert _masked(new_phone) in told

    op = await new_page()  # a day later: a new sign-in
    await login(op, portal, *OPERATOR)
    await op.goto(portal.url + "/workspace/operator/recovery")
    await op.locator(".el-select", has_text="待审核").click()
    await op.get_by_role("option", name="已生效").click()
    await expect(op.locator(".el-table__row", has_text=owner["credit_code"])).to_contain_text("已生效")
    await shot(op, "operator_recovery_completed")

    # -- the owner logs in with the new phone; the stored phone is the new one ----------------------------
    ent = await new_page()
    await login(ent, portal, new_phone, password)
    await expect(ent).to_have_url(re.compile(r"/workspace/password"))
    await ent.get_by_placeholder("请输入当前密码").fill(password)
    fresh = "Nw" + new_phone[-6:] + "pq"
    await ent.get_by_placeholder(re.compile("8-128 个字符")).fill(fresh)
    await ent.get_by_placeholder("确认密码与新密码保持一致").fill(fresh)
    await ent.get_by_role("button", name="修改密码").last.click()
    await ent.wait_for_url(re.compile(r"/login|/workspace/enterprise"))
    if "/login" in ent.url:
        await login(ent, portal, new_phone, fresh)
    await _dismiss_identity_popup(ent)
    await ent.goto(portal.url + "/workspace/enterprise/profile")
    phone_field = ent.get_by_label("联系电话", exact=True)
    await expect(phone_field).to_have_value(new_phone)
    await expect(phone_field).to_be_disabled()

    # -- 修改联系电话 the verified way (the seed's answer when the authentication phone is wrong) ------------
    third = random_phone()
    await ent.get_by_role("button", name="修改联系电话").click()
    change = ent.get_by_role("dialog", name="修改联系电话")
    await change.get_by_placeholder("请输入新的手机号").fill(third)
    await change.get_by_role("button", name="获取验证码").click()
    await expect(change.get_by_role("button", name=re.compile(r"\d+秒后重新获取"))).to_be_disabled()
    await change.get_by_placeholder("6位验证码").fill(await latest_code(api, third))
    await change.get_by_placeholder("请输入当前登录密码").fill("Wrong" + fresh)
    await change.get_by_role("button", name="确认修改").click()
    await expect(ent.get_by_text("当前密码不正确").first).to_be_visible()
    await change.get_by_placeholder("请输入当前登录密码").fill(fresh)
    await shot(ent, "enterprise_change_phone")
    await change.get_by_role("button", name="确认修改").click()
    await expect(change).to_be_hidden()
    await expect(phone_field).to_have_value(third)
    moved = await _wait_sms(api, new_phone, "其他登录设备已下线")
    assert _masked(third) in moved
    await assert_no_raw_text(ent)
    await shot(ent, "enterprise_basic_info_after_phone_change")


async def test_a_request_filed_by_someone_else_is_marked_and_refused_with_the_sms_code(portal, new_page, api):
    owner = await _ready_enterprise(api, f"冒领拒绝测试电器{random_phone()[-4:]}有限公司")
    attacker_phone = random_phone()
    r = await api.post(
        "/api/auth/recovery-requests",
        data={
            "credit_code": owner["credit_code"],
            "enterprise_name": "随便写的公司",
            "contact_name": "某人",
            "new_phone": attacker_phone,
            "reason": "原手机号已停机",
        },
        files={"letter": ("a.pdf", _letter()["buffer"], "application/pdf")},
    )
    assert r.status_code == 201, r.text
    filed = await _wait_sms(api, owner["phone"], "账号找回申请")
    code = re.search(r"撤销码 ([2-9A-Z]{10})", filed).group(1)

    op = await new_page()
    await login(op, portal, *OPERATOR)
    await op.goto(portal.url + "/workspace/operator/recovery")
    row = op.locator(".el-table__row", has_text=owner["credit_code"])
    await expect(row.get_by_text("2 处不一致")).to_be_visible()
    await row.get_by_role("button", name="审核").click()
    dialog = op.get_by_role("dialog", name="审核账号找回申请")
    await expect(dialog.get_by_text("申请人填写的信息与平台登记信息有 2 处不一致")).to_be_visible()
    await expect(dialog.locator("tr.mismatch")).to_have_count(2)
    await expect(dialog.locator("tr[data-field=contact_name]")).to_contain_text("不一致")
    await shot(op, "operator_recovery_mismatches")
    await dialog.get_by_role("button", name="取消").click()

    # Signed in, the owner sees the request on 基本信息 (it could cancel there without the old phone).
    ent = await new_page()
    await login(ent, portal, owner["credit_code"], owner["password"])
    await _dismiss_identity_popup(ent)
    await ent.goto(portal.url + "/workspace/enterprise/profile")
    alert = ent.locator(".recovery-alert")
    await expect(alert).to_contain_text("有人以本企业名义提交了账号找回申请")
    await expect(alert).to_contain_text("随便写的公司")
    await expect(alert).to_contain_text(_masked(attacker_phone))
    await shot(ent, "enterprise_recovery_alert")

    # The owner follows the link in the SMS: the code is filled in, one click refuses the request.
    owner_page = await new_page()
    await owner_page.goto(portal.url + f"/recovery/cancel?code={code}")
    await expect(owner_page.get_by_role("heading", name="撤销账号找回申请")).to_be_visible()
    await expect(owner_page.get_by_placeholder("请输入短信中的10位撤销码")).to_have_value(code)
    await owner_page.get_by_role("button", name="撤销申请").click()
    await expect(owner_page.get_by_text("申请已撤销", exact=True)).to_be_visible()
    await shot(owner_page, "recovery_cancelled_by_owner")
    await owner_page.goto(portal.url + f"/recovery/cancel?code={code}")
    await owner_page.get_by_role("button", name="撤销申请").click()
    await expect(owner_page.get_by_text("该申请已撤销，无需撤销").first).to_be_visible()

    await ent.reload()
    await expect(ent.get_by_label("联系电话", exact=True)).to_have_value(owner["phone"])
    await expect(ent.locator(".recovery-alert")).to_have_count(0)

    await op.reload()
    await op.locator(".el-select", has_text="待审核").click()
    await op.get_by_role("option", name="已撤销").click()
    await expect(op.locator(".el-table__row", has_text=owner["credit_code"])).to_contain_text("已撤销")
    assert not [m for m in await sms_messages(api, attacker_phone) if "密码" in m["text"]]


async def test_the_signed_in_owner_cancels_from_basic_info(portal, new_page, api):
    owner = await _ready_enterprise(api, f"登录撤销测试电器{random_phone()[-4:]}有限公司")
    r = await api.post(
        "/api/auth/recovery-requests",
        data={
            "credit_code": owner["credit_code"],
            "enterprise_name": owner["name"],
            "contact_name": "张三",
            "new_phone": random_phone(),
            "reason": "原手机号已停机",
        },
        files={"letter": ("a.pdf", _letter()["buffer"], "application/pdf")},
    )
    assert r.status_code == 201, r.text
    ent = await new_page()
    await login(ent, portal, owner["credit_code"], owner["password"])
    await _dismiss_identity_popup(ent)
    await ent.goto(portal.url + "/workspace/enterprise/profile")
    alert = ent.locator(".recovery-alert")
    await alert.get_by_role("button", name="撤销申请").click()
    await ent.get_by_role("dialog", name="撤销账号找回申请").get_by_role("button", name="确定").click()
    await expect(ent.get_by_text("账号找回申请已撤销").first).to_be_visible()
    await expect(alert).to_have_count(0)
    told = await _wait_sms(api, owner["phone"], "已撤销")
    assert owner["name"] in told
