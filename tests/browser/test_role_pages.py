"""The other people's pages: the operator decides a lost-phone request sent from the public form, the
agency reads its plans, refuses a bad candidate file with a report per cell and uploads a stamped
certificate, the working group creates a key-field product and designates its agency, and an enterprise
self-declares a 4-star product. Each main page is photographed."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect
from reportlab.pdfgen import canvas

from .conftest import assert_no_raw_text, login, random_credit_code, random_phone, shot

PASSWORD = "LpDemo2024"


def _pdf(path, text: str = "Authorisation") -> None:
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, text)
    c.save()


async def _choose(page: Page, placeholder: str, option: str) -> None:
    await page.locator(
        ".el-select:visible", has=page.locator(".el-select__placeholder", has_text=placeholder)
    ).first.click()
    await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


async def test_lost_phone_request_reaches_the_operator(portal, new_page, tmp_path):
    letter = tmp_path / "授权书.pdf"
    _pdf(letter)
    name = f"找回测试{uuid.uuid4().hex[:4]}有限公司"
    page = await new_page()
    await page.goto(portal.url + "/recovery")
    await page.get_by_role("button", name="提交申请").click()
    await expect(page.get_by_text("请上传加盖公章的授权书扫描件")).to_be_visible()
    await page.get_by_placeholder("请输入18位统一社会信用代码").fill(random_credit_code())
    await page.get_by_placeholder("请输入企业名称").fill(name)
    await page.get_by_placeholder("请输入联系人姓名").fill("李找回")
    await page.get_by_placeholder("选填，不填写将发送至原手机号").fill(random_phone())
    await page.get_by_placeholder("请说明原手机号不再使用的原因").fill("原联系人离职，手机号已停用。")
    await page.locator("input[type=file]").set_input_files(str(letter))
    await shot(page, "account_recovery_request")
    await page.get_by_role("button", name="提交申请").click()
    await expect(page.get_by_text("申请已提交")).to_be_visible()

    op = await new_page()
    await login(op, portal, "operator01", PASSWORD)
    await expect(op.get_by_text("账号找回申请").first).to_be_visible()
    row = op.locator(".el-table__row", has_text=name)
    await expect(row.get_by_text("待审核")).to_be_visible()
    await shot(op, "operator_recovery_requests")
    await row.get_by_role("button", name="审核").click()
    dialog = op.get_by_role("dialog", name="审核账号找回申请")
    await dialog.get_by_text("驳回", exact=True).click()
    await dialog.get_by_role("button", name="提交").click()
    await expect(op.get_by_text("请填写审核意见")).to_be_visible()  # checked before sending
    await dialog.get_by_placeholder("请说明审核依据，将记入审计日志").fill("授权书未加盖公章，请重新提交。")
    await dialog.get_by_role("button", name="提交").click()
    await expect(dialog).to_be_hidden()
    await op.get_by_text("待审核", exact=True).first.click()  # open the status filter
    await op.locator(".el-select-dropdown__item:visible", has_text="已驳回").click()
    await expect(op.locator(".el-table__row", has_text=name).get_by_text("已驳回")).to_be_visible()
    await assert_no_raw_text(op)


async def test_agency_pages(portal, new_page, tmp_path):
    page = await new_page()
    await login(page, portal, "agency01", PASSWORD)
    await page.goto(portal.url + "/workspace/agency/plans")
    fridge = page.locator(".el-table__row", has_text="家用电冰箱")
    await expect(fridge.get_by_text("已定稿")).to_be_visible()
    await shot(page, "agency_plans")
    await fridge.get_by_role("button", name="查看方案").click()
    await expect(page.get_by_text("版本记录")).to_be_visible()
    await expect(page.locator(".el-table__row input").first).to_have_value("energy_daily")
    await shot(page, "agency_plan_editor")
    await assert_no_raw_text(page)

    await page.goto(portal.url + "/workspace/agency/candidates")
    await shot(page, "agency_candidates")
    bad = tmp_path / "名单.csv"
    bad.write_text(
        "企业名称,统一社会信用代码,企业标准号,企业标准名称,联系电话\n测试企业,123,Q/X 1-2023,名称,555\n",
        encoding="utf-8",
    )
    await page.get_by_role("button", name="导入入围名单").click()
    dialog = page.get_by_role("dialog", name="导入入围名单")
    await _choose(page, "请选择", "家用电冰箱")
    await dialog.locator("input[type=file]").set_input_files(str(bad))
    await dialog.get_by_role("button", name="开始导入").click()
    await expect(dialog.get_by_text("未导入任何数据")).to_be_visible()
    await expect(dialog.locator(".el-table__row").first).to_be_visible()  # one line per bad cell
    await shot(page, "agency_candidate_import_report")
    await dialog.get_by_role("button", name="关闭", exact=True).click()

    await page.goto(portal.url + "/workspace/agency/certificates")
    await shot(page, "agency_certificates")
    rows = page.locator(".el-table__row", has_text="未回传")
    if await rows.count():
        stamped = tmp_path / "盖章证书.pdf"
        _pdf(stamped, "Stamped")
        row = rows.first
        number = (await row.locator("td").nth(1).inner_text()).strip()
        await row.locator("input[type=file]").set_input_files(str(stamped))
        await expect(page.locator(".el-table__row", has_text=number).get_by_text("已回传")).to_be_visible()


async def test_working_group_creates_and_designates(portal, new_page):
    page = await new_page()
    await login(page, portal, "workgroup01", PASSWORD)
    code = f"BR-{uuid.uuid4().hex[:6].upper()}"
    await page.goto(portal.url + "/workspace/group/products")
    await page.get_by_role("button", name="新增重点领域产品").click()
    dialog = page.get_by_role("dialog", name="新增重点领域产品")
    await dialog.get_by_placeholder("例如 JD-001").fill(code)
    await dialog.get_by_placeholder("例如 家用电冰箱").fill(f"浏览器测试产品{code[-4:]}")
    await dialog.get_by_placeholder("例如 家用电器").fill("测试领域")
    await dialog.get_by_role("button", name="保存").click()
    await expect(dialog).to_be_hidden()
    row = page.locator(".el-table__row", has_text=code)
    await expect(row.get_by_text("未指定")).to_be_visible()
    await row.get_by_role("button", name="指定机构").click()
    await _choose(page, "请选择评估机构", "中国家用电器研究院")
    await (
        page.get_by_role("dialog", name=re.compile("指定评估机构")).get_by_role("button", name="确定").click()
    )
    await expect(row.get_by_text("中国家用电器研究院")).to_be_visible()
    await shot(page, "group_key_products")
    # 撤销指定: a reason is required; afterwards the product has no agency and can be designated again
    await row.get_by_role("button", name="撤销指定").click()
    withdraw = page.get_by_role("dialog", name=re.compile("撤销评估机构指定"))
    await withdraw.get_by_role("button", name="确定撤销").click()
    await expect(withdraw.get_by_text("请填写撤销原因")).to_be_visible()
    await withdraw.get_by_placeholder("请填写撤销原因，将告知该评估机构").fill("浏览器测试：机构资质到期")
    await withdraw.get_by_role("button", name="确定撤销").click()
    await expect(withdraw).to_be_hidden()
    await expect(row.get_by_text("未指定")).to_be_visible()
    await expect(row.get_by_role("button", name="指定机构")).to_be_visible()
    for path, name in [
        ("/workspace/group/reviews", "group_reviews"),
        ("/workspace/group/notices", "group_notices"),
        ("/workspace/group/objections", "group_objections"),
        ("/workspace/group/certificates", "group_certificates"),
    ]:
        await page.goto(portal.url + path)
        await expect(page.locator(".page-title")).to_be_visible()
        await assert_no_raw_text(page)
        await shot(page, name)


async def test_star_self_declaration(portal, new_page, api):
    products = (await api.get("/api/benchmark/products", params={"open": "true", "page_size": 100})).json()[
        "items"
    ]
    product = next(p for p in products if p["name"] == "家用电冰箱")
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    page = await new_page()
    await login(page, portal, "91110108MA01C2Q57B", PASSWORD)
    dialog = page.get_by_role("dialog", name="企标领跑者企业身份认证")
    if await dialog.is_visible():
        await dialog.get_by_role("button", name="稍后认证").click()
    await page.goto(portal.url + "/workspace/enterprise/star-declarations")
    await shot(page, "enterprise_star_declarations")
    await page.get_by_role("button", name="新增产品").click()
    await _choose(page, "请选择重点领域产品", "家用电冰箱")
    model = f"BCD-{uuid.uuid4().hex[:4].upper()}"
    await page.get_by_placeholder("请输入产品名称").fill("节能双门冰箱")
    await page.get_by_placeholder("请输入型号/规格").fill(model)
    await page.locator(".el-radio-button", has_text="4星级").click()
    await page.get_by_role("button", name="下一步").click()
    inputs = page.get_by_placeholder("请输入数值")
    await expect(inputs).to_have_count(len(plan["indicators"]))
    for n, i in enumerate(plan["indicators"]):
        await inputs.nth(n).fill(str(i["stars"][3]))  # exactly the 4-star threshold
    await page.get_by_role("button", name="开始对标").click()
    await expect(page.get_by_text("对标成功：全部核心指标达到要求")).to_be_visible()
    # the header and the result name the same basis in the same words
    basis = page.get_by_text(re.compile(r"对标依据：质量分级标准（第 \d+ 版）"))
    await expect(basis).to_have_count(2)
    await expect(page.get_by_text(re.compile("评估方案第"))).to_have_count(0)
    await shot(page, "enterprise_star_benchmark")
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_placeholder("请简要介绍产品的主要特点、适用范围等").fill("双门设计，节能静音。")
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_role("button", name="提交").click()
    await expect(page.get_by_text("自我声明提交成功")).to_be_visible()
    await shot(page, "enterprise_star_declared")
    await page.get_by_role("button", name="返回列表").click()
    await expect(page.locator(".el-table__row", has_text=model).get_by_text("已声明")).to_be_visible()
    await assert_no_raw_text(page)
    # 星级产品: the five stars fit their column (no clipping, no ellipsis)
    star_cell = page.locator(".el-table__row", has_text=model).locator(".star-col .cell")
    for _ in range(30):  # the star product arrives through an event
        await page.goto(portal.url + "/workspace/enterprise/star-products")
        await page.wait_for_load_state("networkidle")
        if await star_cell.count():
            break
        await page.wait_for_timeout(1000)
    await expect(star_cell).to_be_visible()
    assert await star_cell.evaluate("c => c.scrollWidth <= c.clientWidth"), "the star column is clipped"
    await shot(page, "enterprise_star_products")
