"""Where the portal keeps a session, in Chromium through the gateway: the access token in memory only, the
refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to the refresh route (never in web
storage), a reload keeps the person logged in through that cookie, and logging out removes it. The
portal's Content-Security-Policy is in force on every page (the ``new_page`` fixture fails on violations)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from .conftest import login

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
