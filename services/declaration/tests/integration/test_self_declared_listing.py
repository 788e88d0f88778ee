"""企业自主申报 on the agency's list: a self-declared standard the agency passes joins that agency's candidate
list with the enterprise's 基本信息 phone and is announced (``candidate.listed``) so the enterprise can
authenticate; the phone follows the enterprise's basic info; the agency does not edit the row; the
working group's return takes it off the list and the agency's next pass puts it back."""

from __future__ import annotations

import json
import uuid

import pytest
from declaration.models import Candidate, Enterprise
from kit.bus import outbox
from kit.testing.fixtures import wait_until
from sqlalchemy import select

Org = credit_code = submit_declaration = None


@pytest.fixture(autouse=True)
def _helpers(kit_helpers):
    global Org, credit_code, submit_declaration
    Org, credit_code = kit_helpers.Org, kit_helpers.credit_code
    submit_declaration = kit_helpers.submit_declaration


async def events(runtime, event_type: str, **match) -> list[dict]:
    async with runtime.db.session() as session:
        rows = (
            await session.execute(
                select(outbox.c.body).where(outbox.c.routing_key == f"{event_type}.v1").order_by(outbox.c.id)
            )
        ).all()
    payloads = [r.body["payload"] for r in rows]
    return [p for p in payloads if all(p.get(k) == v for k, v in match.items())]


async def registered(publish, runtime, enterprise, code: str, phone: str) -> None:
    await publish("enterprise.registered", {
        "org_id": str(enterprise.id), "name": enterprise.name, "credit_code": code, "contact_name": "李四",
        "phone_masked": f"{phone[:3]}****{phone[-4:]}", "phone_sealed": runtime.sealer.seal(phone),
    })  # fmt: skip

    async def arrived() -> bool:
        async with runtime.db.session() as session:
            e = await session.get(Enterprise, enterprise.id)
            return e is not None and e.credit_code == code

    await wait_until(arrived, timeout=20)


async def test_agency_pass_lists_the_self_declared_standard_with_the_basic_info_phone(
    client, runtime, open_product, publish, working_group, make_token
):
    product, agency = await open_product()
    enterprise = Org(make_token, "enterprise", "合肥自主申报服饰有限公司")
    code = credit_code()
    await registered(publish, runtime, enterprise, code, "13912340001")
    did = await submit_declaration(client, product, enterprise, code="ZZ")
    # submitted, not yet passed: nobody may authenticate with it
    assert await events(runtime, "candidate.listed", credit_code=code) == []

    r = await client.post(
        f"/api/declarations/{did}/agency-review", json={"decision": "pass"}, headers=agency.headers
    )
    assert r.status_code == 200, r.text
    listed = await events(runtime, "candidate.listed", credit_code=code)
    assert len(listed) == 1
    event = listed[0]
    assert (event["source"], event["agency_org_id"], event["phone_masked"]) == (
        "self",
        str(agency.id),
        "139****0001",
    )
    assert runtime.sealer.unseal(event["phone_sealed"]) == "13912340001"

    rows = (await client.get("/api/declarations/candidate-lists", headers=agency.headers)).json()["items"]
    row = next(r for r in rows if r["credit_code"] == code)
    assert (row["source"], row["source_label"], row["contact_phone_masked"]) == (
        "self",
        "企业自主申报",
        "139****0001",
    )
    assert (row["declaration_id"], row["list_status_label"]) == (did, "工作组审核中")

    # the agency edits only what it imported
    r = await client.patch(f"/api/declarations/candidate-lists/candidates/{row['id']}",
                           json={"contact_phone": "13700000000"}, headers=agency.headers)  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "candidate_self_declared"
    assert "企业自主申报" in r.json()["error"]["message"]
    r = await client.delete(
        f"/api/declarations/candidate-lists/candidates/{row['id']}", headers=agency.headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "candidate_self_declared"

    # the enterprise changes the phone of its basic info: the row follows and auth is told
    await publish("enterprise.updated", {
        "org_id": str(enterprise.id), "name": enterprise.name, "credit_code": code,
        "phone_masked": "136****0002", "phone_sealed": runtime.sealer.seal("13612340002"),
    })  # fmt: skip

    async def followed() -> bool:
        async with runtime.db.session() as session:
            c = await session.get(Candidate, uuid.UUID(row["id"]))
            return c.phone_masked == "136****0002"

    await wait_until(followed, timeout=20)
    changed = await events(runtime, "candidate.phone_changed", candidate_id=row["id"])
    assert len(changed) == 1 and changed[0]["phone_ref"] == event["phone_ref"]
    assert runtime.sealer.unseal(changed[0]["phone_sealed"]) == "13612340002"
    # the same profile again (sealed anew, as auth always does): no second change
    await publish("enterprise.updated", {
        "org_id": str(enterprise.id), "name": enterprise.name + "（更名）", "credit_code": code,
        "phone_masked": "136****0002", "phone_sealed": runtime.sealer.seal("13612340002"),
    })  # fmt: skip

    async def renamed() -> bool:
        async with runtime.db.session() as session:
            return (await session.get(Enterprise, enterprise.id)).name.endswith("（更名）")

    await wait_until(renamed, timeout=20)
    assert len(await events(runtime, "candidate.phone_changed", candidate_id=row["id"])) == 1

    # the working group returns it: the list stays truthful, the row leaves it and auth is told
    r = await client.post(f"/api/declarations/{did}/group-review", json={"decision": "fail", "opinion": "证明资料不足"},
                          headers=working_group.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    removed = await events(runtime, "candidate.removed", candidate_id=row["id"])
    assert removed == [{"candidate_id": row["id"], "credit_code": code, "phone_ref": event["phone_ref"]}]
    rows = (await client.get("/api/declarations/candidate-lists", headers=agency.headers)).json()["items"]
    assert [r for r in rows if r["credit_code"] == code] == []

    # the agency passes it again: listed again, with the current basic-info phone
    r = await client.post(
        f"/api/declarations/{did}/agency-review", json={"decision": "pass"}, headers=agency.headers
    )
    assert r.status_code == 200, r.text
    listed = await events(runtime, "candidate.listed", credit_code=code)
    assert len(listed) == 2 and listed[1]["phone_masked"] == "136****0002"
    r = await client.post(
        f"/api/declarations/{did}/group-review", json={"decision": "pass"}, headers=working_group.headers
    )
    assert r.status_code == 200 and r.json()["list_status_label"] == "公示中"
    assert len(await events(runtime, "candidate.listed", credit_code=code)) == 2  # still the same row


async def test_an_imported_list_does_not_take_over_a_self_declared_row(
    client, runtime, open_product, publish, make_token
):
    product, agency = await open_product()
    enterprise = Org(make_token, "enterprise", "苏州自主申报服饰有限公司")
    code = credit_code()
    await registered(publish, runtime, enterprise, code, "13912340003")
    did = await submit_declaration(client, product, enterprise, code="SZ")
    assert (await client.post(f"/api/declarations/{did}/agency-review", json={"decision": "pass"},
                              headers=agency.headers)).status_code == 200  # fmt: skip
    standard_no = (await client.get(f"/api/declarations/{did}", headers=enterprise.headers)).json()[
        "standard_no"
    ]
    file = [{"enterprise_name": enterprise.name, "credit_code": code, "standard_no": standard_no,
             "standard_name": "羽绒服", "contact_phone": "13800001111"}]  # fmt: skip
    r = await client.post("/api/declarations/candidate-lists", headers=agency.headers,
                          data={"product_id": product["id"]},
                          files={"file": ("list.json", json.dumps(file).encode(), "application/json")})  # fmt: skip
    assert r.status_code == 201, r.text
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 1)
    async with runtime.db.session() as session:
        c = (await session.scalars(select(Candidate).where(Candidate.credit_code == code))).one()
        assert (c.source, c.phone_masked) == ("self", "139****0003")


async def test_evidence_upload_page_needs_authentication_but_the_wizard_does_not(
    client, open_product, make_token
):
    """证明资料上传 (agency-listed standards) answers 403 before 领跑者企业身份认证; the self-declaration
    wizard's own evidence step comes before authentication and keeps working."""
    product, _ = await open_product()
    enterprise = Org(make_token, "enterprise", "无锡未认证服饰有限公司")
    r = await client.get("/api/declarations?origin=candidate", headers=enterprise.headers)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forerunner_auth_required"
    assert "领跑者企业身份认证" in r.json()["error"]["message"]
    verified = Org(make_token, "enterprise", "无锡已认证服饰有限公司", forerunner_verified=True)
    assert (
        await client.get("/api/declarations?origin=candidate", headers=verified.headers)
    ).status_code == 200
    # the wizard: evidence, then submit, with the unauthenticated token (submit_declaration asserts each step)
    did = await submit_declaration(client, product, enterprise, code="WX")
    r = await client.get(f"/api/declarations/{did}", headers=enterprise.headers)
    assert r.json()["list_status_label"] == "评估机构未提交"
