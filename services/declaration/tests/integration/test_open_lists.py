"""The open data lists of this service (/api/open/v1/forerunners, /api/open/v1/star-products): only published
standards and declared star products, never contacts or credit codes; filters, cursor pages, downloads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from declaration.domain.statuses import EvidenceStatus, ListStatus, StarStatus
from declaration.models import Declaration, ProductModel, StarProduct
from kit.testing.openapi import assert_documented
from openpyxl import load_workbook

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _declaration(product: dict, status: ListStatus, name: str, *, year: int = 2026) -> Declaration:
    return Declaration(
        id=uuid.uuid4(), org_id=uuid.uuid4(), product_id=uuid.UUID(product["id"]), year=year,
        field=product["field"], product_name=product["name"], product_type="product", enterprise_name=name,
        credit_code="91110108MA01C2Q57B", standard_no=f"Q/OD {uuid.uuid4().int % 900 + 100}-2024",
        standard_name="羽绒服", list_status=status, evidence_status=EvidenceStatus.PASSED,
        created_at=NOW, updated_at=NOW, published_at=NOW if status is ListStatus.PUBLISHED else None,
    )  # fmt: skip


def _star(product: dict, status: StarStatus, model: str, star: int) -> StarProduct:
    return StarProduct(
        id=uuid.uuid4(), org_id=uuid.uuid4(), product_id=uuid.UUID(product["id"]), product_name=product["name"],
        field=product["field"], year=2026, enterprise_name="开放星级企业", name="轻薄羽绒服", model=model,
        star=star, status=status, plan_version=1, created_at=NOW, updated_at=NOW,
        declared_at=NOW if status is StarStatus.DECLARED else None,
    )  # fmt: skip


async def _all(client, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        r = await client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_forerunners_and_star_products(client, runtime, open_product, apps):
    product, agency = await open_product(name="开放数据羽绒服")
    published = [_declaration(product, ListStatus.PUBLISHED, f"开放企业{i}") for i in range(5)]
    hidden = [
        _declaration(product, ListStatus.IN_NOTICE, "公示中企业"),
        _declaration(product, ListStatus.WITH_AGENCY, "审核中企业"),
    ]
    stars = [_star(product, StarStatus.DECLARED, f"YR-{i}", 3 + i % 2) for i in range(3)]
    draft = _star(product, StarStatus.DRAFT, "YR-draft", 4)
    async with runtime.db.session() as session:
        session.add_all([*published, *hidden, *stars, draft])
        await session.flush()
        session.add(ProductModel(id=uuid.uuid4(), declaration_id=published[0].id, name="羽绒服", spec="=S",
                                 position=0, created_at=NOW))  # fmt: skip
        await session.commit()

    rows = await _all(client, "/api/open/v1/forerunners", agency_org_id=str(agency.id), limit=2)
    assert sorted(r["enterprise_name"] for r in rows) == [f"开放企业{i}" for i in range(5)]
    assert len({r["declaration_id"] for r in rows}) == 5
    first = next(r for r in rows if r["declaration_id"] == str(published[0].id))
    assert first["agency_name"] == agency.name and first["product_code"] == product["code"]
    assert first["models"] == [{"name": "羽绒服", "spec": "=S"}]
    assert not {"credit_code", "contact_phone", "org_id"} & set(first)
    by_name = await _all(client, "/api/open/v1/forerunners", agency=agency.name)
    assert {r["declaration_id"] for r in by_name} == {r["declaration_id"] for r in rows}
    assert await _all(client, "/api/open/v1/forerunners", agency_org_id=str(agency.id), year=2025) == []

    r = await client.get(
        "/api/open/v1/forerunners", params={"agency_org_id": str(agency.id), "format": "csv"}
    )
    assert r.status_code == 200
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(table) == 5 and {t["企业名称"] for t in table} == {f"开放企业{i}" for i in range(5)}
    assert "'羽绒服 =S" not in {t["产品规格型号"] for t in table}  # a cell starting with text is left alone
    assert "羽绒服 =S" in {t["产品规格型号"] for t in table}

    mine = [
        s
        for s in await _all(client, "/api/open/v1/star-products", field=product["field"])
        if s["product_name"] == "开放数据羽绒服"
    ]
    assert sorted(s["model"] for s in mine) == ["YR-0", "YR-1", "YR-2"]
    fours = await _all(client, "/api/open/v1/star-products", star=4, field=product["field"])
    assert "YR-1" in {s["model"] for s in fours} and "YR-0" not in {s["model"] for s in fours}
    r = await client.get("/api/open/v1/star-products", params={"format": "xlsx", "star": 3})
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header[:6] == ("年度", "领域", "重点领域产品", "产品名称", "规格型号", "星级")
    assert {row[4] for row in body} >= {"YR-0", "YR-2"} and all(row[5] == 3 for row in body)

    # 304 and the documented answers
    r = await client.get("/api/open/v1/star-products", params={"limit": 1})
    again = await client.get(
        "/api/open/v1/star-products", params={"limit": 1}, headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    bad = await client.get("/api/open/v1/forerunners", params={"cursor": "!!"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"
    for response in (r, again, bad):
        assert_documented(apps["app"], response)
