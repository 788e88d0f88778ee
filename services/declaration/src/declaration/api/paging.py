"""Dependencies of this service's routes. Both are ``async def`` on purpose: FastAPI runs a plain ``def``
dependency in its thread pool, a hop per request that costs more than the list query itself under load.
The page number is bounded too, so a huge page is a 422 rather than an OFFSET beyond PostgreSQL's bigint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from kit.runtime import Runtime
from kit.web import client_ip

from declaration.lifecycle import actor_ip

MAX_PAGE = 100_000


async def bounded_page(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, Any]:
    return {"page": page, "page_size": page_size, "offset": (page - 1) * page_size}


async def runtime_of(request: Request) -> Runtime:
    # every route takes the runtime: the caller's address is remembered here for the audit records
    actor_ip.set(client_ip(request))
    return request.app.state.runtime


PageDep = Annotated[dict[str, Any], Depends(bounded_page)]
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
