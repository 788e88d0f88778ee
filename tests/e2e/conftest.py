"""End-to-end tests: every service and the gateway started as processes (scripts/runner.py) on their own
ports, databases, Redis database and bus namespace, so they never touch a platform a developer is running."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import sys
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lp_platform_runner", ROOT / "scripts" / "runner.py")
runner = importlib.util.module_from_spec(_spec)
sys.modules["lp_platform_runner"] = runner
_spec.loader.exec_module(runner)

E2E_REDIS = "redis://127.0.0.1:6379/14"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def platform():
    base_port = int(os.environ.get("LP_E2E_BASE_PORT", "18000"))
    with runner.platform_for_tests("e2e", redis_url=E2E_REDIS, base_port=base_port, portal=False) as p:
        yield p


@pytest.fixture
async def gw(platform) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as client:
        yield client


class Sms:
    """Reads the captured SMS (the `capture` provider) through the gateway's dev route."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def messages(self, phone: str) -> list[dict]:
        r = await self.client.get("/api/dev/sms", params={"phone": phone, "page_size": 100})
        assert r.status_code == 200, r.text
        return r.json()["items"]

    async def latest_code(self, phone: str) -> str:
        for message in await self.messages(phone):
            m = re.search(r"(?<!\d)(\d{6})(?!\d)", message["text"])
            if m:
                return m.group(1)
        raise AssertionError(f"no code SMS for {phone}")


@pytest.fixture
def sms(gw) -> Sms:
    return Sms(gw)


def random_phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def random_credit_code() -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 checksum) that no other test uses."""
    import random

    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "110108" + "".join(random.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


async def register_enterprise(gw: httpx.AsyncClient, sms: Sms, *, name: str | None = None) -> dict:
    """Register through the public routes as a new user would; returns login name, phone and the SMS password."""
    phone = random_phone()
    credit = random_credit_code()
    r = await gw.post("/api/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.text
    code = await sms.latest_code(phone)
    r = await gw.post(
        "/api/auth/register",
        json={
            "enterprise_name": name or f"测试企业{credit[-6:]}有限公司",
            "credit_code": credit,
            "contact_name": "张三",
            "phone": phone,
            "sms_code": code,
        },
    )
    assert r.status_code == 201, r.text
    text = (await sms.messages(phone))[0]["text"]
    password = re.search(r"登录密码为\s*([^\s。，,]+)", text).group(1)
    return {
        "login_name": r.json()["login_name"],
        "phone": phone,
        "credit_code": credit,
        "password": password,
        "sms_text": text,
    }


async def login(gw: httpx.AsyncClient, login_name: str, password: str) -> dict:
    r = await gw.post("/api/auth/login", json={"login_name": login_name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


DEMO_PASSWORD = "LpDemo2024"


async def demo_headers(gw: httpx.AsyncClient, login_name: str) -> dict[str, str]:
    tokens = await login(gw, login_name, DEMO_PASSWORD)
    return bearer(tokens["access_token"])


async def new_enterprise(
    gw: httpx.AsyncClient, sms: Sms, *, name: str | None = None, new_password: str = "Lp2026journey"
) -> dict:
    """Register, log in, change the generated password: an enterprise ready to work (headers inside)."""
    account = await register_enterprise(gw, sms, name=name)
    tokens = await login(gw, account["login_name"], account["password"])
    r = await gw.post(
        "/api/auth/password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": account["password"], "new_password": new_password},
    )
    assert r.status_code == 204, r.text
    tokens = await login(gw, account["login_name"], new_password)
    return {**account, "password": new_password, "tokens": tokens, "headers": bearer(tokens["access_token"])}


async def advance_clock(platform, days: float) -> None:
    """Move every process's time (LP_CLOCK_ADJUSTABLE in test): deadlines pass without sleeping."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(platform.redis_url)
    try:
        await client.incrbyfloat("lp:clock:offset", days * 86400)
    finally:
        await client.aclose()


async def eventually(fetch, *, timeout: float = 20.0, interval: float = 0.25):
    """Wait for something that arrives through events (the platform is eventually consistent)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await fetch()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected state did not arrive in time")
        await asyncio.sleep(interval)


def pdf_bytes(text: str = "evidence") -> bytes:
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, text)
    c.save()
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (300, 300), color: str = "#c0392b") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()
