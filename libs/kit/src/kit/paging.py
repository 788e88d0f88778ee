"""The one list contract: every list route takes ``PageDep`` and answers ``Page[T]``
(``{"items": [...], "total": n, "page": p, "page_size": s}``; a subclass may add summary fields, e.g. unread).

Bounds are declared in the OpenAPI document (``page`` 1–100000, ``page_size`` 1–100); a request outside
them answers 422 ``invalid_page`` (``kit.errors`` maps the validation failure).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
R = TypeVar("R")

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


def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list. ``total`` counts every row the filters select, not only this page's."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, items: Sequence[Any], total: int, params: PageParams, **extra: Any) -> Page[T]:
        """Wraps rows already fetched (models, dicts or ORM objects, read by attribute)."""
        return cls.model_validate(
            {
                "items": list(items),
                "total": total,
                "page": params.page,
                "page_size": params.page_size,
                **extra,
            },
            from_attributes=True,
        )


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` selects, ignoring its order, limit and offset."""
    counted = select(func.count()).select_from(stmt.order_by(None).limit(None).offset(None).subquery())
    return int((await session.execute(counted)).scalar_one())


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    *,
    item: type[Page[Any]] | None = None,
    transform: Callable[[Any], R] | None = None,
    scalars: bool = True,
) -> Page[Any]:
    """Runs ``stmt`` for one page (and once more for the total) and wraps the rows in a ``Page``.
    ``scalars`` takes the first column of each row (an ORM entity); ``transform`` maps each row; ``item`` is
    the concrete page class (``Page[DeclarationOut]``) that validates the rows."""
    total = await count(session, stmt)
    rows: Sequence[Any] = []
    if total and params.offset < total:
        result = await session.execute(stmt.offset(params.offset).limit(params.limit))
        rows = result.scalars().all() if scalars else result.all()
    items = [transform(r) for r in rows] if transform else list(rows)
    return (item or Page[Any]).of(items, total, params)
