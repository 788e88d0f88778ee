"""Browser tests: the portal driven in Debian's Chromium (Playwright, ``executable_path``) through the
real gateway and services. By default the platform is started on its own ports, databases, Redis database
and bus namespace (scripts/runner.py) with the portal built; ``LP_BROWSER_BASE_URL`` points the tests
at a platform already running instead (its Redis in ``LP_BROWSER_REDIS_URL``, for the clock).

Every main page is photographed into test-artifacts/screenshots/ so a person can look at them."""

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
from playwright.async_api import Browser, Page, async_playwright, expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("LP_CHROMIUM", "/usr/bin/chromium")
BROWSER_REDIS = "redis://127.0.0.1:6379/13"

_spec = importlib.util.spec_from_file_location("lp_platform_runner_browser", ROOT / "scripts" / "runner.py")
runner = importlib.util.module_from_spec(_spec)
sys.modules["lp_platform_runner_browser"] = runner
_spec.loader.exec_module(runner)

expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class Portal:
    def __init__(self, url: str, redis_url: str, signing_dir: Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.redis_url = redis_url
        # Where the certificate service keeps its development CA (trusted-ca.pem): what a test validates
        # downloaded PDFs against with pyHanko.
        self.signing_dir = signing_dir

    def platform_ca(self) -> list:
        from asn1crypto import pem, x509

        assert self.signing_dir is not None, "set LP_BROWSER_SIGNING_DIR to the platform's LP_SIGNING_DIR"
        data = (self.signing_dir / "trusted-ca.pem").read_bytes()
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


@pytest.fixture(scope="session")
def portal():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    given = os.environ.get("LP_BROWSER_BASE_URL")
    if given:
        signing = os.environ.get("LP_BROWSER_SIGNING_DIR")
        yield Portal(
            given,
            os.environ.get("LP_BROWSER_REDIS_URL", "redis://127.0.0.1:6379/0"),
            Path(signing) if signing else None,
        )
        return
    base_port = int(os.environ.get("LP_BROWSER_BASE_PORT", "19000"))
    with runner.platform_for_tests("browser", redis_url=BROWSER_REDIS, base_port=base_port, portal=True) as p:
        yield Portal(p.gateway_url, BROWSER_REDIS, p.signing_dir)


@pytest.fixture(scope="session")
async def browser(portal) -> Browser:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        await b.close()


@pytest.fixture
async def new_page(browser):
    """Each call opens a fresh browser context (its own session), as a different person would. Every page
    is watched for Content-Security-Policy violations: the portal's policy must not break anything."""
    contexts = []
    violations: list[str] = []

    def watch(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    async def make() -> Page:
        ctx = await browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        contexts.append(ctx)
        page = await ctx.new_page()
        page.on("console", watch)
        # A violation the page itself reports (also those no console line is written for).
        await page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        return page

    yield make
    for ctx in contexts:
        await ctx.close()
    assert not violations, f"Content-Security-Policy violations: {violations[:5]}"


@pytest.fixture
async def api(portal):
    async with httpx.AsyncClient(base_url=portal.url, timeout=30) as client:
        yield client


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(400)  # let transitions and images settle
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


# Raw machine words that must never reach a person: enum codes, JS nothings, JSON.
_RAW = re.compile(r"\b(undefined|null|NaN|true|false|[a-z]+_[a-z_]+)\b|\{\"")


async def assert_no_raw_text(page: Page) -> None:
    text = await page.inner_text("body")
    found = _RAW.findall(text)
    assert not found, f"raw codes on the page {page.url}: {found[:5]}"


async def sms_messages(api: httpx.AsyncClient, phone: str) -> list[dict]:
    r = await api.get("/api/dev/sms", params={"phone": phone, "page_size": 100})
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def latest_code(api: httpx.AsyncClient, phone: str, *, seen: int = 0) -> str:
    """The code of the newest SMS beyond the ``seen`` messages the phone had before the code was asked."""
    for _ in range(40):
        messages = await sms_messages(api, phone)
        for message in messages[: max(0, len(messages) - seen)]:
            m = re.search(r"验证码[^\d]{0,10}(\d{6})|(?<!\d)(\d{6})(?!\d)", message["text"])
            if m:
                return m.group(1) or m.group(2)
        await asyncio.sleep(0.25)
    raise AssertionError(f"no code SMS for {phone}")


async def login(page: Page, portal: Portal, login_name: str, password: str) -> None:
    await page.goto(portal.url + "/login")
    await page.get_by_placeholder("统一社会信用代码 / 手机号").fill(login_name)
    await page.get_by_placeholder("请输入密码").fill(password)
    await page.get_by_role("button", name="登 录").click()
    await page.wait_for_url(re.compile(r"/workspace/"))


async def demo_open_product(api: httpx.AsyncClient, name: str) -> dict:
    """The demo catalogue's key-field product open for self-declaration, by name. The journeys are about the demo
    data, so its absence is a failure of `make up`'s seed, never a reason to skip."""
    r = await api.get("/api/benchmark/products", params={"open": "true", "page_size": 100})
    assert r.status_code == 200, r.text
    product = next((p for p in r.json()["items"] if p["name"] == name), None)
    assert product is not None, f"the demo catalogue has no product {name} open for self-declaration"
    return product


async def pass_wizard_from_comparison(
    ent: Page, values: list[str], *, product_name: str, model: str, evidence: Path, shots: dict[str, str]
) -> None:
    """The declaration wizard from its 对标 step to the submission: passing values, one product model, one
    evidence PDF. ``shots`` names the screenshots wanted at "passed", "evidence" and "confirm"."""

    async def shoot(step: str) -> None:
        if step in shots:
            await shot(ent, shots[step])

    inputs = ent.get_by_placeholder("请输入数值")
    for n, v in enumerate(values):
        await inputs.nth(n).fill(v)
    await ent.get_by_role("button", name="开始对标").click()
    await expect(ent.get_by_text("对标成功：全部核心指标达到要求")).to_be_visible()
    await shoot("passed")
    await ent.get_by_role("button", name="下一步").click()
    await ent.get_by_placeholder("请输入产品名称").fill(product_name)
    await ent.get_by_placeholder("请输入规格/型号").fill(model)
    await ent.get_by_role("button", name="保存并下一步").click()
    await (
        ent.locator(".el-upload-dragger")
        .locator("xpath=..")
        .locator("input[type=file]")
        .set_input_files(str(evidence))
    )
    await expect(ent.locator(".el-table__row", has_text="检测报告.pdf")).to_be_visible()
    await shoot("evidence")
    await ent.get_by_role("button", name="下一步").click()
    await ent.get_by_text("信息填写完毕并确认无误后").click()
    await shoot("confirm")
    await ent.get_by_role("button", name="提交审核").click()
    await ent.wait_for_url(re.compile(r"/workspace/enterprise/declarations$"))


async def claim_label_png(ent: Page, portal: Portal, model: str) -> None:
    """Claim the label of a certified model on the enterprise's 标识 page and download its PNG."""
    await ent.goto(portal.url + "/workspace/enterprise/labels")
    row = ent.locator(".el-table__row", has_text=model)
    await expect(row).to_be_visible(timeout=30_000)
    await row.get_by_role("button", name="申领标识").click()
    await expect(row.get_by_text("已申领")).to_be_visible(timeout=30_000)
    async with ent.expect_download() as dl:
        await row.get_by_role("button", name="下载PNG").click()
    assert (await (await dl.value).path()).read_bytes().startswith(b"\x89PNG")
    await assert_no_raw_text(ent)


def random_phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def random_credit_code() -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character) no other test uses."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    body = "91110108" + "".join(alphabet[b % 31] for b in uuid.uuid4().bytes[:9])
    check = (31 - sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True)) % 31) % 31
    return body + alphabet[check]
