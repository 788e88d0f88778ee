"""The 14-day notice made visible and ended from the operator's clock page, and the rough edges met on the
way: a brand-new enterprise (no candidate row anywhere) self-declares through the API up to its evidence,
sees 已上传，待提交 beside 3/3, is asked for 企业性质 and 行政区划 inline where the submission needs them,
meets the marked confirmation box, uploads its logo on selection; the working group sees the designated
agency and the notice (start, end, days left, objections); the enterprise and the public see it too; the
operator moves the platform clock 15 days on the 平台时钟 page and the notice ends in publication; the
public list opens on the latest year with a list; the verification page works without JavaScript on a
390 px wide phone and answers 404 for an unknown code."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image
from playwright.async_api import Page, expect

from .conftest import latest_code, login, random_credit_code, random_phone, shot, sms_messages

DEMO_PASSWORD = "LpDemo2024"
PRODUCT = "家用电冰箱"
AGENCY_NAME = "中国家用电器研究院"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _token(api: httpx.AsyncClient, name: str, password: str) -> str:
    r = await api.post("/api/auth/login", json={"login_name": name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def _new_enterprise(api: httpx.AsyncClient) -> dict:
    """Registered through the API, generated password changed: ready to log in, nothing else filled."""
    phone, credit = random_phone(), random_credit_code()
    name = f"公示测试电器{phone[-4:]}有限公司"
    r = await api.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.text
    r = await api.post("/api/auth/register", json={
        "enterprise_name": name, "credit_code": credit, "contact_name": "张公示", "phone": phone,
        "sms_code": await latest_code(api, phone)})  # fmt: skip
    assert r.status_code == 201, r.text
    sms = next(m["text"] for m in await sms_messages(api, phone) if "登录密码" in m["text"])
    generated = re.search(r"登录密码为\s*([^\s,，。]+)", sms).group(1)
    password = "Nt" + phone[-6:] + "xz"
    r = await api.post("/api/auth/password", headers=_bearer(await _token(api, credit, generated)),
                       json={"current_password": generated, "new_password": password})  # fmt: skip
    assert r.status_code == 204, r.text
    return {"credit_code": credit, "password": password, "name": name, "phone": phone}


async def _draft_with_evidence(api: httpx.AsyncClient, headers: dict, standard_no: str) -> dict:
    products = (await api.get("/api/benchmark/products", params={"open": "true", "page_size": 100})).json()
    product = next(p for p in products["items"] if p["name"] == PRODUCT)
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    r = await api.post("/api/declarations", headers=headers, json={
        "product_id": product["id"], "standard_no": standard_no, "standard_name": "家用电冰箱企业标准"})  # fmt: skip
    assert r.status_code == 201, r.text
    d = r.json()
    values = {i["code"]: f"{float(i['forerunner']):g}" for i in plan["indicators"]}
    r = await api.post(f"/api/declarations/{d['id']}/benchmark", headers=headers, json={"values": values})
    assert r.json()["verdict"] == "passed", r.text
    r = await api.put(f"/api/declarations/{d['id']}/products", headers=headers,
                      json={"models": [{"name": "风冷冰箱", "spec": standard_no[-9:]}]})  # fmt: skip
    assert r.status_code == 200, r.text
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (20, 120, 200)).save(buf, "PNG")
    r = await api.post(f"/api/declarations/{d['id']}/evidence", headers=headers,
                       files={"file": ("检测报告.png", buf.getvalue(), "image/png")})  # fmt: skip
    assert r.status_code == 201, r.text
    return d


async def _choose(page: Page, placeholder: str, option: str) -> None:
    await page.locator(
        ".el-select:visible", has=page.locator(".el-select__placeholder", has_text=placeholder)
    ).first.click()
    await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


async def _status_cells_fit(row) -> None:
    """Every status tag of a list row fits its cell: no clipped word, no stray ellipsis."""
    cells = row.locator("td .cell", has=row.page.locator(".el-tag"))
    assert await cells.count() >= 2
    for cell in await cells.all():
        assert await cell.evaluate("c => c.scrollWidth <= c.clientWidth"), await cell.inner_text()


async def _offset_days(api: httpx.AsyncClient, operator: dict) -> float:
    r = await api.get("/api/dev/clock", headers=operator)
    assert r.status_code == 200, r.text
    return r.json()["offset_days"]


async def test_notice_is_visible_and_the_clock_page_ends_it(portal, new_page, api, tmp_path):
    ent_info = await _new_enterprise(api)
    ent_headers = _bearer(await _token(api, ent_info["credit_code"], ent_info["password"]))
    standard_no = f"Q/GS {ent_info['phone'][-4:]}-2025"
    d = await _draft_with_evidence(api, ent_headers, standard_no)

    # -- the public list opens on the latest year that has a list, and offers only such years -------------
    years = (await api.get("/api/declarations/public/forerunners", params={"page_size": 1})).json()["years"]
    public = await new_page()
    await public.goto(portal.url + "/forerunners")
    if years:
        await expect(public.locator(".year-select")).to_contain_text(f"{years[0]}年度")
        await public.locator(".year-select").click()
        options = public.locator(".el-select-dropdown__item:visible")
        await expect(options).to_have_count(len(years))
        await public.keyboard.press("Escape")
        await expect(public.get_by_text("该年度暂无已发布的领跑者名单")).to_have_count(0)
    await shot(public, "public_forerunners_latest_year")

    # -- the enterprise: first login, its draft with uploaded evidence ---------------------------------------
    ent = await new_page()
    await login(ent, portal, ent_info["credit_code"], ent_info["password"])
    dialog = ent.get_by_role("dialog", name="企标领跑者企业身份认证")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="等待评估机构名单").click()
    await expect(ent.locator("[data-test=profile-notice]")).to_contain_text("企业性质、行政区划")
    await ent.goto(portal.url + "/workspace/enterprise/declarations")
    row = ent.locator(".el-table__row", has_text=standard_no)
    await expect(row.get_by_text("3/3")).to_be_visible()
    await expect(row.get_by_text("已上传，待提交")).to_be_visible()
    await expect(row.get_by_text("未上传")).to_have_count(0)
    await expect(ent.locator(".notice-box")).not_to_contain_text("□")
    await _status_cells_fit(row)
    await shot(ent, "enterprise_declarations_uploaded_not_submitted")

    # the submit step asks for what registration left empty, and marks the unticked box itself
    await row.get_by_role("button", name="编辑").click()
    submit = ent.get_by_role("button", name="提交审核")
    # everything but the submission is done: the wizard opens on its last step
    await expect(submit).to_be_visible()
    prompt = ent.locator("[data-test=profile-prompt]:visible")
    await expect(prompt).to_contain_text("企业性质、行政区划尚未填写")
    await shot(ent, "enterprise_submit_profile_prompt")
    await prompt.get_by_role("button", name="保存").click()
    await expect(prompt.get_by_role("alert")).to_have_text("请选择企业性质")
    await _choose(ent, "请选择企业性质", "有限责任公司")
    await _choose(ent, "请选择行政区划（省份）", "浙江省")
    await prompt.get_by_role("button", name="保存").click()
    await expect(prompt).to_have_count(0)
    await expect(ent.locator("[data-test=profile-notice]")).to_be_hidden()
    await expect(ent.locator(".el-descriptions__content:visible", has_text="有限责任公司")).to_have_count(1)

    await submit.click()
    box = ent.locator("[data-test=submit-confirm]")
    await expect(box).to_have_class(re.compile(r"\bmissing\b"))
    await expect(box.get_by_role("alert")).to_have_text("请先勾选确认：信息已填写完毕且确认无误")
    await box.scroll_into_view_if_needed()
    await shot(ent, "enterprise_submit_confirm_marked")
    await box.get_by_text("信息填写完毕并确认无误后").click()
    await expect(box).not_to_have_class(re.compile(r"\bmissing\b"))
    await submit.click()
    await ent.wait_for_url(re.compile(r"/workspace/enterprise/declarations$"))
    submitted = ent.locator(".el-table__row", has_text=standard_no)
    await expect(submitted.get_by_text("评估机构未提交")).to_be_visible()
    await _status_cells_fit(submitted)

    # the logo goes up as soon as it is chosen, with its progress; no second click
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (200, 200), (200, 30, 40, 255)).save(logo, "PNG")
    await ent.locator(".side-menu").get_by_text("基本信息", exact=True).click()
    await expect(ent).to_have_url(re.compile(r"/workspace/enterprise/profile$"))
    await ent.locator(".logo-box input[type=file]").set_input_files(str(logo))
    await expect(ent.get_by_text("机构Logo已更新")).to_be_visible()
    r = await api.get("/api/auth/enterprise/logo", headers=ent_headers)
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    await shot(ent, "enterprise_logo_uploaded_on_selection")

    # -- the agency passes it; the group's 申报复审 names the designated agency -----------------------------
    agency = _bearer(await _token(api, "agency01", DEMO_PASSWORD))
    r = await api.post(f"/api/declarations/{d['id']}/agency-review", headers=agency,
                       json={"decision": "pass", "opinion": "材料齐全"})  # fmt: skip
    assert r.status_code == 200, r.text
    group = await new_page()
    await login(group, portal, "workgroup01", DEMO_PASSWORD)
    await group.goto(portal.url + "/workspace/group/reviews")
    grow = group.locator(".el-table__row", has_text=standard_no)
    await expect(grow.get_by_text(AGENCY_NAME)).to_be_visible()
    await shot(group, "group_second_review_agency_named")
    r = await api.post(
        f"/api/declarations/{d['id']}/group-review",
        headers=_bearer(await _token(api, "workgroup01", DEMO_PASSWORD)),
        json={"decision": "pass"},
    )
    assert r.status_code == 200, r.text

    # -- the notice, visible to the group, the enterprise and the public --------------------------------------
    await group.goto(portal.url + "/workspace/group/notices")
    nrow = group.locator(".el-table__row", has_text=standard_no)
    await expect(nrow.get_by_text("剩余 14 天")).to_be_visible()
    await expect(nrow.get_by_text(re.compile(r"\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}"))).to_be_visible()
    await expect(nrow.get_by_text("无异议")).to_be_visible()
    await shot(group, "group_notices_days_left")

    await ent.locator(".side-menu").get_by_text("企标领跑者申报", exact=True).click()
    erow = ent.locator(".el-table__row", has_text=standard_no)
    await expect(erow.get_by_text("剩余 14 天")).to_be_visible()
    await shot(ent, "enterprise_declarations_in_notice")
    await erow.get_by_role("button", name="查看").click()
    line = ent.locator("[data-test=notice-period]")
    await expect(line).to_contain_text("公示期")
    await expect(line).to_contain_text("剩余 14 天")
    await expect(line).to_contain_text("无异议")
    await shot(ent, "enterprise_declaration_notice_detail")

    await public.goto(portal.url + "/notices")
    prow = public.locator(".el-table__row", has_text=standard_no)
    await expect(prow.get_by_text("14 天")).to_be_visible()
    await shot(public, "public_notice_days_left")

    # -- the operator ends the notice from the 平台时钟 page (the platform clock, every service) -------------
    operator_headers = _bearer(await _token(api, "operator01", DEMO_PASSWORD))
    before = await _offset_days(api, operator_headers)
    op = await new_page()
    await login(op, portal, "operator01", DEMO_PASSWORD)
    await op.locator(".side-menu").get_by_text("平台时钟", exact=True).click()
    await expect(op).to_have_url(re.compile(r"/workspace/operator/clock"))
    await expect(op.locator("[data-test=clock-now]")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2} "))
    await shot(op, "operator_clock_before")
    moved = False
    try:
        await op.locator(".el-input-number input").fill("15")
        await op.get_by_role("button", name="前移").click()
        await expect(op.get_by_text("平台时钟已前移 15 天")).to_be_visible()
        moved = True
        assert abs(await _offset_days(api, operator_headers) - (before + 15)) < 0.01
        await expect(op.locator("[data-test=clock-offset]")).to_contain_text("比真实时间快")
        await shot(op, "operator_clock_moved")

        async def published() -> bool:
            r = await api.get(f"/api/declarations/{d['id']}", headers=ent_headers)
            return r.json()["list_status"] == "published"

        for _ in range(120):
            if await published():
                break
            await ent.wait_for_timeout(500)
        assert await published(), "the notice did not end after the clock moved 15 days"
        # fifteen days later the session has expired, as it would have for a person
        await login(ent, portal, ent_info["credit_code"], ent_info["password"])
        await ent.goto(portal.url + "/workspace/enterprise/declarations")
        done = ent.locator(".el-table__row", has_text=standard_no)
        await expect(done.get_by_text("已发布")).to_be_visible()
        await expect(done.get_by_text("公示期满")).to_be_visible()
        await shot(ent, "enterprise_declarations_published")

        await op.get_by_role("button", name="回拨").click()
        await expect(op.get_by_text("平台时钟已回拨 15 天")).to_be_visible()
        moved = False
        assert abs(await _offset_days(api, operator_headers) - before) < 0.01
    finally:
        if moved:  # other runs share this Redis database: leave the clock as found
            await api.post("/api/dev/clock/advance", headers=operator_headers, json={"days": -15})


async def test_verification_page_works_without_javascript_on_a_phone(portal, browser, api):
    ctx = await browser.new_context(
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        locale="zh-CN",
        is_mobile=True,
        device_scale_factor=2,
    )
    try:
        page = await ctx.new_page()
        response = await page.goto(portal.url + "/verify/AAAAAAAAAAAAAAAAAAAAAA")
        assert response.status == 404
        assert response.headers["content-type"].startswith("text/html")
        await expect(page.get_by_text("未查询到该证书或标识，请核对二维码或编号")).to_be_visible()
        # the same-origin stylesheet applies (no inline style, no script)
        colour = await page.locator(".status .text").evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(87, 96, 106)", colour
        assert await page.evaluate("document.documentElement.scrollWidth <= 390")
        await shot(page, "public_verify_unknown_mobile_nojs")

        group = _bearer(await _token(api, "workgroup01", DEMO_PASSWORD))
        certs = (await api.get("/api/certificates", headers=group, params={"page_size": 20})).json()["items"]
        code = next((c["verify_url"].rsplit("/", 1)[1] for c in certs if c.get("verify_url")), None)
        if code is not None:
            response = await page.goto(portal.url + f"/verify/{code}")
            assert response.status == 200
            await expect(page.locator(".status .text")).to_have_text(re.compile("有效|已撤销|已过期"))
            await expect(page.get_by_text("企业名称")).to_be_visible()
            assert await page.evaluate("document.documentElement.scrollWidth <= 390")
            await shot(page, "public_verify_valid_mobile_nojs")
    finally:
        await ctx.close()
