"""Dependencies of this service's routes. ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
its thread pool, a hop per request that costs more than the list query itself under load."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from kit.runtime import Runtime
from kit.web import QueryText, client_ip

from declaration.config import Settings
from declaration.service.comparison import BenchmarkComparison
from declaration.service.lifecycle import actor_ip


async def runtime_of(request: Request) -> Runtime:
    # every route takes the runtime: the caller's address is remembered here for the audit records
    actor_ip.set(client_ip(request))
    runtime: Runtime = request.app.state.runtime
    return runtime


async def settings_of(runtime: Annotated[Runtime, Depends(runtime_of)]) -> Settings:
    return Settings.of(runtime)


async def comparison_of(request: Request) -> BenchmarkComparison:
    comparison: BenchmarkComparison = request.app.state.comparison
    return comparison


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
ComparisonDep = Annotated[BenchmarkComparison, Depends(comparison_of)]
# the caller's token, forwarded to the benchmark service for the comparison
Authorization = Annotated[str | None, Header(include_in_schema=False)]
# bounded like the columns they filter: an out-of-range year or a NUL is a 422, never a database error
Year = Annotated[int | None, Query(ge=1990, le=2100)]
Text = Annotated[QueryText, Query(max_length=100)]
