"""The seed's main journey in the browser: the demo enterprise on an agency's candidate list authenticates
with the code sent to its listed phone and gets the full menu; it self-declares a standard whose first
values fail 对标 (reasons per indicator) and whose corrected values pass, fills the models, uploads
evidence and submits; the agency and the working group pass it in their pages; after the 14-day notice
(the platform clock is moved, not slept) the enterprise downloads its certificate (signed by the platform:
pyHanko's validator accepts it), applies for a label, completes the promotion material and lists the
product; the public finds it in the mall and verifies the certificate, and on a phone drops the downloaded
file on the verify page (authentic; the same file with a byte changed: altered)."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import subprocess
import uuid
from datetime import timedelta

import httpx
import redis.asyncio as aioredis
from PIL import Image
from playwright.async_api import Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas

from .conftest import (
    assert_no_raw_text,
    demo_open_product,
    latest_code,
    login,
    pass_wizard_from_comparison,
    shot,
    sms_messages,
)


def _scan_qr(png_path) -> str:
    """What a phone's scanner reads from the label: zbar on the downloaded PNG."""
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    codes = [line for line in out.stdout.splitlines() if line]
    assert len(codes) == 1, f"zbar read {codes} from the label"
    return codes[0]


DEMO_ENTERPRISE = ("91110108MA01C2Q57B", "LpDemo2024")
DEMO_LISTED_PHONE = "13800000001"
AGENCY = ("agency01", "LpDemo2024")  # 中国家用电器研究院, designated for 家用电冰箱
WORKING_GROUP = ("workgroup01", "LpDemo2024")
PRODUCT = "家用电冰箱"
CLOCK_KEY = "lp:clock:offset"


def _pdf(path) -> None:
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "Test report")
    c.save()


def _png(path, colour=(200, 30, 40), size=(300, 300)) -> None:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    path.write_bytes(buf.getvalue())


def _values(plan: dict, *, passing: bool) -> list[str]:
    """One value per indicator in plan order: exactly on the forerunner threshold (inclusive), or for the
    first indicator a value on the wrong side of it."""
    out = []
    for n, i in enumerate(plan["indicators"]):
        t = float(i["forerunner"])
        value = t
        if not passing and n == 0:
            value = t * 1.5 if i["direction"] == "lower" else t * 0.5
        out.append(f"{value:g}")
    return out


async def _choose(page: Page, placeholder: str, option: str) -> None:
    # Element Plus draws a select's placeholder as text, not as an input attribute.
    await page.locator(
        ".el-select:visible", has=page.locator(".el-select__placeholder", has_text=placeholder)
    ).first.click()
    await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


async def _token(api: httpx.AsyncClient, name: str, password: str) -> str:
    r = await api.post("/api/auth/login", json={"login_name": name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def _wait_for(check, what: str, seconds: float = 90):
    for _ in range(int(seconds * 2)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def _assert_platform_signed(pdf: bytes, trusted: list) -> None:
    reader = PdfFileReader(io.BytesIO(pdf))
    sig = reader.embedded_signatures[-1]
    context = ValidationContext(trust_roots=trusted, allow_fetching=False)
    status = await async_validate_pdf_signature(sig, signer_validation_context=context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE


async def _drop_file(page: Page, data: bytes, name: str) -> None:
    """Drop a file on the verify page's drop zone, as a person dragging it from the desktop does."""
    transfer = await page.evaluate_handle(
        """([b64, name]) => {
            const bin = atob(b64)
            const bytes = new Uint8Array(bin.length)
            for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
            const dt = new DataTransfer()
            dt.items.add(new File([bytes], name, { type: 'application/pdf' }))
            return dt
        }""",
        [base64.b64encode(data).decode(), name],
    )
    await page.dispatch_event("[data-test=file-check] .el-upload-dragger", "drop", {"dataTransfer": transfer})


async def _authenticate(page: Page, api: httpx.AsyncClient) -> None:
    dialog = page.get_by_role("dialog", name="企标领跑者企业身份认证")
    if not await dialog.is_visible():
        button = page.get_by_role("button", name="领跑者企业身份认证")
        if not await button.is_visible():
            return  # authenticated by an earlier run against the same platform
        await button.click()
    await expect(dialog.get_by_text("138****0001")).to_be_visible()
    await shot(page, "enterprise_identity_dialog")
    seen = len(await sms_messages(api, DEMO_LISTED_PHONE))
    await dialog.get_by_role("button", name="获取验证码").click()
    await expect(dialog.get_by_role("button", name=re.compile(r"秒后重新获取"))).to_be_visible()
    await dialog.get_by_placeholder("请输入6位验证码").fill(
        await latest_code(api, DEMO_LISTED_PHONE, seen=seen)
    )
    await dialog.get_by_role("button", name="确定").click()
    await expect(dialog).to_be_hidden()


async def test_forerunner_journey(portal, new_page, api, tmp_path):
    product = await demo_open_product(api, PRODUCT)
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    assert all(i["direction"] in ("higher", "lower") for i in plan["indicators"])
    serial = uuid.uuid4().int % 9000 + 1000
    standard_no = f"Q/LPDQ {serial}-2023"
    model = f"BCD-{serial}WLP"
    pdf, png, logo = tmp_path / "检测报告.pdf", tmp_path / "产品图.png", tmp_path / "logo.png"
    _pdf(pdf)
    _png(png)
    _png(logo, (255, 255, 255), (200, 200))

    # -- the enterprise authenticates and sees the full menu ------------------------------------------
    ent = await new_page()
    await login(ent, portal, *DEMO_ENTERPRISE)
    await _authenticate(ent, api)
    menu = ent.locator(".side-menu")
    for item in ("证明资料上传", "领跑者证书", "领跑者标识"):
        await expect(menu.get_by_text(item, exact=True)).to_be_visible()
    await expect(ent.get_by_text("企业用户 · 已认证")).to_be_visible()

    # -- 证明资料上传: the standard the agency listed only needs its evidence -------------------------------
    ent_auth = {"Authorization": f"Bearer {await _token(api, *DEMO_ENTERPRISE)}"}
    mine = (await api.get("/api/declarations", params={"page_size": 100}, headers=ent_auth)).json()["items"]
    candidate = next((d for d in mine if d["origin"] == "candidate"), None)
    assert candidate is not None, "the demo enterprise is on the agency's candidate list"
    await ent.goto(portal.url + "/workspace/enterprise/evidence")
    await ent.get_by_placeholder("请输入企业标准号").fill(candidate["standard_no"])
    await ent.get_by_role("button", name="查询").click()
    listed = ent.locator(".el-table__row", has_text=candidate["standard_no"])
    await expect(listed.get_by_text("评估机构名单")).to_be_visible()
    await shot(ent, "enterprise_evidence_list")
    if candidate["evidence_status"] == "none":
        await listed.get_by_role("button", name="去上传").click()
        box = ent.locator(".el-dialog:visible")
        await box.locator("input[type=file]").set_input_files(str(pdf))
        await expect(ent.get_by_text("已提交评估机构审核")).to_be_visible()
        await box.get_by_role("button", name="关闭", exact=True).click()
    await expect(listed.get_by_text("待审核")).to_be_visible()

    # -- in-site messages: the badge counts unread ones, opening one marks it read --------------------------
    await ent.goto(portal.url + "/workspace/messages")
    await expect(ent.locator(".el-table__row").first).to_be_visible()
    await shot(ent, "enterprise_messages")
    unread = ent.locator(".el-table__row", has_text="未读").first
    if await unread.count():
        await unread.get_by_role("button", name="查看").click()
        await expect(ent.locator(".el-dialog:visible")).to_be_visible()
        await ent.locator(".el-dialog:visible").get_by_role("button", name="关闭", exact=True).click()

    # -- self-declaration: failing, then passing 对标 ----------------------------------------------------
    await ent.goto(portal.url + "/workspace/enterprise/declarations")
    await shot(ent, "enterprise_declarations")
    await ent.get_by_role("button", name="新增申报").click()
    await _choose(ent, "请选择重点领域产品", PRODUCT)
    await ent.get_by_placeholder("例如 Q/MP 102-2021").fill(standard_no)
    await ent.get_by_placeholder("请输入企业标准名称").fill("家用电冰箱企业标准")
    await shot(ent, "enterprise_declaration_step1")
    await ent.get_by_role("button", name="下一步").click()

    inputs = ent.get_by_placeholder("请输入数值")
    await expect(inputs).to_have_count(len(plan["indicators"]))
    for n, v in enumerate(_values(plan, passing=False)):
        await inputs.nth(n).fill(v)
    await ent.get_by_role("button", name="开始对标").click()
    await expect(ent.get_by_text(re.compile(r"对标失败：\d+ 项核心指标未达到要求"))).to_be_visible()
    await expect(ent.locator(".cmp-table").get_by_text("未达标")).to_have_count(1)
    await expect(ent.get_by_role("button", name="下一步")).to_be_disabled()
    await shot(ent, "enterprise_benchmark_failed")

    await pass_wizard_from_comparison(
        ent,
        _values(plan, passing=True),
        product_name="风冷变频冰箱",
        model=model,
        evidence=pdf,
        shots={
            "passed": "enterprise_benchmark_passed",
            "evidence": "enterprise_evidence",
            "confirm": "enterprise_declaration_confirm",
        },
    )
    row = ent.locator(".el-table__row", has_text=standard_no)
    await expect(row.get_by_text("评估机构未提交")).to_be_visible()
    await expect(row.get_by_text("待审核")).to_be_visible()
    await expect(row.get_by_text("3/3")).to_be_visible()
    await assert_no_raw_text(ent)

    # -- the agency passes it -------------------------------------------------------------------------------
    agency = await new_page()
    await login(agency, portal, *AGENCY)
    await agency.goto(portal.url + "/workspace/agency/reviews")
    arow = agency.locator(".el-table__row", has_text=standard_no)
    await arow.get_by_role("button", name="审核", exact=True).click()
    review = agency.get_by_role("dialog", name="评估机构审核")
    await expect(review.get_by_text("对标成功：全部核心指标达到要求")).to_be_visible()
    await shot(agency, "agency_review_dialog")
    await review.get_by_placeholder(re.compile("不通过或不完整时")).fill("证明资料齐全，对标结果符合要求。")
    await review.get_by_role("button", name="提交审核").click()
    await expect(review).to_be_hidden()
    await shot(agency, "agency_reviews")

    # -- the working group passes it: the 14-day notice starts ----------------------------------------------
    group = await new_page()
    await login(group, portal, *WORKING_GROUP)
    await group.goto(portal.url + "/workspace/group/reviews")
    grow = group.locator(".el-table__row", has_text=standard_no)
    await grow.get_by_role("button", name="复审").click()
    second = group.get_by_role("dialog", name="工作组复审")
    await second.get_by_role("button", name="提交审核").click()
    await expect(second).to_be_hidden()
    await shot(group, "group_second_review")

    public = await new_page()
    await public.goto(portal.url + "/notices")
    await expect(public.get_by_text(standard_no)).to_be_visible()
    await shot(public, "public_notice_with_entry")

    # -- the notice ends (clock moved 15 days): published, certificate issued --------------------------------
    redis = aioredis.from_url(portal.redis_url)
    await redis.incrbyfloat(CLOCK_KEY, timedelta(days=15).total_seconds())
    try:
        token = await _token(api, *DEMO_ENTERPRISE)
        auth = {"Authorization": f"Bearer {token}"}

        async def certificate():
            r = await api.get("/api/certificates", params={"keyword": standard_no}, headers=auth)
            items = r.json().get("items", []) if r.status_code == 200 else []
            return next((c for c in items if c["standard_no"] == standard_no), None)

        cert = await _wait_for(certificate, "the certificate of the published declaration", 120)

        # Fifteen days later the session has expired, as it would have for a person.
        await login(ent, portal, *DEMO_ENTERPRISE)
        await ent.goto(portal.url + "/workspace/enterprise/certificates")
        crow = ent.locator(".el-table__row", has_text=cert["number"])
        await expect(crow.get_by_text("无章版")).to_be_visible()
        await shot(ent, "enterprise_certificates")
        async with ent.expect_download() as dl:
            await crow.get_by_role("button", name="下载证书").click()
        cert_pdf = (await (await dl.value).path()).read_bytes()
        assert cert_pdf.startswith(b"%PDF")
        # The platform's PAdES signature, as pyHanko's validator sees it against the platform CA.
        await _assert_platform_signed(cert_pdf, portal.platform_ca())

        await ent.goto(portal.url + "/workspace/enterprise/labels")
        lrow = ent.locator(".el-table__row", has_text=model)
        await lrow.get_by_role("button", name="申领标识").click()
        await expect(lrow.get_by_text("已申领")).to_be_visible(timeout=30_000)
        async with ent.expect_download() as dl:
            await lrow.get_by_role("button", name="下载PNG").click()
        label_png = await (await dl.value).path()
        assert label_png.read_bytes().startswith(b"\x89PNG")
        await shot(ent, "enterprise_labels")

        # -- a shopper scans the label's QR code with a phone: live status, then the offline signature -----
        scanned = _scan_qr(label_png)
        assert "/verify/" in scanned and "#v1." in scanned, scanned
        phone = await new_page()
        await phone.set_viewport_size({"width": 390, "height": 844})
        await phone.goto(portal.url + "/verify/" + scanned.split("/verify/", 1)[1])
        await expect(phone.locator(".status .text")).to_have_text("有效")
        offline_link = phone.get_by_role("link", name="核验离线签名")
        await offline_link.scroll_into_view_if_needed()
        await expect(offline_link).to_be_visible()
        await shot(phone, "public_verify_label_qr_mobile")
        await offline_link.click()
        verdict = phone.locator("[data-test=offline-verdict]")
        await expect(verdict).to_contain_text("离线签名有效")
        fields = phone.locator("[data-test=offline-fields]")
        await expect(fields).to_contain_text(model)
        await expect(fields).to_contain_text(f"{cert['number']}-")
        await expect(phone.get_by_text("领跑者标识有效")).to_be_visible()
        assert await phone.evaluate("document.documentElement.scrollWidth <= 390")
        await verdict.scroll_into_view_if_needed()
        await shot(phone, "public_verify_offline_signature_mobile")
        # The network goes; the keys were kept on the phone: a pasted scan still checks, an altered one fails.
        await phone.context.set_offline(True)
        payload = scanned.split("#", 1)[1]
        head, fields_b64, signature = payload.rsplit(".", 2)
        box = phone.get_by_placeholder(re.compile("粘贴扫码内容"))
        await box.fill(f"{head}.{fields_b64}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BA'}")
        await phone.locator("[data-test=offline-submit]").click()
        await expect(verdict).to_contain_text("离线签名无效")
        await expect(phone.get_by_text("offline_bad_signature")).to_be_visible()
        await verdict.scroll_into_view_if_needed()
        await shot(phone, "public_verify_offline_altered_mobile")
        await box.fill(payload)
        await phone.locator("[data-test=offline-submit]").click()
        await expect(verdict).to_contain_text("离线签名有效")
        await expect(phone.get_by_text("网络不可用，使用本机保存的平台公钥")).to_be_visible()
        await phone.context.set_offline(False)

        # -- brand, promotion material, 上架 ----------------------------------------------------------------
        await ent.goto(portal.url + "/workspace/enterprise/brands")
        await ent.get_by_role("button", name="新增品牌").click()
        brand = ent.get_by_role("dialog", name="新增品牌")
        brand_name = f"领跑{serial}"
        await brand.get_by_placeholder("请输入品牌名称").fill(brand_name)
        await brand.locator("input[type=file]").set_input_files(str(logo))
        await brand.get_by_placeholder("请介绍品牌的由来、理念等").fill("专注制冷三十年。")
        await brand.get_by_role("button", name="保存").click()
        await expect(brand).to_be_hidden()

        await ent.goto(portal.url + "/workspace/enterprise/labels")
        await ent.locator(".el-table__row", has_text=model).get_by_role("button", name="宣传信息").click()
        await ent.wait_for_url(re.compile(r"/workspace/enterprise/promotion/"))
        await ent.locator(".ProseMirror").fill("一级能效，风冷无霜，变频静音。")
        await ent.locator(".pics input[type=file]").set_input_files(str(png))
        await expect(ent.locator(".pics .pic:not(.add)")).to_have_count(1)
        await _choose(ent, "请选择品牌", brand_name)
        await shot(ent, "enterprise_promotion_editor")
        await ent.get_by_role("button", name="上架").click()
        await expect(ent.get_by_text("已上架").first).to_be_visible()

        # -- the public finds it and verifies the certificate ----------------------------------------------
        async def listed():
            r = await api.get("/api/mall/products", params={"q": model})
            return r.status_code == 200 and r.json()["total"] > 0

        await _wait_for(listed, "the listed product in the mall", 60)
        await public.goto(portal.url + "/mall")
        await public.get_by_placeholder("搜索产品名称、型号、企业或品牌").fill(model)
        await public.get_by_role("button", name="搜索").click()
        card = public.locator(".card", has_text="风冷变频冰箱")
        await expect(card).to_be_visible()
        await shot(public, "public_mall_search")
        await card.click()
        await expect(public.get_by_text("一级能效，风冷无霜，变频静音。")).to_be_visible()
        await shot(public, "public_mall_product")
        await public.get_by_text("查验证书真伪与状态").click()
        await expect(
            public.get_by_text("领跑者证书有效").or_(public.get_by_text("有效").first)
        ).to_be_visible()
        await expect(public.get_by_text(cert["number"]).first).to_be_visible()
        await assert_no_raw_text(public)
        await shot(public, "public_verify_valid")

        # -- a shop assistant's phone: the downloaded file dropped on the verify page ------------------------
        await public.set_viewport_size({"width": 390, "height": 844})
        await public.goto(portal.url + "/verify")
        await _drop_file(public, cert_pdf, f"领跑者证书-{cert['number']}.pdf")
        verdict = public.locator("[data-test=file-verdict]")
        await expect(verdict.get_by_text("真实有效")).to_be_visible()
        await expect(verdict.get_by_text(cert["number"])).to_be_visible()
        await expect(verdict.get_by_text("签发后未被改动")).to_be_visible()
        await assert_no_raw_text(public)
        await verdict.scroll_into_view_if_needed()
        await shot(public, "public_verify_file_authentic_phone")
        altered = bytearray(cert_pdf)
        altered[len(altered) // 4] ^= 0x01
        await _drop_file(public, bytes(altered), "改过的证书.pdf")
        await expect(verdict.get_by_text("文件已被改动")).to_be_visible()
        await verdict.scroll_into_view_if_needed()
        await shot(public, "public_verify_file_altered_phone")
    finally:
        await redis.incrbyfloat(CLOCK_KEY, -timedelta(days=15).total_seconds())
        await redis.aclose()
