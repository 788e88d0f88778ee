"""The comparison routes against a stored final plan: hand-computed results, errors in the error shape."""

from __future__ import annotations

import uuid

GOOD = {"down_content": "92.5", "formaldehyde": 20, "ph": 8.5, "colourfast": "4级", "azo_free": "是"}


async def test_forerunner_comparison_through_http(client, enterprise, open_product):
    product, _agency, plan = await open_product()
    r = await client.post(
        "/api/benchmark/compare/forerunner",
        headers=enterprise.headers,
        json={"product_id": product["id"], "values": GOOD},
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["verdict"] == "passed" and result["may_continue"] is True
    assert result["plan_version"] == plan["version"] and result["product_id"] == product["id"]
    rows = {i["code"]: i for i in result["indicators"]}
    # exactly on the threshold passes with margin zero
    assert (rows["formaldehyde"]["passed"], rows["formaldehyde"]["margin"]) == (True, "0")
    assert (rows["ph"]["value"], rows["ph"]["margin"]) == ("8.5", "0.0")
    assert rows["down_content"]["margin"] == "2.5"
    assert rows["colourfast"]["value"] == "4" and rows["colourfast"]["margin"] == "0"
    # a range's threshold is its interval, a yes/no indicator's value and threshold are booleans
    assert rows["ph"]["threshold"] == {"min": "4.0", "max": "8.5"}
    assert (rows["azo_free"]["value"], rows["azo_free"]["threshold"], rows["azo_free"]["margin"]) == (
        True,
        True,
        None,
    )

    r = await client.post(
        "/api/benchmark/compare/forerunner",
        headers=enterprise.headers,
        json={"product_id": product["id"], "values": {**GOOD, "formaldehyde": "20.5"}},
    )
    failed = r.json()
    assert failed["verdict"] == "failed" and failed["may_continue"] is False and failed["failed_count"] == 1
    row = next(i for i in failed["indicators"] if i["code"] == "formaldehyde")
    assert (row["passed"], row["margin"], row["threshold"]) == (False, "-0.5", "20")


async def test_star_comparison_through_http(client, enterprise, open_product):
    product, _agency, _plan = await open_product()
    values = {"down_content": 85, "formaldehyde": "30", "ph": "8.5", "colourfast": "4", "azo_free": True}
    r = await client.post(
        "/api/benchmark/compare/star",
        headers=enterprise.headers,
        json={"product_id": product["id"], "values": values, "star": 4},
    )
    result = r.json()
    assert r.status_code == 200 and result["verdict"] == "passed"
    assert result["highest_star"] == 4 and result["requested_star"] == 4
    r = await client.post(
        "/api/benchmark/compare/star",
        headers=enterprise.headers,
        json={"product_id": product["id"], "values": {**values, "formaldehyde": "31"}, "star": 4},
    )
    result = r.json()
    assert result["verdict"] == "failed" and result["highest_star"] == 3
    assert {i["code"]: i["star_reached"] for i in result["indicators"]}["formaldehyde"] == 3


async def test_bad_comparison_input_answers_4xx_naming_each_indicator(client, enterprise, open_product):
    product, _agency, _plan = await open_product()
    r = await client.post("/api/benchmark/compare/forerunner", headers=enterprise.headers, json={
        "product_id": product["id"],
        "values": {"down_content": "abc", "formaldehyde": -3, "ph": {"x": 1}, "colourfast": "7", "extra": 1},
    })  # fmt: skip
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "comparison_values_invalid"
    assert {(d["indicator"], d["code"]) for d in error["details"]} == {
        ("down_content", "not_a_number"), ("formaldehyde", "out_of_domain"), ("ph", "not_a_number"),
        ("colourfast", "unknown_grade"), ("azo_free", "missing_value"), ("extra", "unknown_indicator"),
    }  # fmt: skip

    base = {"product_id": product["id"], "values": GOOD}
    for body, status, code in [
        ({**base, "star": 5}, 422, "star_not_declarable"),
        ({**base, "star": "3"}, 422, "invalid"),
        ({**base, "star": 3.5}, 422, "invalid"),
        ({"product_id": product["id"], "values": [1, 2], "star": 3}, 422, "invalid"),
        ({"product_id": "nope", "values": GOOD, "star": 3}, 422, "invalid"),
        ({"product_id": str(uuid.uuid4()), "values": GOOD, "star": 3}, 404, "product_not_found"),
    ]:
        r = await client.post("/api/benchmark/compare/star", headers=enterprise.headers, json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    r = await client.post("/api/benchmark/compare/forerunner", json=base)
    assert r.status_code == 401


async def test_service_products_skip_and_closed_products_have_no_plan_to_compare(
    client, enterprise, open_product, new_product
):
    service_product, _agency, _plan = await open_product("service")
    r = await client.post(
        "/api/benchmark/compare/forerunner",
        headers=enterprise.headers,
        json={"product_id": service_product["id"], "values": {}},
    )
    assert r.status_code == 200
    assert (r.json()["verdict"], r.json()["verdict_label"], r.json()["indicators"]) == (
        "not_required",
        "服务类无需对标",
        [],
    )

    fresh = await new_product()
    r = await client.post(
        "/api/benchmark/compare/forerunner",
        headers=enterprise.headers,
        json={"product_id": fresh["id"], "values": GOOD},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "plan_not_final"


async def test_internal_comparison_against_an_earlier_version(
    client, settings, open_product, jacket_plan_body
):
    product, agency, plan = await open_product()
    tightened = {**jacket_plan_body, "indicators": [
        {**i, "forerunner": "16"} if i["code"] == "formaldehyde" else i for i in jacket_plan_body["indicators"]
    ]}  # fmt: skip
    v2 = (
        await client.post(
            f"/api/benchmark/products/{product['id']}/plans", json=tightened, headers=agency.headers
        )
    ).json()
    internal = {"X-Internal-Token": settings.internal_token}
    body = {"product_id": product["id"], "values": GOOD}
    # the draft v2 is not compared against; v1 is current
    r = await client.post("/internal/benchmark/compare/forerunner", headers=internal, json=body)
    assert (r.json()["plan_version"], r.json()["verdict"]) == (1, "passed")
    r = await client.post(
        "/internal/benchmark/compare/forerunner", headers=internal, json={**body, "plan_version": 2}
    )
    assert r.status_code == 409
    await client.post(f"/api/benchmark/plans/{v2['id']}/finalise", headers=agency.headers)
    r = await client.post("/internal/benchmark/compare/forerunner", headers=internal, json=body)
    assert (r.json()["plan_version"], r.json()["verdict"]) == (2, "failed")
    r = await client.post(
        "/internal/benchmark/compare/forerunner", headers=internal, json={**body, "plan_version": 1}
    )
    assert (r.json()["plan_version"], r.json()["verdict"]) == (1, "passed")
    assert (await client.post("/internal/benchmark/compare/forerunner", json=body)).status_code == 404
    assert plan["version"] == 1
