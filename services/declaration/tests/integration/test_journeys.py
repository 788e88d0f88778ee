"""The journeys of issue #4 at service level: an agency's candidate list through authentication,
evidence, both reviews, the public notice and publication; a self-declaration that fails the
comparison, is corrected, returned 不完整, resubmitted and published; objections holding publication."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from declaration.models import Notice, Review
from kit.bus import outbox
from kit.testing.fixtures import wait_until
from sqlalchemy import select

GOOD_VALUES = {"down_content": "92.5", "formaldehyde": 18}
Org = credit_code = pdf_bytes = png_bytes = submit_declaration = None


@pytest.fixture(autouse=True)
def _helpers(kit_helpers):
    global Org, credit_code, pdf_bytes, png_bytes, submit_declaration
    Org, credit_code = kit_helpers.Org, kit_helpers.credit_code
    pdf_bytes, png_bytes = kit_helpers.pdf_bytes, kit_helpers.png_bytes
    submit_declaration = kit_helpers.submit_declaration


async def events(runtime, event_type: str) -> list[dict]:
    async with runtime.db.session() as session:
        rows = (
            await session.execute(select(outbox.c.body).where(outbox.c.routing_key == f"{event_type}.v1"))
        ).all()
    return [r.body["payload"] for r in rows]


async def authenticate(publish, runtime, enterprise: Org, code: str) -> None:
    """What auth announces when the enterprise registers and proves a listed phone."""
    await publish("enterprise.registered", {
        "org_id": str(enterprise.id), "name": enterprise.name, "credit_code": code, "contact_name": "张三",
        "phone_masked": "138****0000", "phone_sealed": runtime.sealer.seal("13800000000"),
    })  # fmt: skip
    await publish("identity.forerunner_verified", {
        "org_id": str(enterprise.id), "account_id": str(uuid.uuid4()), "credit_code": code,
    })  # fmt: skip


async def test_candidate_list_to_published_forerunner(client, runtime, open_product, publish, working_group,
                                                      make_token, clock):  # fmt: skip
    product, agency = await open_product()
    code = credit_code()
    csv = (
        "企业名称,统一社会信用代码,企业标准号,企业标准名称,联系电话,含绒量(down_content)\n"
        f"江苏某羽绒制品有限公司,{code},Q/MP 102-2021,羽绒服,13912345678,93\n"
    ).encode()
    r = await client.post("/api/declarations/candidate-lists", data={"product_id": product["id"]},
                          files={"file": ("名单.csv", csv, "text/csv")}, headers=agency.headers)  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0}
    listed = await events(runtime, "candidate.listed")
    mine = [e for e in listed if e["credit_code"] == code]
    assert len(mine) == 1 and mine[0]["phone_masked"] == "139****5678"
    assert (
        "13912345678" not in str(mine[0]) and runtime.sealer.unseal(mine[0]["phone_sealed"]) == "13912345678"
    )

    # the agency corrects the phone: same phone_ref, new sealed phone
    rows = (await client.get("/api/declarations/candidate-lists", headers=agency.headers)).json()["items"]
    candidate = next(c for c in rows if c["credit_code"] == code)
    assert candidate["list_status_label"] == "企业未认证"
    r = await client.patch(f"/api/declarations/candidate-lists/candidates/{candidate['id']}",
                           json={"contact_phone": "13700001111"}, headers=agency.headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["contact_phone_masked"] == "137****1111"
    changed = [e for e in await events(runtime, "candidate.phone_changed") if e["credit_code"] == code]
    assert len(changed) == 1 and changed[0]["phone_ref"] == mine[0]["phone_ref"]

    enterprise = Org(make_token, "enterprise", "江苏某羽绒制品有限公司", forerunner_verified=True)
    await authenticate(publish, runtime, enterprise, code)

    async def listed_declaration():
        r = await client.get("/api/declarations", headers=enterprise.headers)
        return r.json()["items"] if r.json()["total"] else None

    rows = await wait_until(listed_declaration, timeout=20)
    d = rows[0]
    upload_page = await client.get("/api/declarations?origin=candidate", headers=enterprise.headers)
    assert [r["id"] for r in upload_page.json()["items"]] == [d["id"]]
    assert (await client.get("/api/declarations?origin=self", headers=enterprise.headers)).json()[
        "total"
    ] == 0
    assert (d["list_status_label"], d["evidence_status_label"], d["origin"]) == (
        "企业未提交",
        "未上传",
        "candidate",
    )
    assert d["standard_no"] == "Q/MP 102-2021"

    # uploading evidence hands it to the agency (评估机构未提交 / 待审核)
    r = await client.post(f"/api/declarations/{d['id']}/evidence", files={"file": ("检测报告.pdf", pdf_bytes())},
                          headers=enterprise.headers)  # fmt: skip
    assert r.status_code == 201, r.text
    assert (r.json()["list_status"], r.json()["evidence_status"]) == ("with_agency", "pending")
    link = r.json()["download_url"]
    listed = (await client.get(f"/api/declarations/{d['id']}/evidence", headers=enterprise.headers)).json()
    assert [f["id"] for f in listed["items"]] == [r.json()["id"]] and listed["total"] == 1
    downloaded = await client.get(link)
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF-")

    r = await client.post(f"/api/declarations/{d['id']}/agency-review", json={"decision": "pass"},
                          headers=agency.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["list_status_label"], r.json()["evidence_status_label"]) == ("工作组审核中", "通过")
    r = await client.post(f"/api/declarations/{d['id']}/group-review", json={"decision": "pass"},
                          headers=working_group.headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["list_status_label"] == "公示中"

    notices = (await client.get("/api/declarations/public/notices?page_size=100")).json()["items"]
    assert any(n["declaration_id"] == d["id"] for n in notices)

    await clock.advance(timedelta(days=14, seconds=1))

    async def published():
        r = await client.get(f"/api/declarations/{d['id']}", headers=enterprise.headers)
        return r.json()["list_status"] == "published"

    await wait_until(published, timeout=10)
    board_page = (await client.get("/api/declarations/public/forerunners?year=2026&page_size=100")).json()
    board = board_page["items"]
    # the years that have a published list, newest first, whatever year is asked for
    assert 2026 in board_page["years"] and board_page["years"] == sorted(
        set(board_page["years"]), reverse=True
    )
    assert (await client.get("/api/declarations/public/forerunners?year=1999")).json()["years"] == board_page[
        "years"
    ]
    assert any(
        row["declaration_id"] == d["id"] and row["enterprise_name"] == "江苏某羽绒制品有限公司"
        for row in board
    )
    assert (
        len([e for e in await events(runtime, "declaration.published") if e["declaration_id"] == d["id"]])
        == 1
    )
    trail = (await client.get(f"/api/declarations/{d['id']}/reviews", headers=enterprise.headers)).json()[
        "items"
    ]
    assert [(t["actor_role"], t["list_to_label"]) for t in trail] == [
        ("enterprise", "评估机构未提交"),
        ("agency", "工作组审核中"),
        ("working_group", "公示中"),
        ("system", "已发布"),
    ]
    moves = [e for e in await events(runtime, "declaration.status_changed") if e["declaration_id"] == d["id"]]
    assert len(moves) == 4
    later = (
        await client.get(
            f"/api/declarations/{d['id']}/reviews",
            headers=enterprise.headers,
            params={"page": 2, "page_size": 3},
        )
    ).json()
    assert (later["total"], later["page"], later["page_size"]) == (4, 2, 3)
    assert [t["list_to_label"] for t in later["items"]] == ["已发布"]
    async with runtime.db.session() as session:
        audit = (
            await session.scalars(select(Review).where(Review.declaration_id == uuid.UUID(d["id"])))
        ).all()
    # people's moves carry who and from where; the poller's carries neither
    assert {(r.actor_role, r.actor_ip is not None, r.actor_org_id is not None) for r in audit} == {
        ("enterprise", True, True), ("agency", True, True), ("working_group", True, True), ("system", False, False),
    }  # fmt: skip

    # appended model after publication, with pictures
    r = await client.post(
        f"/api/declarations/{d['id']}/models",
        data={"name": "轻暖羽绒服", "spec": "XL", "intro": "90% 白鹅绒"},
        files=[("pictures", ("a.png", png_bytes())), ("pictures", ("b.png", png_bytes()))],
        headers=enterprise.headers,
    )
    assert r.status_code == 201, r.text
    appended = [
        e for e in await events(runtime, "declaration.model_appended") if e["declaration_id"] == d["id"]
    ]
    assert (
        len(appended) == 1 and len(appended[0]["picture_keys"]) == 2 and appended[0]["model"]["spec"] == "XL"
    )


async def test_self_declaration_fails_then_passes_returned_incomplete_and_published(
    client, apps, runtime, open_product, working_group, make_token, clock
):
    product, agency = await open_product()
    enterprise = Org(make_token, "enterprise", "浙江某服饰有限公司")
    h = enterprise.headers
    r = await client.post("/api/declarations", headers=h, json={
        "product_id": product["id"], "standard_no": "Ｑ／zj 001－2023", "standard_name": "羽绒服装"})  # fmt: skip
    assert r.status_code == 201, r.text
    d = r.json()
    assert (
        d["standard_no"] == "Q/ZJ 001-2023"
        and d["completion"] == "0/3"
        and d["actions"] == ["edit", "delete"]
    )

    # fails the comparison: stored, with a reason per indicator, and the wizard cannot go on
    r = await client.post(f"/api/declarations/{d['id']}/benchmark", headers=h,
                          json={"values": {**GOOD_VALUES, "formaldehyde": "25"}})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "failed" and r.json()["may_continue"] is False
    failing = [i for i in r.json()["result"]["indicators"] if not i["passed"]]
    assert [i["code"] for i in failing] == ["formaldehyde"]
    # the stored answer is the benchmark service's answer, field for field; the values as they were sent
    direct = await apps["bench"].post("/api/benchmark/compare/forerunner", headers=h,
                                      json={"product_id": product["id"], "values": {**GOOD_VALUES, "formaldehyde": "25"}})  # fmt: skip
    assert direct.status_code == 200 and r.json()["result"] == direct.json()
    detail = (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()
    assert detail["comparison"] == direct.json()
    assert detail["public_values"] == {"down_content": "92.5", "formaldehyde": "25"}
    assert {type(v) for v in detail["comparison"]["indicators"][0].values()} <= {str, bool, int, type(None)}
    r = await client.put(f"/api/declarations/{d['id']}/products", headers=h,
                         json={"models": [{"name": "羽绒服", "spec": "M"}]})  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "comparison_required"
    r = await client.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 409

    r = await client.post(f"/api/declarations/{d['id']}/benchmark", headers=h, json={"values": GOOD_VALUES})
    assert (
        r.json()["verdict"] == "passed" and r.json()["plan_version"] == 1 and r.json()["completion"] == "1/3"
    )
    r = await client.put(f"/api/declarations/{d['id']}/products", headers=h,
                         json={"models": [{"name": "羽绒服", "spec": "M"}, {"name": "羽绒服", "spec": "L"}]})  # fmt: skip
    assert r.status_code == 200 and r.json()["completion"] == "2/3"
    r = await client.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "declaration_incomplete"
    r = await client.post(
        f"/api/declarations/{d['id']}/evidence", headers=h, files={"file": ("x.png", png_bytes())}
    )
    assert r.status_code == 201 and r.json()["completion"] == "3/3" and r.json()["list_status"] == "draft"
    # uploaded but not yet submitted: the status says so instead of 未上传 beside a 3/3 completion
    row = next(
        i for i in (await client.get("/api/declarations", headers=h)).json()["items"] if i["id"] == d["id"]
    )
    assert (row["completion"], row["evidence_status"], row["evidence_status_label"]) == (
        "3/3",
        "none",
        "已上传，待提交",
    )
    assert (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()[
        "evidence_status_label"
    ] == "已上传，待提交"
    r = await client.post(f"/api/declarations/{d['id']}/submit", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["enterprise_snapshot"]["name"] == "浙江某服饰有限公司"
    assert (r.json()["list_status_label"], r.json()["evidence_status_label"]) == ("评估机构未提交", "待审核")

    # the agency says 不完整 (an opinion is required), the enterprise adds a file and resubmits
    r = await client.post(f"/api/declarations/{d['id']}/agency-review", json={"decision": "incomplete"},
                          headers=agency.headers)  # fmt: skip
    assert r.status_code == 422 and r.json()["error"]["code"] == "opinion_required"
    r = await client.post(f"/api/declarations/{d['id']}/agency-review", headers=agency.headers,
                          json={"decision": "incomplete", "opinion": "缺少检测报告"})  # fmt: skip
    assert (r.json()["list_status_label"], r.json()["evidence_status_label"]) == ("企业未提交", "不完整")
    listed = (await client.get("/api/declarations?evidence_status=不完整", headers=h)).json()
    assert [row["id"] for row in listed["items"]] == [d["id"]]
    r = await client.post(
        f"/api/declarations/{d['id']}/evidence", headers=h, files={"file": ("报告.pdf", pdf_bytes())}
    )
    assert r.status_code == 201
    assert (await client.post(f"/api/declarations/{d['id']}/submit", headers=h)).status_code == 200
    assert (await client.post(f"/api/declarations/{d['id']}/agency-review", json={"decision": "pass"},
                              headers=agency.headers)).status_code == 200  # fmt: skip
    assert (await client.post(f"/api/declarations/{d['id']}/group-review", json={"decision": "pass"},
                              headers=working_group.headers)).status_code == 200  # fmt: skip

    # the 14-day notice is visible: start, end and days left for the enterprise, the group and the public;
    # the self-declared row names its designated agency
    shown = (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()
    notice_id = shown["notice_id"]
    assert shown["notice"]["notice_id"] == notice_id and shown["notice"]["running"] is True
    assert shown["notice"]["days_left"] == 14 and shown["notice"]["objections"] == 0
    assert shown["notice"]["held"] is False and shown["notice"]["state_label"] == "公示中"
    row = next(
        i for i in (await client.get("/api/declarations", headers=h)).json()["items"] if i["id"] == d["id"]
    )
    assert row["notice"]["days_left"] == 14 and row["notice"]["ends_at"] == shown["notice"]["ends_at"]
    group_row = next(
        i
        for i in (await client.get("/api/declarations?page_size=100", headers=working_group.headers)).json()[
            "items"
        ]
        if i["id"] == d["id"]
    )
    assert group_row["agency_name"] and group_row["agency_name"] == shown["agency_name"]
    public = (await client.get("/api/declarations/public/notices?page_size=100")).json()["items"]
    assert next(n for n in public if n["declaration_id"] == d["id"])["days_left"] == 14

    # an objection during the notice holds publication until the working group resolves it
    r = await client.post(f"/api/declarations/public/notices/{notice_id}/objections", json={
        "declaration_id": d["id"], "name": "李四", "phone": "13612345678", "reason": "该企业标准实际未执行"})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "open", r.text
    objection_id = r.json()["id"]
    listed = await client.get("/api/declarations/objections", params={"status": "open", "page_size": 100},
                              headers=working_group.headers)  # fmt: skip
    assert [o["status"] for o in listed.json()["items"] if o["id"] == objection_id] == ["open"]
    wrong = await client.get("/api/declarations/objections", params={"status": "closed"},
                             headers=working_group.headers)  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_filter"
    during = (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()["notice"]
    assert (during["objections"], during["open_objections"], during["held"]) == (1, 1, True)
    assert during["state_label"] == "公示中（有待处理异议）"
    # the public notice page shows the same: contested, by how many, not by whom
    public_row = next(
        n
        for n in (await client.get("/api/declarations/public/notices?page_size=100")).json()["items"]
        if n["declaration_id"] == d["id"]
    )
    assert (public_row["objections"], public_row["open_objections"], public_row["held"]) == (1, 1, True)
    assert public_row["state_label"] == "公示中（有待处理异议）"
    assert "李四" not in str(public_row) and "13612345678" not in str(public_row)
    await clock.advance(timedelta(days=15))

    async def notice_closed():
        async with runtime.db.session() as session:
            n = await session.get(Notice, uuid.UUID(notice_id))
            return n.closed_at is not None

    await wait_until(notice_closed, timeout=10)
    held = (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()
    assert held["list_status"] == "in_notice"
    r = await client.get("/api/declarations/notices?state=held&page_size=100", headers=working_group.headers)
    held_rows = [n for n in r.json()["items"] if n["declaration_id"] == d["id"]]
    assert len(held_rows) == 1 and held_rows[0]["open_objections"] == 1 and held_rows[0]["running"] is False
    assert (held_rows[0]["days_left"], held_rows[0]["objections"], held_rows[0]["held"]) == (0, 1, True)
    assert held_rows[0]["state_label"] == "异议处理中，暂缓发布"
    assert (await client.get("/api/declarations/notices", headers=h)).status_code == 403
    r = await client.post(f"/api/declarations/public/notices/{notice_id}/objections", json={
        "declaration_id": d["id"], "name": "王五", "phone": "13612345679", "reason": "公示已结束后的异议"})  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "notice_ended"
    r = await client.post(f"/api/declarations/objections/{objection_id}/resolution",
                          json={"uphold": False, "opinion": "经核实，异议不成立"}, headers=working_group.headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text
    final = (await client.get(f"/api/declarations/{d['id']}", headers=h)).json()
    assert final["list_status_label"] == "已发布"
    published = [e for e in await events(runtime, "declaration.published") if e["declaration_id"] == d["id"]]
    assert len(published) == 1 and [m["spec"] for m in published[0]["models"]] == ["M", "L"]


async def test_upheld_objection_returns_it_to_the_agency(
    client, runtime, open_product, working_group, make_token
):
    product, agency = await open_product()
    enterprise = Org(make_token, "enterprise", "安徽某服饰有限公司")
    did = await submit_declaration(client, product, enterprise, code="AH")
    await client.post(
        f"/api/declarations/{did}/agency-review", json={"decision": "pass"}, headers=agency.headers
    )
    await client.post(
        f"/api/declarations/{did}/group-review", json={"decision": "pass"}, headers=working_group.headers
    )
    notice_id = (await client.get(f"/api/declarations/{did}", headers=enterprise.headers)).json()["notice_id"]
    r = await client.post(f"/api/declarations/public/notices/{notice_id}/objections",
                          json={"name": "赵六", "phone": "13512345678", "reason": "检测数据造假"})  # fmt: skip
    assert r.status_code == 201
    r = await client.post(f"/api/declarations/objections/{r.json()['id']}/resolution",
                          json={"uphold": True, "opinion": "异议成立"}, headers=working_group.headers)  # fmt: skip
    assert r.status_code == 200
    d = (await client.get(f"/api/declarations/{did}", headers=enterprise.headers)).json()
    assert (d["list_status_label"], d["evidence_status_label"]) == ("工作组退回", "待审核")
    # back with the agency, which may review again
    r = await client.post(f"/api/declarations/{did}/agency-review", json={"decision": "fail", "opinion": "数据不实"},
                          headers=agency.headers)  # fmt: skip
    assert r.json()["list_status_label"] == "不通过"


async def test_service_products_skip_the_comparison(client, open_product, make_token):
    product, _agency = await open_product("service", name="家电维修服务")
    enterprise = Org(make_token, "enterprise", "某家电服务有限公司")
    r = await client.post("/api/declarations", headers=enterprise.headers, json={
        "product_id": product["id"], "standard_no": "Q/JD 008-2022", "standard_name": "家电维修服务规范"})  # fmt: skip
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["comparison_verdict"] == "not_required" and d["completion"] == "1/3"
    r = await client.post(
        f"/api/declarations/{d['id']}/benchmark", headers=enterprise.headers, json={"values": {"a": 1}}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "comparison_not_needed"


async def test_star_product_self_declaration(client, runtime, open_product, make_token):
    product, _agency = await open_product()
    enterprise = Org(make_token, "enterprise", "某星级羽绒有限公司")
    h = enterprise.headers
    r = await client.post("/api/declarations/star-products", headers=h,
                          json={"product_id": product["id"], "name": "轻羽羽绒服", "model": "QY-01", "star": 4})  # fmt: skip
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = await client.post(f"/api/declarations/star-products/{sid}/benchmark", headers=h,
                          json={"values": {"down_content": 85, "formaldehyde": 31}})  # fmt: skip
    assert r.status_code == 200 and r.json()["comparison_verdict"] == "failed"
    assert r.json()["comparison"]["highest_star"] == 3
    measured = r.json()["measured_values"]
    assert measured == {"down_content": 85, "formaldehyde": 31} and {type(v) for v in measured.values()} == {
        int
    }
    assert [(i["code"], i["value"], i["star_reached"]) for i in r.json()["comparison"]["indicators"]] == [
        ("down_content", "85", 4), ("formaldehyde", "31", 3),
    ]  # fmt: skip
    assert (await client.post(f"/api/declarations/star-products/{sid}/submit", headers=h)).status_code == 409
    r = await client.post(f"/api/declarations/star-products/{sid}/benchmark", headers=h,
                          json={"values": {"down_content": 85, "formaldehyde": 30}})  # fmt: skip
    assert r.json()["comparison_verdict"] == "passed"
    r = await client.post(f"/api/declarations/star-products/{sid}/submit", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "star_product_incomplete"
    assert (await client.patch(f"/api/declarations/star-products/{sid}", headers=h,
                               json={"intro": "90% 白鸭绒，轻薄保暖"})).status_code == 200  # fmt: skip
    r = await client.post(f"/api/declarations/star-products/{sid}/submit", headers=h)
    assert r.status_code == 200 and r.json()["status_label"] == "已声明"
    declared = [e for e in await events(runtime, "star_product.declared") if e["star_product_id"] == sid]
    assert len(declared) == 1 and declared[0]["star"] == 4 and declared[0]["plan_version"] == 1
    other = Org(make_token, "enterprise", "别家企业")
    assert (
        await client.get(f"/api/declarations/star-products/{sid}", headers=other.headers)
    ).status_code == 404


async def test_closed_products_refuse_declarations(client, runtime, make_token):
    from declaration.models import Product

    pid = uuid.uuid4()
    async with runtime.db.transaction() as session:
        session.add(Product(product_id=pid, code="X", name="未开放产品", field="家电", year=2026, product_type="product",
                            agency_name="", group_standard="", indicators=[]))  # fmt: skip
    enterprise = Org(make_token, "enterprise", "某企业")
    r = await client.post("/api/declarations", headers=enterprise.headers,
                          json={"product_id": str(pid), "standard_no": "Q/MP 102-2021", "standard_name": "x"})  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "product_not_open"
    assert "评估机构" in r.json()["error"]["message"]
