"""Seed paths around the notice and after publication, walked in the browser (screenshots in
test-artifacts/screenshots/): an objection during the 14-day notice holds publication until the working
group decides; the agency uploads the stamped certificate (盖章版) and the enterprise then downloads the
stamped one; an appended model (追加规格/型号) after publication gets its own label.

The set-up a person would have done earlier (registration, self-declaration, both reviews, identity
authentication) goes through the API, as the first journeys already walk it in the browser."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import redis.asyncio as aioredis
from PIL import Image
from playwright.async_api import expect
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from .conftest import (
    assert_no_raw_text,
    claim_label_png,
    demo_open_product,
    latest_code,
    login,
    random_credit_code,
    random_phone,
    shot,
    sms_messages,
)
from .test_forerunner_journey import AGENCY, CLOCK_KEY, PRODUCT, WORKING_GROUP, _token, _values, _wait_for
from .test_self_declaration_route import generated_password


def _pdf_bytes(marker: str) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, marker)
    c.save()
    return out.getvalue()


def _png(path, colour=(30, 120, 200), size=(300, 300)) -> None:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    path.write_bytes(buf.getvalue())


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _new_enterprise(api: httpx.AsyncClient, name: str) -> dict:
    phone, credit = random_phone(), random_credit_code()
    r = await api.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.text
    r = await api.post("/api/auth/register", json={
        "enterprise_name": name, "credit_code": credit, "contact_name": "赵公示", "phone": phone,
        "sms_code": await latest_code(api, phone)})  # fmt: skip
    assert r.status_code == 201, r.text
    generated = await generated_password(api, phone)
    password = "Ap" + phone[-6:] + "pub"
    r = await api.post("/api/auth/password", headers=_h(await _token(api, credit, generated)),
                       json={"current_password": generated, "new_password": password})  # fmt: skip
    assert r.status_code == 204, r.text
    return {"phone": phone, "credit": credit, "password": password, "name": name}


async def _declare(
    api: httpx.AsyncClient, token: str, product: dict, plan: dict, standard_no: str, spec: str
) -> str:
    h = _h(token)
    r = await api.post("/api/declarations", headers=h, json={
        "product_id": product["id"], "standard_no": standard_no, "standard_name": "家用电冰箱企业标准"})  # fmt: skip
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    values = dict(zip([i["code"] for i in plan["indicators"]], _values(plan, passing=True), strict=True))
    r = await api.post(f"/api/declarations/{did}/benchmark", headers=h, json={"values": values})
    assert r.json()["verdict"] == "passed", r.text
    r = await api.put(
        f"/api/declarations/{did}/products",
        headers=h,
        json={"models": [{"name": "家用电冰箱", "spec": spec}]},
    )
    assert r.status_code == 200, r.text
    r = await api.post(f"/api/declarations/{did}/evidence", headers=h,
                       files={"file": ("检测报告.pdf", _pdf_bytes("evidence"), "application/pdf")})  # fmt: skip
    assert r.status_code == 201, r.text
    r = await api.post(f"/api/declarations/{did}/submit", headers=h)
    assert r.status_code == 200, r.text
    return did


async def _authenticate(api: httpx.AsyncClient, enterprise: dict) -> str:
    h = _h(await _token(api, enterprise["credit"], enterprise["password"]))

    async def offer():
        r = await api.get("/api/auth/forerunner-auth", headers=h)
        return r.json() if r.json()["eligible"] else None

    phones = (await _wait_for(offer, "eligibility from the agency's pass", 60))["phones"]
    masked = f"{enterprise['phone'][:3]}****{enterprise['phone'][-4:]}"
    ref = next(p["ref"] for p in phones if p["masked"] == masked)
    before = len(await sms_messages(api, enterprise["phone"]))
    r = await api.post("/api/auth/sms-codes", headers=h, json={"purpose": "forerunner_auth", "ref": ref})
    assert r.status_code == 202, r.text
    code = await latest_code(api, enterprise["phone"], seen=before)
    r = await api.post("/api/auth/forerunner-auth", headers=h, json={"ref": ref, "sms_code": code})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


async def test_objection_stamped_certificate_and_appended_model(portal, new_page, api, tmp_path):
    product = await demo_open_product(api, PRODUCT)
    plan = (await api.get(f"/api/benchmark/products/{product['id']}/plan")).json()
    enterprise = await _new_enterprise(api, f"公示追加电器{random_phone()[-4:]}有限公司")
    serial = enterprise["phone"][-4:]
    first_no, held_no = f"Q/GSZJ {serial}-2024", f"Q/GSYY {serial}-2024"
    first_spec, appended_spec = f"BCD-{serial}A", f"BCD-{serial}ZJ"
    token = await _token(api, enterprise["credit"], enterprise["password"])
    first = await _declare(api, token, product, plan, first_no, first_spec)
    held = await _declare(api, token, product, plan, held_no, f"BCD-{serial}B")
    agency_h = _h(await _token(api, *AGENCY))
    group_h = _h(await _token(api, *WORKING_GROUP))
    for did in (first, held):
        r = await api.post(
            f"/api/declarations/{did}/agency-review", headers=agency_h, json={"decision": "pass"}
        )
        assert r.status_code == 200, r.text
    token = await _authenticate(api, enterprise)
    for did in (first, held):
        r = await api.post(
            f"/api/declarations/{did}/group-review", headers=group_h, json={"decision": "pass"}
        )
        assert r.json()["list_status_label"] == "公示中", r.text

    # -- an objection during the notice (public page) ---------------------------------------------------------
    public = await new_page()
    await public.goto(portal.url + "/notices")
    nrow = public.locator(".el-table__row", has_text=held_no)
    await nrow.get_by_role("button", name="提出异议").click()
    box = public.get_by_role("dialog", name="提出异议")
    await box.get_by_placeholder("请输入姓名或单位名称").fill("钱异议")
    await box.get_by_placeholder("仅工作组可见，用于核实异议").fill(random_phone())
    await box.locator("textarea").fill("该企标的检测报告日期早于样品生产日期，请核实。")
    await shot(public, "journey_objection_form")
    await box.get_by_role("button", name="提交异议").click()
    await expect(box).to_be_hidden()

    redis = aioredis.from_url(portal.redis_url)
    await redis.incrbyfloat(CLOCK_KEY, timedelta(days=15).total_seconds())
    try:
        h = _h(token)

        async def status_of(did: str) -> str:
            return (await api.get(f"/api/declarations/{did}", headers=h)).json()["list_status"]

        async def first_published():
            return await status_of(first) == "published"

        await _wait_for(first_published, "the declaration without objection to be published", 60)
        # the notice is over, but the open objection holds the other one
        assert await status_of(held) == "in_notice"

        group = await new_page()
        await login(group, portal, *WORKING_GROUP)
        await group.goto(portal.url + "/workspace/group/objections")
        orow = group.locator(".el-table__row", has_text=held_no)
        await expect(orow).to_be_visible()
        await shot(group, "journey_objection_list")
        await orow.get_by_role("button", name="处理").click()
        handle = group.get_by_role("dialog", name="处理异议")
        await handle.get_by_text("异议不成立，公示期满后发布").click()
        await handle.locator("textarea").fill("经核实，样品生产日期记录有误，检测报告有效。")
        await handle.get_by_role("button", name="确定").click()
        await expect(handle).to_be_hidden()
        await assert_no_raw_text(group)

        async def held_published():
            return await status_of(held) == "published"

        # the decision after the end of the notice publishes it at once
        await _wait_for(held_published, "publication after the objection was dismissed", 60)

        # -- the agency uploads the stamped certificate; the enterprise downloads the stamped one -------------
        async def certificate():
            r = await api.get("/api/certificates", params={"keyword": first_no}, headers=h)
            items = r.json().get("items", []) if r.status_code == 200 else []
            return next((c for c in items if c["standard_no"] == first_no), None)

        cert = await _wait_for(certificate, "the certificate", 120)
        stamped_pdf = tmp_path / "盖章版证书.pdf"
        stamped_pdf.write_bytes(_pdf_bytes(f"STAMPED {cert['number']}"))
        agency = await new_page()
        await login(agency, portal, *AGENCY)
        await agency.goto(portal.url + "/workspace/agency/certificates")
        crow = agency.locator(".el-table__row", has_text=cert["number"])
        await expect(crow.get_by_text("未回传")).to_be_visible()
        await crow.locator("input[type=file]").set_input_files(str(stamped_pdf))
        await expect(crow.get_by_text("已回传")).to_be_visible(timeout=30_000)
        await shot(agency, "journey_agency_stamped_uploaded")

        ent = await new_page()
        await login(ent, portal, enterprise["credit"], enterprise["password"])
        await ent.goto(portal.url + "/workspace/enterprise/certificates")
        erow = ent.locator(".el-table__row", has_text=cert["number"])
        await expect(erow.get_by_text("盖章版")).to_be_visible()
        async with ent.expect_download() as dl:
            await erow.get_by_role("button", name="下载证书").click()
        got = PdfReader(io.BytesIO((await (await dl.value).path()).read_bytes()))
        # the agency's stamped file, not the unstamped one
        assert f"STAMPED {cert['number']}" in "".join(page.extract_text() for page in got.pages)
        await shot(ent, "journey_enterprise_stamped_certificate")

        # -- an appended model after publication, and its label ----------------------------------------------
        picture = tmp_path / "追加型号.png"
        _png(picture)
        await erow.get_by_role("button", name="追加规格/型号").click()
        append = ent.locator(".el-dialog:visible")
        await append.get_by_placeholder("请输入产品名称").fill("追加冰箱")
        await append.get_by_placeholder("请输入执行该企标的规格/型号").fill(appended_spec)
        await append.locator("textarea").fill("发布后追加的型号，执行同一企业标准。")
        await append.locator("input[type=file]").set_input_files(str(picture))
        await shot(ent, "journey_append_model")
        await append.get_by_role("button", name="提交").click()
        await expect(append).to_be_hidden(timeout=30_000)

        await claim_label_png(ent, portal, appended_spec)
        await shot(ent, "journey_appended_model_label")
    finally:
        await redis.incrbyfloat(CLOCK_KEY, -timedelta(days=15).total_seconds())
        await redis.aclose()
