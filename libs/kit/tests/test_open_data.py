"""kit.open_data against a real PostgreSQL table: cursor paging covers the list once, downloads equal the
pages, ETags answer 304, and bad cursors or oversized exports are clear 422s."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from kit import open_data
from kit.errors import install_error_handlers
from kit.open_data import (
    Column,
    InvalidCursor,
    OpenParamsDep,
    csv_safe,
    decode_cursor,
    encode_cursor,
    key_types,
)
from openpyxl import load_workbook
from sqlalchemy import DateTime, Integer, MetaData, String, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class Entry(Base):
    __tablename__ = "open_entries"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


COLUMNS = (Column("year", "年度"), Column("name", "企业名称"), Column("tags", "标签"), Column("id", "编号"))
NAMES = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "普通企业", "中文，带逗号"]


async def _items(_: Any, rows: list[Entry]) -> list[dict[str, Any]]:
    return [{"id": str(e.id), "year": e.year, "name": e.name, "tags": ["甲", "乙"], "at": e.at} for e in rows]


def _app(db, *, max_rows: int = open_data.MAX_EXPORT_ROWS) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/open/v1/entries")
    async def entries(request: Request, params: OpenParamsDep, year: int | None = None) -> Response:
        query = select(Entry)
        if year is not None:
            query = query.where(Entry.year == year)
        spec = open_data.OpenList(
            query=query,
            keys=(Entry.year, Entry.at, Entry.id),
            key_of=lambda e: (e.year, e.at, e.id),
            items=_items,
            columns=COLUMNS,
            slug="entries",
            label="测试名单",
        )
        async with db.read_session() as session:
            return await open_data.serve(request, params, session, spec, max_rows=max_rows)

    return app


@pytest.fixture
async def client(scratch_db):
    async with scratch_db(Base.metadata) as db:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        async with db.session() as session:
            for i in range(23):
                # several rows share year and time: the id breaks the tie
                session.add(
                    Entry(
                        id=uuid.uuid4(),
                        year=2024 + i % 3,
                        name=NAMES[i % len(NAMES)],
                        at=start + timedelta(hours=i // 4),
                    )
                )
            await session.commit()
        transport = httpx.ASGITransport(app=_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            c.db = db  # type: ignore[attr-defined]
            yield c


async def _all_pages(client, **params) -> list[dict]:
    items: list[dict] = []
    cursor = None
    pages = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/open/v1/entries", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in r.headers
            return items
        assert r.headers["link"].endswith('>; rel="next"') and f"cursor={cursor}" in r.headers["link"]
        assert pages < 50


async def test_cursor_pages_cover_the_list_once_in_key_order(client):
    items = await _all_pages(client, limit=5)
    assert len(items) == 23
    assert len({i["id"] for i in items}) == 23
    keys = [(i["year"], i["at"], i["id"]) for i in items]
    assert keys == sorted(keys)
    # the same with filters
    only = await _all_pages(client, limit=2, year=2025)
    assert {i["id"] for i in only} == {i["id"] for i in items if i["year"] == 2025}


async def test_cursor_round_trip_and_bad_cursors():
    values = [2024, datetime(2026, 1, 1, 8, tzinfo=UTC), uuid.UUID(int=5)]
    kinds = [int, datetime, uuid.UUID]
    assert decode_cursor(encode_cursor(values), kinds) == values
    moment, some = "2026-01-01T08:00:00+00:00", str(uuid.UUID(int=5))
    for bad in (
        "not-base64!!", encode_cursor([2024]), encode_cursor(["2024", "x", "y"]), "", "e30",
        encode_cursor([2024, "2026-01-01T08:00:00", some]),  # no time zone
        encode_cursor([True, moment, some]), encode_cursor([2024, moment, "not-a-uuid"]),
    ):  # fmt: skip
        with pytest.raises(InvalidCursor):
            decode_cursor(bad, kinds)
    # a number the key's column cannot hold, or text PostgreSQL refuses, is the client's mistake: never a 500
    int32 = key_types([Entry.year, Entry.name])
    assert int32[0] is open_data.Int32
    for bad in (encode_cursor([2**31, "a"]), encode_cursor([2024, "a\x00b"])):
        with pytest.raises(InvalidCursor):
            decode_cursor(bad, int32)
    assert decode_cursor(encode_cursor([2**31 - 1, "中文"]), int32) == [2**31 - 1, "中文"]


async def test_bad_cursor_and_limit_are_422(client):
    for cursor in ("garbage", encode_cursor([2**40, "2026-01-01T00:00:00+00:00", str(uuid.uuid4())])):
        r = await client.get("/api/open/v1/entries", params={"cursor": cursor})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"
    r = await client.get("/api/open/v1/entries", params={"limit": 501})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = await client.get("/api/open/v1/entries", params={"format": "pdf"})
    assert r.status_code == 422


async def test_etag_answers_304_until_the_list_changes(client):
    r = await client.get("/api/open/v1/entries", params={"limit": 3})
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"].startswith("public")
    again = await client.get("/api/open/v1/entries", params={"limit": 3}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    async with client.db.session() as session:
        session.add(Entry(id=uuid.UUID(int=0), year=2000, name="新", at=datetime(2020, 1, 1, tzinfo=UTC)))
        await session.commit()
    changed = await client.get("/api/open/v1/entries", params={"limit": 3}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_csv_download_has_bom_chinese_headers_and_no_formulas(client):
    everything = await _all_pages(client, limit=500)
    r = await client.get("/api/open/v1/entries", params={"format": "csv", "limit": 1})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%95%E5%90%8D%E5%8D%95.csv" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["年度", "企业名称", "标签", "编号"]
    # the whole list, not a page, in the same order
    assert [row[3] for row in rows[1:]] == [i["id"] for i in everything]
    names = {row[1] for row in rows[1:]}
    assert (
        '\'=HYPERLINK("http://x")' in names and "'+1+1" in names and "'-2" in names and "'@SUM(A1)" in names
    )
    assert "中文，带逗号" in names and not any(n.startswith(("=", "+", "-", "@")) for n in names)
    assert rows[1][2] == "甲；乙"
    same = await client.get(
        "/api/open/v1/entries", params={"format": "csv"}, headers={"If-None-Match": r.headers["etag"]}
    )
    assert same.status_code == 304


async def test_xlsx_download_reads_back_with_openpyxl(client):
    everything = await _all_pages(client, limit=500)
    r = await client.get("/api/open/v1/entries", headers={"Accept": open_data.XLSX_MEDIA})
    assert r.status_code == 200 and r.headers["content-type"] == open_data.XLSX_MEDIA
    assert r.headers["etag"].startswith('W/"')
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("年度", "企业名称", "标签", "编号")
    assert [row[3] for row in rows[1:]] == [i["id"] for i in everything]
    assert [row[0] for row in rows[1:]] == [i["year"] for i in everything]  # numbers stay numbers
    # a formula-looking name is stored as the text it is
    assert {row[1] for row in rows[1:]} >= {'=HYPERLINK("http://x")', "@SUM(A1)"}
    again = await client.get(
        "/api/open/v1/entries", params={"format": "xlsx"}, headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304


async def test_export_above_the_bound_is_refused(scratch_db):
    async with scratch_db(Base.metadata) as db:
        async with db.session() as session:
            for i in range(4):
                session.add(Entry(id=uuid.uuid4(), year=2024, name=f"企业{i}", at=datetime.now(UTC)))
            await session.commit()
        transport = httpx.ASGITransport(app=_app(db, max_rows=3))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.get("/api/open/v1/entries", params={"format": "csv"})
            assert r.status_code == 422
            assert r.json()["error"] == {
                "code": "export_too_large",
                "message": open_data.ExportTooLarge.message,
                "details": {"max_rows": 3},
            }
            assert (
                await c.get("/api/open/v1/entries", params={"format": "csv", "year": 2023})
            ).status_code == 200


def test_csv_safe():
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("\tx") == "'\tx"
    assert csv_safe("企业") == "企业"
    assert csv_safe("") == ""
