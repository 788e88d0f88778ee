"""The threshold calibrator through the service with the real PostgreSQL: enterprises' comparisons are
recorded under pseudonyms, the designated agency (and the working group) reads the distribution, each
enterprise counted once with its latest value, nothing shown below 5 enterprises."""

from __future__ import annotations

from decimal import Decimal

from benchmark.domain.calibration import enterprise_key
from sqlalchemy import text

GOOD = {"down_content": "92.5", "formaldehyde": 20, "ph": 8.5, "colourfast": "4级", "azo_free": "是"}


def values(down: str, formaldehyde: str = "18", **extra) -> dict:
    return {**GOOD, "down_content": down, "formaldehyde": formaldehyde, **extra}


async def compare(client, org, product_id: str, body: dict, star: int | None = None) -> None:
    path = "/api/benchmark/compare/forerunner" if star is None else "/api/benchmark/compare/star"
    payload = {"product_id": product_id, "values": body} | ({"star": star} if star else {})
    r = await client.post(path, headers=org.headers, json=payload)
    assert r.status_code == 200, r.text


def calibration_url(plan: dict) -> str:
    return f"/api/benchmark/plans/{plan['id']}/calibration"


async def test_agency_reads_the_distribution_of_its_plan(
    client, make_enterprise, open_product, make_agency, working_group, settings, runtime
):
    product, agency, plan = await open_product()
    pid = product["id"]
    downs = ["95", "93", "91", "90", "88", "80"]
    enterprises = [make_enterprise() for _ in downs]
    # the first enterprise first entered 70, then compared again (a star comparison) with 95: 95 counts
    await compare(client, enterprises[0], pid, values("70", formaldehyde="40"))
    for org, down in zip(enterprises, downs, strict=True):
        await compare(client, org, pid, values(down, formaldehyde="25" if down == "88" else "18"))
    await compare(client, enterprises[0], pid, values("95"), star=3)
    # an agency trying its plan out is not an enterprise's value
    await compare(client, agency, pid, values("10"))

    r = await client.get(
        calibration_url(plan),
        headers=agency.headers,
        params=[("proposed", "down_content:91"), ("proposed", "ph:5~8"), ("top_share", "0.5")],
    )
    assert r.status_code == 200, r.text
    view = r.json()
    assert (
        view["plan_version"] == plan["version"] and view["min_enterprises"] == 5 and view["top_share"] == 0.5
    )
    rows = {i["code"]: i for i in view["indicators"]}
    down = rows["down_content"]
    assert down["enterprises"] == 6 and down["hidden"] is False and down["hidden_reason"] is None
    # brute force over the latest values: the plan's forerunner threshold is 90
    latest = [Decimal(d) for d in downs]
    assert down["current"] == {"passing": sum(v >= 90 for v in latest), "total": 6, "share": round(4 / 6, 4)}
    assert down["proposed"]["passing"] == sum(v >= 91 for v in latest) == 3
    assert down["proposed_threshold"] == "91"
    assert down["suggestion"] == "91" and down["suggested"]["passing"] == 3  # top half of six
    assert sum(b["count"] for b in down["bins"]) == 6
    assert rows["ph"]["proposed"]["passing"] == 0  # every enterprise entered 8.5, outside 5~8
    assert rows["azo_free"]["suggestion"] is None and rows["azo_free"]["current"]["passing"] == 6
    # joint: formaldehyde ≤ 20 fails for the enterprise with 25 (which also has 88 < 90)
    joint = view["joint"]
    assert joint["enterprises"] == 6 and joint["current"]["passing"] == 4
    assert joint["proposed"]["passing"] == 0  # nobody's pH is inside 5~8

    r = await client.get(calibration_url(plan), headers=working_group.headers)
    assert r.status_code == 200 and r.json()["top_share"] == 0.2

    # no identity in the table: only the keyed pseudonym, which the service secret recomputes
    async with runtime.db.session() as session:
        stored = (
            (
                await session.execute(
                    text("SELECT * FROM comparison_values WHERE product_id = :p"), {"p": product["id"]}
                )
            )
            .mappings()
            .all()
        )
    assert len(stored) == 8 * 5  # eight enterprise comparisons of five indicators; the agency's none
    org_ids = {str(o.id) for o in enterprises} | {o.id.hex for o in enterprises}
    for row in stored:
        for value in row.values():
            assert str(value) not in org_ids and not any(o in str(value) for o in org_ids)
    keys = {row["enterprise_key"] for row in stored}
    assert keys == {enterprise_key(settings.comparison_key_secret, o.id) for o in enterprises}
    assert {row["kind"] for row in stored} == {"forerunner", "star"}
    assert {row["field"] for row in stored} == {product["field"]}


async def test_who_may_read_the_calibration(client, make_enterprise, open_product, make_agency):
    _product, _agency, plan = await open_product()
    other_agency = await make_agency("另一评估机构")
    r = await client.get(calibration_url(plan), headers=other_agency.headers)
    # another agency's plan is not found (another tenant's object answers 404)
    assert r.status_code == 404 and r.json()["error"]["code"] == "plan_not_found"
    r = await client.get(calibration_url(plan), headers=make_enterprise().headers)
    assert r.status_code == 403
    assert (await client.get(calibration_url(plan))).status_code == 401


async def test_fewer_than_five_enterprises_hide_everything(client, make_enterprise, open_product):
    product, agency, plan = await open_product()
    orgs = [make_enterprise() for _ in range(4)]
    for n, org in enumerate(orgs):
        await compare(client, org, product["id"], values(str(90 + n)))
    # one of them compares again: still four enterprises
    await compare(client, orgs[0], product["id"], values("99"))
    r = await client.get(
        calibration_url(plan), headers=agency.headers, params={"proposed": "down_content:91"}
    )
    assert r.status_code == 200, r.text
    view = r.json()
    for row in view["indicators"]:
        assert row["enterprises"] == 4 and row["hidden"] is True
        assert row["hidden_reason"] == "too_few_enterprises" and "不足 5 家" in row["hidden_message"]
        assert row["bins"] == [] and row["quantiles"] == [] and row["current"] is None
        assert row["proposed"] is None and row["suggestion"] is None
    assert view["joint"]["hidden"] is True and view["joint"]["current"] is None

    await compare(client, make_enterprise(), product["id"], values("80"))
    view = (await client.get(calibration_url(plan), headers=agency.headers)).json()
    down = next(i for i in view["indicators"] if i["code"] == "down_content")
    assert down["hidden"] is False and down["current"]["passing"] == 4  # 99, 91, 92, 93 ≥ 90; 80 fails


async def test_bad_proposals_and_shares_answer_422_in_chinese(client, open_product):
    _product, agency, plan = await open_product()
    r = await client.get(
        calibration_url(plan),
        headers=agency.headers,
        params=[("proposed", "down_content:很多"), ("proposed", "ph:9~4"), ("proposed", "nope:1")],
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "calibration_threshold_invalid" and "拟定门槛" in error["message"]
    assert {(d.get("indicator"), d["code"]) for d in error["details"]} == {
        ("down_content", "not_a_number"), ("ph", "range_reversed"), ("nope", "unknown_indicator"),
    }  # fmt: skip
    for share in ("0", "2", "abc"):
        r = await client.get(calibration_url(plan), headers=agency.headers, params={"top_share": share})
        assert r.status_code == 422 and r.json()["error"]["code"] == "calibration_share_invalid"
