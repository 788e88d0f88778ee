"""Shared pieces of the security suites (access matrix, hostile files, secret scan): clients with their own
loopback source address, tenants made through the public routes, small valid files, error-shape checks."""

from __future__ import annotations

import io
import random
import re
import uuid
from typing import Any

import httpx
from PIL import Image

from .conftest import Sms, login
from .conftest import new_enterprise as ready_enterprise

DEMO_PASSWORD = "LpDemo2024"
DEMO = {
    "enterprise": "91110108MA01C2Q57B",
    "agency": "agency01",
    "working_group": "workgroup01",
    "operator": "operator01",
}
# 家用电冰箱 of the benchmark demo data: open for declaration, final plan with star thresholds, agency01's.
FRIDGE_CODE = "JD-2023-01"
FRIDGE_PASSING_STAR4 = {"energy_daily": "0.55", "noise": 37, "freezing_capacity": "9.5"}
FRIDGE_FORERUNNER = {"energy_daily": "0.45", "noise": 35, "freezing_capacity": "10.5"}

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fresh_ip() -> str:
    """A loopback source address of its own. Auth limits SMS codes and recovery requests per address; every
    suite (and every role of the matrix) sends from its own address so their quotas never meet, exactly as
    distinct clients would. Linux answers on the whole 127.0.0.0/8."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def client(base_url: str, *, ip: str | None = None, timeout: float = 30) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=ip or fresh_ip())
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)


async def new_enterprise(gw: httpx.AsyncClient, password: str, *, name: str | None = None) -> dict[str, Any]:
    """A tenant with a usable session (``conftest.new_enterprise``), with its bare token and its
    organisation's id and name."""
    enterprise = await ready_enterprise(gw, Sms(gw), name=name, new_password=password)
    me = (await gw.get("/api/auth/me", headers=enterprise["headers"])).json()
    return {
        **enterprise,
        "token": enterprise["tokens"]["access_token"],
        "org_id": me["organisation"]["id"],
        "name": me["organisation"]["name"],
    }


async def demo_login(gw: httpx.AsyncClient, login_name: str) -> dict[str, Any]:
    return await login(gw, login_name, DEMO_PASSWORD)


async def fridge(gw: httpx.AsyncClient) -> dict[str, Any]:
    r = await gw.get("/api/benchmark/products", params={"open": "true", "page_size": 100})
    assert r.status_code == 200, r.text
    return next(p for p in r.json()["items"] if p["code"] == FRIDGE_CODE)


def png(size: tuple[int, int] = (64, 64), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def items(body: Any) -> list[dict[str, Any]]:
    return body["items"] if isinstance(body, dict) else body


def error_problems(r: httpx.Response) -> list[str]:
    """What is wrong with a refusal: not 4xx, not the error shape, or no Chinese message."""
    problems = []
    if not 400 <= r.status_code < 500:
        problems.append(f"status {r.status_code}")
    try:
        error = r.json()["error"]
        if not isinstance(error.get("code"), str) or not error["code"]:
            problems.append("no error code")
        if not CHINESE.search(str(error.get("message", ""))):
            problems.append(f"message not Chinese: {error.get('message')!r}")
    except Exception:
        problems.append(f"not the error shape: {r.text[:200]!r}")
    return problems


def random_uuid() -> str:
    return str(uuid.uuid4())
