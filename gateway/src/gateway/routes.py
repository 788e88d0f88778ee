"""Which service answers a public path. Paths are forwarded unchanged (services mount their full paths)."""

from __future__ import annotations

# (prefix, upstream). A prefix matches the path itself or the path followed by "/" so that
# ``/api/declarationsX`` never reaches the declaration service by accident.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/auth", "auth"),
    ("/api/dev", "auth"),
    ("/api/benchmark", "benchmark"),
    ("/api/declarations", "declaration"),
    ("/api/certificates", "certificate"),
    ("/api/mall", "mall"),
    ("/api/notify", "notify"),
)

# The open data API (read-only, versioned): each list is served by the service that owns it, under the same
# public path. Only these exact paths are routed; anything else under ``/api/open`` is 404 at the gateway.
OPEN_PREFIX = "/api/open/v1"
OPEN_ROUTES: dict[str, str] = {
    "/api/open/v1/forerunners": "declaration",
    "/api/open/v1/star-products": "declaration",
    "/api/open/v1/certificates": "certificate",
    "/api/open/v1/labels": "certificate",
    "/api/open/v1/key-products": "benchmark",
}
# The open API's own OpenAPI document, merged by the gateway from the owning services' open routes.
OPEN_OPENAPI = "/api/open/v1/openapi.json"
OPEN_UPSTREAMS: tuple[str, ...] = ("declaration", "certificate", "benchmark")

# OpenAPI documents as the services publish them (route-name per docs/CONVENTIONS.md), with a label.
OPENAPI: tuple[tuple[str, str], ...] = (
    ("auth", "账号与身份（auth）"),
    ("benchmark", "关键领域产品与评价方案（benchmark）"),
    ("declarations", "领跑者申报（declarations）"),
    ("certificates", "证书与标识（certificates）"),
    ("mall", "领跑者商城（mall）"),
    ("notify", "消息通知（notify）"),
)

# Public routes where a stale token must not stand in the way: the portal may still attach an expired
# access token while it logs in again or refreshes. The services decide about these on their own.
TOKEN_EXEMPT: frozenset[str] = frozenset(
    {
        "/api/auth/login",
        "/api/auth/login/unlock",
        "/api/auth/refresh",
        "/api/auth/register",
        "/api/auth/sms-codes",
        "/api/auth/password/reset",
        # the daily heads of the audit chains: published for anyone to copy
        "/api/auth/audit/heads",
        "/api/benchmark/audit/heads",
        "/api/declarations/audit/heads",
        "/api/certificates/audit/heads",
        "/api/mall/audit/heads",
        # The public keys of the QR codes' offline signatures (cached by phones and verifiers).
        "/api/certificates/keys",
    }
)
# Public look-ups anyone may make with or without a session (a verification page opened from a QR code).
TOKEN_EXEMPT_PREFIXES: tuple[str, ...] = ("/api/certificates/verify/",)


# Server-rendered public pages outside ``/api``: the verification page a phone opens from a certificate's or
# label's QR code must work without the portal's JavaScript and answer 404 for a code nobody issued.
# ``/verify`` itself (the search form) stays the portal's.
PAGES: tuple[tuple[str, str], ...] = (("/verify/", "certificate"),)


def match_page(path: str) -> str | None:
    """The upstream serving a public page at ``path``, or None (the portal's)."""
    if "/." in path:
        return None
    for prefix, upstream in PAGES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return upstream
    return None


def token_exempt(path: str) -> bool:
    return path in TOKEN_EXEMPT or path.startswith(TOKEN_EXEMPT_PREFIXES)


def is_open(path: str) -> bool:
    return path == "/api/open" or path.startswith("/api/open/")


def match_upstream(path: str) -> str | None:
    """The upstream name for an ``/api/...`` path, or None when no service owns it."""
    if is_open(path):
        return OPEN_ROUTES.get(path)
    for prefix, upstream in ROUTES:
        if path.startswith(prefix):
            rest = len(prefix)
            if len(path) == rest or path[rest] == "/":
                return upstream
    return None
