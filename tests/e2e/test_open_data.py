"""The open data API through the gateway (/api/open/v1): published forerunners, certificates and labels,
declared star products and key-field products read anonymously and with an operator-issued key; cursor pages
that add up to the whole list, ETag revalidation, CSV and XLSX downloads equal to the JSON, the anonymous and
the per-key limits, a revoked key refused, keys issued by operators only, and the merged OpenAPI document."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections import Counter

from openpyxl import load_workbook

from ._journeys import open_product, published_forerunner
from ._security_common import FRIDGE_PASSING_STAR4, client, fresh_ip
from .conftest import demo_headers, eventually, runner

OPEN = "/api/open/v1"
# each list and the item field that names a row
LISTS = {
    "forerunners": "declaration_id",
    "star-products": "id",
    "certificates": "number",
    "labels": "number",
    "key-products": "code",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _pages(c, path: str, *, limit: int, **params) -> list[dict]:
    """Every page of a list, following next_cursor (and checking the Link header says the same)."""
    items: list[dict] = []
    cursor = None
    for _ in range(500):
        r = await c.get(
            f"{OPEN}/{path}", params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in r.headers
            return items
        assert f"cursor={cursor}" in r.headers["link"] and r.headers["link"].endswith('rel="next"')
    raise AssertionError("the cursor never reached the end")


async def _at_window_start() -> None:
    """The limits count per fixed minute (wall clock, like the gateway's): a burst starts as one begins."""
    await asyncio.sleep(60 - time.time() % 60 + 0.2)


async def _burst(c, n: int, headers: dict | None = None) -> Counter[int]:
    """``n`` requests, 16 at a time (quick enough to stay inside one minute), counted by status."""
    gate = asyncio.Semaphore(16)

    async def one() -> int:
        async with gate:
            r = await c.get(f"{OPEN}/key-products", params={"limit": 1}, headers=headers or {})
        if r.status_code == 429:
            assert r.json()["error"]["code"] == "rate_limited"
            assert int(r.headers["retry-after"]) >= 1
        return r.status_code

    return Counter(await asyncio.gather(*(one() for _ in range(n))))


async def test_open_data_api(gw, sms, platform):
    suffix = uuid.uuid4().hex[:6].upper()
    code = "".join(chr(65 + int(c, 16) % 26) for c in suffix)  # an enterprise code of letters
    first = await published_forerunner(
        gw, sms, platform, name=f"开放数据甲{suffix}有限公司", standard_no=f"Q/{code} 101-2024",
        specs=("BCD-501W", "BCD-502W"),
    )  # fmt: skip
    second = await published_forerunner(
        gw, sms, platform, name=f"=开放数据乙{suffix}有限公司", standard_no=f"Q/{code} 102-2024"
    )
    h = first["enterprise"]["headers"]
    model = first["declaration"]["models"][0]
    r = await gw.post("/api/certificates/labels", headers=h, json={"model_id": str(model["model_id"])})
    assert r.status_code in (200, 201), r.text
    label_number = r.json()["number"]
    product = await open_product(gw)
    r = await gw.post(
        "/api/declarations/star-products",
        headers=h,
        json={"product_id": product["id"], "name": "开放数据冰箱", "model": f"BCD-{suffix}", "star": 4},
    )
    star_id = r.json()["id"]
    r = await gw.post(
        f"/api/declarations/star-products/{star_id}/benchmark",
        headers=h,
        json={"values": FRIDGE_PASSING_STAR4, "star": 4},
    )
    assert r.status_code == 200, r.text
    r = await gw.patch(f"/api/declarations/star-products/{star_id}", headers=h, json={"intro": "四星级冰箱"})
    assert r.status_code == 200, r.text
    r = await gw.post(f"/api/declarations/star-products/{star_id}/submit", headers=h)
    assert r.status_code == 200, r.text

    # --- keys: operators only; the key is answered once, listed without it
    operator = await demo_headers(gw, "operator01")
    r = await gw.post("/api/auth/api-keys", headers=h, json={"name": "某企业"})
    assert r.status_code == 403, r.text
    assert (await gw.post("/api/auth/api-keys", json={"name": "匿名"})).status_code == 401
    r = await gw.post(
        "/api/auth/api-keys",
        headers=operator,
        json={"name": "开放数据研究所", "contact": "王工 010-12345678"},
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    key = issued["key"]
    assert key.startswith("lpk_") and issued["limit_per_minute"] == 1200 and key.startswith(issued["hint"])
    # a key whose limit is above the anonymous one, low enough to reach in a test
    limited = runner.OPEN_RATE_PER_IP_FOR_TESTS + 100
    r = await gw.post(
        "/api/auth/api-keys", headers=operator, json={"name": "限额测试", "limit_per_minute": limited}
    )
    limited_key = r.json()["key"]
    r = await gw.post("/api/auth/api-keys", headers=operator, json={"name": " ", "limit_per_minute": 0})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    listed = (await gw.get("/api/auth/api-keys", headers=operator)).json()["items"]
    assert issued["id"] in {k["id"] for k in listed} and key not in str(listed)
    log = (await gw.get("/api/auth/audit-log", headers=operator, params={"action": "api_key_issued"})).json()
    assert any(e["detail"].get("api_key_id") == issued["id"] for e in log["items"])

    async with client(platform.gateway_url) as keyed:
        keyed.headers["X-API-Key"] = key

        # --- the published records are all there, as the public pages show them
        async def both_certificates():
            numbers = await _pages(keyed, "certificates", limit=500)
            names = {c["enterprise_name"] for c in numbers}
            return (
                numbers if {f"开放数据甲{suffix}有限公司", f"=开放数据乙{suffix}有限公司"} <= names else None
            )

        certificates = await eventually(both_certificates, timeout=30)
        mine = [c for c in certificates if c["enterprise_name"] == f"开放数据甲{suffix}有限公司"]
        assert mine[0]["status"] == "valid" and mine[0]["status_label"] == "有效"
        assert mine[0]["verify_url"].startswith("http") and "/verify/" in mine[0]["verify_url"]
        assert "credit_code" not in mine[0]
        forerunners = await _pages(keyed, "forerunners", limit=500)
        ours = {f["declaration_id"] for f in forerunners}
        assert {first["declaration"]["id"], second["declaration"]["id"]} <= ours
        row = next(f for f in forerunners if f["declaration_id"] == first["declaration"]["id"])
        assert row["agency_name"] == "中国家用电器研究院" and [m["spec"] for m in row["models"]] == [
            "BCD-501W",
            "BCD-502W",
        ]
        assert not {"credit_code", "phone", "contact_phone"} & set(row)
        assert label_number in {lb["number"] for lb in await _pages(keyed, "labels", limit=500)}
        stars = await _pages(keyed, "star-products", limit=500, star=4)
        assert any(s["id"] == star_id and s["model"] == f"BCD-{suffix}" for s in stars)

        # --- every list: small cursor pages add up to the whole list, once each; downloads equal it
        for path, ident in LISTS.items():
            whole = await _pages(keyed, path, limit=500)
            paged = await _pages(keyed, path, limit=2)
            ids = [i[ident] for i in paged]
            assert len(ids) == len(set(ids)), path
            assert ids == [i[ident] for i in whole], path
            assert whole, path

            r = await keyed.get(f"{OPEN}/{path}", params={"format": "csv"})
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), path
            assert r.content.startswith(b"\xef\xbb\xbf") and f"{path}.csv" in r.headers["content-disposition"]
            rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
            assert len(rows) == len(whole), path

            r = await keyed.get(f"{OPEN}/{path}", headers={"Accept": XLSX})
            assert r.status_code == 200 and r.headers["content-type"] == XLSX, path
            sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
            xlsx_rows = list(sheet.iter_rows(values_only=True))
            assert len(xlsx_rows) == len(whole) + 1, path
            assert xlsx_rows[0] == tuple(rows[0].keys()), path  # the same Chinese headers

        # the cells themselves: the certificate numbers and a formula-looking name kept as text
        r = await keyed.get(f"{OPEN}/certificates", params={"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [row["证书编号"] for row in rows] == [c["number"] for c in certificates]
        assert f"'=开放数据乙{suffix}有限公司" in {row["企业名称"] for row in rows}
        sheet = load_workbook(
            io.BytesIO((await keyed.get(f"{OPEN}/certificates?format=xlsx")).content)
        ).active
        assert [c.value for c in sheet["A"][1:]] == [c["number"] for c in certificates]
        assert f"=开放数据乙{suffix}有限公司" in {c.value for c in sheet["C"][1:]}

        # --- filters, ETag and bad input
        r = await keyed.get(f"{OPEN}/forerunners", params={"year": first["declaration"]["year"], "limit": 1})
        etag = r.headers["etag"]
        again = await keyed.get(
            f"{OPEN}/forerunners",
            params={"year": first["declaration"]["year"], "limit": 1},
            headers={"If-None-Match": etag},
        )
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        r = await keyed.get(f"{OPEN}/forerunners", params={"cursor": "bm90LWEtY3Vyc29y"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"
        r = await keyed.get(f"{OPEN}/certificates", params={"status": "lost"})
        assert r.status_code == 422
        assert not (await _pages(keyed, "certificates", limit=500, status="revoked", year=1990))

    # --- only the declared open paths exist
    for path in (
        "/api/open/v1/nothing",
        "/api/open/v2/forerunners",
        "/api/open/v1/forerunners/x",
        "/api/open",
    ):
        r = await gw.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path

    # --- the merged OpenAPI document lists every open route, and only those
    r = await gw.get(f"{OPEN}/openapi.json")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["info"]["title"] == "质量分级及领跑者开放数据接口 v1"
    assert set(doc["paths"]) == {f"{OPEN}/{p}" for p in LISTS}
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": doc["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    for item in doc["paths"].values():
        content = item["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", XLSX} <= set(content)
    assert (
        await gw.get(f"{OPEN}/openapi.json", headers={"If-None-Match": r.headers["etag"]})
    ).status_code == 304

    # --- limits: per address anonymously (60 a minute by default; the test platform's is higher, see
    # scripts/runner.py), the key's own limit with X-API-Key
    anonymous_limit = runner.OPEN_RATE_PER_IP_FOR_TESTS
    async with client(platform.gateway_url, ip=fresh_ip()) as anonymous:
        await _at_window_start()
        window = time.time() // 60
        assert await _burst(anonymous, anonymous_limit + 1) == {200: anonymous_limit, 429: 1}
        # the key's own limit, from the same address that used up the anonymous one, in the same minute
        assert await _burst(anonymous, limited + 1, headers={"X-API-Key": limited_key}) == {
            200: limited,
            429: 1,
        }
        assert time.time() // 60 == window, "the bursts outlasted their minute"
        r = await anonymous.get(f"{OPEN}/key-products", headers={"X-API-Key": "lpk_not-a-key"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "api_key_invalid"

    # --- a revoked key is refused (within the gateway's few seconds of key cache), never taken as anonymous
    r = await gw.delete(f"/api/auth/api-keys/{issued['id']}", headers=operator)
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    assert (await gw.delete(f"/api/auth/api-keys/{issued['id']}", headers=operator)).status_code == 409
    assert (await gw.delete(f"/api/auth/api-keys/{uuid.uuid4()}", headers=operator)).status_code == 404

    async def refused():
        r = await gw.get(f"{OPEN}/labels", headers={"X-API-Key": key})
        return r.json() if r.status_code == 401 else None

    assert (await eventually(refused, timeout=15))["error"]["code"] == "api_key_invalid"
    listed = (await gw.get("/api/auth/api-keys", headers=operator)).json()["items"]
    entry = next(k for k in listed if k["id"] == issued["id"])
    assert entry["active"] is False and entry["revoked_at"] and entry["last_used_at"]
