"""The one list contract: every list route takes ``PageDep`` and answers ``Page[T]``
(``{"items": [...], "total": n, "page": p, "page_size": s}``; a subclass may add summary fields, e.g. unread).

Bounds are declared in the OpenAPI document (``page`` 1–100000, ``page_size`` 1–100); a request outside
them answers 422 ``invalid_page`` (``kit.errors`` maps the validation failure).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeVar, TypeVarTuple

import orjson
from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
P = TypeVar("P", bound="Page[Any]")
Row = TypeVarTuple(
    "Row"
)  # the columns of a select: ``select(A)`` is ``Select[A]``, ``select(A, B)`` ``Select[A, B]``

#: Set (``LP_CHECK_RENDERING=1``) under the test suite: every page ``Page.response`` renders is compared with
#: pydantic's rendering of the same page, so each test that reads a hot list also proves the two agree.
CHECK_RENDERING = os.environ.get("LP_CHECK_RENDERING") == "1"

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100
PAGE_FIELDS = frozenset({"page", "page_size"})


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


async def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


# ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a hop per request that
# cost more CPU than the list's query.
PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list. ``total`` counts every row the filters select, not only this page's."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, items: Sequence[Any], total: int, params: PageParams, **extra: Any) -> Self:
        """Wraps rows already fetched (models, dicts or ORM objects, read by attribute) in this page class:
        ``Page[ThingOut].of(...)`` is a ``Page[ThingOut]``, ``ThingPage.of(..., unread=3)`` a ``ThingPage``
        (``extra`` fills the subclass's own fields)."""
        return cls.model_validate(_page_fields(list(items), total, params, extra), from_attributes=True)

    @classmethod
    def response(
        cls, items: Sequence[Mapping[str, Any]], total: int, params: PageParams, **extra: Any
    ) -> Response:
        """The page as JSON bytes, rendered once by orjson from rows that are already plain JSON-ready dicts
        with every field of the item model, for the lists read most (declared on the route with
        ``response_model=`` this class, which the OpenAPI document shows). Building the page's models and
        serialising them again cost about a tenth of a list request's CPU. Under the test suite
        (``CHECK_RENDERING``) the bytes are checked against ``model_validate`` + ``model_dump``: a missing
        or extra field, a wrong type or a different spelling of a value fails the request."""
        payload = _page_fields(items, total, params, extra)
        body = orjson.dumps(payload, default=_json_default, option=orjson.OPT_UTC_Z)
        if CHECK_RENDERING:
            expected = cls.model_validate(payload).model_dump(mode="json")
            if orjson.loads(body) != expected:
                raise AssertionError(f"{cls.__name__}: orjson rendered {body!r}, the model {expected!r}")
        return Response(body, media_type="application/json")

    @classmethod
    def of_all(cls, items: Sequence[Any], params: PageParams, **extra: Any) -> Self:
        """One page of a list held whole in memory (a fixed set of options, captured messages)."""
        return cls.of(items[params.offset : params.offset + params.limit], len(items), params, **extra)


def _page_fields(
    items: Sequence[Any], total: int, params: PageParams, extra: dict[str, Any]
) -> dict[str, Any]:
    """A page's fields, whichever way it is rendered (``Page.of`` and ``Page.response``)."""
    return {"items": items, "total": total, "page": params.page, "page_size": params.page_size, **extra}


def _json_default(value: Any) -> str:
    """What orjson leaves to its caller: asyncpg's own UUID class (a subclass orjson does not take as one)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-ready")


async def count(session: AsyncSession, stmt: Select[*Row]) -> int:
    """How many rows ``stmt`` selects, ignoring its order, limit and offset."""
    counted = select(func.count()).select_from(stmt.order_by(None).limit(None).offset(None).subquery())
    return int((await session.execute(counted)).scalar_one())


async def paginate(
    session: AsyncSession,
    stmt: Select[*Row],
    params: PageParams,
    *,
    item: type[P],
    transform: Callable[[Any], Any] | None = None,
    scalars: bool = True,
) -> P:
    """Runs ``stmt`` for one page (and once more for the total) and wraps the rows in ``item``, the concrete
    page class (``Page[DeclarationOut]`` or a subclass) that validates them. ``scalars`` takes the first column
    of each row (an ORM entity); otherwise each row is the tuple of its columns; ``transform`` maps each row."""
    total = await count(session, stmt)
    rows: Sequence[Any] = []
    if total and params.offset < total:
        result = await session.execute(stmt.offset(params.offset).limit(params.limit))
        rows = result.scalars().all() if scalars else result.all()
    items = [transform(r) for r in rows] if transform else list(rows)
    return item.of(items, total, params)


async def page_with_total(
    session: AsyncSession, stmt: Select[Any], params: PageParams
) -> tuple[list[Any], int]:
    """One page of ``stmt``'s first column (an ORM entity or a value) and the total it selects, in one round
    trip: the total rides along as ``count(*) OVER ()``. Only a page past the end counts once more. Not for a
    statement with DISTINCT or GROUP BY (the window would count something else): use ``count`` there."""
    counted = stmt.add_columns(func.count().over().label("page_total"))
    rows = (await session.execute(counted.offset(params.offset).limit(params.limit))).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][-1])
    return [], 0 if params.offset == 0 else await count(session, stmt)
