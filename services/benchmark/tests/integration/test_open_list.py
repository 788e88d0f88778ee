"""The open data list of this service (/api/open/v1/key-products): key-field products with their final plan,
and only those; the indicators as the public plan page shows them; cursor pages and downloads."""

from __future__ import annotations

import csv
import io

from kit.testing.openapi import assert_documented
from openpyxl import load_workbook


async def _all(client, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        r = await client.get(
            "/api/open/v1/key-products", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_key_products_with_final_plans(client, open_product, new_product, app):
    first, _, plan = await open_product()
    second, _, _ = await open_product("service")
    unsettled = await new_product(name="尚无方案的产品")

    listed = await _all(client, year=2026, field="纺织服装", limit=1)
    codes = [p["code"] for p in listed]
    assert len(codes) == len(set(codes)) and codes == sorted(codes)
    assert {first["code"], second["code"]} <= set(codes) and unsettled["code"] not in codes
    row = next(p for p in listed if p["code"] == first["code"])
    public_plan = (await client.get(f"/api/benchmark/products/{first['id']}/plan")).json()
    assert row["plan_version"] == plan["version"] == public_plan["version"]
    assert (
        row["plan_title"] == public_plan["title"] and row["group_standard"] == public_plan["group_standard"]
    )
    assert row["indicators"] == public_plan["indicators"] and row["product_type_label"] == "产品类"
    services = await _all(client, product_type="service")
    assert second["code"] in {p["code"] for p in services} and first["code"] not in {
        p["code"] for p in services
    }

    r = await client.get("/api/open/v1/key-products", params={"year": 2026, "format": "csv"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = next(t for t in rows if t["产品编号"] == first["code"])
    assert public_plan["indicators"][0]["name"] in mine["核心指标及领跑者门槛"]
    r = await client.get("/api/open/v1/key-products", params={"year": 2026, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    assert [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]] == [t["产品编号"] for t in rows]
    assert_documented(app, r)
    bad = await client.get("/api/open/v1/key-products", params={"product_type": "x"})
    assert bad.status_code == 422
    assert_documented(app, bad)
