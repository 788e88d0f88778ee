"""The auth service in process against the real PostgreSQL, RabbitMQ, Redis and S3 server.

Redis is shared with every other test run on the machine, so each test uses fresh phones, credit codes
and client addresses (X-Forwarded-For), and the adjustable clock stays off: nobody else's clock offset
can move ours. Deadlines are tested by moving the stored timestamps instead."""

from __future__ import annotations

import io
import random
import re
import string

import pytest
from auth import demo
from auth.config import Settings
from auth.domain.statuses import SmsPurpose
from auth.main import create_app
from auth.service.context import fingerprint
from kit.testing.fixtures import running_app
from PIL import Image
from pypdf import PdfWriter
from stdnum.cn import uscc


@pytest.fixture(scope="module")
def settings(service_env, jwt_keys) -> Settings:
    # A small pool: the PostgreSQL server is shared by every engineer's tests and running platforms.
    return Settings(
        **service_env(
            "auth", jwt_private_key_file=str(jwt_keys["private"]), clock_adjustable=False, db_pool_size=3
        )
    )


@pytest.fixture(scope="module")
async def app(settings):
    application = create_app(settings)
    async with running_app(application) as client:
        client.headers["X-Forwarded-For"] = random_ip()
        await demo.load(settings)
        yield application


@pytest.fixture
def client(app):
    # A fresh client address per test: the per-IP limits (Redis, shared by every run) stay out of the way.
    app.state.client.headers["X-Forwarded-For"] = random_ip()
    return app.state.client


def random_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def new_phone() -> str:
    return "19" + "".join(random.choices(string.digits, k=9))


def new_credit_code() -> str:
    body = "91110108" + "".join(random.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9))
    return body + uscc.calc_check_digit(body)


def png_bytes(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 128)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A valid one-page PDF without scripts."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def sms_to(client, phone: str) -> list[str]:
    response = await client.get("/api/dev/sms", params={"phone": phone, "page_size": 100})
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


async def code_for(client, phone: str) -> str:
    texts = await sms_to(client, phone)
    match = re.search(r"验证码为 (\d{6})", texts[0])
    assert match, texts[0]
    return match.group(1)


async def pass_resend_gap(client, phone: str) -> None:
    """What 60 seconds of waiting would do: the per-phone resend gap ends."""
    redis = client._transport.app.state.runtime.redis
    await redis.delete(*(f"lp:auth:sms-gap:{purpose}:{fingerprint(phone)}" for purpose in SmsPurpose))


async def ask_code(client, phone: str, purpose: str = "register", **extra) -> str:
    response = await client.post("/api/auth/sms-codes", json={"phone": phone, "purpose": purpose, **extra})
    assert response.status_code == 202, response.text
    return await code_for(client, phone)


async def register(client, *, name: str = "杭州测试电器股份有限公司") -> dict:
    """Register a fresh enterprise through the API and read its generated password from the SMS."""
    phone, credit_code = new_phone(), new_credit_code()
    code = await ask_code(client, phone)
    response = await client.post(
        "/api/auth/register",
        json={
            "enterprise_name": name,
            "credit_code": credit_code,
            "contact_name": "张三",
            "phone": phone,
            "sms_code": code,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["login_name"] == credit_code
    text = (await sms_to(client, phone))[0]
    password = re.search(r"登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    return {"credit_code": credit_code, "phone": phone, "password": password, "sms": text}


async def login(client, login_name: str, password: str) -> dict:
    response = await client.post("/api/auth/login", json={"login_name": login_name, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def ready_enterprise(client) -> dict:
    """A registered enterprise that has changed its generated password, with live tokens."""
    info = await register(client)
    first = await login(client, info["credit_code"], info["password"])
    new_password = "Lingpao" + str(random.randint(1000, 9999)) + "x"
    response = await client.post(
        "/api/auth/password",
        headers=bearer(first["access_token"]),
        json={"current_password": info["password"], "new_password": new_password},
    )
    assert response.status_code == 204, response.text
    tokens = await login(client, info["credit_code"], new_password)
    return {**info, "password": new_password, **tokens}


async def demo_login(client, login_name: str) -> dict:
    return await login(client, login_name, demo.DEMO_PASSWORD)


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]


class Helpers:
    """The helpers above, handed to tests as a fixture (test modules are not importable as packages)."""

    random_ip = staticmethod(random_ip)
    new_phone = staticmethod(new_phone)
    new_credit_code = staticmethod(new_credit_code)
    png_bytes = staticmethod(png_bytes)
    jpeg_bytes = staticmethod(jpeg_bytes)
    pdf_bytes = staticmethod(pdf_bytes)
    sms_to = staticmethod(sms_to)
    code_for = staticmethod(code_for)
    ask_code = staticmethod(ask_code)
    pass_resend_gap = staticmethod(pass_resend_gap)
    register = staticmethod(register)
    login = staticmethod(login)
    bearer = staticmethod(bearer)
    ready_enterprise = staticmethod(ready_enterprise)
    demo_login = staticmethod(demo_login)
    error_code = staticmethod(error_code)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers
