"""Issues #5 and #6 through the gateway: a published forerunner standard gets its certificate (download, label
per model, public verification), its models and a self-declared 4-star product get promotion material, are
listed and found in the public mall by a Chinese keyword; unlisting hides; revoking the certificate hides the
forerunner product and verification says revoked."""

from __future__ import annotations

import io

from PIL import Image

from ._journeys import open_product, published_forerunner
from .conftest import demo_headers, eventually, new_enterprise, png_bytes

FOUR_STAR = {"energy_daily": "0.58", "noise": "37.5", "freezing_capacity": "9.2"}


async def _download(gw, url: str, headers) -> bytes:
    r = await gw.get(url, headers=headers)
    assert r.status_code == 200, r.text
    if r.headers.get("content-type", "").startswith("application/json"):
        link = r.json()["url"]
        r = await gw.get(link)
        assert r.status_code == 200, r.text
    return r.content


async def _brand(gw, headers, name: str) -> str:
    r = await gw.post(
        "/api/auth/enterprise/brands",
        headers=headers,
        data={"name": name, "story": "专注制冷二十年"},
        files={"logo": ("logo.png", png_bytes((200, 200), "#1f6feb"), "image/png")},
    )
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


async def _promote_and_list(gw, headers, model_id: str, brand_id: str, intro: str) -> None:
    async def ready():
        r = await gw.get(f"/api/mall/promotions/{model_id}", headers=headers)
        return r.status_code == 200 and any(b["id"] == brand_id for b in r.json()["brands"])

    await eventually(ready, timeout=30)
    r = await gw.post(f"/api/mall/promotions/{model_id}/list", headers=headers)
    assert r.status_code == 409, "incomplete material cannot be listed"
    assert r.json()["error"]["message"]
    r = await gw.put(
        f"/api/mall/promotions/{model_id}",
        headers=headers,
        json={"introduction": intro, "brand_id": brand_id},
    )
    assert r.status_code == 200, r.text
    r = await gw.post(
        f"/api/mall/promotions/{model_id}/pictures",
        headers=headers,
        files={"file": ("产品图.png", png_bytes(), "image/png")},
    )
    assert r.status_code == 201, r.text
    r = await gw.post(f"/api/mall/promotions/{model_id}/list", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "listed"


async def _in_catalogue(gw, model_id: str, **params) -> bool:
    r = await gw.get("/api/mall/products", params={"page_size": 100, **params})
    assert r.status_code == 200, r.text
    return any(item["id"] == model_id for item in r.json()["items"])


async def test_certificate_label_mall_and_revocation(gw, sms, platform):
    journey = await published_forerunner(
        gw,
        sms,
        platform,
        name="杭州领跑冷链电器有限公司",
        standard_no="Q/HZLP 003-2023",
        specs=("BCD-520W", "BCD-410W"),
    )
    enterprise, declaration = journey["enterprise"], journey["declaration"]
    h = enterprise["headers"]

    # --- the certificate: issued once on publication, downloadable at once, unstamped
    async def issued():
        r = await gw.get("/api/certificates", headers=h)
        return [c for c in r.json()["items"] if c["declaration_id"] == declaration["id"]]

    certs = await eventually(issued, timeout=30)
    assert len(certs) == 1
    cert = certs[0]
    verify_code = cert["verify_url"].rsplit("/", 1)[-1]
    pdf = await _download(gw, f"/api/certificates/{cert['id']}/file", h)
    assert pdf.startswith(b"%PDF-")

    # another enterprise, not authenticated: refused before any lookup (another tenant's certificate is
    # a 404 for an authenticated one: services/certificate tests)
    other = await new_enterprise(gw, sms)
    r = await gw.get(f"/api/certificates/{cert['id']}/file", headers=other["headers"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "forerunner_auth_required"

    # --- a label per model, as PDF and PNG
    model = declaration["models"][0]
    r = await gw.post("/api/certificates/labels", headers=h, json={"model_id": str(model["model_id"])})
    assert r.status_code in (200, 201), r.text
    label = r.json()
    png = await _download(gw, f"/api/certificates/labels/{label['id']}/file?format=png", h)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert (await _download(gw, f"/api/certificates/labels/{label['id']}/file?format=pdf", h)).startswith(
        b"%PDF-"
    )

    # --- public verification, no token
    verified = (await gw.get(f"/api/certificates/verify/{verify_code}")).json()
    assert verified["status"] == "valid" and verified["enterprise_name"] == "杭州领跑冷链电器有限公司"
    unknown = await gw.get("/api/certificates/verify/nosuchcode000")
    assert unknown.status_code == 404 and unknown.json()["error"]["details"]["status"] == "unknown"
    page = await gw.get(f"/verify/{verify_code}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]

    # --- the mall: forerunner model and a self-declared 4-star product
    brand_id = await _brand(gw, h, "领跑冷链")
    await _promote_and_list(
        gw, h, str(model["model_id"]), brand_id, "<p>一级能效<b>变频</b>冰箱</p><script>alert('x')</script>"
    )
    promo = (await gw.get(f"/api/mall/promotions/{model['model_id']}", headers=h)).json()
    assert "<script" not in promo["introduction"] and "变频" in promo["introduction"]

    product = await open_product(gw)
    r = await gw.post(
        "/api/declarations/star-products",
        headers=h,
        json={"product_id": product["id"], "name": "风冷无霜冰箱", "model": "BCD-330WP", "star": 4},
    )
    assert r.status_code == 201, r.text
    star = r.json()
    r = await gw.post(
        f"/api/declarations/star-products/{star['id']}/benchmark",
        headers=h,
        json={"values": FOUR_STAR, "star": 4},
    )
    assert r.status_code == 200, r.text
    r = await gw.patch(
        f"/api/declarations/star-products/{star['id']}",
        headers=h,
        json={"intro": "风冷无霜，变频压缩机，330 升"},
    )
    assert r.status_code == 200, r.text
    r = await gw.post(f"/api/declarations/star-products/{star['id']}/submit", headers=h)
    assert r.status_code == 200, r.text
    await _promote_and_list(gw, h, star["id"], brand_id, "<p>四星级风冷无霜冰箱</p>")

    assert await eventually(lambda: _in_catalogue(gw, str(model["model_id"]), q="冰箱"))
    assert await _in_catalogue(gw, star["id"], q="风冷无霜", star=4)
    assert await _in_catalogue(gw, str(model["model_id"]), product_id=product["id"])
    detail = (await gw.get(f"/api/mall/products/{model['model_id']}")).json()
    assert detail["enterprise_name"] == "杭州领跑冷链电器有限公司"

    # the brand's logo on the product page: public, PNG, cacheable, revalidated with 304
    logo_url = detail["brand"]["logo_url"]
    assert logo_url == f"/api/mall/brands/{brand_id}/logo"
    r = await gw.get(logo_url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and Image.open(io.BytesIO(r.content)).format == "PNG"
    assert (
        r.headers["cache-control"].startswith("public, max-age=")
        and r.headers["x-content-type-options"] == "nosniff"
    )
    assert (await gw.get(logo_url, headers={"If-None-Match": r.headers["etag"]})).status_code == 304
    # a brand no listed product shows: its enterprise sees the logo, nobody else; unknown ids are 404
    unlisted = await _brand(gw, h, "冷链备用品牌")

    async def owner_sees() -> bool:
        return (await gw.get(f"/api/mall/brands/{unlisted}/logo", headers=h)).status_code == 200

    assert await eventually(owner_sees, timeout=30)
    assert (await gw.get(f"/api/mall/brands/{unlisted}/logo")).status_code == 404
    assert (await gw.get(f"/api/mall/brands/{unlisted}/logo", headers=other["headers"])).status_code == 404
    assert (await gw.get(f"/api/mall/brands/{declaration['id']}/logo")).status_code == 404

    # Another enterprise cannot touch this material.
    r = await gw.put(
        f"/api/mall/promotions/{star['id']}", headers=other["headers"], json={"introduction": "<p>x</p>"}
    )
    assert r.status_code == 404

    # 下架 hides, 上架 shows again.
    assert (await gw.post(f"/api/mall/promotions/{star['id']}/unlist", headers=h)).status_code == 200
    assert not await _in_catalogue(gw, star["id"], q="风冷无霜")
    assert (await gw.post(f"/api/mall/promotions/{star['id']}/list", headers=h)).status_code == 200
    assert await _in_catalogue(gw, star["id"], q="风冷无霜")

    # --- revocation by the working group: verification says so, the forerunner product leaves the mall
    group = await demo_headers(gw, "workgroup01")
    r = await gw.post(
        f"/api/certificates/{cert['id']}/revoke", headers=group, json={"reason": "抽检不合格，撤销证书"}
    )
    assert r.status_code == 200, r.text
    assert (await gw.get(f"/api/certificates/verify/{verify_code}")).json()["status"] == "revoked"

    async def gone():
        return not await _in_catalogue(gw, str(model["model_id"]), q="冰箱")

    assert await eventually(gone, timeout=30)
    assert await _in_catalogue(gw, star["id"], q="风冷无霜"), (
        "the star product does not depend on the certificate"
    )
