"""``Page.response``: a hot list's page rendered once by orjson says exactly what the page model would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

import asyncpg
import orjson
import pytest
from kit import paging
from kit.db import asyncpg_dsn
from kit.paging import Page, PageParams
from pydantic import BaseModel, ValidationError


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Row(BaseModel):
    id: uuid.UUID
    name: str
    colour: Colour
    at: datetime
    day: date | None
    tags: list[str]
    note: str | None = None


class RowPage(Page[Row]):
    capped: bool


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": uuid.uuid4(),
        "name": "杭州测试电器股份有限公司",
        "colour": Colour.red,
        "at": datetime(2026, 12, 3, 19, 5, 10, 123456, tzinfo=UTC),
        "day": date(2026, 12, 17),
        "tags": ["edit", "delete"],
        "note": None,
    }
    return row | changes


@pytest.mark.parametrize(
    "row",
    [
        _row(),
        _row(at=datetime(2026, 12, 3, 19, 5, 10, tzinfo=UTC)),  # no microseconds
        _row(at=datetime(2026, 12, 3, 19, 5, 10, 5, tzinfo=timezone(timedelta(hours=8)))),
        _row(day=None, tags=[], note='备注 "引号" \\ \n'),
        _row(colour="blue"),  # the plain value as well as the member
    ],
)
def test_the_bytes_say_what_the_model_says(row: dict[str, object]) -> None:
    params = PageParams(page=3, page_size=20)
    response = RowPage.response([row, row], 45, params, capped=False)
    expected = RowPage.model_validate(
        {"items": [row, row], "total": 45, "page": 3, "page_size": 20, "capped": False}
    ).model_dump(mode="json")
    assert orjson.loads(response.body) == expected
    assert response.headers["content-type"] == "application/json"


async def test_asyncpg_uuids_render_as_the_model_renders_them(scratch_db) -> None:
    # the rows of the hot lists come straight from asyncpg, whose UUID class orjson does not know by itself
    async with scratch_db() as db:
        conn = await asyncpg.connect(asyncpg_dsn(db.url))
        try:
            value = await conn.fetchval("SELECT gen_random_uuid()")
        finally:
            await conn.close()
    assert type(value) is not uuid.UUID
    response = RowPage.response([_row(id=value)], 1, PageParams(), capped=False)
    assert orjson.loads(response.body)["items"][0]["id"] == str(value)


def test_the_check_refuses_a_page_the_model_would_not_render_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "CHECK_RENDERING", True)
    with pytest.raises(AssertionError, match="RowPage"):  # a key the model does not have would leak
        RowPage.response([_row(secret="x")], 1, PageParams(), capped=False)
    with pytest.raises(ValidationError):  # a field missing
        RowPage.response([{k: v for k, v in _row().items() if k != "tags"}], 1, PageParams(), capped=False)
    with pytest.raises(
        AssertionError
    ):  # a default the rows must spell out: the model fills it, orjson cannot
        RowPage.response([{k: v for k, v in _row().items() if k != "note"}], 1, PageParams(), capped=False)
    with pytest.raises(TypeError):  # a value orjson is not told how to write is an error, not a guess
        RowPage.response([_row(name=object())], 1, PageParams(), capped=False)


def test_the_test_suite_runs_with_the_check_on() -> None:
    assert paging.CHECK_RENDERING is True
