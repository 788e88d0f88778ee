"""Pagination: the kit's parameters, with the page number bounded too, so a huge page number is a 422
rather than an OFFSET beyond PostgreSQL's bigint (a server error)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from kit.web import page_params

MAX_PAGE = 100_000


def bounded_page(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, Any]:
    return page_params(page, page_size)


PageDep = Annotated[dict[str, Any], Depends(bounded_page)]
