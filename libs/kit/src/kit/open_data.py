"""The open data API (``/api/open/v1/...``): read-only public lists that third parties copy and re-read.

Every list of it behaves the same way, whichever service owns it:

* **Cursor paging** (keyset): the rows are ordered by a stable key (its last column unique, e.g. the id) and
  a page answers ``{"items", "next_cursor"}`` plus ``Link: <…>; rel="next"``. The cursor is the last row's
  key, JSON in URL-safe base64: opaque to clients, and a row added or removed meanwhile never shifts a page
  (offset paging would repeat or skip rows). A cursor that does not decode is 422 ``invalid_cursor``.
* **Downloads**: ``format=csv`` (UTF-8 with a BOM, so Excel reads the Chinese) or ``format=xlsx`` (openpyxl)
  — or the same asked through ``Accept`` — export the *whole* filtered list, not a page (``cursor`` and
  ``limit`` are for JSON), up to ``MAX_EXPORT_ROWS`` rows; a longer list is 422 ``export_too_large`` and
  asks for narrower filters. Columns carry Chinese headers. Text cells that a spreadsheet would run as a
  formula (``= + - @``, tab, carriage return) are prefixed with ``'`` in CSV and stored as text in XLSX.
* **Caching**: an ``ETag`` over the answer's bytes (JSON, CSV); ``If-None-Match`` with it answers 304 with no
  body. An XLSX file is a zip whose entries carry their write time, so its bytes differ at each export: its
  tag is weak (``W/``), over the rows themselves. ``Cache-Control: public, max-age=60``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, ColumnElement, Integer, Select, SmallInteger, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from kit.errors import AppError
from kit.security import require_internal
from kit.web import QueryText, document_responses

PREFIX = "/api/open/v1"
SCHEMA_PATH = "/internal/open-api.json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_EXPORT_ROWS = 50_000
MAX_CURSOR_LENGTH = 512
CACHE_CONTROL = "public, max-age=60"

CSV_MEDIA = "text/csv"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx"]
_MEDIA: dict[str, Format] = {CSV_MEDIA: "csv", XLSX_MEDIA: "xlsx", "application/json": "json"}
# Spreadsheets read a cell that starts with one of these as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


class InvalidCursor(AppError):
    status_code = 422
    code = "invalid_cursor"
    message = "翻页游标无效，请去掉 cursor 参数从第一页重新开始"


class MaxRows(BaseModel):
    max_rows: int


class ExportTooLarge(AppError):
    status_code = 422
    code = "export_too_large"
    message = "符合条件的记录过多，无法一次下载，请增加筛选条件（如年度、领域）后再下载"
    details_model = MaxRows


class OpenPage(BaseModel, Generic[T]):
    """One page of an open list; ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(description="下一页的游标，作为 cursor 参数传回；最后一页为 null")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the downloads: the item's field, its Chinese header and, for lists and nested values,
    how it reads as text."""

    key: str
    label: str
    text: Callable[[Any], str] | None = None


@dataclass(frozen=True, slots=True)
class OpenParams:
    limit: int
    cursor: str | None
    format: Format


async def open_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}，仅 JSON）")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        QueryText,  # control characters are refused as in every text parameter (422 invalid), before decoding
        Query(max_length=MAX_CURSOR_LENGTH, description="上一页答复中的 next_cursor；不传即第一页"),
    ] = None,
    format: Annotated[
        Format | None,
        Query(description="json（分页）、csv 或 xlsx（下载符合条件的全部记录）；也可用 Accept 请求头指定"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> OpenParams:
    return OpenParams(limit=limit, cursor=cursor, format=format or _negotiate(accept))


# ``async def`` like kit.paging's: a plain function would run in the thread pool.
OpenParamsDep = Annotated[OpenParams, Depends(open_params)]


def _negotiate(accept: str | None) -> Format:
    """The first media type of ``Accept`` that is a download format; JSON otherwise (``*/*``, browsers)."""
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in _MEDIA:
            return _MEDIA[media]
    return "json"


# ---------------------------------------------------------------- cursors


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse(value: Any, kind: type) -> Any:
    """A cursor value back as the key column's Python type; anything else is refused."""
    if kind is bool or kind is int or kind is Int32:
        # within the column's range: a larger number would fail in the database, not here
        bits = 31 if kind is Int32 else 63
        if type(value) is not (bool if kind is bool else int) or not -(2**bits) <= value < 2**bits:
            raise ValueError("wrong type")
        return value
    if not isinstance(value, str) or len(value) > MAX_CURSOR_LENGTH or "\x00" in value:
        raise ValueError("wrong type")
    if kind is str:
        return value
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError("not a number")
        return number
    raise ValueError(f"unsupported key type {kind!r}")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key values a cursor carries, typed as ``kinds``; 422 ``invalid_cursor`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        return [_parse(v, k) for v, k in zip(values, kinds, strict=True)]
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError, ArithmeticError) as exc:
        raise InvalidCursor() from exc


Key = ColumnElement[Any] | QueryableAttribute[Any]


class Int32(int):
    """The kind of a key column of PostgreSQL's ``integer`` (the cursor's value must fit it)."""


def key_types(keys: Sequence[Key]) -> list[type]:
    kinds: list[type] = []
    for key in keys:
        column_type = (key.expression if isinstance(key, QueryableAttribute) else key).type
        small = isinstance(column_type, Integer | SmallInteger) and not isinstance(column_type, BigInteger)
        kinds.append(Int32 if small else column_type.python_type)
    return kinds


# ---------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "；".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as the text it is, never runs (formula injection, CWE-1236)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(item: dict[str, Any], column: Column) -> Any:
    value = item.get(column.key)
    if column.text is not None:
        return column.text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return cell_text(value)


def render_csv(items: Sequence[dict[str, Any]], columns: Sequence[Column]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in columns])
    for item in items:
        writer.writerow([csv_safe(v) if isinstance(v, str) else v for v in (_cell(item, c) for c in columns)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_xlsx(items: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(column.label) * 2 + 4))
    bold = Font(bold=True)

    def cell(value: Any, *, header: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text stays text, whatever it starts with (kit.sheets)
        if header:
            c.font = bold
        return c

    sheet.append([cell(c.label, header=True) for c in columns])
    for item in items:
        sheet.append([cell(_cell(item, c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- answers


def _tag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:40]


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET) or is ``*``."""
    if not if_none_match:
        return False
    mine = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == mine:
            return True
    return False


def _disposition(slug: str, label: str, ext: str) -> str:
    return f"attachment; filename=\"{slug}.{ext}\"; filename*=UTF-8''{quote(f'{label}.{ext}')}"


@dataclass(frozen=True, slots=True)
class OpenList:
    """How one open list reads: its rows (``query``, a select without order or limit), the keyset it pages
    on (ascending, the last column unique), how a row becomes an item, and its download columns."""

    query: Select[*tuple[Any, ...]]
    keys: Sequence[Key]
    key_of: Callable[[Any], Sequence[Any]]
    items: Callable[[AsyncSession, list[Any]], Awaitable[list[dict[str, Any]]]]
    columns: Sequence[Column]
    slug: str  # ASCII file name
    label: str  # the Chinese file and sheet name
    scalars: bool = True


async def _rows(session: AsyncSession, query: Select[*tuple[Any, ...]], *, scalars: bool) -> list[Any]:
    result = await session.execute(query)
    return list(result.scalars().all() if scalars else result.all())


async def serve(
    request: Request,
    params: OpenParams,
    session: AsyncSession,
    spec: OpenList,
    *,
    max_rows: int = MAX_EXPORT_ROWS,
) -> Response:
    """Answer one open-list request: a JSON page, or the whole list as CSV or XLSX; 304 when unchanged."""
    query = spec.query.order_by(*spec.keys)
    if params.format == "json":
        if params.cursor:
            after = decode_cursor(params.cursor, key_types(spec.keys))
            query = query.where(tuple_(*spec.keys) > tuple_(*after))
        rows = await _rows(session, query.limit(params.limit + 1), scalars=spec.scalars)
        more = len(rows) > params.limit
        rows = rows[: params.limit]
        next_cursor = encode_cursor(spec.key_of(rows[-1])) if more and rows else None
        items = await spec.items(session, rows)
        body = json.dumps(
            {"items": items, "next_cursor": next_cursor},
            ensure_ascii=False,
            separators=(",", ":"),
            default=_plain,
        ).encode()
        headers = {"cache-control": CACHE_CONTROL, "etag": f'"{_tag(body)}"', "vary": "Accept"}
        if next_cursor is not None:
            link = request.url.include_query_params(cursor=next_cursor)
            headers["link"] = f'<{link.path}?{link.query}>; rel="next"'
        return _answer(request, body, "application/json", headers)
    rows = await _rows(session, query.limit(max_rows + 1), scalars=spec.scalars)
    if len(rows) > max_rows:
        raise ExportTooLarge(details={"max_rows": max_rows})
    items = [json.loads(json.dumps(i, default=_plain)) for i in await spec.items(session, rows)]
    headers = {"cache-control": CACHE_CONTROL, "vary": "Accept"}
    if params.format == "csv":
        body = await anyio.to_thread.run_sync(render_csv, items, spec.columns)
        headers["etag"] = f'"{_tag(body)}"'
        media = f"{CSV_MEDIA}; charset=utf-8"
    else:
        body = await anyio.to_thread.run_sync(lambda: render_xlsx(items, spec.columns, title=spec.label))
        rows_json = json.dumps(items, ensure_ascii=False, sort_keys=True).encode()
        headers["etag"] = f'W/"{_tag(b"xlsx:" + rows_json)}"'
        media = XLSX_MEDIA
    headers["content-disposition"] = _disposition(spec.slug, spec.label, params.format)
    return _answer(request, body, media, headers)


def _answer(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    if not_modified(request.headers.get("if-none-match"), headers["etag"]):
        kept = {k: v for k, v in headers.items() if k in ("etag", "cache-control", "vary")}
        return Response(status_code=304, headers=kept)
    return Response(body, media_type=media_type, headers=headers)


def responses(model_name: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of an open list route: the page (JSON), the downloads, 304 and the 422s."""
    return {
        200: {
            "description": f"{model_name}：JSON 分页，或 CSV / XLSX 下载（全部符合条件的记录）",
            "content": {"application/json": {}, CSV_MEDIA: {}, XLSX_MEDIA: {}},
            "headers": {
                "ETag": {
                    "description": "内容标签；下次请求以 If-None-Match 带上，未变化时答复 304",
                    "schema": {"type": "string"},
                },
                "Link": {
                    "description": '下一页：<…>; rel="next"（仅 JSON，最后一页没有）',
                    "schema": {"type": "string"},
                },
            },
        },
        304: {"description": "未修改（If-None-Match 与当前 ETag 相同）"},
        422: {"description": "参数有误：invalid（如 limit 越界）、invalid_cursor、export_too_large"},
        429: {"description": "请求过于频繁（匿名按来源地址限流；使用 X-API-Key 可获得更高额度）"},
    }


# ---------------------------------------------------------------- the open routes' own OpenAPI document


def open_schema(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of this service's open routes alone (and the schemas they use), which the gateway
    merges into ``/api/open/v1/openapi.json``."""
    full = document_responses(get_openapi(title=app.title, version=app.version, routes=app.routes))
    paths = {p: item for p, item in full.get("paths", {}).items() if p.startswith(PREFIX + "/")}
    schemas: dict[str, Any] = full.get("components", {}).get("schemas", {})
    used: dict[str, Any] = {}
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name in used or name not in schemas:
            continue
        used[name] = schemas[name]
        pending |= _refs(schemas[name])
    return {
        "openapi": full["openapi"],
        "info": full["info"],
        "paths": paths,
        "components": {"schemas": dict(sorted(used.items()))},
    }


_SCHEMA_REF = "#/components/schemas/"


def _refs(node: Any) -> set[str]:
    """The component schemas a part of the document refers to."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            found.add(ref[len(_SCHEMA_REF) :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def schema_router() -> APIRouter:
    """``GET /internal/open-api.json`` (internal token): the gateway reads it, in production too where a
    service's full document may be switched off."""
    router = APIRouter()

    @router.get(SCHEMA_PATH, include_in_schema=False, dependencies=[Depends(require_internal)])
    async def open_api(request: Request) -> JSONResponse:
        app: FastAPI = request.app
        cached = getattr(app.state, "open_schema", None)
        if cached is None:
            cached = app.state.open_schema = open_schema(app)
        return JSONResponse(cached)

    return router
