"""The portal's static files with the single-page fallback, and the page shown before it is built."""

from __future__ import annotations

import httpx
import pytest

from .conftest import serve_gateway


@pytest.fixture(scope="module")
async def portal_url(gateway_settings, tmp_path_factory):
    dist = tmp_path_factory.mktemp("portal") / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        "<!doctype html><title>领跑者</title><div id=app></div>", encoding="utf-8"
    )
    (dist / "assets" / "app-3b1f.js").write_text("console.log('portal')")
    (dist / "assets" / "vendor-9c2e.js").write_text(
        "export const big = '" + "领跑者" * 4000 + "';", encoding="utf-8"
    )
    (dist / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    async with serve_gateway(gateway_settings(gateway_portal_dist=str(dist))) as url:
        yield url


@pytest.mark.parametrize("path", ["/", "/verify", "/verify/", "/enterprise/declarations/42"])
async def test_portal_routes_get_index_html(portal_url: str, path: str):
    async with httpx.AsyncClient(base_url=portal_url) as c:
        r = await c.get(path)
    assert r.status_code == 200
    assert "<div id=app>" in r.text
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["x-content-type-options"] == "nosniff"
    policy = dict(
        [*d.split(" ", 1), ""][:2]
        for d in (p.strip() for p in r.headers["content-security-policy"].split(";"))
    )
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in r.headers["content-security-policy"]


async def test_assets_are_served_with_long_cache_and_missing_ones_are_404(portal_url: str):
    async with httpx.AsyncClient(base_url=portal_url) as c:
        r = await c.get("/assets/app-3b1f.js")
        assert r.status_code == 200 and r.text == "console.log('portal')"
        assert "immutable" in r.headers["cache-control"]
        missing = await c.get("/assets/app-0000.js")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert (await c.get("/favicon.ico")).content == b"\x00\x00\x01\x00"
        traversal = await c.get("/..%2f..%2fetc/passwd")
        assert traversal.status_code in (200, 404) and "root:" not in traversal.text
        api = await c.get("/api/nothing-here")
        assert api.status_code == 404 and api.headers["content-type"] == "application/json"
        post = await c.post("/enterprise/declarations/42")
        assert post.status_code == 405 and post.json()["error"]["code"] == "method_not_allowed"


async def test_unbuilt_portal_shows_a_plain_chinese_page(gateway_url: str):
    async with httpx.AsyncClient(base_url=gateway_url) as c:
        for path in ("/", "/verify"):
            r = await c.get(path)
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/html")
            assert "门户页面尚未构建" in r.text


async def test_portal_files_are_compressed_for_browsers_that_ask(portal_url: str):
    async with httpx.AsyncClient(base_url=portal_url) as c:
        r = await c.get("/assets/vendor-9c2e.js", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert "领跑者" * 4000 in r.text
        plain = await c.get("/assets/vendor-9c2e.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and int(plain.headers["content-length"]) > 30000
