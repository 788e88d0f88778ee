"""QUALITY.md 10-12 — a corpus of hostile files against every upload route, through the gateway: renamed
types, polyglots, an image bomb, a zip bomb named .xlsx, encrypted and scripted PDFs, empty and truncated
files, an oversized body streamed without a length, path-like file names. Every refusal is a 4xx in the
error shape with a Chinese message, and the route's listing shows nothing stored afterwards.

Upload routes not reached here (they need a published declaration or an issued certificate, which takes the
14-day notice on the shared clock): POST /api/declarations/{id}/models, POST /api/certificates/{id}/stamped,
PUT /api/benchmark/plans/{id}/workbook (final plans refuse replacement before reading the file). They use
the same kit.uploads checks as the routes below."""

from __future__ import annotations

import functools
import io
import time
import zipfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from ._security_common import (
    DEMO,
    FRIDGE_FORERUNNER,
    FRIDGE_PASSING_STAR4,
    client,
    demo_login,
    error_problems,
    fresh_ip,
    fridge,
    items,
    jpeg,
    new_enterprise,
    pdf,
    png,
)
from .conftest import bearer

MB = 1024 * 1024


# ------------------------------------------------------------------------------------------------ corpus
@functools.cache
def png_bomb() -> bytes:
    """A 1-bit PNG of 40,000 × 40,000 pixels (1.6 gigapixels) whose zeros compress to a few hundred KB."""
    import struct

    width = height = 40_000

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + width // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@functools.cache
def zip_bomb_xlsx() -> bytes:
    """An .xlsx-shaped zip whose sheet inflates to 300 MB of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * MB
            for _ in range(300):
                sheet.write(block)
    return out.getvalue()


@functools.cache
def noisy_png(side: int) -> bytes:
    """A real PNG that cannot compress: side² × 3 bytes of noise."""
    import os

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript_pdf() -> bytes:
    """A document-level script in the /Names /JavaScript tree (what Acrobat runs on opening)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    script = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('x');"),
    }))  # fmt: skip
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("open"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_pdf() -> bytes:
    """An /OpenAction that launches on opening, without the word /JavaScript anywhere."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    action = DictionaryObject({
        NameObject("/S"): NameObject("/URI"),
        NameObject("/URI"): TextStringObject("http://attacker.example/steal"),
    })  # fmt: skip
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

# name → (file name, bytes factory, content type the client claims)
IMAGE_CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "pdf_named_png": ("logo.png", pdf, "image/png"),
    "html_named_png": ("logo.png", lambda: HTML, "image/png"),
    "png_with_pdf_appended": ("logo.png", lambda: png() + pdf(), "image/png"),
    "png_with_html_appended": ("logo.png", lambda: png() + HTML, "image/png"),
    "jpeg_with_zip_appended": ("logo.jpg", lambda: jpeg() + zip_bomb_xlsx()[:4096], "image/jpeg"),
    "image_bomb": ("bomb.png", png_bomb, "image/png"),
    "truncated_png": ("cut.png", lambda: png()[:60], "image/png"),
    "empty": ("empty.png", lambda: b"", "image/png"),
    "svg_with_script": (
        "logo.png",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        "image/svg+xml",
    ),
}
PDF_CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "png_named_pdf": ("证明.pdf", png, "application/pdf"),
    "html_named_pdf": ("证明.pdf", lambda: HTML, "application/pdf"),
    "pdf_with_html": ("证明.pdf", lambda: pdf() + b"\n" + HTML, "application/pdf"),
    "encrypted_pdf": ("证明.pdf", encrypted_pdf, "application/pdf"),
    "javascript_pdf": ("证明.pdf", javascript_pdf, "application/pdf"),
    "open_action_pdf": ("证明.pdf", open_action_pdf, "application/pdf"),
    "truncated_pdf": ("证明.pdf", lambda: b"%PDF-1.7\n1 0 obj\n<<", "application/pdf"),
    "empty": ("证明.pdf", lambda: b"", "application/pdf"),
    "zip_bomb_named_pdf": ("证明.pdf", zip_bomb_xlsx, "application/pdf"),
}
# The authorisation letter may be a PDF or a picture: the renamed cases are about the claim, not the kind.
LETTER_CASES = {
    **{k: v for k, v in PDF_CASES.items() if k != "png_named_pdf"},
    "pdf_named_png": ("授权书.png", pdf, "image/png"),
    "png_with_pdf_appended": ("授权书.png", lambda: png() + pdf(), "image/png"),
    "image_bomb": ("授权书.png", png_bomb, "image/png"),
}
WORKBOOK_CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "zip_bomb_xlsx": (
        "名单.xlsx",
        zip_bomb_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "png_named_xlsx": ("名单.xlsx", png, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf_named_xlsx": ("名单.xlsx", pdf, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "zip_not_xlsx": (
        "名单.xlsx",
        lambda: _plain_zip(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "empty": ("名单.xlsx", lambda: b"", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("../../etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ routes
@dataclass
class Route:
    name: str
    method: str
    url: str
    field: str
    headers: dict[str, str]
    cases: dict[str, tuple[str, Callable[[], bytes], str]]
    listing: Callable[[], Awaitable[Any]]
    data: dict[str, str] | None = None
    fresh_client: bool = False  # recovery requests are limited per address: each attempt from its own


@pytest.fixture(scope="module")
async def setup(platform):
    gw = client(platform.gateway_url, ip=fresh_ip(), timeout=60)
    e = await new_enterprise(gw, "Hostile2026x", name="恶意文件测试企业有限公司")
    h = e["headers"]
    product = await fridge(gw)
    agency = bearer((await demo_login(gw, DEMO["agency"]))["access_token"])
    operator = bearer((await demo_login(gw, DEMO["operator"]))["access_token"])

    r = await gw.post("/api/declarations", headers=h, json={
        "product_id": product["id"], "standard_no": "Q/EY 001-2024", "standard_name": "家用电冰箱"})  # fmt: skip
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    r = await gw.post(f"/api/declarations/{did}/benchmark", headers=h, json={"values": FRIDGE_FORERUNNER})
    assert r.status_code == 200, r.text
    r = await gw.post("/api/declarations/star-products", headers=h, json={
        "product_id": product["id"], "name": "恶意测试冰箱", "model": "EY-4", "star": 4})  # fmt: skip
    sid = r.json()["id"]
    await gw.post(
        f"/api/declarations/star-products/{sid}/benchmark", headers=h, json={"values": FRIDGE_PASSING_STAR4}
    )
    await gw.patch(f"/api/declarations/star-products/{sid}", headers=h, json={"intro": "节能"})
    assert (await gw.post(f"/api/declarations/star-products/{sid}/submit", headers=h)).status_code == 200
    deadline = time.monotonic() + 20
    while (await gw.get(f"/api/mall/promotions/{sid}", headers=h)).status_code != 200:
        assert time.monotonic() < deadline, "the star product's promotion never appeared"
        time.sleep(0.3)
    r = await gw.post("/api/auth/enterprise/brands", headers=h, data={"name": "原品牌"},
                      files={"logo": ("b.png", png(), "image/png")})  # fmt: skip
    brand_id = r.json()["id"]

    async def logo():
        r = await gw.get("/api/auth/enterprise/logo", headers=h)
        return r.status_code, r.content

    async def brands():
        return sorted(b["id"] for b in items((await gw.get("/api/auth/enterprise/brands", headers=h)).json()))

    async def brand_logo():
        return (await gw.get(f"/api/auth/enterprise/brands/{brand_id}/logo", headers=h)).content

    async def recovery():
        return (
            await gw.get("/api/auth/recovery-requests", headers=operator, params={"page_size": 1})
        ).json()["total"]

    async def evidence():
        return items((await gw.get(f"/api/declarations/{did}/evidence", headers=h)).json())

    async def pictures():
        return (await gw.get(f"/api/mall/promotions/{sid}", headers=h)).json()["pictures"]

    async def candidates():
        r = await gw.get("/api/declarations/candidate-lists", headers=agency, params={"page_size": 1})
        return r.json()["total"]

    async def plans():
        return len(
            items((await gw.get(f"/api/benchmark/products/{product['id']}/plans", headers=agency)).json())
        )

    letter_form = {"credit_code": e["credit_code"], "enterprise_name": e["name"], "contact_name": "张三",
                   "reason": "手机号码已停用"}  # fmt: skip
    routes = [
        Route("enterprise logo", "PUT", "/api/auth/enterprise/logo", "file", h, IMAGE_CASES, logo),
        Route("new brand logo", "POST", "/api/auth/enterprise/brands", "logo", h, IMAGE_CASES, brands,
              data={"name": "恶意品牌"}),
        Route("brand logo replaced", "PUT", f"/api/auth/enterprise/brands/{brand_id}", "logo", h, IMAGE_CASES,
              brand_logo, data={"name": "原品牌"}),
        Route("recovery letter", "POST", "/api/auth/recovery-requests", "letter", {}, LETTER_CASES, recovery,
              data=letter_form, fresh_client=True),
        Route("evidence", "POST", f"/api/declarations/{did}/evidence", "file", h, PDF_CASES, evidence),
        Route("mall picture", "POST", f"/api/mall/promotions/{sid}/pictures", "file", h, IMAGE_CASES, pictures),
        Route("candidate list", "POST", "/api/declarations/candidate-lists", "file", agency, WORKBOOK_CASES,
              candidates, data={"product_id": product["id"]}),
        Route("plan workbook", "POST", f"/api/benchmark/products/{product['id']}/plans/workbook", "file", agency,
              WORKBOOK_CASES, plans),
    ]  # fmt: skip
    try:
        yield {"gw": gw, "routes": {r.name: r for r in routes}, "platform": platform}
    finally:
        await gw.aclose()


ROUTES = ["enterprise logo", "new brand logo", "brand logo replaced", "recovery letter", "evidence", "mall picture",
          "candidate list", "plan workbook"]  # fmt: skip


async def send(setup, route: Route, name: str, content: bytes, ctype: str, **kw):
    files = {route.field: (name, content, ctype)}
    if route.fresh_client:
        async with client(setup["platform"].gateway_url, ip=fresh_ip(), timeout=60) as c:
            return await c.request(
                route.method, route.url, headers=route.headers, data=route.data, files=files, **kw
            )
    return await setup["gw"].request(route.method, route.url, headers=route.headers, data=route.data, files=files,
                                     **kw)  # fmt: skip


# Refusals QUALITY 11 asks for that the platform does not make yet: (route, case) → reason. Each entry is
# marked xfail(strict=True) so that a fix turns it red and the mark comes off. Empty: all are refused.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def _cases() -> list:
    params = []
    for route_name in ROUTES:
        kind = ROUTE_CASES[route_name]
        for case in kind:
            marks = []
            if (route_name, case) in KNOWN_DEFECTS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[(route_name, case)]))
            params.append(pytest.param(route_name, case, marks=marks, id=f"{route_name}-{case}"))
    return params


ROUTE_CASES = {"enterprise logo": IMAGE_CASES, "new brand logo": IMAGE_CASES, "brand logo replaced": IMAGE_CASES,
               "recovery letter": LETTER_CASES, "evidence": PDF_CASES, "mall picture": IMAGE_CASES,
               "candidate list": WORKBOOK_CASES, "plan workbook": WORKBOOK_CASES}  # fmt: skip


@pytest.mark.parametrize(("route_name", "case"), _cases())
async def test_hostile_file_is_refused_and_nothing_is_stored(setup, route_name, case):
    route = setup["routes"][route_name]
    filename, make, ctype = route.cases[case]
    before = await route.listing()
    r = await send(setup, route, filename, make(), ctype)
    problems = error_problems(r)
    after = await route.listing()
    assert not problems, f"{route_name} / {case}: {r.status_code} {r.text[:200]} — {'; '.join(problems)}"
    assert after == before, f"{route_name} / {case}: something was stored ({before!r} → {after!r})"


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.parametrize("route_name", ["enterprise logo", "evidence", "mall picture", "candidate list"])
async def test_oversized_body_streamed_is_refused_quickly_with_memory_flat(setup, route_name):
    """30 MB sent as a chunked stream (no Content-Length to refuse early): the cap is enforced while
    reading, so the refusal arrives in seconds and neither the gateway nor the service holds the body."""
    route = setup["routes"][route_name]
    procs = getattr(setup["platform"], "procs", {})
    service = {"enterprise logo": "auth", "evidence": "declaration", "mall picture": "mall",
               "candidate list": "declaration"}[route_name]  # fmt: skip
    watched = {n: procs[n].pid for n in ("gateway", service) if n in procs}
    rss_before = {n: _rss_kib(pid) for n, pid in watched.items()}
    sent = 0

    boundary = "lpsecurityboundary"

    async def body() -> AsyncIterator[bytes]:
        """multipart/form-data written by hand so the file part is generated on the fly: 30 MB that never
        exist in this process's memory either."""
        nonlocal sent
        for key, value in (route.data or {}).items():
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            ).encode()
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{route.field}"; filename="huge.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        yield b"\x89PNG\r\n\x1a\n" if route.cases is IMAGE_CASES else b"%PDF-1.7\n"
        block = b"\x00" * (256 * 1024)
        for _ in range(120):  # 30 MB
            sent += len(block)
            yield block
        yield f"\r\n--{boundary}--\r\n".encode()

    started = time.monotonic()
    try:
        r = await setup["gw"].request(route.method, route.url, content=body(), headers={
            **route.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
    except Exception as exc:  # the server may close the connection as soon as it has answered 413
        pytest.fail(f"no 413 answer, the connection failed: {exc!r} after {sent / MB:.1f} MB")
    elapsed = time.monotonic() - started
    before = await route.listing()
    assert r.status_code == 413, (r.status_code, r.text[:300])
    assert not error_problems(r), error_problems(r)
    assert elapsed < 10, f"413 took {elapsed:.1f} s"
    for n, pid in watched.items():
        grown = (_rss_kib(pid) - rss_before[n]) / 1024
        assert grown < 40, f"{n} grew by {grown:.0f} MB while refusing a 30 MB body"
    assert await route.listing() == before
    print(f"{route_name}: 413 after {elapsed:.2f} s, {sent / MB:.1f} MB offered")


@pytest.mark.parametrize("route_name", ["enterprise logo", "mall picture", "evidence", "recovery letter"])
async def test_oversized_file_within_the_body_cap_is_refused(setup, route_name):
    """Over the route's own limit (logo 2 MB, picture 500 KB, evidence 20 MB, letter 10 MB) but under the
    gateway's: the route refuses it with 413 while reading."""
    route = setup["routes"][route_name]
    before = await route.listing()
    if route_name == "mall picture":
        content, name, ctype = noisy_png(500), "big.png", "image/png"  # ≈ 750 KB
    elif route_name == "enterprise logo":
        content, name, ctype = noisy_png(900), "big.png", "image/png"  # ≈ 2.4 MB
    else:
        size = 21 * MB if route_name == "evidence" else 11 * MB
        content, name, ctype = pdf() + b"%" + b"0" * size, "big.pdf", "application/pdf"
    r = await send(setup, route, name, content, ctype)
    assert r.status_code == 413, (r.status_code, r.text[:300])
    assert not error_problems(r), error_problems(r)
    assert await route.listing() == before


PATH_NAMES = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow", "a\x00.png", "名" * 300 + ".png",
              "x" * 1000 + ".png", "%2e%2e%2fsecret.png", "CON.png", ""]  # fmt: skip


@pytest.mark.parametrize("route_name", ["enterprise logo", "new brand logo", "evidence", "mall picture"])
async def test_path_like_file_names_never_reach_storage_or_errors(setup, route_name):
    """The client's name is metadata only (QUALITY 12): a valid file under a hostile name is either refused
    in the error shape or stored under a server key, and the name never comes back as a path."""
    route = setup["routes"][route_name]
    content, ctype = (
        (pdf(), "application/pdf") if route.cases is PDF_CASES else (png((300, 300)), "image/png")
    )
    for filename in PATH_NAMES:
        data = dict(route.data or {})
        if "name" in data:
            data["name"] = f"品牌{len(filename)}"
        r = await setup["gw"].request(route.method, route.url, headers=route.headers, data=data or None,
                                      files={route.field: (filename, content, ctype)})  # fmt: skip
        assert r.status_code < 500, (filename[:40], r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert not error_problems(r), (filename[:40], error_problems(r))
        for marker in ("../", "..\\", "/etc/", "\x00"):
            assert marker not in r.text, (filename[:40], r.text[:300])
    listing = repr(await route.listing())
    for marker in ("../", "..\\", "/etc/"):
        assert marker not in listing, listing[:500]
