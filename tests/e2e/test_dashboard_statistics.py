"""The working group's dashboard (数据看板) and the public statistics (统计数据) through the gateway: several
declarations go through the workflow (published, refused by the agency, returned by the working group, in
notice with objections, waiting at the agency), then every panel's numbers are compared with what a person
counts in the platform's own lists: the declaration list and each declaration's 审核记录, the working group's
notices and objections, the certificate list, the public forerunner list."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime

from ._journeys import GOOD, open_product, published_forerunner
from .conftest import advance_clock, demo_headers, eventually, new_enterprise, pdf_bytes

STAGE_OF = {  # 审核记录 (actor_role, action) → the funnel stage it reaches
    ("enterprise", "submit"): "submitted",
    ("agency", "pass"): "agency_passed",
    ("working_group", "pass"): "group_passed",
}
DECISIONS = {"pass", "fail", "incomplete"}


async def _all(gw, path: str, headers: dict | None = None, **params) -> list[dict]:
    items, page = [], 1
    while True:
        r = await gw.get(path, headers=headers, params={**params, "page": page, "page_size": 100})
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        if page * 100 >= body["total"]:
            return items
        page += 1


async def _submitted(gw, sms, product: dict, standard_no: str) -> tuple[dict, str]:
    enterprise = await new_enterprise(gw, sms, name=f"看板测试企业{standard_no[-8:]}")
    h = enterprise["headers"]
    r = await gw.post("/api/declarations", headers=h,
                      json={"product_id": product["id"], "standard_no": standard_no, "standard_name": "家用电冰箱"})  # fmt: skip
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert (
        await gw.post(f"/api/declarations/{did}/benchmark", headers=h, json={"values": GOOD})
    ).status_code == 200
    r = await gw.put(f"/api/declarations/{did}/products", headers=h,
                     json={"models": [{"name": "家用电冰箱", "spec": "BCD-300"}]})  # fmt: skip
    assert r.status_code == 200, r.text
    r = await gw.post(f"/api/declarations/{did}/evidence", headers=h,
                      files={"file": ("检测报告.pdf", pdf_bytes("report"), "application/pdf")})  # fmt: skip
    assert r.status_code == 201, r.text
    assert (await gw.post(f"/api/declarations/{did}/submit", headers=h)).status_code == 200
    return enterprise, did


async def _review(gw, headers, did: str, stage: str, decision: str, opinion: str = "意见") -> None:
    r = await gw.post(f"/api/declarations/{did}/{stage}-review", headers=headers,
                      json={"decision": decision, "opinion": opinion})  # fmt: skip
    assert r.status_code == 200, r.text


def _in_window(value: str, first: datetime, last: datetime) -> bool:
    return first <= datetime.fromisoformat(value) < last


async def _counted_from_lists(gw, group: dict, year: int, field: str) -> dict:
    """What a person counts: the declaration list (year, field) and each row's 审核记录."""
    rows = await _all(gw, "/api/declarations", group, year=year, field=field)
    current: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    rates: dict[str, Counter[str]] = {}
    for row in rows:
        records = await _all(gw, f"/api/declarations/{row['id']}/reviews", group)
        moves = [r for r in records if r["action"] != "objection"]
        if not moves:
            continue  # listed by an agency and never submitted: no move yet
        current[row["list_status"]] += 1
        reached = {STAGE_OF.get((m["actor_role"], m["action"])) for m in moves}
        reached |= {"published"} if any(m["list_to"] == "published" for m in moves) else set()
        for stage in reached - {None}:
            stages[stage] += 1
        mine = rates.setdefault(row["agency_name"] or "", Counter())
        for m in moves:
            if m["action"] in DECISIONS and m["actor_role"] in ("agency", "working_group"):
                stage = "agency" if m["actor_role"] == "agency" else "group"
                mine[f"{stage}_decided"] += 1
                mine[f"{stage}_passed"] += m["action"] == "pass"
    return {"current": current, "stages": stages, "rates": {k: v for k, v in rates.items() if v}}


def _dashboard_numbers(d: dict) -> dict:
    rates = {
        r["agency_name"]: Counter({k: r[k] for k in ("agency_passed", "agency_decided", "group_passed",
                                                      "group_decided") if r[k]})
        for r in d["pass_rates"]
    }  # fmt: skip
    return {
        "current": Counter({c["list_status"]: c["count"] for c in d["funnel"]["current"] if c["count"]}),
        "stages": Counter({k: v for k, v in d["funnel"]["total"].items() if v}),
        "rates": {k: v for k, v in rates.items() if v},
    }


async def test_dashboard_numbers_equal_the_lists(gw, sms, platform):
    group = await demo_headers(gw, "workgroup01")
    agency = await demo_headers(gw, "agency01")
    product = await open_product(gw)
    year, field = product["year"], product["field"]

    # one published forerunner; then one refused by the agency, one returned by the working group, one in notice
    # with two objections (one dismissed), one waiting at the agency
    published = await published_forerunner(
        gw, sms, platform, name="看板发布企业", standard_no="Q/KB 001-2026"
    )
    _, refused = await _submitted(gw, sms, product, "Q/KB 002-2026")
    await _review(gw, agency, refused, "agency", "fail", "检测报告不全")
    _, returned = await _submitted(gw, sms, product, "Q/KB 003-2026")
    await _review(gw, agency, returned, "agency", "pass")
    await _review(gw, group, returned, "group", "fail", "请复核能效指标")
    noticed_owner, noticed = await _submitted(gw, sms, product, "Q/KB 004-2026")
    await _review(gw, agency, noticed, "agency", "pass")
    await _review(gw, group, noticed, "group", "pass")
    await _submitted(gw, sms, product, "Q/KB 005-2026")
    detail = (await gw.get(f"/api/declarations/{noticed}", headers=noticed_owner["headers"])).json()
    notice_id = detail["notice"]["notice_id"]
    objection_ids = []
    for reason in ("检测报告日期与申报不符", "企业名称有误，请核实"):
        r = await gw.post(f"/api/declarations/public/notices/{notice_id}/objections",
                          json={"declaration_id": noticed, "name": "李四", "phone": "13900002222", "reason": reason})  # fmt: skip
        assert r.status_code == 201, r.text
        objection_ids.append(r.json()["id"])
    r = await gw.post(f"/api/declarations/objections/{objection_ids[0]}/resolution", headers=group,
                      json={"uphold": False, "opinion": "经核实，日期无误"})  # fmt: skip
    assert r.status_code == 200, r.text

    # funnel, pass rates: the dashboard catches up with the events, then equals the lists' counts
    async def funnel_equal():
        d = (
            await gw.get("/api/declarations/dashboard", headers=group, params={"year": year, "field": field})
        ).json()
        return d if _dashboard_numbers(d) == await _counted_from_lists(gw, group, year, field) else None

    try:
        d = await eventually(funnel_equal, timeout=40, interval=1)
    except AssertionError:
        d = (
            await gw.get("/api/declarations/dashboard", headers=group, params={"year": year, "field": field})
        ).json()
        counted = await _counted_from_lists(gw, group, year, field)
        raise AssertionError(f"dashboard {_dashboard_numbers(d)} != lists {counted}") from None
    numbers = _dashboard_numbers(d)
    assert numbers["stages"]["submitted"] >= 5 and numbers["stages"]["published"] >= 1
    assert {"agency_rejected", "group_returned", "in_notice", "with_agency", "published"} <= set(
        numbers["current"]
    )
    # each status count also equals the list's own total for that status filter
    for status, count in numbers["current"].items():
        r = await gw.get("/api/declarations", headers=group, params={"year": year, "field": field,
                                                                     "list_status": status, "page_size": 1})  # fmt: skip
        assert r.json()["total"] == count, status

    # notices ending this week, objections: the working group's lists
    async def notices_and_objections_equal():
        d = (await gw.get("/api/declarations/dashboard", headers=group, params={"year": year})).json()
        first, last = (datetime.fromisoformat(d["notices"][k]) for k in ("week_start", "week_end"))
        notices = [n for n in await _all(gw, "/api/declarations/notices", group) if n["year"] == year]
        ending = {n["notice_id"] for n in notices if _in_window(n["ends_at"], first, last)}
        still_open = len(await _all(gw, "/api/declarations/objections", group, status="open"))
        closed = 0
        for status in ("upheld", "dismissed"):
            closed += len(await _all(gw, "/api/declarations/objections", group, status=status))
        everything = (await gw.get("/api/declarations/dashboard", headers=group)).json()["objections"]
        ok = {i["notice_id"] for i in d["notices"]["items"]} == ending and d["notices"]["count"] == len(
            ending
        )
        return ok and (everything["open"], everything["closed"]) == (still_open, closed)

    await eventually(notices_and_objections_equal, timeout=30, interval=1)
    d = (await gw.get("/api/declarations/dashboard", headers=group)).json()
    mine = next(e for e in d["objections"]["by_notice"] if e["notice_id"] == notice_id)
    assert (mine["open"], mine["dismissed"], mine["upheld"]) == (1, 1, 0)

    # certificates expiring within 90 days: the certificate list, counted by its valid_until
    async def certificates_equal() -> dict | None:
        d = (await gw.get("/api/declarations/dashboard", headers=group)).json()["certificates"]
        first, last = date.fromisoformat(d["first_day"]), date.fromisoformat(d["last_day"])
        valid = await _all(gw, "/api/certificates", await demo_headers(gw, "workgroup01"), status="valid")
        due = [c for c in valid if first <= date.fromisoformat(c["valid_until"]) <= last]
        return d if d["total"] == len(due) and sum(m["count"] for m in d["months"]) == len(due) else None

    await eventually(certificates_equal, timeout=30, interval=1)
    # move the clock to 60 days before the earliest valid certificate ends (the published forerunner's at the
    # latest): it is then due, no certificate passes its end meanwhile, and the panel still equals the list; the
    # clock goes back afterwards for the tests that follow
    await eventually(lambda: _certificates_of(gw, published))
    valid = await _all(gw, "/api/certificates", group, status="valid")
    earliest = min(date.fromisoformat(c["valid_until"]) for c in valid)
    today = date.fromisoformat(d["certificates"]["first_day"])
    jump = max(0, (earliest - today).days - 60)
    await advance_clock(platform, jump)
    try:
        moved = await eventually(certificates_equal, timeout=30, interval=1)
        assert moved["total"] >= 1
    finally:
        await advance_clock(platform, -jump)

    # the CSV of the funnel: the same numbers, UTF-8 with a BOM
    r = await gw.get(
        "/api/declarations/dashboard/funnel.csv", headers=group, params={"year": year, "field": field}
    )
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf"), r.text
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][0] == "领域" and table[-1][0] == "合计"
    totals = (
        await gw.get("/api/declarations/dashboard", headers=group, params={"year": year, "field": field})
    ).json()
    assert [int(v) for v in table[-1][1:]] == [
        totals["funnel"]["total"][s["key"]] for s in totals["funnel"]["stages"]
    ]


async def _certificates_of(gw, published: dict) -> list[dict]:
    h = published["enterprise"]["headers"]
    r = await gw.get("/api/certificates", headers=h)
    return [c for c in r.json()["items"] if c["declaration_id"] == published["declaration"]["id"]]


async def test_dashboard_is_for_the_working_group_only(gw, sms):
    for login_name in ("agency01", "operator01"):
        h = await demo_headers(gw, login_name)
        r = await gw.get("/api/declarations/dashboard", headers=h)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (login_name, r.text)
    enterprise = await new_enterprise(gw, sms)
    assert (await gw.get("/api/declarations/dashboard", headers=enterprise["headers"])).status_code == 403
    assert (await gw.get("/api/declarations/dashboard")).status_code == 401
    group = await demo_headers(gw, "workgroup01")
    r = await gw.get("/api/declarations/dashboard", headers=group, params={"year": "去年"})
    assert r.status_code == 422 and r.json()["error"]["message"], r.text
    r = await gw.get("/api/declarations/dashboard/everything.csv", headers=group)
    assert r.status_code == 422, r.text


async def test_public_statistics_equal_the_published_list(gw, sms, platform):
    await published_forerunner(gw, sms, platform, name="统计公开企业", standard_no="Q/TJ 001-2026")
    years = (await gw.get("/api/declarations/public/forerunners")).json()["years"]

    async def equal():
        for year in years:
            stats = (await gw.get("/api/declarations/public/statistics", params={"year": year})).json()
            listed = (await gw.get("/api/declarations/public/forerunners",
                                   params={"year": year, "page_size": 1})).json()  # fmt: skip
            if stats["total"] != listed["total"]:
                return False
            if sum(p["count"] for p in stats["by_province"]) != stats["total"]:
                return False
            for row in stats["by_field"]:
                rows = await _all(gw, "/api/declarations/public/forerunners", year=year, field=row["field"])
                if len([r for r in rows if r["field"] == row["field"]]) != row["count"]:
                    return False
        return True

    await eventually(equal, timeout=30, interval=1)
    stats = (await gw.get("/api/declarations/public/statistics")).json()
    # the e2e enterprises' credit codes name 110108 (海淀区): 北京市
    assert any(p["province"] == "北京市" for p in stats["by_province"]), stats["by_province"]
    r = await gw.get("/api/declarations/public/statistics.csv", params={"by": "year"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
