"""QUALITY.md 7 — the access-control matrix: every route of every service's OpenAPI (read through the
gateway) × every role (anonymous, enterprise A, enterprise B, agency, working group, operator), answered
through the real gateway, compared with the reviewed expectation in access_matrix.json.

Path ids are real ids of enterprise A's objects (brand, draft declaration with evidence, declared star
product and its mall promotion and picture, in-site message, recovery request), made through the API first,
so B's requests hit real objects of another tenant and must answer 404. Bodies are built from the route's
own schema so that a role check is not hidden behind a 422.

Besides the exact comparison, the rules of DOMAIN.md are checked on the observed answers, whatever the file
says: no 5xx; anonymous only on public routes; no 2xx for a role outside the route's audience; B gets 404 on
A's objects.

Regenerate the file after adding routes with ``LP_ACCESS_MATRIX_WRITE=1`` (it keeps the reviewed audience of
the routes it knows; new routes get audience "REVIEW" and fail until a person fills it in)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.testing.receiver import Receiver

from ._security_common import (
    DEMO,
    DEMO_PASSWORD,
    FRIDGE_FORERUNNER,
    FRIDGE_PASSING_STAR4,
    client,
    demo_login,
    fresh_ip,
    fridge,
    items,
    jpeg,
    new_enterprise,
    pdf,
    png,
)
from .conftest import bearer, login, random_credit_code, random_phone

SERVICES = ["auth", "benchmark", "declarations", "certificates", "mall", "notify"]
ROLES = ["anonymous", "enterprise_a", "enterprise_b", "agency", "working_group", "operator"]
# A goes last so its own writes (and deletes) never change what the others see; deletes go last of all.
RUN_ORDER = ["anonymous", "enterprise_b", "working_group", "operator", "agency", "enterprise_a"]
EXPECTED = Path(__file__).with_name("access_matrix.json")
METHODS = ("get", "post", "put", "patch", "delete")
# Roles that each audience admits (2xx allowed); "public" admits everyone, anonymous included.
AUDIENCES = {
    "public": set(ROLES),
    "authenticated": set(ROLES) - {"anonymous"},
    "enterprise": {"enterprise_a", "enterprise_b"},
    "agency": {"agency"},
    "working_group": {"working_group"},
    "operator": {"operator"},
    "agency|working_group": {"agency", "working_group"},
    "enterprise|working_group": {"enterprise_a", "enterprise_b", "working_group"},
    "enterprise|agency|working_group": {"enterprise_a", "enterprise_b", "agency", "working_group"},
}
# Optional body fields filled anyway: without a phone an SMS-code request stops at validation.
OPTIONAL_FILLED = {"phone"}
PASSWORD_A = "MatrixA2026x"
PASSWORD_B = "MatrixB2026x"


def status_class(code: int) -> str:
    if 200 <= code < 400:
        return "2xx"
    if code in (401, 403, 404):
        return str(code)
    if code >= 500:
        return "5xx"
    return "4xx"  # 400, 405, 409, 413, 415, 422, 429: the role got past the access check, the input did not


# ---------------------------------------------------------------------------------------------- bodies
class Examples:
    """A minimal valid instance of an OpenAPI schema: required fields only, filled from formats, enums,
    bounds and the field's name, so that the request reaches the route's access check."""

    def __init__(self, spec: dict[str, Any], known: dict[str, Any]) -> None:
        self.spec, self.known = spec, known

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec["components"]["schemas"][name]
        return schema

    def value(self, schema: dict[str, Any], name: str = "") -> Any:
        if name in self.known:
            return self.known[name]
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.value(options[0], name) if options else None
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            wanted = set(schema.get("required", [])) | (set(props) & OPTIONAL_FILLED)
            out = {k: self.value(v, k) for k, v in props.items() if k in wanted}
            extra = schema.get("additionalProperties")
            if not out and schema.get("minProperties") and isinstance(extra, dict):
                out = {"x1": self.value(extra, "x1")}
            return out
        if kind == "array":
            count = max(1, schema.get("minItems", 1))
            return [self.value(schema.get("items", {}), name) for _ in range(count)]
        if kind == "integer":
            if "year" in name:
                return 2023
            return int(max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1))
        if kind == "number":
            return max(schema.get("minimum", 1), 1)
        if kind == "boolean":
            return False  # e.g. a recovery decision: refuse, which changes no password
        return self.text(schema, name)

    @staticmethod
    def text(schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return "2026-01-01"
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        if fmt == "email" or name == "email":
            return "matrix@example.com"
        if "phone" in name:
            return random_phone()
        if name == "credit_code":
            return random_credit_code()
        if name == "region_code":
            return "110108"
        if name in ("password", "new_password", "current_password"):
            return "Wrong2026pass"
        token = "".join(random.choices(string.ascii_uppercase + string.digits, k=8))
        if name == "code" or schema.get("pattern"):
            return f"SEC{token}"
        text = f"矩阵{token}"
        low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
        return (text * 4)[: max(low, min(high, len(text)))]


def is_file(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("format") == "binary" or "contentMediaType" in o for o in options)


def file_for(path: str) -> tuple[str, bytes, str]:
    if any(w in path for w in ("evidence", "stamped", "recovery", "verify/file")):
        return "文件.pdf", pdf(), "application/pdf"
    if "workbook" in path or "candidate" in path:
        return "名单.json", b"[]", "application/json"
    if "pictures" in path or "models" in path:
        return "图片.jpg", jpeg((300, 300)), "image/jpeg"
    return "标志.png", png(), "image/png"


def request_kwargs(op: dict[str, Any], ex: Examples, path: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    query = {
        p["name"]: ex.value(p.get("schema", {}), p["name"])
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    if query:
        kwargs["params"] = query
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        kwargs["json"] = ex.value(content["application/json"]["schema"])
    elif "multipart/form-data" in content:
        schema = ex.resolve(content["multipart/form-data"]["schema"])
        data, files = {}, []
        for name, prop in schema.get("properties", {}).items():
            prop = ex.resolve(prop)
            if is_file(prop) or (prop.get("type") == "array" and is_file(ex.resolve(prop.get("items", {})))):
                files.append((name, file_for(path)))
            elif name in schema.get("required", []):
                data[name] = str(ex.value(prop, name))
        kwargs["data"], kwargs["files"] = data, files
    return kwargs


# ---------------------------------------------------------------------------------------------- world
async def wait_for(fetch, what: str, timeout: float = 20):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.3)


@pytest.fixture(scope="module")
async def world(platform) -> dict[str, Any]:
    """Roles with sessions and A's objects, made through the public API."""
    gw_url = platform.gateway_url
    clients = {role: client(gw_url, ip=fresh_ip()) for role in ROLES}
    anon = clients["anonymous"]
    a = await new_enterprise(clients["enterprise_a"], PASSWORD_A, name="矩阵甲企业有限公司")
    b = await new_enterprise(clients["enterprise_b"], PASSWORD_B, name="矩阵乙企业有限公司")
    credentials = {
        "enterprise_a": (a["login_name"], PASSWORD_A),
        "enterprise_b": (b["login_name"], PASSWORD_B),
    }
    for role in ("agency", "working_group", "operator"):
        credentials[role] = (DEMO[role], DEMO_PASSWORD)
    tokens = {"enterprise_a": a["token"], "enterprise_b": b["token"]}
    for role in ("agency", "working_group", "operator"):
        tokens[role] = (await demo_login(clients[role], DEMO[role]))["access_token"]
    ha = bearer(a["token"])
    ca = clients["enterprise_a"]
    product = await fridge(anon)
    plan = (await anon.get(f"/api/benchmark/products/{product['id']}/plan")).json()

    r = await ca.post(
        "/api/auth/enterprise/brands",
        headers=ha,
        data={"name": "甲牌", "story": "矩阵测试品牌"},
        files={"logo": ("甲牌.png", png(), "image/png")},
    )
    assert r.status_code == 201, r.text
    brand_id = r.json()["id"]

    r = await ca.post(
        "/api/declarations",
        headers=ha,
        json={
            "product_id": product["id"],
            "standard_no": "Q/JZ 001-2024",
            "standard_name": "家用电冰箱企业标准",
        },
    )
    assert r.status_code == 201, r.text
    declaration_id = r.json()["id"]
    r = await ca.post(
        f"/api/declarations/{declaration_id}/benchmark", headers=ha, json={"values": FRIDGE_FORERUNNER}
    )
    assert r.status_code == 200, r.text
    r = await ca.post(
        f"/api/declarations/{declaration_id}/evidence",
        headers=ha,
        files={"file": ("证明材料.pdf", pdf(), "application/pdf")},
    )
    assert r.status_code in (200, 201), r.text
    evidence = items((await ca.get(f"/api/declarations/{declaration_id}/evidence", headers=ha)).json())
    file_id = evidence[0]["id"]

    r = await ca.post(
        "/api/declarations/star-products",
        headers=ha,
        json={"product_id": product["id"], "name": "矩阵冰箱", "model": "JZ-4", "star": 4},
    )
    assert r.status_code == 201, r.text
    star_id = r.json()["id"]
    r = await ca.post(
        f"/api/declarations/star-products/{star_id}/benchmark",
        headers=ha,
        json={"values": FRIDGE_PASSING_STAR4},
    )
    assert r.status_code == 200 and r.json()["comparison_verdict"] == "passed", r.text
    assert (
        await ca.patch(f"/api/declarations/star-products/{star_id}", headers=ha, json={"intro": "节能静音"})
    ).status_code == 200
    r = await ca.post(f"/api/declarations/star-products/{star_id}/submit", headers=ha)
    assert r.status_code == 200, r.text

    async def promotion():
        # the mall also knows A's brand (and its logo) by then: the brand-logo route answers A
        r = await ca.get(f"/api/mall/promotions/{star_id}", headers=ha)
        return r.status_code == 200 and any(b["id"] == brand_id and b["has_logo"] for b in r.json()["brands"])

    await wait_for(promotion, "the mall promotion of A's star product")
    r = await ca.post(
        f"/api/mall/promotions/{star_id}/pictures",
        headers=ha,
        files={"file": ("图.jpg", jpeg((300, 300)), "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    picture_id = r.json()["id"]

    async def message():
        r = await ca.get("/api/notify/messages", headers=ha)
        return items(r.json()) if r.status_code == 200 else None

    message_id = (await wait_for(message, "A's first in-site message"))[0]["id"]

    r = await anon.post(
        "/api/auth/recovery-requests",
        data={
            "credit_code": a["credit_code"],
            "enterprise_name": a["name"],
            "contact_name": "张三",
            "reason": "手机号码已停用，密码遗忘",
        },
        files={"letter": ("授权书.pdf", pdf(), "application/pdf")},
    )
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    # A key-field product of the working group's own, so that writes to products never touch the demo data
    # other suites rely on.
    r = await clients["working_group"].post(
        "/api/benchmark/products",
        headers=bearer(tokens["working_group"]),
        json={
            "code": f"SEC-{uuid.uuid4().hex[:6]}",
            "name": "矩阵测试产品",
            "field": "家用电器",
            "year": 2023,
            "product_type": "product",
        },
    )
    assert r.status_code == 201, r.text
    own_product = r.json()["id"]

    # Candidate rows belong to the agency that imported them; a row of agency01's own.
    listing = json.dumps(
        [
            {
                "enterprise_name": "矩阵候选企业有限公司",
                "credit_code": random_credit_code(),
                "standard_no": "Q/HX 001-2024",
                "standard_name": "冰箱",
                "contact_phone": random_phone(),
                **{f"{k}": v for k, v in FRIDGE_FORERUNNER.items()},
            }
        ],
        ensure_ascii=False,
    )
    r = await clients["agency"].post(
        "/api/declarations/candidate-lists",
        headers=bearer(tokens["agency"]),
        data={"product_id": product["id"]},
        files={"file": ("名单.json", listing.encode(), "application/json")},
    )
    assert r.status_code == 201, r.text
    rows = items(
        (
            await clients["agency"].get(
                "/api/declarations/candidate-lists",
                headers=bearer(tokens["agency"]),
                params={"product_id": product["id"], "page_size": 100},
            )
        ).json()
    )
    candidate_id = next(c["id"] for c in rows if c["enterprise_name"] == "矩阵候选企业有限公司")

    ids = {
        "brand_id": brand_id,
        "declaration_id": declaration_id,
        "file_id": file_id,
        "star_id": star_id,
        "model_id": star_id,
        "picture_id": picture_id,
        "message_id": message_id,
        "request_id": request_id,
        "candidate_id": candidate_id,
        "product_id": product["id"],
        "plan_id": plan["id"],
    }
    # A webhook endpoint of the operator's at a receiver on this machine, with one delivered test event.
    receiver = Receiver(port=int(os.environ.get("LP_E2E_MATRIX_WEBHOOK_PORT", "24521")))
    await receiver.up()
    ho = bearer(tokens["operator"])
    r = await clients["operator"].post(
        "/api/notify/webhooks",
        headers=ho,
        json={
            "organisation": "矩阵订阅机构",
            "contact": "矩阵联系人",
            "url": receiver.url,
            "event_types": ["certificate.revoked"],
        },
    )
    assert r.status_code == 201, r.text
    ids["endpoint_id"] = r.json()["id"]
    r = await clients["operator"].post(f"/api/notify/webhooks/{ids['endpoint_id']}/test", headers=ho)
    assert r.status_code == 202, r.text
    ids["delivery_id"] = r.json()["id"]

    async def webhook_received() -> bool:
        return bool(receiver.received)

    await wait_for(webhook_received, "the test webhook")
    try:
        yield {
            "clients": clients,
            "tokens": tokens,
            "credentials": credentials,
            "ids": ids,
            "own_product": own_product,
        }
    finally:
        await receiver.down()
        for c in clients.values():
            await c.aclose()


def path_value(world: dict[str, Any], method: str, path: str, name: str) -> str:
    ids = world["ids"]
    if name == "product_id" and method != "get":
        return world["own_product"]  # writes go to the suite's own product, never the shared demo one
    if name == "plan_id" and method != "get":
        # the demo plan is final and shared; writes to plans are benchmark's own tests
        return str(uuid.uuid4())
    if name in ("token", "code"):
        return "matrix" + uuid.uuid4().hex
    if name == "panel":
        return "funnel"  # a panel of the working group's dashboard (its CSV)
    return ids.get(name, str(uuid.uuid4()))


# Routes whose path ids are A's objects: B must get 404 there (DOMAIN: another tenant's id answers 404).
TENANT_PARAMS = {"brand_id", "declaration_id", "file_id", "star_id", "model_id", "message_id", "picture_id"}


def is_tenant_route(key: str) -> bool:
    return any("{" + name + "}" in key for name in TENANT_PARAMS)


async def observe(world: dict[str, Any]) -> dict[str, dict[str, str]]:
    anon = world["clients"]["anonymous"]
    operations = []
    for service in SERVICES:
        r = await anon.get(f"/api/{service}/openapi.json")
        assert r.status_code == 200, (service, r.status_code)
        spec = r.json()
        for path, ops in spec["paths"].items():
            for method in METHODS:
                if method in ops:
                    operations.append((spec, path, method, ops[method]))
    operations.sort(key=lambda o: o[2] == "delete")
    observed: dict[str, dict[str, str]] = {}
    for spec, path, method, op in operations:
        # Body fields that name the demo product reach the route's real logic instead of a 404 on a random id;
        # review decisions are refusals, so the matrix never pushes A's declaration into a public notice.
        ex = Examples(spec, {"product_id": world["ids"]["product_id"], "decision": "fail"})
        row: dict[str, str] = {}
        for role in RUN_ORDER:
            url = path
            for p in op.get("parameters", []):
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", path_value(world, method, path, p["name"]))
            kwargs = request_kwargs(op, ex, path)
            headers = {}
            if role != "anonymous":
                token = world["tokens"][role]
                if path == "/api/auth/logout":  # a session of its own, so the matrix keeps the main one
                    name, password = world["credentials"][role]
                    token = (await login(world["clients"][role], name, password))["access_token"]
                headers = bearer(token)
            try:
                r = await world["clients"][role].request(method.upper(), url, headers=headers, **kwargs)
                row[role] = status_class(r.status_code)
                if r.status_code >= 500:
                    row[role] += f" ({r.status_code}: {r.text[:200]})"
            except httpx.HTTPError as exc:
                row[role] = f"5xx ({type(exc).__name__})"
        observed[f"{method.upper()} {path}"] = {role: row[role] for role in ROLES}
    return observed


def write_expectation(observed: dict[str, dict[str, str]]) -> None:
    old = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    lines = []
    for key in sorted(observed, key=lambda k: (k.split(" ", 1)[1], k)):
        known = old.get(key, {})
        entry = {"audience": known.get("audience", "REVIEW")}
        if is_tenant_route(key):
            entry["tenant_object"] = True
        entry.update(observed[key])
        if known.get("note"):
            entry["note"] = known["note"]
        lines.append(f"  {json.dumps(key, ensure_ascii=False)}: {json.dumps(entry, ensure_ascii=False)}")
    EXPECTED.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def rule_violations(expected: dict[str, dict[str, Any]], observed: dict[str, dict[str, str]]) -> list[str]:
    """DOMAIN.md's rules on the answers actually observed (independent of the recorded classes)."""
    problems = []
    for key, row in observed.items():
        meta = expected.get(key, {})
        audience = meta.get("audience", "REVIEW")
        if audience not in AUDIENCES:
            problems.append(f"{key}: audience {audience!r} not reviewed")
            continue
        admitted = AUDIENCES[audience]
        for role, got in row.items():
            if got.startswith("5xx"):
                problems.append(f"{key} as {role}: server error {got}")
            elif got == "2xx" and role not in admitted:
                problems.append(f"{key} as {role}: 2xx on a route for {audience}")
        if audience != "public" and row["anonymous"] != "401":
            problems.append(f"{key} as anonymous: {row['anonymous']}, expected 401 on a route for {audience}")
        # Where enterprises may call the route at all, B on A's object must not learn it exists. (On routes
        # of other roles B is refused by role before any lookup: 403, the same for every id.)
        if is_tenant_route(key) and "enterprise_b" in admitted and row["enterprise_b"] != "404":
            problems.append(f"{key} as enterprise_b on A's object: {row['enterprise_b']}, expected 404")
    return problems


async def test_access_matrix_matches_the_reviewed_expectation(world):
    observed = await observe(world)
    if os.environ.get("LP_ACCESS_MATRIX_WRITE"):
        write_expectation(observed)
    expected = json.loads(EXPECTED.read_text())
    diff = []
    for key in sorted(set(expected) | set(observed)):
        if key not in observed:
            diff.append(f"- {key}: in access_matrix.json but no longer in any OpenAPI")
            continue
        if key not in expected:
            diff.append(f"+ {key}: new route, not in access_matrix.json (regenerate and review it)")
            continue
        for role in ROLES:
            want, got = expected[key].get(role), observed[key][role]
            if want != got:
                diff.append(f"~ {key} as {role}: expected {want}, got {got}")
    problems = rule_violations(expected, observed)
    report = "\n".join(["differences from access_matrix.json:", *diff, "rule violations:", *problems])
    assert not diff and not problems, report
    # The cross-tenant half of the matrix is real: B met real objects of A on every tenant route.
    tenant_routes = [k for k in observed if is_tenant_route(k)]
    assert len(tenant_routes) >= 15, tenant_routes
