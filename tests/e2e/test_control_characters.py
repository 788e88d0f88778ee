"""Control characters in query-string filters, through the gateway: every free-text filter of every service
(read from each service's OpenAPI) answers 422 in the error shape for NUL and the other control characters,
never 500. A NUL in ``keyword``, ``brand``, ``category`` or ``field`` used to reach PostgreSQL, which refuses it."""

from __future__ import annotations

import pytest

from .conftest import demo_headers

SERVICES = ["auth", "benchmark", "declarations", "certificates", "mall", "notify"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x1f", "\x7f", "\x85"]
ROLES = ["91110108MA01C2Q57B", "agency01", "workgroup01", "operator01"]


async def _text_filters(gw) -> list[tuple[str, str]]:
    """(path, parameter) for every GET operation's free-text query parameter (strings without an enum)."""
    found = []
    for service in SERVICES:
        spec = (await gw.get(f"/api/{service}/openapi.json")).json()
        for path, operations in spec["paths"].items():
            get = operations.get("get")
            # /api/dev/ exists only in development and tests (its phone filter is a phone number type)
            if get is None or "{" in path or path.startswith("/api/dev/"):
                continue
            for param in get.get("parameters", []):
                if param.get("in") != "query":
                    continue
                schema = param.get("schema", {})
                options = schema.get("anyOf", [schema])
                if any(o.get("type") == "string" and "enum" not in o and "format" not in o for o in options):
                    found.append((path, param["name"]))
    return found


async def test_every_text_filter_refuses_control_characters(gw):
    filters = await _text_filters(gw)
    # the filters of the finding are among them
    names = {name for _, name in filters}
    assert {"keyword", "brand", "category", "field"} <= names, filters
    headers = {None: {}}
    for login_name in ROLES:
        headers[login_name] = await demo_headers(gw, login_name)
    for path, name in filters:
        for control in CONTROLS:
            statuses = {}
            for role, h in headers.items():
                r = await gw.get(path, params={name: f"电器{control}"}, headers=h)
                assert r.status_code < 500, (path, name, repr(control), role, r.text)
                statuses[role] = r.status_code
                if r.status_code == 422:
                    body = r.json()["error"]
                    assert body["code"] == "invalid" and body["message"], body
                    assert any("控制字符" in str(d) for d in body["details"]), body
            reached = [s for s in statuses.values() if s not in (401, 403, 404)]
            if not reached:
                pytest.fail(f"no role reaches {path}: {statuses}")
            assert set(reached) == {422}, (path, name, repr(control), statuses)
