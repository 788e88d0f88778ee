"""The public contract, read from every service's OpenAPI document as the portal's client is generated from it
(scripts/gen_portal_contract.py): every operation declares what it answers, typed all the way down (no
``dict[str, Any]`` or schema-less field the portal would have to guess), lists answer one page shape, and every
error is documented in the one error shape."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")
PAGE_FIELDS = {"items", "total", "page", "page_size"}
OPEN_DATA_PREFIX = "/api/open/v1/"
OPEN_PAGE_FIELDS = {"items", "next_cursor"}
# Fields whose schema says only "any JSON value": none is allowed in an answer.
ANNOTATIONS = {
    "title",
    "description",
    "default",
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
}


def _contract_module():
    spec = importlib.util.spec_from_file_location(
        "gen_portal_contract", ROOT / "scripts" / "gen_portal_contract.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_portal_contract", module)
    spec.loader.exec_module(module)
    return module


CONTRACT = _contract_module()


@pytest.fixture(scope="module", params=CONTRACT.SERVICES)
def document(request) -> tuple[str, dict[str, Any]]:
    return request.param, CONTRACT.openapi_document(request.param)


def untyped_parts(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """Where in an answer's schema a value is left untyped: an empty schema, or an object with no declared
    properties that takes anything (``dict[str, Any]``)."""
    found: list[str] = []
    seen: set[str] = set()

    def walk(node: Any, where: str) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                walk(components.get(name, {}), name)
            return
        if not set(node) - ANNOTATIONS:
            found.append(f"{where}: any value")
            return
        if (
            node.get("type") == "object"
            and not node.get("properties")
            and node.get("additionalProperties") in (None, True, {})
        ):
            found.append(f"{where}: an object of anything")
        for name, child in (node.get("properties") or {}).items():
            walk(child, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], f"{where}[]")
        for key in ("anyOf", "oneOf", "allOf"):
            for child in node.get(key) or []:
                walk(child, where)

    walk(schema, "answer")
    return found


def _operations(doc: dict[str, Any]):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def test_every_answer_is_declared_and_typed(document):
    service, doc = document
    components = doc.get("components", {}).get("schemas", {})
    problems = []
    for name, op in _operations(doc):
        successes = {code: r for code, r in op["responses"].items() if code[0] in "23"}
        assert successes, f"{service}: {name} declares no success answer"
        for code, response in successes.items():
            content = response.get("content") or {}
            if code == "204" or code.startswith("3"):
                continue
            assert content, f"{service}: {name} {code} declares no content"
            if "application/json" in content:
                problems += [
                    f"{name} {code}: {part}"
                    for part in untyped_parts(content["application/json"].get("schema", {}), components)
                ]
    assert problems == [], f"{service}: untyped answers:\n" + "\n".join(problems)


def test_every_list_answers_one_page_shape(document):
    service, doc = document
    components = doc.get("components", {}).get("schemas", {})
    for name, op in _operations(doc):
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if ok is None:
            continue
        schema = ok["schema"]
        assert schema.get("type") != "array", f"{service}: {name} answers a bare array, not a page"
        if "$ref" in schema:
            props = set(components[schema["$ref"].rsplit("/", 1)[1]].get("properties", {}))
            if "items" not in props:
                continue
            if name.split(" ", 1)[1].startswith(OPEN_DATA_PREFIX):
                # the open data API pages by cursor (its own contract, kit.open_data): no page numbers or total
                assert props == OPEN_PAGE_FIELDS, f"{service}: {name} answers {props}, not a cursor page"
            else:
                assert props >= PAGE_FIELDS, f"{service}: {name} answers items without {PAGE_FIELDS - props}"


def test_every_error_is_documented_in_the_one_shape(document):
    service, doc = document
    for name, op in _operations(doc):
        errors = {code: r for code, r in op["responses"].items() if code[0] in "45" or code == "default"}
        assert "default" in errors, f"{service}: {name} documents no default error"
        for code, response in errors.items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert schema.get("$ref", "").endswith("/ErrorResponse"), (
                f"{service}: {name} {code} is not ErrorResponse"
            )
