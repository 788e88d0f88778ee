"""The seed's second route to the forerunner certificate, in the browser: a brand-new enterprise (on no
candidate list anywhere) registers, sees the menus the seed's table shows before identity authentication,
self-declares a standard (wizard: 对标, products, evidence, submit) and the agency passes it in its page; the
standard is then on the agency's list as 企业自主申报 with the phone of the enterprise's 基本信息, so the
enterprise authenticates with that phone and sees the full menu; the working group passes it, the 14-day
notice ends (the platform clock is moved, not slept) and the enterprise downloads its certificate and
applies for and downloads a label. Before authentication the services refuse certificates and labels
through the API too (403 forerunner_auth_required), and the portal's guard sends the page back."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import redis.asyncio as aioredis
from playwright.async_api import Page, expect

from .conftest import (
    assert_no_raw_text,
    claim_label_png,
    demo_open_product,
    latest_code,
    login,
    pass_wizard_from_comparison,
    random_credit_code,
    random_phone,
    shot,
    sms_messages,
)
from .test_forerunner_journey import (
    AGENCY,
    CLOCK_KEY,
    PRODUCT,
    WORKING_GROUP,
    _choose,
    _pdf,
    _token,
    _values,
    _wait_for,
)

# The seed's table (领跑者企业身份认证): the enterprise menus before and after identity authentication.
MENU_BEFORE = ["基本信息", "品牌信息", "企标领跑者申报", "自我声明产品", "星级产品", "标准检索"]
MENU_AFTER = [
    "基本信息",
    "品牌信息",
    "企标领跑者申报",
    "证明资料上传",
    "领跑者证书",
    "领跑者标识",
    "自我声明产品",
    "星级产品",
    "标准检索",
]
GATED = ["证明资料上传", "领跑者证书", "领跑者标识"]


async def _menu(page: Page) -> list[str]:
    items = page.locator(".side-menu .el-menu-item")
    await expect(items.first).to_be_visible()
    return [t.strip() for t in await items.all_inner_texts()]


async def _dismiss_identity_dialog(page: Page) -> None:
    """The login may show the identity dialog (not eligible yet); close it as a person would."""
    dialog = page.get_by_role("dialog", name="企标领跑者企业身份认证")
    try:
        await expect(dialog).to_be_visible(timeout=5_000)
    except AssertionError:
        return
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()


async def generated_password(api: httpx.AsyncClient, phone: str) -> str:
    """The password of the registration SMS (sent right after registration)."""

    async def sent():
        return next((m["text"] for m in await sms_messages(api, phone) if "登录密码" in m["text"]), None)

    text = await _wait_for(sent, "the password SMS", 30)
    return re.search(r"登录密码为\s*([^\s,，。]+)", text).group(1)


async def _register(page: Page, portal, api: httpx.AsyncClient, *, name: str, credit: str, phone: str) -> str:
    """Register through the portal, change the generated password; returns the new password."""
    await page.goto(portal.url + "/register")
    await page.get_by_placeholder("请输入营业执照上的企业名称").fill(name)
    await page.get_by_placeholder("请输入18位统一社会信用代码").fill(credit)
    await page.get_by_placeholder("请输入联系人姓名").fill("王自主")
    await page.get_by_placeholder("用于接收登录密码").fill(phone)
    await page.get_by_role("button", name="获取验证码").click()
    await page.get_by_placeholder("6位验证码").fill(await latest_code(api, phone))
    await page.get_by_role("button", name="注 册").click()
    await expect(page.get_by_text("注册成功")).to_be_visible()
    generated = await generated_password(api, phone)

    await login(page, portal, credit, generated)
    await expect(page).to_have_url(re.compile(r"/workspace/password"))
    new_password = "Zz" + phone[-6:] + "self"
    await page.get_by_placeholder("请输入当前密码").fill(generated)
    fields = page.locator(".el-form input[type=password]")
    await fields.nth(1).fill(new_password)
    await fields.nth(2).fill(new_password)
    await page.get_by_role("button", name="修改密码").last.click()
    await page.wait_for_url(re.compile(r"/login|/workspace/enterprise"))
    if "/login" in page.url:
        await login(page, portal, credit, new_password)
    return new_password


async def test_self_declared_enterprise_reaches_certificate_and_label(portal, new_page, api, tmp_path):
    product = await demo_open_product(api, PRODUCT)
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    phone, credit = random_phone(), random_credit_code()
    serial = phone[-4:]
    name = f"自主申报电器{serial}有限公司"
    standard_no = f"Q/ZZSB {serial}-2024"
    model = f"BCD-{serial}ZZ"
    pdf = tmp_path / "检测报告.pdf"
    _pdf(pdf)

    # -- a brand-new enterprise: on no candidate list, the menus of the seed's "before" column ---------------
    ent = await new_page()
    password = await _register(ent, portal, api, name=name, credit=credit, phone=phone)
    await _dismiss_identity_dialog(ent)
    assert await _menu(ent) == MENU_BEFORE
    await expect(ent.get_by_text("企业用户 · 未认证")).to_be_visible()
    await shot(ent, "self_route_menu_before_authentication")
    # the portal's guard reflects the rule ...
    await ent.goto(portal.url + "/workspace/enterprise/certificates")
    await expect(ent.get_by_text("请先完成领跑者企业身份认证").first).to_be_visible()
    await expect(ent).to_have_url(re.compile(r"/workspace/enterprise/declarations$"))
    # ... which the services own: the API refuses the same before authentication
    before = {"Authorization": f"Bearer {await _token(api, credit, password)}"}
    for method, path in [("GET", "/api/certificates"), ("GET", "/api/declarations?origin=candidate")]:
        r = await api.request(method, path, headers=before)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forerunner_auth_required", (
            path,
            r.text,
        )
    eligible = (await api.get("/api/auth/forerunner-auth", headers=before)).json()
    assert eligible["eligible"] is False

    # -- self-declaration in the wizard: 对标, products, evidence, submit ---------------------------------------
    await ent.goto(portal.url + "/workspace/enterprise/declarations")
    await _dismiss_identity_dialog(ent)
    await ent.get_by_role("button", name="新增申报").click()
    await _choose(ent, "请选择重点领域产品", PRODUCT)
    await ent.get_by_placeholder("例如 Q/MP 102-2021").fill(standard_no)
    await ent.get_by_placeholder("请输入企业标准名称").fill("家用电冰箱企业标准")
    await ent.get_by_role("button", name="下一步").click()
    inputs = ent.get_by_placeholder("请输入数值")
    await expect(inputs).to_have_count(len(plan["indicators"]))
    # the wizard's own evidence step comes before identity authentication and works
    await pass_wizard_from_comparison(
        ent,
        _values(plan, passing=True),
        product_name="自主申报冰箱",
        model=model,
        evidence=pdf,
        shots={"evidence": "self_route_wizard_evidence"},
    )
    row = ent.locator(".el-table__row", has_text=standard_no)
    await expect(row.get_by_text("评估机构未提交")).to_be_visible()

    # -- the agency passes it; its list now holds the standard as 企业自主申报 with the basic-info phone -------
    agency = await new_page()
    await login(agency, portal, *AGENCY)
    await agency.goto(portal.url + "/workspace/agency/reviews")
    arow = agency.locator(".el-table__row", has_text=standard_no)
    await arow.get_by_role("button", name="审核", exact=True).click()
    review = agency.get_by_role("dialog", name="评估机构审核")
    await review.get_by_placeholder(re.compile("不通过或不完整时")).fill("对标结果与证明资料符合要求。")
    await review.get_by_role("button", name="提交审核").click()
    await expect(review).to_be_hidden()
    masked = f"{phone[:3]}****{phone[-4:]}"
    await agency.goto(portal.url + "/workspace/agency/candidates")
    listed = agency.locator(".el-table__row", has_text=standard_no)
    await expect(listed.get_by_text("企业自主申报")).to_be_visible()
    await expect(listed.get_by_text(masked)).to_be_visible()
    await expect(listed.get_by_role("button", name="修改联系电话")).to_have_count(0)
    await assert_no_raw_text(agency)
    await shot(agency, "self_route_agency_candidate_list")

    # -- identity authentication with the phone of the enterprise's 基本信息 ---------------------------------
    async def offered():
        r = await api.get("/api/auth/forerunner-auth", headers=before)
        return r.json()["eligible"]

    await _wait_for(offered, "the self-declared standard to make the enterprise eligible", 60)
    await ent.reload()
    dialog = ent.get_by_role("dialog", name="企标领跑者企业身份认证")
    if not await dialog.is_visible():
        await ent.get_by_role("button", name="领跑者企业身份认证").click()
    await expect(dialog.get_by_text(masked)).to_be_visible()
    await dialog.get_by_text(masked).click()
    seen = len(await sms_messages(api, phone))
    await dialog.get_by_role("button", name="获取验证码").click()
    await expect(dialog.get_by_role("button", name=re.compile(r"秒后重新获取"))).to_be_visible()
    await dialog.get_by_placeholder("请输入6位验证码").fill(await latest_code(api, phone, seen=seen))
    await shot(ent, "self_route_identity_dialog")
    await dialog.get_by_role("button", name="确定").click()
    await expect(dialog).to_be_hidden()
    await expect(ent.get_by_text("企业用户 · 已认证")).to_be_visible()
    assert await _menu(ent) == MENU_AFTER
    await shot(ent, "self_route_menu_after_authentication")

    # -- the working group passes it: the 14-day notice --------------------------------------------------------
    group = await new_page()
    await login(group, portal, *WORKING_GROUP)
    await group.goto(portal.url + "/workspace/group/reviews")
    grow = group.locator(".el-table__row", has_text=standard_no)
    await grow.get_by_role("button", name="复审").click()
    second = group.get_by_role("dialog", name="工作组复审")
    await second.get_by_role("button", name="提交审核").click()
    await expect(second).to_be_hidden()

    # -- the notice ends: certificate and label -----------------------------------------------------------------
    redis = aioredis.from_url(portal.redis_url)
    await redis.incrbyfloat(CLOCK_KEY, timedelta(days=15).total_seconds())
    try:
        after = {"Authorization": f"Bearer {await _token(api, credit, password)}"}

        async def certificate():
            r = await api.get("/api/certificates", params={"keyword": standard_no}, headers=after)
            items = r.json().get("items", []) if r.status_code == 200 else []
            return next((c for c in items if c["standard_no"] == standard_no), None)

        cert = await _wait_for(certificate, "the certificate of the published self-declaration", 120)

        await login(ent, portal, credit, password)
        assert await _menu(ent) == MENU_AFTER
        await ent.goto(portal.url + "/workspace/enterprise/certificates")
        crow = ent.locator(".el-table__row", has_text=cert["number"])
        await expect(crow.get_by_text("无章版")).to_be_visible()
        async with ent.expect_download() as dl:
            await crow.get_by_role("button", name="下载证书").click()
        assert (await (await dl.value).path()).read_bytes().startswith(b"%PDF")
        await shot(ent, "self_route_certificates")

        await claim_label_png(ent, portal, model)
        await shot(ent, "self_route_labels")
    finally:
        await redis.incrbyfloat(CLOCK_KEY, -timedelta(days=15).total_seconds())
        await redis.aclose()
