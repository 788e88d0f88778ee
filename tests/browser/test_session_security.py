"""Where the portal keeps a session, in Chromium through the gateway: the access token in memory only, the
refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to the refresh route (never in web
storage), a reload keeps the person logged in through that cookie, and logging out removes it. The
portal's Content-Security-Policy is in force on every page (the ``new_page`` fixture fails on violations)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from .conftest import latest_code, login, random_credit_code, random_phone, sms_messages

OPERATOR = ("operator01", "LpDemo2024")


async def test_refresh_token_lives_in_an_httponly_cookie_for_the_refresh_route_only(portal, new_page):
    page = await new_page()
    await login(page, portal, *OPERATOR)

    cookies = {c["name"]: c for c in await page.context.cookies()}
    refresh = cookies.get("lp_refresh")
    assert refresh is not None, cookies
    assert refresh["httpOnly"] is True and refresh["secure"] is True and refresh["sameSite"] == "Strict"
    assert refresh["path"] == "/api/auth/refresh"
    # Nothing the page's scripts can read holds a token.
    stored = await page.evaluate(
        "() => JSON.stringify({s: {...sessionStorage}, l: {...localStorage}, c: document.cookie})"
    )
    assert refresh["value"] not in stored and "eyJ" not in stored, stored
    header = await page.evaluate("() => fetch('/api/auth/me').then(r => r.status)")
    assert header == 401  # the cookie is not an access token and is not sent to other routes

    # A reload forgets the in-memory access token; the cookie (sent only to /api/auth/refresh, through the
    # gateway) brings a new one and rotates itself.
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/workspace/"))
    await expect(page.locator(".side-menu")).to_be_visible()
    rotated = {c["name"]: c for c in await page.context.cookies()}["lp_refresh"]
    assert rotated["value"] != refresh["value"]

    await page.locator(".user").click()
    await page.get_by_text("退出登录").click()
    await expect(page).to_have_url(re.compile(r"/login"))
    assert "lp_refresh" not in {c["name"] for c in await page.context.cookies()}
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/login"))


async def test_a_locked_owner_unlocks_with_an_sms_code(portal, new_page, api):
    phone, credit = random_phone(), random_credit_code()
    r = await api.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.text
    r = await api.post(
        "/api/auth/register",
        json={
            "enterprise_name": "解锁测试电器有限公司",
            "credit_code": credit,
            "contact_name": "张三",
            "phone": phone,
            "sms_code": await latest_code(api, phone),
        },
    )
    assert r.status_code == 201, r.text
    generated = re.search(
        r"登录密码为\s*([^\s,，。]+)",
        next(m["text"] for m in await sms_messages(api, phone) if "登录密码" in m["text"]),
    ).group(1)

    page = await new_page()
    await page.goto(portal.url + "/login")
    await page.get_by_placeholder("统一社会信用代码 / 手机号").fill(credit)
    for _ in range(6):
        await page.get_by_placeholder("请输入密码").fill("Wrong-password-1")
        await page.get_by_role("button", name="登 录").click()
        await page.wait_for_timeout(300)
    await expect(page.locator(".locked")).to_contain_text("登录失败次数过多")
    await page.get_by_role("button", name="通过短信验证码解锁").click()
    dialog = page.get_by_role("dialog", name="解除登录限制")
    await dialog.get_by_placeholder("请输入注册时填写的手机号").fill(phone)
    seen = len(await sms_messages(api, phone))
    await dialog.get_by_role("button", name="获取验证码").click()
    await dialog.get_by_placeholder("6位验证码").fill(await latest_code(api, phone, seen=seen))
    await dialog.get_by_role("button", name="解除限制").click()
    await expect(page.get_by_text("已解除登录限制，请重新登录")).to_be_visible()

    await page.get_by_placeholder("请输入密码").fill(generated)
    await page.get_by_role("button", name="登 录").click()
    await page.wait_for_url(re.compile(r"/workspace/"))
