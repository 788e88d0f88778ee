"""The portal's refresh cookie: the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to
the refresh route, so no script of the page can read it and the browser sends it nowhere else. API clients
keep using ``refresh_token`` in the JSON answer and the request body."""

from __future__ import annotations

from fastapi import Response

from auth.service.context import AuthContext
from auth.service.tokens import TokenPair

NAME = "lp_refresh"
PATH = "/api/auth/refresh"


def with_refresh_cookie(response: Response, ctx: AuthContext, pair: TokenPair) -> dict:
    """The pair as JSON, with the refresh token also set as the portal's cookie."""
    response.set_cookie(
        NAME,
        pair.refresh_token,
        max_age=ctx.settings.refresh_token_days * 86400,
        path=PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return pair.as_dict()


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(NAME, path=PATH, secure=True, httponly=True, samesite="strict")


def expired_refresh_cookie() -> str:
    """The Set-Cookie value that removes the cookie, for error answers built from an exception."""
    return f"{NAME}=; Max-Age=0; Path={PATH}; HttpOnly; Secure; SameSite=strict"
