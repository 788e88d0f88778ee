"""The dashboard's and the public statistics' read models: built from events (a repeat changes nothing, any
order gives the same rows), answered to the working group only, rebuilt from the workflow tables."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from declaration.stats.models import StatsCertificate, StatsMove, StatsNotice, StatsObjection
from declaration.stats.rebuild import rebuild
from kit.bus import Consumer, Envelope
from kit.testing.fixtures import wait_until
from sqlalchemy import select

Org = credit_code = submit_declaration = None


@pytest.fixture(autouse=True)
def _helpers(kit_helpers):
    global Org, credit_code, submit_declaration
    Org, credit_code, submit_declaration = (
        kit_helpers.Org,
        kit_helpers.credit_code,
        kit_helpers.submit_declaration,
    )


def envelope(event_type: str, payload: dict, *, occurred_at: datetime | None = None) -> Envelope:
    extra = {"occurred_at": occurred_at} if occurred_at else {}
    return Envelope(type=event_type, producer="test", payload=payload, **extra)


def move(did, pid, agency, action, role, frm, to, at) -> dict:
    return {
        "declaration_id": str(did), "org_id": str(uuid.uuid4()), "product_id": str(pid), "product_name": "羽绒服",
        "agency_org_id": str(agency), "standard_no": "Q/ST 1-2024", "standard_name": "羽绒服", "action": action,
        "list_status": {"from": frm, "to": to}, "list_status_label": "", "evidence_status": {"from": None, "to": "pending"},
        "evidence_status_label": "", "actor_role": role, "review_id": str(uuid.uuid4()), "at": at.isoformat(),
    }  # fmt: skip


async def test_events_in_any_order_and_repeated_build_the_same_rows(runtime, settings):
    consumer = Consumer(name="declaration", db=runtime.db, settings=settings,
                        handlers=__import__("declaration.consumers").consumers.make_handlers(runtime.sealer))  # fmt: skip
    did, pid, agency = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    t0 = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    moves = [
        envelope("declaration.status_changed", move(did, pid, agency, "submit", "enterprise", "draft", "with_agency", t0)),
        envelope("declaration.status_changed",
                 move(did, pid, agency, "pass", "agency", "with_agency", "group_review", t0 + timedelta(hours=30))),
    ]  # fmt: skip
    # the agency's decision arrives before the submission, then both again
    for e in (moves[1], moves[0], moves[1], moves[0]):
        await consumer.handle(e)
    notice = {"notice_id": str(uuid.uuid4()), "year": 2026, "product_id": str(pid), "declaration_ids": [str(did)],
              "starts_at": t0.isoformat(), "ends_at": (t0 + timedelta(days=14)).isoformat()}  # fmt: skip
    await consumer.handle(envelope("notice.closed", {**notice, "held_declaration_ids": []}))
    await consumer.handle(envelope("notice.opened", notice))  # late: the notice stays closed
    objection = {
        "objection_id": str(uuid.uuid4()),
        "notice_id": notice["notice_id"],
        "declaration_id": str(did),
    }
    await consumer.handle(envelope("objection.resolved", {**objection, "status": "dismissed",
                                                          "resolved_at": t0.isoformat()}))  # fmt: skip
    await consumer.handle(envelope("objection.raised", {**objection, "product_id": str(pid), "year": 2026,
                                                        "raised_at": t0.isoformat()}))  # fmt: skip
    cert = {
        "certificate_id": str(uuid.uuid4()),
        "number": "LP-1",
        "declaration_id": str(did),
        "org_id": str(uuid.uuid4()),
    }
    await consumer.handle(envelope("certificate.revoked", {**cert, "model_ids": [], "reason": "违规"}))
    await consumer.handle(envelope("certificate.expired", {**cert, "model_ids": [], "reason": "expired"}))
    await consumer.handle(envelope("certificate.issued", {
        **cert, "verify_code": "x", "enterprise_name": "某企业", "standard_no": "Q/ST 1-2024", "standard_name": "羽绒服",
        "year": 2026, "issued_on": "2026-05-20", "valid_until": "2029-05-19"}))  # fmt: skip
    async with runtime.db.session() as session:
        rows = (await session.scalars(select(StatsMove).where(StatsMove.declaration_id == did))).all()
        assert sorted(r.list_to for r in rows) == ["group_review", "with_agency"]
        n = await session.get(StatsNotice, uuid.UUID(notice["notice_id"]))
        assert n.closed is True and n.declaration_ids == [did]
        o = await session.get(StatsObjection, uuid.UUID(objection["objection_id"]))
        assert (o.status, o.year, o.raised_at is not None) == ("dismissed", 2026, True)
        c = await session.get(StatsCertificate, uuid.UUID(cert["certificate_id"]))
        assert (c.status, c.valid_until) == ("revoked", date(2029, 5, 19))


async def _dashboard(client, headers, **params) -> dict:
    r = await client.get("/api/declarations/dashboard", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _agency_row(rows: list[dict], agency) -> dict:
    return next(r for r in rows if r["agency_org_id"] == str(agency.id))


async def test_dashboard_follows_the_workflow(client, runtime, open_product, working_group, make_token, clock,
                                              publish):  # fmt: skip
    product, agency = await open_product()
    before = await _dashboard(client, working_group.headers, year=2026, field="纺织服装")
    enterprises = [Org(make_token, "enterprise", f"统计企业{i}") for i in range(3)]
    ids = [await submit_declaration(client, product, e, code=f"ST{i}") for i, e in enumerate(enterprises)]
    await clock.advance(timedelta(hours=10))
    for did, decision in zip(ids, ("pass", "pass", "fail"), strict=True):
        r = await client.post(f"/api/declarations/{did}/agency-review", headers=agency.headers,
                              json={"decision": decision, "opinion": "意见"})  # fmt: skip
        assert r.status_code == 200, r.text
    await clock.advance(timedelta(hours=10))
    r = await client.post(f"/api/declarations/{ids[0]}/group-review", headers=working_group.headers,
                          json={"decision": "pass"})  # fmt: skip
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/declarations/{ids[1]}/group-review", headers=working_group.headers,
                          json={"decision": "fail", "opinion": "请评估机构复核"})  # fmt: skip
    assert r.status_code == 200, r.text
    notice_id = (await client.get(f"/api/declarations/{ids[0]}", headers=enterprises[0].headers)).json()[
        "notice"
    ]["notice_id"]
    raised = []
    for reason in ("检测报告日期有误", "企业名称与营业执照不一致"):
        r = await client.post(f"/api/declarations/public/notices/{notice_id}/objections",
                              json={"name": "张三", "phone": "13900001111", "reason": reason})  # fmt: skip
        assert r.status_code == 201, r.text
        raised.append(r.json()["id"])
    r = await client.post(f"/api/declarations/objections/{raised[1]}/resolution", headers=working_group.headers,
                          json={"uphold": False, "opinion": "经核实，名称一致"})  # fmt: skip
    assert r.status_code == 200, r.text
    cert_id = uuid.uuid4()
    valid_until = (clock.at + timedelta(days=40)).date()
    await publish("certificate.issued", {
        "certificate_id": str(cert_id), "number": "LP-ST-1", "verify_code": "v", "declaration_id": ids[0],
        "org_id": str(enterprises[0].id), "enterprise_name": "统计企业0", "standard_no": "Q/ST0", "standard_name": "羽绒服",
        "year": 2026, "issued_on": clock.at.date().isoformat(), "valid_until": valid_until.isoformat()})  # fmt: skip

    async def arrived():
        d = await _dashboard(client, working_group.headers, year=2026, field="纺织服装")
        rates = [r for r in d["pass_rates"] if r["agency_org_id"] == str(agency.id)]
        done = (
            rates
            and rates[0]["group_decided"] == 2
            and d["objections"]["closed"] > before["objections"]["closed"]
        )
        return d if done and d["certificates"]["total"] > before["certificates"]["total"] else None

    d = await wait_until(arrived, timeout=20)
    rate = _agency_row(d["pass_rates"], agency)
    assert (rate["agency_passed"], rate["agency_decided"], rate["group_passed"], rate["group_decided"]) == (
        2,
        3,
        1,
        2,
    )
    assert rate["agency_rate"] == pytest.approx(2 / 3) and rate["group_rate"] == 0.5
    times = _agency_row(d["review_times"]["rows"], agency)
    # every decision came 10 hours after the submission (one FixedClock), the returned one is back on the desk
    assert (times["reviews"], times["p50_hours"], times["p90_hours"], times["overdue"]) == (3, 10.0, 10.0, 0)
    total, was = d["funnel"]["total"], before["funnel"]["total"]
    assert [total[k] - was[k] for k in ("submitted", "agency_passed", "group_passed", "published")] == [
        3,
        2,
        1,
        0,
    ]
    assert {s["label"] for s in d["funnel"]["stages"]} >= {"已提交", "已发布"}
    current = {c["list_status"]: c["count"] for c in d["funnel"]["current"]}
    was_current = {c["list_status"]: c["count"] for c in before["funnel"]["current"]}
    assert current["in_notice"] - was_current["in_notice"] == 1
    assert current["agency_rejected"] - was_current["agency_rejected"] == 1
    mine = next(e for e in d["objections"]["by_notice"] if e["notice_id"] == notice_id)
    assert (mine["open"], mine["upheld"], mine["dismissed"], mine["product_name"]) == (1, 0, 1, "羽绒服")
    assert (d["objections"]["open"], d["objections"]["closed"]) == (
        before["objections"]["open"] + 1,
        before["objections"]["closed"] + 1,
    )
    assert d["certificates"]["total"] - before["certificates"]["total"] == 1
    assert sum(m["count"] for m in d["certificates"]["months"]) == d["certificates"]["total"]
    # the notice ends 14 days on: in the week holding that day, not this one (unless this one is it)
    week = await _dashboard(client, working_group.headers, year=2026)
    assert notice_id not in [i["notice_id"] for i in week["notices"]["items"]]
    await clock.advance(timedelta(days=13, hours=23))
    week = await _dashboard(client, working_group.headers, year=2026)
    assert notice_id in [i["notice_id"] for i in week["notices"]["items"]]

    # after the overdue threshold the returned declaration (工作组退回, on the agency's desk again) is late
    await clock.advance(timedelta(days=31))
    late = await _dashboard(client, working_group.headers, year=2026, field="纺织服装")
    assert ids[1] in [i["declaration_id"] for i in late["review_times"]["overdue_items"]]
    assert _agency_row(late["review_times"]["rows"], agency)["overdue"] == 1

    # the CSV of a panel carries the same numbers
    r = await client.get("/api/declarations/dashboard/pass_rates.csv", headers=working_group.headers,
                         params={"year": 2026, "field": "纺织服装"})  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("评估机构,机构审核通过,机构审核决定,机构审核通过率")
    assert f"{agency.name},2,3,66.7%,1,2,50.0%" in text

    # rebuilt from the workflow tables, the numbers stay (certificates come from their events and are kept)
    async with runtime.db.transaction() as session:
        written = await rebuild(session)
    assert written["stats_moves"] >= 8 and written["stats_objections"] >= 1
    again = await _dashboard(client, working_group.headers, year=2026, field="纺织服装")
    for panel in ("funnel", "pass_rates", "review_times", "objections", "certificates"):
        assert again[panel] == late[panel], panel


async def test_public_statistics_by_field_year_and_province(client, runtime, open_product, working_group,
                                                             make_token, clock, publish):  # fmt: skip
    product, agency = await open_product()
    enterprise = Org(make_token, "enterprise", "统计省份企业")
    code = credit_code()
    await publish("enterprise.registered", {
        "org_id": str(enterprise.id), "name": enterprise.name, "credit_code": code, "contact_name": "张三",
        "phone_masked": "138****0000", "phone_sealed": runtime.sealer.seal("13800000000")})  # fmt: skip
    before = (await client.get("/api/declarations/public/statistics", params={"year": 2026})).json()
    did = await submit_declaration(client, product, enterprise, code="PV")
    assert (await client.post(f"/api/declarations/{did}/agency-review", headers=agency.headers,
                              json={"decision": "pass"})).status_code == 200  # fmt: skip
    assert (await client.post(f"/api/declarations/{did}/group-review", headers=working_group.headers,
                              json={"decision": "pass"})).status_code == 200  # fmt: skip
    await clock.advance(timedelta(days=14, seconds=1))

    async def counted():
        r = await client.get("/api/declarations/public/statistics", params={"year": 2026})
        return r.json() if r.json()["total"] == before["total"] + 1 else None

    after = await wait_until(counted, timeout=20)
    field = {r["field"]: r["count"] for r in after["by_field"]}
    was = {r["field"]: r["count"] for r in before["by_field"]}
    assert field["纺织服装"] - was.get("纺织服装", 0) == 1
    assert sum(r["count"] for r in after["by_province"]) == after["total"]
    published = (await client.get("/api/declarations/public/forerunners",
                                  params={"year": 2026, "page_size": 1})).json()  # fmt: skip
    assert published["total"] == after["total"]
    # the enterprise's 行政区划 wins over its credit code's division
    await publish("enterprise.updated", {"org_id": str(enterprise.id), "name": enterprise.name, "credit_code": code,
                                         "region_code": "650102"})  # fmt: skip

    async def xinjiang():
        r = await client.get("/api/declarations/public/statistics", params={"year": 2026})
        return any(p["province"] == "新疆维吾尔自治区" for p in r.json()["by_province"])

    await wait_until(xinjiang, timeout=20)
    r = await client.get("/api/declarations/public/statistics.csv", params={"by": "province", "year": 2026})
    assert r.status_code == 200 and "新疆维吾尔自治区,1" in r.content.decode("utf-8-sig")


async def test_dashboard_is_the_working_groups_and_filters_are_checked(client, make_token):
    for org_type in ("enterprise", "agency", "operator"):
        h = Org(make_token, org_type, f"某{org_type}").headers
        r = await client.get("/api/declarations/dashboard", headers=h)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (org_type, r.text)
        r = await client.get("/api/declarations/dashboard/funnel.csv", headers=h)
        assert r.status_code == 403
    assert (await client.get("/api/declarations/dashboard")).status_code == 401
    group = Org(make_token, "working_group", "工作组").headers
    for params in ({"year": 1800}, {"year": "二〇二六"}, {"field": "x" * 101}):
        r = await client.get("/api/declarations/dashboard", headers=group, params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["message"], r.text
    r = await client.get("/api/declarations/dashboard/nonsense.csv", headers=group)
    assert r.status_code == 422, r.text
    r = await client.get("/api/declarations/public/statistics.csv", params={"by": "city"})
    assert r.status_code == 422, r.text
