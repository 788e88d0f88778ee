"""A service's answer checked against its own OpenAPI document, as the fuzz suite's conformance checks do
(tests/e2e/test_fuzz.py): for answers the fuzzer rarely reaches (a file, a short-lived link, a 304), a
service's tests call ``assert_documented`` on the real answer."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI


def _operation(document: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    matches = []
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if method in item and re.match(pattern, path):
            matches.append((template.count("{"), template, item[method]))
    assert matches, f"{method.upper()} {path} is not in the OpenAPI document"
    # A literal segment wins over a parameter (/downloads/{token} over /{certificate_id}/…).
    _, template, operation = min(matches, key=lambda m: m[0])
    return template, operation


def assert_documented(app: FastAPI, response: httpx.Response) -> None:
    """The answer's status is documented (or covered by ``default``), its media type is one the status lists,
    and a JSON body validates against the schema given for it."""
    import jsonschema

    document = app.openapi()
    method = response.request.method.lower()
    template, operation = _operation(document, method, response.request.url.path)
    responses = operation["responses"]
    documented = responses.get(str(response.status_code)) or responses.get("default")
    where = f"{method.upper()} {template} → {response.status_code}"
    assert documented is not None, f"{where} is not documented"
    if not response.content:
        return
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    content = documented.get("content") or {}
    assert media_type in content, f"{where}: {media_type} is not among the documented {sorted(content)}"
    schema = content[media_type].get("schema")
    if "json" in media_type and schema:
        jsonschema.validate(response.json(), {**schema, "components": document.get("components", {})})
