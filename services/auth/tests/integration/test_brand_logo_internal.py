"""The internal route the mall's public brand-logo route reads: behind the internal token, brand logos only
(never the enterprise's own logo), 404 for an unknown brand or one without a logo, an ETag that follows the
upload."""

from __future__ import annotations

import uuid


async def test_internal_brand_logo(client, h, settings):
    ready = await h.ready_enterprise(client)
    auth = h.bearer(ready["access_token"])
    internal = {"X-Internal-Token": settings.internal_token}
    brand = (await client.post("/api/auth/enterprise/brands", headers=auth, data={"name": "内部牌"},
                               files={"logo": ("b.png", h.png_bytes(), "image/png")})).json()  # fmt: skip
    url = f"/internal/brands/{brand['id']}/logo"

    # the internal token or nothing (404, as every internal route answers without it)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers={"X-Internal-Token": "guess"})).status_code == 404
    assert (await client.get(url, headers=auth)).status_code == 404

    r = await client.get(url, headers=internal)
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert r.headers["content-type"] == "image/png"
    first = r.headers["etag"]
    assert first.startswith('"') and len(first) == 34

    # a new upload: new bytes location, new ETag
    await client.put(f"/api/auth/enterprise/brands/{brand['id']}", headers=auth, data={"name": "内部牌"},
                     files={"logo": ("b.png", h.png_bytes(), "image/png")})  # fmt: skip
    assert (await client.get(url, headers=internal)).headers["etag"] != first

    plain = (await client.post("/api/auth/enterprise/brands", headers=auth, data={"name": "无图"})).json()
    r = await client.get(f"/internal/brands/{plain['id']}/logo", headers=internal)
    assert r.status_code == 404 and r.json()["error"]["code"] == "logo_not_found"
    r = await client.get(f"/internal/brands/{uuid.uuid4()}/logo", headers=internal)
    assert r.status_code == 404 and r.json()["error"]["code"] == "brand_not_found"
    # the enterprise's own logo is not a brand: its organisation id finds nothing here
    await client.put(
        "/api/auth/enterprise/logo", headers=auth, files={"file": ("l.png", h.png_bytes(), "image/png")}
    )
    org_id = (await client.get("/api/auth/me", headers=auth)).json()["organisation"]["id"]
    assert (await client.get(f"/internal/brands/{org_id}/logo", headers=internal)).status_code == 404
    assert (await client.get("/internal/brands/nope/logo", headers=internal)).status_code == 422

    # the brand deleted: gone
    assert (
        await client.delete(f"/api/auth/enterprise/brands/{brand['id']}", headers=auth)
    ).status_code == 204
    assert (await client.get(url, headers=internal)).status_code == 404
