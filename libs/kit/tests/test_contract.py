"""The list and error contract of every service (kit.paging, kit.errors)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from kit.errors import AppError, Conflict, NotFound, catalogue, install_error_handlers
from kit.paging import Page, PageDep, PageParams
from pydantic import BaseModel


class _Row(BaseModel):
    n: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/rows", response_model=Page[_Row])
    async def rows(page: PageDep) -> Page[_Row]:
        data = [{"n": i} for i in range(45)]
        return Page[_Row].of_all(data, page)

    return app


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_page_shape_and_bounds_in_openapi() -> None:
    r = await _get("/rows?page=3&page_size=20")
    assert r.status_code == 200
    assert r.json() == {
        "items": [{"n": 40}, {"n": 41}, {"n": 42}, {"n": 43}, {"n": 44}],
        "total": 45,
        "page": 3,
        "page_size": 20,
    }
    params = {p["name"]: p["schema"] for p in _app().openapi()["paths"]["/rows"]["get"]["parameters"]}
    assert params["page"]["minimum"] == 1 and params["page"]["maximum"] == 100_000
    assert params["page_size"]["minimum"] == 1 and params["page_size"]["maximum"] == 100


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page=x", "page=100001&page_size=0"])
async def test_paging_outside_bounds_is_invalid_page(query: str) -> None:
    r = await _get(f"/rows?{query}")
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "invalid_page"
    assert body["message"].startswith("分页参数不正确")
    assert {d["field"] for d in body["details"]} <= {"page", "page_size"}


class _CountedPage(Page[_Row]):
    unread: int


def test_of_is_typed_as_the_class_it_is_called_on() -> None:
    page = _CountedPage.of([{"n": 1}, _Row(n=2)], 7, PageParams(page=2, page_size=2), unread=3)
    assert isinstance(page, _CountedPage)
    assert page.model_dump() == {
        "items": [{"n": 1}, {"n": 2}],
        "total": 7,
        "page": 2,
        "page_size": 2,
        "unread": 3,
    }


def test_params_offset() -> None:
    assert PageParams(page=4, page_size=25).offset == 75


class _Holder(BaseModel):
    holder: str


def test_codes_register_once_with_one_status_and_details() -> None:
    class SeatTaken(Conflict):
        code = "test_seat_taken"
        message = "座位已被占用"
        details_model = _Holder

    spec = next(s for s in catalogue() if s.code == "test_seat_taken")
    assert (spec.status, spec.details) == (409, _Holder)
    err = SeatTaken(details={"holder": "甲"})
    assert err.details == {"holder": "甲"} and err.message == "座位已被占用"
    with pytest.raises(ValueError):
        SeatTaken(details={"seat": 3})

    with pytest.raises(TypeError, match="one code, one status"):

        class SeatMissing(NotFound):
            code = "test_seat_taken"

    class Plain(AppError):
        code = "test_plain"

    with pytest.raises(TypeError, match="declares no details model"):
        Plain(details={"x": 1})
