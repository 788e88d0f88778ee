"""Typed dependencies of the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from kit.web import client_ip

from auth.service.context import AuthContext, get_context


async def _context(request: Request) -> AuthContext:
    return get_context(request.app.state.runtime)


async def _ip(request: Request) -> str:
    return client_ip(request)


CtxDep = Annotated[AuthContext, Depends(_context)]
IpDep = Annotated[str, Depends(_ip)]
