"""账号找回: public request with a letter checked by content → operator list beside what is registered →
decision → cooling-off → effect. The current phone is told at every step and can cancel (or confirm); the
operator never sees a password; every step is audited with who and why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from auth.config import Settings
from auth.domain.statuses import RecoveryClosedVia
from auth.models import RecoveryRequest
from auth.service import recovery
from auth.service.context import get_context
from kit.bus import outbox
from kit.testing.fixtures import wait_until
from sqlalchemy import select, update


@pytest.fixture(scope="module")
def settings(service_env, jwt_keys) -> Settings:
    # The deadline poller looks often here, so a request whose period ended is applied within a second.
    return Settings(
        **service_env(
            "auth",
            jwt_private_key_file=str(jwt_keys["private"]),
            clock_adjustable=False,
            db_pool_size=3,
            recovery_poll_seconds=0.2,
        )
    )


def _form(ready: dict, **overrides) -> dict:
    form = {
        "credit_code": ready["credit_code"],
        "enterprise_name": "杭州测试电器股份有限公司",
        "contact_name": "张三",
        "reason": "原手机号已停用，忘记密码",
    }
    form.update(overrides)
    return form


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


async def _submit(client, h, form: dict, letter=None, name="授权书.pdf", kind="application/pdf"):
    letter = h.pdf_bytes() if letter is None else letter
    return await client.post(
        "/api/auth/recovery-requests",
        data=form,
        files={"letter": (name, letter, kind)},
        headers={"X-Forwarded-For": h.random_ip()},
    )


def _code(text: str, word: str) -> str:
    match = re.search(word + r"码 ([2-9A-Z]{10})", text)
    assert match, text
    return match.group(1)


async def _operator(client, h) -> dict:
    return h.bearer((await h.demo_login(client, "operator01"))["access_token"])


async def _item(client, operator, request_id: str) -> dict:
    response = await client.get(f"/api/auth/recovery-requests/{request_id}", headers=operator)
    assert response.status_code == 200, response.text
    return response.json()


async def _approve(client, operator, request_id: str, opinion: str = "授权书与营业执照一致"):
    return await client.post(
        f"/api/auth/recovery-requests/{request_id}/decision",
        headers=operator,
        json={"approve": True, "opinion": opinion},
    )


async def _end_cooling_off(client, request_id: str) -> None:
    """What waiting out the period would do: the stored deadline is now in the past."""
    db = client._transport.app.state.runtime.db
    async with db.transaction() as session:
        await session.execute(
            update(RecoveryRequest)
            .where(RecoveryRequest.id == request_id)
            .values(effective_at=RecoveryRequest.effective_at - timedelta(days=2))
        )


async def _events(client, routing_key: str) -> list[dict]:
    async with client._transport.app.state.runtime.db.session() as session:
        rows = await session.execute(
            select(outbox.c.body).where(outbox.c.routing_key == routing_key).order_by(outbox.c.id)
        )
    return [r[0] for r in rows]


async def _audit(client, operator, action: str, request_id: str) -> list[dict]:
    items = (
        await client.get("/api/auth/audit-log", headers=operator, params={"action": action, "page_size": 100})
    ).json()["items"]
    return [e for e in items if e["detail"].get("request_id") == request_id]


async def test_a_hijack_attempt_is_told_to_the_owner_shown_to_the_operator_and_cancelled(client, h):
    """The attack of the security issue: a victim's credit code, any name, the attacker's phone."""
    victim = await h.ready_enterprise(client)
    attacker_phone = h.new_phone()
    submitted = await _submit(
        client,
        h,
        _form(victim, enterprise_name="随便写的公司", contact_name="李四", new_phone=attacker_phone),
    )
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]

    # The owner's current phone hears of it at once, with a code that refuses the request.
    told = (await h.sms_to(client, victim["phone"]))[0]
    assert "账号找回申请" in told and _masked(attacker_phone) in told and "/recovery/cancel?code=" in told
    cancel_code = _code(told, "撤销")
    assert await h.sms_to(client, attacker_phone) == []

    # The organisation is told in-site (through notify): the event names it, without any code.
    filed = [
        e
        for e in await _events(client, "enterprise.recovery_status_changed.v1")
        if e["payload"]["request_id"] == request_id
    ]
    assert [e["payload"]["status"] for e in filed] == ["pending"]
    assert cancel_code not in str(filed) and attacker_phone not in str(filed)

    # The operator sees what is registered beside what was claimed, mismatches marked.
    operator = await _operator(client, h)
    item = await _item(client, operator, request_id)
    assert item["registered"] == {
        "name": "杭州测试电器股份有限公司",
        "contact_name": "张三",
        "phone_masked": _masked(victim["phone"]),
    }
    assert item["mismatches"] == ["enterprise_name", "contact_name"]
    checks = {c["field"]: c for c in item["checks"]}
    assert checks["enterprise_name"] == {
        "field": "enterprise_name",
        "label": "企业名称",
        "claimed": "随便写的公司",
        "registered": "杭州测试电器股份有限公司",
        "matches": False,
    }
    assert checks["contact_name"]["claimed"] == "李四" and checks["contact_name"]["matches"] is False
    listed = (
        await client.get("/api/auth/recovery-requests", headers=operator, params={"status": "pending"})
    ).json()
    assert next(i for i in listed["items"] if i["id"] == request_id)["mismatches"] == [
        "enterprise_name",
        "contact_name",
    ]

    # The owner refuses it with the code (public route, no login): the request is closed for good.
    wrong = await client.post("/api/auth/recovery-requests/cancel", json={"code": "ABCDEFGHJK"})
    assert wrong.status_code == 404 and h.error_code(wrong) == "recovery_code_invalid"
    cancelled = await client.post("/api/auth/recovery-requests/cancel", json={"code": cancel_code.lower()})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["status_label"] == "已撤销"
    again = await client.post("/api/auth/recovery-requests/cancel", json={"code": cancel_code})
    assert again.status_code == 409 and h.error_code(again) == "recovery_not_open"
    late = await _approve(client, operator, request_id)
    assert late.status_code == 409 and h.error_code(late) == "recovery_already_decided"
    assert "已撤销" in (await h.sms_to(client, attacker_phone))[0]
    assert (await client.get("/api/auth/me", headers=h.bearer(victim["access_token"]))).status_code == 200

    entry = (await _audit(client, operator, "recovery_cancelled", request_id))[0]
    assert entry["detail"]["via"] == "owner_sms_code" and entry["result"] == "cancelled"
    assert cancel_code not in str(entry)


async def test_the_signed_in_owner_sees_and_cancels_a_request_naming_it(client, h):
    """The owner may have lost the phone but not the password: it cancels from its own session."""
    owner = await h.ready_enterprise(client)
    other = await h.ready_enterprise(client)
    attacker_phone = h.new_phone()
    request_id = (
        await _submit(client, h, _form(owner, enterprise_name="随便写的公司", new_phone=attacker_phone))
    ).json()["id"]
    mine = await client.get("/api/auth/enterprise/recovery-requests", headers=h.bearer(owner["access_token"]))
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 1
    assert [(r["id"], r["status"], r["claimed_name"], r["new_phone"]) for r in mine.json()["items"]] == [
        (request_id, "pending", "随便写的公司", _masked(attacker_phone))
    ]
    theirs = h.bearer(other["access_token"])
    assert (await client.get("/api/auth/enterprise/recovery-requests", headers=theirs)).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 20,
    }
    foreign = await client.post(f"/api/auth/enterprise/recovery-requests/{request_id}/cancel", headers=theirs)
    assert foreign.status_code == 404 and h.error_code(foreign) == "recovery_request_not_found"

    cancelled = await client.post(
        f"/api/auth/enterprise/recovery-requests/{request_id}/cancel", headers=h.bearer(owner["access_token"])
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    again = await client.post(
        f"/api/auth/enterprise/recovery-requests/{request_id}/cancel", headers=h.bearer(owner["access_token"])
    )
    assert again.status_code == 409 and h.error_code(again) == "recovery_not_open"
    assert (
        await client.get("/api/auth/enterprise/recovery-requests", headers=h.bearer(owner["access_token"]))
    ).json()["total"] == 0
    operator = await _operator(client, h)
    item = await _item(client, operator, request_id)
    assert item["status"] == "cancelled" and item["closed_via_label"] == "企业登录后撤销"
    entry = (await _audit(client, operator, "recovery_cancelled", request_id))[0]
    me = (await client.get("/api/auth/me", headers=h.bearer(owner["access_token"]))).json()
    assert entry["actor_account_id"] == me["account"]["id"] and entry["detail"]["via"] == "owner_session"
    assert "已撤销" in (await h.sms_to(client, attacker_phone))[0]


async def test_matching_claims_show_no_mismatch_and_ignore_width_and_spaces(client, h):
    ready = await h.ready_enterprise(client)
    submitted = await _submit(
        client, h, _form(ready, enterprise_name="杭州测试电器股份有限公司 ", contact_name="张 三")
    )
    item = await _item(client, await _operator(client, h), submitted.json()["id"])
    assert item["mismatches"] == [] and all(c["matches"] for c in item["checks"])
    unknown = await _submit(client, h, _form(ready, credit_code=h.new_credit_code()))
    item = await _item(client, await _operator(client, h), unknown.json()["id"])
    assert item["registered"] is None and item["account_found"] is False
    assert item["mismatches"] == ["account", "enterprise_name", "contact_name"]


async def test_approval_waits_out_the_cooling_off_period_then_replaces_the_phone(client, h, settings):
    ready = await h.ready_enterprise(client)
    new_phone = h.new_phone()
    submitted = await _submit(client, h, _form(ready, new_phone=new_phone))
    request_id = submitted.json()["id"]
    operator = await _operator(client, h)
    item = await _item(client, operator, request_id)
    assert (
        item["new_phone"] == _masked(new_phone) and item["account_found"] is True
    )  # masked for the operator
    letter = await client.get(item["letter_url"], headers=operator)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")

    decided = await _approve(client, operator, request_id)
    assert decided.status_code == 204 and decided.content == b""  # no password for the operator
    again = await client.post(
        f"/api/auth/recovery-requests/{request_id}/decision",
        headers=operator,
        json={"approve": False, "opinion": "重复"},
    )
    assert again.status_code == 409

    # Nothing changed yet: the owner still works, the requester only hears when it takes effect.
    item = await _item(client, operator, request_id)
    assert item["status"] == "approved" and item["status_label"] == "已通过（冷静期中）"
    waited = (item_time := item["effective_at"]) and item_time > item["decided_at"]
    assert waited
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 200
    requester = await h.sms_to(client, new_phone)
    assert len(requester) == 1 and "生效" in requester[0]
    assert "密码为" not in requester[0]
    owner = (await h.sms_to(client, ready["phone"]))[0]
    assert (
        "审核通过" in owner and _masked(new_phone) in owner and _code(owner, "撤销") and _code(owner, "确认")
    )
    ctx = get_context(client._transport.app.state.runtime)
    assert await recovery.apply(ctx, request_id, via=RecoveryClosedVia.cooling_off_elapsed) is False

    await _end_cooling_off(client, request_id)
    # The poller (a background job of the service) applies it.
    await wait_until(lambda: _status_is(client, operator, request_id, "completed"), timeout=10)
    item = await _item(client, operator, request_id)
    assert item["closed_via"] == "cooling_off_elapsed" and item["closed_via_label"] == "冷静期届满后生效"

    # The SMS are sent once the transaction committed, so they may arrive just after the status shows.
    told = await wait_until(lambda: _sms_after(client, h, new_phone, 2), timeout=10)
    text = told[0]
    assert "审核通过" in text and ready["credit_code"] in text
    password = re.search(r"新登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    old_told = (await h.sms_to(client, ready["phone"]))[0]
    assert "已由本号码更换为" in old_told and _masked(new_phone) in old_told
    # Every session ended; the stored phone is the new one; the generated password must be changed first.
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 401
    tokens = await h.login(client, new_phone, password)
    assert tokens["must_change_password"] is True
    me = (await client.get("/api/auth/me", headers=h.bearer(tokens["access_token"]))).json()
    assert me["account"]["phone"] == new_phone

    # enterprise.updated carries the new phone (sealed); declaration updates its self-declared list row with it.
    updated = [
        e
        for e in await _events(client, "enterprise.updated.v1")
        if e["payload"]["credit_code"] == ready["credit_code"]
    ]
    assert (
        client._transport.app.state.runtime.sealer.unseal(updated[-1]["payload"]["phone_sealed"]) == new_phone
    )
    statuses = [
        e["payload"]["status"]
        for e in await _events(client, "enterprise.recovery_status_changed.v1")
        if e["payload"]["request_id"] == request_id
    ]
    assert statuses == ["pending", "approved", "completed"]

    # Idempotent: another pass (or another poller) changes nothing and sends nothing.
    assert await recovery.apply(ctx, request_id, via=RecoveryClosedVia.cooling_off_elapsed) is False
    assert await recovery.apply_due(ctx) >= 0
    assert len(await h.sms_to(client, new_phone)) == 2

    decided_entry = (await _audit(client, operator, "recovery_decided", request_id))[0]
    me_op = (await client.get("/api/auth/me", headers=operator)).json()
    assert decided_entry["actor_account_id"] == me_op["account"]["id"]
    assert (
        decided_entry["detail"]["opinion"] == "授权书与营业执照一致" and decided_entry["result"] == "approved"
    )
    applied = (await _audit(client, operator, "recovery_applied", request_id))[0]
    assert applied["detail"]["via"] == "cooling_off_elapsed" and password not in str(applied)
    replaced = (await _audit(client, operator, "phone_changed", request_id))[0]
    assert replaced["detail"]["via"] == "recovery"
    assert replaced["detail"]["old_phone"] == _masked(ready["phone"])
    assert replaced["detail"]["new_phone"] == _masked(new_phone)


async def _sms_after(client, h, phone: str, count: int) -> list[str]:
    texts = await h.sms_to(client, phone)
    return texts if len(texts) >= count else []


async def _status_is(client, operator, request_id: str, status: str) -> bool:
    return (await _item(client, operator, request_id))["status"] == status


async def test_the_owner_cancels_during_the_cooling_off_period(client, h):
    ready = await h.ready_enterprise(client)
    attacker_phone = h.new_phone()
    request_id = (await _submit(client, h, _form(ready, new_phone=attacker_phone))).json()["id"]
    operator = await _operator(client, h)
    assert (await _approve(client, operator, request_id)).status_code == 204
    owner = (await h.sms_to(client, ready["phone"]))[0]
    cancelled = await client.post("/api/auth/recovery-requests/cancel", json={"code": _code(owner, "撤销")})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    await _end_cooling_off(client, request_id)
    ctx = get_context(client._transport.app.state.runtime)
    await recovery.apply_due(ctx)
    assert (await _item(client, operator, request_id))["status"] == "cancelled"
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 200
    assert all("密码为" not in t for t in await h.sms_to(client, attacker_phone))
    # The filing code also still cancels only open requests.
    confirm = await client.post("/api/auth/recovery-requests/confirm", json={"code": _code(owner, "确认")})
    assert confirm.status_code == 409 and h.error_code(confirm) == "recovery_not_open"


async def test_the_current_phone_confirms_and_it_takes_effect_at_once(client, h):
    ready = await h.ready_enterprise(client)
    request_id = (await _submit(client, h, _form(ready))).json()[
        "id"
    ]  # no new phone: the password goes to the old
    operator = await _operator(client, h)
    assert (await _approve(client, operator, request_id)).status_code == 204
    owner = (await h.sms_to(client, ready["phone"]))[0]
    wrong = await client.post("/api/auth/recovery-requests/confirm", json={"code": _code(owner, "撤销")})
    assert wrong.status_code == 404  # a cancel code does not confirm
    confirmed = await client.post("/api/auth/recovery-requests/confirm", json={"code": _code(owner, "确认")})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "completed"
    text = (await h.sms_to(client, ready["phone"]))[0]
    password = re.search(r"新登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    assert (await h.login(client, ready["phone"], password))["must_change_password"] is True
    item = await _item(client, operator, request_id)
    assert item["closed_via"] == "current_phone_confirmed"
    assert await _audit(client, operator, "recovery_confirmed", request_id)
    assert not await _audit(client, operator, "phone_changed", request_id)  # the phone stayed


async def test_rejected_request_tells_the_old_phone_why(client, h):
    ready = await h.ready_enterprise(client)
    submitted = await _submit(
        client, h, _form(ready), letter=h.png_bytes(), name="letter.png", kind="image/png"
    )
    assert submitted.status_code == 201, submitted.text
    operator = await _operator(client, h)
    decided = await client.post(
        f"/api/auth/recovery-requests/{submitted.json()['id']}/decision",
        headers=operator,
        json={"approve": False, "opinion": "授权书未加盖公章"},
    )
    assert decided.status_code == 204
    text = (await h.sms_to(client, ready["phone"]))[0]
    assert "未通过审核" in text and "授权书未加盖公章" in text
    # Nothing changed for the account.
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 200


async def test_request_for_an_unknown_credit_code_can_only_be_rejected(client, h):
    form = {
        "credit_code": h.new_credit_code(),
        "enterprise_name": "不存在公司",
        "contact_name": "某人",
        "reason": "找回账号",
    }
    submitted = await _submit(client, h, form, letter=h.jpeg_bytes(), name="a.jpg", kind="image/jpeg")
    assert submitted.status_code == 201
    operator = await _operator(client, h)
    path = f"/api/auth/recovery-requests/{submitted.json()['id']}/decision"
    approve = await client.post(path, headers=operator, json={"approve": True, "opinion": "同意"})
    assert approve.status_code == 409 and h.error_code(approve) == "recovery_account_not_found"
    assert (
        await client.post(path, headers=operator, json={"approve": False, "opinion": "无此企业"})
    ).status_code == 204


async def test_bad_requests_and_roles(client, h, settings):
    ready = await h.ready_enterprise(client)
    text_file = await _submit(client, h, _form(ready), letter=b"just text, not a letter", name="letter.pdf")
    assert text_file.status_code == 415
    scripted = await _submit(
        client,
        h,
        _form(ready),
        letter=h.pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /JS (x) >>"),
    )
    assert scripted.status_code == 415
    huge = await _submit(
        client, h, _form(ready), letter=b"%PDF-" + b"0" * (settings.recovery_letter_max_bytes + 1)
    )
    assert huge.status_code == 413
    bad_code = await _submit(client, h, _form(ready, credit_code="123"))
    assert bad_code.status_code == 422
    bad_phone = await _submit(client, h, _form(ready, new_phone="555"))
    assert bad_phone.status_code == 422
    no_letter = await client.post("/api/auth/recovery-requests", data=_form(ready))
    assert no_letter.status_code == 422

    enterprise = h.bearer(ready["access_token"])
    assert (await client.get("/api/auth/recovery-requests", headers=enterprise)).status_code == 403
    assert (await client.get("/api/auth/recovery-requests")).status_code == 401
    operator = await _operator(client, h)
    missing = await client.post(
        "/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
        headers=operator,
        json={"approve": True, "opinion": "x"},
    )
    assert missing.status_code == 404
    assert (
        await client.get("/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000", headers=operator)
    ).status_code == 404
    no_opinion = await client.post(
        "/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
        headers=operator,
        json={"approve": True},
    )
    assert no_opinion.status_code == 422
    wrong_type = await client.post(
        "/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
        headers=operator,
        json={"approve": "perhaps", "opinion": "x"},
    )
    assert wrong_type.status_code == 422
    for body in ({}, {"code": ""}, {"code": "x" * 41}, {"code": "AB\x00CD"}, {"code": 5}):
        response = await client.post("/api/auth/recovery-requests/cancel", json=body)
        assert response.status_code == 422, (body, response.text)


async def test_cancel_codes_are_rate_limited_per_address(client, h, settings):
    ip = {"X-Forwarded-For": h.random_ip()}
    answers = [
        (
            await client.post("/api/auth/recovery-requests/cancel", json={"code": "ABCDEFGHJK"}, headers=ip)
        ).status_code
        for _ in range(settings.recovery_codes_per_ip_hour + 1)
    ]
    assert answers == [404] * settings.recovery_codes_per_ip_hour + [429]


async def test_recovery_requests_are_rate_limited_per_address(client, h, settings):
    ready = await h.ready_enterprise(client)
    ip = {"X-Forwarded-For": h.random_ip()}
    codes = []
    for _ in range(settings.recovery_requests_per_ip_hour + 1):
        response = await client.post(
            "/api/auth/recovery-requests",
            data=_form(ready),
            headers=ip,
            files={"letter": ("a.pdf", h.pdf_bytes(), "application/pdf")},
        )
        codes.append(response.status_code)
    assert codes == [201] * settings.recovery_requests_per_ip_hour + [429]


def test_production_refuses_a_short_cooling_off_period():
    # Only this check (the kit's own production checks are tested in the kit).
    short = Settings.model_construct(env="production", recovery_cooling_off_seconds=60)
    with pytest.raises(ValueError, match="LP_RECOVERY_COOLING_OFF_SECONDS"):
        short._cooling_off_in_production()
    assert Settings.model_construct(
        env="production", recovery_cooling_off_seconds=3600
    )._cooling_off_in_production()
    assert Settings().recovery_cooling_off_seconds == 24 * 3600
