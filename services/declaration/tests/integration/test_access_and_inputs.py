"""Tenancy (another tenant's id → 404), roles × routes, states × routes, fields clients may not write,
and bad input of every kind answering 4xx in the error shape."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from declaration.config import Settings
from declaration.models import Candidate
from declaration.service.comparison import BenchmarkComparison
from kit.downloads import sign_download
from sqlalchemy import func, select

GOOD = {"down_content": "92.5", "formaldehyde": 18}


@pytest.fixture(scope="module")
def settings(service_env) -> Settings:
    # small evidence cap so the size limit is tested without 20 MB bodies
    return Settings(**service_env("declaration", notice_poll_seconds=0.2, evidence_max_bytes=50_000))


@pytest.fixture
def h(kit_helpers):
    return kit_helpers


def error(r) -> str:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


async def _draft(client, product, enterprise, number="Q/MP 102-2021") -> str:
    r = await client.post(
        "/api/declarations",
        headers=enterprise.headers,
        json={"product_id": product["id"], "standard_no": number, "standard_name": "羽绒服"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_other_tenants_get_404_on_every_route(client, open_product, make_token, h):
    product, agency = await open_product()
    a = h.Org(make_token, "enterprise", "甲公司")
    b = h.Org(make_token, "enterprise", "乙公司")
    other_agency = h.Org(make_token, "agency", "别的评估机构")
    operator = h.Org(make_token, "operator", "运营")
    did = await _draft(client, product, a)
    await client.post(f"/api/declarations/{did}/benchmark", headers=a.headers, json={"values": GOOD})
    await client.put(
        f"/api/declarations/{did}/products", headers=a.headers, json={"models": [{"name": "x", "spec": "y"}]}
    )
    r = await client.post(
        f"/api/declarations/{did}/evidence", headers=a.headers, files={"file": ("r.pdf", h.pdf_bytes())}
    )
    assert r.status_code == 201
    file_id = r.json()["id"]
    base = f"/api/declarations/{did}"
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"standard_name": "改名"}),
        ("DELETE", base, None),
        ("POST", f"{base}/benchmark", {"values": GOOD}),
        ("PUT", f"{base}/products", {"models": [{"name": "a", "spec": "b"}]}),
        ("GET", f"{base}/evidence", None),
        ("DELETE", f"{base}/evidence/{file_id}", None),
        ("POST", f"{base}/submit", None),
        ("GET", f"{base}/reviews", None),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, headers=b.headers, json=body)
        assert r.status_code == 404 and error(r) == "declaration_not_found", (method, url, r.text)
    r = await client.post(f"{base}/evidence", headers=b.headers, files={"file": ("r.pdf", h.pdf_bytes())})
    assert r.status_code == 404
    for who in (other_agency, operator):
        assert (await client.get(base, headers=who.headers)).status_code == 404
        assert (await client.get("/api/declarations", headers=who.headers)).json()["total"] == 0
    assert (await client.post(f"{base}/submit", headers=a.headers)).status_code == 200
    r = await client.post(f"{base}/agency-review", headers=other_agency.headers, json={"decision": "pass"})
    assert r.status_code == 404
    # the product's own agency sees it
    assert (await client.get(base, headers=agency.headers)).status_code == 200
    rows = (await client.get("/api/declarations", headers=b.headers)).json()
    assert rows["total"] == 0


async def test_roles_and_states_gate_every_review_route(client, open_product, make_token, working_group, h):
    product, agency = await open_product()
    a = h.Org(make_token, "enterprise", "丙公司")
    did = await _draft(client, product, a, "Q/BB 7-2020")
    base = f"/api/declarations/{did}"
    # a never-submitted draft is not theirs to see, let alone review
    r = await client.post(f"{base}/agency-review", headers=agency.headers, json={"decision": "pass"})
    assert r.status_code == 404 and error(r) == "declaration_not_found"
    r = await client.post(f"{base}/group-review", headers=working_group.headers, json={"decision": "pass"})
    assert r.status_code == 404
    # wrong role on each route
    for who, route in [
        (a, "agency-review"),
        (working_group, "agency-review"),
        (a, "group-review"),
        (agency, "group-review"),
    ]:
        r = await client.post(f"{base}/{route}", headers=who.headers, json={"decision": "pass"})
        assert r.status_code == 403, (route, r.text)
    for who in (agency, working_group):
        assert (await client.post(f"{base}/submit", headers=who.headers)).status_code == 403
        r = await client.post(
            "/api/declarations",
            headers=who.headers,
            json={"product_id": product["id"], "standard_no": "Q/X 1-2020", "standard_name": "x"},
        )
        assert r.status_code == 403
    assert (await client.get("/api/declarations")).status_code == 401
    assert (await client.get("/api/declarations/objections", headers=a.headers)).status_code == 403
    r = await client.post(
        "/api/declarations/candidate-lists",
        headers=a.headers,
        data={"product_id": product["id"]},
        files={"file": ("a.csv", b"x")},
    )
    assert r.status_code == 403
    # incomplete draft cannot be submitted; a submitted one cannot be submitted twice nor edited
    r = await client.post(f"{base}/submit", headers=a.headers)
    assert r.status_code == 409 and error(r) == "declaration_incomplete"
    await client.post(f"{base}/benchmark", headers=a.headers, json={"values": GOOD})
    await client.put(f"{base}/products", headers=a.headers, json={"models": [{"name": "x", "spec": "y"}]})
    await client.post(f"{base}/evidence", headers=a.headers, files={"file": ("r.pdf", h.pdf_bytes())})
    assert (await client.post(f"{base}/submit", headers=a.headers)).status_code == 200
    r = await client.post(f"{base}/submit", headers=a.headers)
    assert r.status_code == 409 and error(r) == "transition_not_allowed"
    r = await client.patch(base, headers=a.headers, json={"standard_name": "偷偷改"})
    assert r.status_code == 409 and error(r) == "declaration_not_editable"
    assert (await client.delete(base, headers=a.headers)).status_code == 409
    r = await client.post(f"{base}/group-review", headers=working_group.headers, json={"decision": "pass"})
    assert r.status_code == 409
    r = await client.post(f"{base}/agency-review", headers=agency.headers, json={"decision": "fail"})
    assert r.status_code == 422 and error(r) == "opinion_required"
    r = await client.post(f"{base}/models", headers=a.headers, data={"name": "a", "spec": "b", "intro": "c"},
                          files=[("pictures", ("p.png", h.png_bytes()))])  # fmt: skip
    assert r.status_code == 409 and error(r) == "not_published"


async def test_clients_cannot_write_status_tenant_or_review_fields(client, open_product, make_token, h):
    product, _ = await open_product()
    a = h.Org(make_token, "enterprise", "丁公司")
    for extra in ({"list_status": "published"}, {"org_id": str(uuid.uuid4())}, {"evidence_status": "passed"}):
        r = await client.post(
            "/api/declarations",
            headers=a.headers,
            json={"product_id": product["id"], "standard_no": "Q/D 1-2020", "standard_name": "x", **extra},
        )
        assert r.status_code == 422, extra
    did = await _draft(client, product, a, "Q/D 2-2020")
    for extra in ({"list_status": "published"}, {"comparison_verdict": "passed"}, {"agency_org_id": None}):
        r = await client.patch(f"/api/declarations/{did}", headers=a.headers, json=extra)
        assert r.status_code == 422, extra
    d = (await client.get(f"/api/declarations/{did}", headers=a.headers)).json()
    assert d["list_status"] == "draft" and d["comparison_verdict"] is None
    # a stale or duplicate number
    r = await client.post(
        "/api/declarations",
        headers=a.headers,
        json={"product_id": product["id"], "standard_no": "Q/D 2-2020", "standard_name": "x"},
    )
    assert r.status_code == 409 and error(r) == "declaration_duplicate"
    r = await client.patch(f"/api/declarations/{did}", headers=a.headers, json={"standard_no": "GB/T 1-2020"})
    assert r.status_code == 422 and error(r) == "invalid_standard_no"


async def test_bad_files_and_values_answer_4xx(apps, client, runtime, open_product, make_token, h):
    product, _ = await open_product()
    a = h.Org(make_token, "enterprise", "戊公司")
    did = await _draft(client, product, a, "Q/E 3-2021")
    base = f"/api/declarations/{did}"
    # evidence before a successful comparison is refused
    r = await client.post(f"{base}/evidence", headers=a.headers, files={"file": ("r.pdf", h.pdf_bytes())})
    assert r.status_code == 409 and error(r) == "comparison_required"
    # comparison input the benchmark service refuses: every indicator named
    r = await client.post(f"{base}/benchmark", headers=a.headers, json={"values": {"down_content": "很多"}})
    assert r.status_code == 422, r.text
    assert error(r) == "comparison_values_invalid"
    assert (await client.post(f"{base}/benchmark", headers=a.headers, json={"values": {}})).status_code == 422
    assert (
        await client.post(f"{base}/benchmark", headers=a.headers, json={"values": GOOD})
    ).status_code == 200
    # each bad file answers its own status and code (sniffed by content, not by name)
    bad_files = [
        ("script.pdf", b"<html><script>alert(1)</script></html>", 415, "file_type_not_allowed"),
        ("fake.png", b"%PDF-1.4 not an image but claims png", 422, "pdf_corrupt"),
        ("empty.pdf", b"", 422, "file_empty"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * 60_000, 413, "file_too_large"),
        ("broken.pdf", b"%PDF-1.4\nthis is not a pdf body", 422, "pdf_corrupt"),
    ]
    for name, data, status, code in bad_files:
        r = await client.post(f"{base}/evidence", headers=a.headers, files={"file": (name, data)})
        assert (r.status_code, error(r)) == (status, code), (name, r.text)
    r = await client.post(
        f"{base}/evidence", headers=a.headers, files={"file": ("../../etc/passwd.pdf", h.pdf_bytes())}
    )
    assert r.status_code == 201 and r.json()["filename"] == "passwd.pdf"
    assert (await client.get("/api/declarations/files/forged.token")).status_code == 404
    # The evidence link opens the evidence; the same object under another service's signature, or a
    # link of this service naming another bucket, opens nothing (each service has its own key, each
    # route its own bucket).
    token = r.json()["download_url"].rsplit("/", 1)[1]
    assert (await client.get(f"/api/declarations/files/{token}")).status_code == 200
    body = token.partition(".")[0]
    evidence_key = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["k"]
    secret = runtime.settings.download_secret
    for service_name, bucket in (
        ("certificate", "lp-evidence"),
        ("declaration", "lp-models"),
        ("declaration", "lp-certificates"),
    ):
        foreign = sign_download(
            secret,
            service=service_name,
            bucket=bucket,
            key=evidence_key,
            filename="x.pdf",
            content_type="application/pdf",
            ttl=60,
        )
        refused = await client.get(f"/api/declarations/files/{foreign}")
        assert refused.status_code == 404 and error(refused) == "download_link_invalid"
    # filters and pagination
    assert (await client.get("/api/declarations?page_size=1000", headers=a.headers)).status_code == 422
    assert (await client.get("/api/declarations?list_status=nonsense", headers=a.headers)).status_code == 422
    assert (await client.get("/api/declarations?year=abc", headers=a.headers)).status_code == 422
    assert (await client.get("/api/declarations/not-a-uuid", headers=a.headers)).status_code == 422

    # the benchmark service down: 503 in the error shape, nothing stored
    app = apps["app"]
    real = app.state.comparison
    app.state.comparison = BenchmarkComparison("http://127.0.0.1:9", timeout=1)
    try:
        r = await client.post(f"{base}/benchmark", headers=a.headers, json={"values": GOOD})
        assert r.status_code == 503 and error(r) == "benchmark_unavailable"
    finally:
        await app.state.comparison.aclose()
        app.state.comparison = real


async def test_candidate_imports_are_all_or_nothing_and_own_products_only(
    client, runtime, open_product, make_token, h
):
    product, agency = await open_product()
    other_product, _ = await open_product()
    code = h.credit_code()

    async def count() -> int:
        async with runtime.db.session() as session:
            return await session.scalar(
                select(func.count())
                .select_from(Candidate)
                .where(Candidate.product_id == uuid.UUID(product["id"]))
            )

    def upload(data: bytes, name="list.csv", pid=None):
        return client.post(
            "/api/declarations/candidate-lists",
            headers=agency.headers,
            data={"product_id": pid or product["id"]},
            files={"file": (name, data)},
        )

    header = "企业名称,统一社会信用代码,企业标准号,企业标准名称,联系电话\n"
    mixed = header + f"好公司,{code},Q/GO 1-2022,羽绒服,13912345678\n坏公司,123,Q/BAD,羽绒服,999\n"
    r = await upload(mixed.encode())
    assert r.status_code == 422 and error(r) == "candidate_list_invalid"
    problems = r.json()["error"]["details"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (3, "统一社会信用代码"),
        (3, "企业标准号"),
        (3, "联系电话"),
    }
    assert await count() == 0
    for data, name in [
        (b"PK\x03\x04garbage", "x.xlsx"),
        (b"\x00\x00\x00", "x.bin"),
        (b"[{]", "x.json"),
        (b"", "x.csv"),
        (header.encode(), "x.csv"),
    ]:
        r = await upload(data, name)
        assert 400 <= r.status_code < 500, (name, r.text)
        error(r)
    assert await count() == 0
    r = await upload(
        (header + f"好公司,{code},Q/GO 1-2022,羽绒服,13912345678\n").encode(), pid=other_product["id"]
    )
    assert r.status_code == 404 and error(r) == "product_not_found"
    # the template downloads for its own product only, and imports back
    r = await client.get(
        f"/api/declarations/candidate-lists/template?product_id={product['id']}", headers=agency.headers
    )
    assert r.status_code == 200 and r.content.startswith(b"PK")
    r2 = await client.get(
        f"/api/declarations/candidate-lists/template?product_id={other_product['id']}", headers=agency.headers
    )
    assert r2.status_code == 404
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(r.content))
    book.worksheets[0].append(["好公司", code, "Q/GO 1-2022", "羽绒服", "13912345678", "93", "15"])
    out = io.BytesIO()
    book.save(out)
    r = await upload(out.getvalue(), "名单.xlsx")
    assert r.status_code == 201 and r.json()["created"] == 1, r.text
    # importing the same list again changes nothing; a new phone is an update
    assert (await upload(out.getvalue(), "名单.xlsx")).json() == {
        "rows": 1,
        "created": 0,
        "updated": 0,
        "unchanged": 1,
    }
    assert await count() == 1
    rows = (await client.get("/api/declarations/candidate-lists", headers=agency.headers)).json()["items"]
    r = await client.patch(
        f"/api/declarations/candidate-lists/candidates/{rows[0]['id']}",
        headers=agency.headers,
        json={"contact_phone": "123"},
    )
    assert r.status_code == 422 and error(r) == "invalid_phone"
    stranger = h.Org(make_token, "agency", "别家机构")
    r = await client.patch(
        f"/api/declarations/candidate-lists/candidates/{rows[0]['id']}",
        headers=stranger.headers,
        json={"contact_phone": "13900000000"},
    )
    assert r.status_code == 404


async def test_list_filters_columns_and_stable_pages(client, open_product, make_token, h, monkeypatch):
    product, agency = await open_product()
    a = h.Org(make_token, "enterprise", "己公司")
    ids = [await _draft(client, product, a, f"Q/FL {n}-2022") for n in range(1, 6)]
    page1 = (await client.get("/api/declarations?page_size=2", headers=a.headers)).json()
    page2 = (await client.get("/api/declarations?page_size=2&page=2", headers=a.headers)).json()
    page3 = (await client.get("/api/declarations?page_size=2&page=3", headers=a.headers)).json()
    seen = [r["id"] for p in (page1, page2, page3) for r in p["items"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 5 and page1["total"] == 5
    assert [r["seq"] for r in page2["items"]] == [3, 4]
    row = page1["items"][0]
    for column in ("field", "standard_no", "standard_name", "completion", "created_at", "list_status_label",
                   "evidence_status_label", "actions"):  # fmt: skip
        assert column in row
    found = (await client.get("/api/declarations?standard_no=fl 3", headers=a.headers)).json()["items"]
    assert [r["standard_no"] for r in found] == ["Q/FL 3-2022"]
    assert (await client.get("/api/declarations?year=2026&field=纺织服装", headers=a.headers)).json()[
        "total"
    ] == 5
    assert (await client.get("/api/declarations?year=2025", headers=a.headers)).json()["total"] == 0
    assert (await client.get("/api/declarations?list_status=企业未提交", headers=a.headers)).json()[
        "total"
    ] == 5
    assert (await client.get("/api/declarations?evidence_status=pending", headers=a.headers)).json()[
        "total"
    ] == 0
    by_name = (await client.get("/api/declarations?enterprise_name=己公", headers=a.headers)).json()
    assert by_name["total"] == 5
    assert (await client.get("/api/declarations?enterprise_name=%25", headers=a.headers)).json()["total"] == 0
    # unsubmitted self-declared drafts are the enterprise's own: the agency sees them only once submitted
    assert (await client.get("/api/declarations?enterprise_name=己公", headers=agency.headers)).json()[
        "total"
    ] == 0
    assert (await client.get(f"/api/declarations/{ids[1]}", headers=agency.headers)).status_code == 404
    assert page1["total_exact"] is True
    beyond = (await client.get("/api/declarations?page_size=2&page=9", headers=a.headers)).json()
    assert (beyond["items"], beyond["total"]) == ([], 5)
    # past the cap the total says "at least": the page itself is still exact
    from declaration.service import queries as service

    monkeypatch.setattr(service, "COUNT_CAP", 3)
    capped = (await client.get("/api/declarations?page_size=2&page=3", headers=a.headers)).json()
    assert (capped["total"], capped["total_exact"], len(capped["items"])) == (3, False, 1)
    monkeypatch.undo()
    # a draft is deletable by its owner only while never submitted
    assert (await client.delete(f"/api/declarations/{ids[0]}", headers=a.headers)).status_code == 204
    assert (await client.get(f"/api/declarations/{ids[0]}", headers=a.headers)).status_code == 404


async def test_full_width_terms_find_the_list_and_wildcards_are_literal(client, open_product, make_token, h):
    """A term typed in full-width letters and digits (输入法全角) finds what is stored half-width; a stored
    full-width text is still found as typed; LIKE's wildcards match only themselves."""
    product, _agency = await open_product()
    a = h.Org(make_token, "enterprise", "全角实业（北京）有限公司")
    await _draft(client, product, a, "Q/QJ 7-2022")
    await _draft(client, product, a, "Q/XY 8-2022")

    async def total(query: dict[str, str]) -> int:
        r = await client.get("/api/declarations", params=query, headers=a.headers)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert [await total({"standard_no": q}) for q in ("ＱＪ", "ｑｊ　７", "Ｑ／ＸＹ", "７－２０２２", "ＺＺ")] == [
        1, 1, 1, 1, 0,
    ]  # fmt: skip
    assert [await total({"enterprise_name": q}) for q in ("（北京）", "全角实业", "ＸＹ")] == [2, 2, 0]
    assert [await total({"standard_no": q}) for q in ("%", "_", "Q%J", "\\")] == [0, 0, 0, 0]


async def test_contains_filters_of_any_length_and_kept_large_totals(
    client, runtime, open_product, make_token, h, monkeypatch
):
    from declaration.domain import search
    from declaration.service import queries as service
    from sqlalchemy import text

    # the grams the query asks for are the grams the database keeps
    async with runtime.db.session() as session:
        for value in ("Q/TZ 001-2019", "武汉安泰美达纺织有限公司", "Q/ab-9 x", ""):
            kept = await session.scalar(text("SELECT lp_search_grams('s:', :v)"), {"v": value})
            assert sorted(kept) == search.grams("s:", value)
    product, _agency = await open_product()
    a = h.Org(make_token, "enterprise", "庚辛实业有限公司")
    await _draft(client, product, a, "Q/AB 1-2022")
    await _draft(client, product, a, "Q/XY 2-2022")

    async def total(query: str) -> int:
        r = await client.get(f"/api/declarations?{query}", headers=a.headers)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    # one and two characters (no trigram), case-folded, with spaces and punctuation, and misses
    assert [await total(f"standard_no={q}") for q in ("A", "ab", "b 1", "Y", "Q", "/", "2-2", "ZZ", "BA")] == [
        1, 1, 1, 1, 2, 2, 1, 0, 0,
    ]  # fmt: skip
    assert [await total(f"enterprise_name={q}") for q in ("庚", "辛实", "实业有限", "业庚", "É")] == [
        2,
        2,
        2,
        0,
        0,
    ]
    # a total of LARGE_COUNT or more is kept for a few seconds per audience and filter set; smaller ones
    # are always counted afresh
    monkeypatch.setattr(service, "LARGE_COUNT", 3)
    assert await total("standard_no=Q") == 2
    await _draft(client, product, a, "Q/CD 3-2022")
    assert await total("standard_no=Q") == 3  # below the threshold until now: exact at once
    await _draft(client, product, a, "Q/EF 4-2022")
    assert await total("standard_no=Q") == 3  # kept
    assert await total("standard_no=q") == 3  # the same filter set, however it is typed
    assert await total("standard_no=Q&year=2026") == 4  # another filter set is counted
    other = h.Org(make_token, "enterprise", "庚辛实业有限公司")
    assert (
        await total("standard_no=Q") == 3
        and (await client.get("/api/declarations?standard_no=Q", headers=other.headers)).json()["total"] == 0
    )  # another audience never sees this one's total
    service._LARGE_COUNTS.clear()  # what LARGE_COUNT_SECONDS does
    assert await total("standard_no=Q") == 4


async def test_concurrent_reviews_move_once(client, runtime, open_product, make_token, h):
    """Two reviewers clicking at once: the row lock serialises them, the second is refused, and exactly one
    move (one audit row, one event) exists — so exactly one notification can follow."""
    import asyncio

    from kit.bus import outbox

    product, agency = await open_product()
    a = h.Org(make_token, "enterprise", "庚公司")
    did = await _draft(client, product, a, "Q/GG 9-2023")
    await client.post(f"/api/declarations/{did}/benchmark", headers=a.headers, json={"values": GOOD})
    await client.put(
        f"/api/declarations/{did}/products", headers=a.headers, json={"models": [{"name": "x", "spec": "y"}]}
    )
    await client.post(
        f"/api/declarations/{did}/evidence", headers=a.headers, files={"file": ("r.pdf", h.pdf_bytes())}
    )
    submits = await asyncio.gather(
        *[client.post(f"/api/declarations/{did}/submit", headers=a.headers) for _ in range(3)]
    )
    assert sorted(r.status_code for r in submits) == [200, 409, 409]
    reviews = await asyncio.gather(
        client.post(f"/api/declarations/{did}/agency-review", headers=agency.headers, json={"decision": "pass"}),
        client.post(f"/api/declarations/{did}/agency-review", headers=agency.headers,
                    json={"decision": "fail", "opinion": "同时点了不通过"}),
    )  # fmt: skip
    assert sorted(r.status_code for r in reviews) == [200, 409]
    async with runtime.db.session() as session:
        bodies = (await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == "declaration.status_changed.v1")
        )).scalars().all()  # fmt: skip
    mine = [b for b in bodies if b["payload"]["declaration_id"] == did]
    actions = sorted(b["payload"]["action"] for b in mine)
    assert actions in (["pass", "submit"], ["fail", "submit"])  # one submit and the one review that won
    assert len(mine) == 2
    trail = (await client.get(f"/api/declarations/{did}/reviews", headers=a.headers)).json()["items"]
    assert len(trail) == 2


async def test_public_objections_are_rate_limited_per_address(client, settings):
    notice = uuid.uuid4()
    body = {"name": "路人", "phone": "13600000000", "reason": "只是反复提交的异议"}
    headers = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250}"}
    answers = [
        (
            await client.post(
                f"/api/declarations/public/notices/{notice}/objections", json=body, headers=headers
            )
        ).status_code
        for _ in range(settings.objection_limit_per_hour + 1)
    ]
    assert answers[:-1] == [404] * settings.objection_limit_per_hour and answers[-1] == 429
    r = await client.post(
        f"/api/declarations/public/notices/{notice}/objections", json={**body, "phone": "123"}
    )
    assert r.status_code == 422
