"""The public brand logo (GET /api/mall/brands/{id}/logo): public while a listed product shows the brand, the
owning enterprise only before that, 404 for everything else (unknown, deleted, no logo, another tenant);
PNG with caching headers, 304 on revalidation without asking auth, 503 when auth cannot answer. Auth's
internal route is played by an httpx transport that records what the mall asks."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest
from kit.testing.files import png_bytes
from mall.api.catalogue import auth_transport

LOGO_KEY = "org/2026/logo-a.png"


def png() -> bytes:
    return png_bytes((64, 64), (31, 111, 235, 255))


def etag_of(key: str) -> str:
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


class FakeAuth:
    """Auth's ``GET /internal/brands/{id}/logo``: the logos it holds, an outage switch, the calls it got."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.logos: dict[str, tuple[bytes, str]] = {}
        self.down = False
        self.answer: tuple[int, bytes] | None = None
        self.calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("auth is down", request=request)
        if request.headers.get("X-Internal-Token") != self.token:
            return httpx.Response(404, json={"error": {"code": "not_found"}})
        if self.answer is not None:
            return httpx.Response(self.answer[0], content=self.answer[1])
        brand_id = request.url.path.split("/")[3]
        if brand_id not in self.logos:
            return httpx.Response(404, json={"error": {"code": "brand_not_found"}})
        data, key = self.logos[brand_id]
        return httpx.Response(200, content=data, headers={"Content-Type": "image/png", "ETag": etag_of(key)})


@pytest.fixture
def fake_auth(app, mall_settings):
    fake = FakeAuth(mall_settings.internal_token)
    app.dependency_overrides[auth_transport] = lambda: httpx.MockTransport(fake.handler)
    yield fake
    app.dependency_overrides.pop(auth_transport, None)


async def with_logo(deliver, ent, key: str = LOGO_KEY, *, deleted: bool = False) -> None:
    await deliver("enterprise.brand_changed", {
        "org_id": str(ent.org_id), "brand_id": str(ent.brand_id), "name": "美途", "story": "美途的品牌故事",
        "logo_key": key, "deleted": deleted,
    })  # fmt: skip


async def test_logo_is_public_only_while_a_listed_product_shows_the_brand(
    client, deliver, enterprise, category, published, complete, fake_auth, make_token
):
    ent = await enterprise()
    await with_logo(deliver, ent)
    logo = png()
    fake_auth.logos[str(ent.brand_id)] = (logo, LOGO_KEY)
    url = f"/api/mall/brands/{ent.brand_id}/logo"
    other = {"Authorization": f"Bearer {make_token('enterprise', org_id=uuid.uuid4())}"}

    # nothing listed: the owner sees it (promotion editor), nobody else, and auth is not even asked for them
    assert (await client.get(url)).status_code == 404
    r = await client.get(url, headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "brand_logo_not_found"
    assert fake_auth.calls == []
    r = await client.get(url, headers=ent.headers)
    assert r.status_code == 200 and r.content == logo
    assert r.headers["cache-control"] == "no-store"  # an authenticated answer is never stored

    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-L1"))
    await complete(ent, model)
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["brands"][0]["logo_url"] == url
    assert (await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)).status_code == 200

    # listed: the product page names the logo, and anyone may fetch it
    detail = (await client.get(f"/api/mall/products/{model}")).json()
    assert detail["brand"]["logo_url"] == url and detail["brand"]["has_logo"] is True
    r = await client.get(url)
    assert r.status_code == 200 and r.content == logo
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"].startswith("public, max-age=")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["etag"] == etag_of(LOGO_KEY)
    assert fake_auth.calls[-1] == f"/internal/brands/{ent.brand_id}/logo"

    # revalidation is answered here: 304, auth not asked again
    calls = len(fake_auth.calls)
    again = await client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and len(fake_auth.calls) == calls
    # a new logo is a new key: the old ETag no longer matches
    await with_logo(deliver, ent, "org/2026/logo-b.png")
    fake_auth.logos[str(ent.brand_id)] = (logo, "org/2026/logo-b.png")
    fresh = await client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert fresh.status_code == 200 and fresh.headers["etag"] == etag_of("org/2026/logo-b.png")

    # 下架: private again
    assert (await client.post(f"/api/mall/promotions/{model}/unlist", headers=ent.headers)).status_code == 200
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers=ent.headers)).status_code == 200


async def test_unknown_deleted_or_logo_less_brands_are_404(
    client, deliver, enterprise, category, published, complete, fake_auth
):
    assert (await client.get(f"/api/mall/brands/{uuid.uuid4()}/logo")).status_code == 404
    assert (await client.get("/api/mall/brands/not-a-uuid/logo")).status_code == 422

    plain = await enterprise()  # its brand has no logo
    _, [model] = await published(plain, await category(), ("无图冰箱", "BCD-L2"))
    await complete(plain, model)
    assert (await client.post(f"/api/mall/promotions/{model}/list", headers=plain.headers)).status_code == 200
    detail = (await client.get(f"/api/mall/products/{model}")).json()
    assert detail["brand"]["has_logo"] is False and detail["brand"]["logo_url"] is None
    for headers in ({}, plain.headers):
        r = await client.get(f"/api/mall/brands/{plain.brand_id}/logo", headers=headers)
        assert r.status_code == 404 and r.json()["error"]["message"] == "品牌 Logo 不存在"

    gone = await enterprise()
    await with_logo(deliver, gone)
    fake_auth.logos[str(gone.brand_id)] = (png(), LOGO_KEY)
    await with_logo(deliver, gone, deleted=True)
    assert (
        await client.get(f"/api/mall/brands/{gone.brand_id}/logo", headers=gone.headers)
    ).status_code == 404
    assert fake_auth.calls == []


async def test_auth_outage_or_a_bad_answer_is_503_and_a_vanished_logo_404(
    client, deliver, enterprise, fake_auth
):
    ent = await enterprise()
    await with_logo(deliver, ent)
    url = f"/api/mall/brands/{ent.brand_id}/logo"
    fake_auth.down = True
    r = await client.get(url, headers=ent.headers)
    assert r.status_code == 503 and r.json()["error"]["code"] == "logo_unavailable"
    fake_auth.down = False
    # auth answers something that is not a PNG: never passed on
    fake_auth.answer = (200, b"<svg onload=alert(1)>")
    r = await client.get(url, headers=ent.headers)
    assert r.status_code == 503 and b"svg" not in r.content
    fake_auth.answer = (500, b"")
    assert (await client.get(url, headers=ent.headers)).status_code == 503
    fake_auth.answer = None
    # auth no longer has it (the brand_changed event is still on its way): 404, not an error
    r = await client.get(url, headers=ent.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "brand_logo_not_found"
