"""Events in, messages out: in-site messages appear once even when an event is delivered twice, SMS goes
to the right phone with the right text, and each organisation sees only its own messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kit import metrics
from kit.bus import Envelope
from kit.testing.fixtures import wait_until
from notify.models import Contact, Delivery, Message
from sqlalchemy import func, select, text, update

from .conftest import AUTH_FAILING, AUTH_ORGANISATIONS, new_phone


def status_changed(org_id, *, to, frm, evidence_to, opinion=None, actor="agency", agency=None, decl=None):
    return {
        "declaration_id": str(decl or uuid.uuid4()),
        "org_id": str(org_id),
        "product_id": str(uuid.uuid4()),
        "product_name": "家用电冰箱",
        "agency_org_id": str(agency) if agency else None,
        "standard_no": "Q/HR 0001-2024",
        "standard_name": "家用电冰箱能效",
        "action": "fail",
        "list_status": {"from": frm, "to": to},
        "list_status_label": "不通过",
        "evidence_status": {"from": "pending", "to": evidence_to},
        "evidence_status_label": "不通过",
        "opinion": opinion,
        "actor_role": actor,
        "enterprise_must_know": True,
        "review_id": str(uuid.uuid4()),
    }


async def register(publish, runtime, org, phone: str):
    return await publish(
        "enterprise.registered",
        {
            "org_id": str(org.id),
            "name": org.name,
            "credit_code": "91350100M000100Y43",
            "contact_name": "张三",
            "phone_masked": f"{phone[:3]}****{phone[7:]}",
            "phone_sealed": runtime.sealer.seal(phone),
        },
    )


def has(runtime, model, *where, n: int):
    async def check() -> bool:
        return await count(runtime, model, *where) == n

    return check


async def messages(client, org, **params):
    r = await client.get("/api/notify/messages", headers=org.headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def count(runtime, model, *where) -> int:
    async with runtime.db.session() as session:
        return int(
            (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_rejection_reaches_the_enterprise_once_in_site_and_by_sms(
    client, runtime, publish, sms, make_org
):
    org, agency = make_org(), make_org("agency", "某检测认证机构")
    phone = new_phone()
    await register(publish, runtime, org, phone)
    await wait_until(lambda: count(runtime, Contact, Contact.org_id == org.id))

    payload = status_changed(
        org.id,
        to="agency_rejected",
        frm="with_agency",
        evidence_to="failed",
        opinion="检测报告已过有效期",
        agency=agency.id,
    )
    duplicates = metrics.EVENTS_CONSUMED.labels("notify", "declaration.status_changed", "duplicate")
    before = duplicates._value.get()
    event = await publish("declaration.status_changed", payload)
    await publish("declaration.status_changed", payload, envelope=event)  # the same event delivered again

    await wait_until(lambda: sms.messages(phone))
    await wait_until(lambda: duplicates._value.get() > before)  # the second delivery was seen and dropped
    await wait_until(has(runtime, Delivery, Delivery.event_id == event.id, Delivery.status == "sent", n=2))
    page = await messages(client, org)
    titles = [m["title"] for m in page["items"]]
    assert titles == ["申报未通过审核", "欢迎注册"]
    rejected = page["items"][0]
    assert "《家用电冰箱能效》（Q/HR 0001-2024）" in rejected["body"]
    assert "审核意见：检测报告已过有效期。" in rejected["body"]
    assert rejected["read"] is False and page["unread"] == 2

    sent = await sms.messages(phone)
    assert len(sent) == 1
    assert sent[0]["text"] == (
        "您申报的企业标准《家用电冰箱能效》（Q/HR 0001-2024）未通过评估机构审核，请登录平台查看审核意见并修改后重新提交。"
    )
    # The delivery log keeps one row per channel; the phone appears only masked.
    await wait_until(has(runtime, Delivery, Delivery.event_id == event.id, Delivery.status == "sent", n=2))
    async with runtime.db.session() as session:
        rows = (await session.execute(select(Delivery).where(Delivery.event_id == event.id))).scalars().all()
    assert sorted(r.channel for r in rows) == ["site", "sms"]
    assert next(r for r in rows if r.channel == "sms").destination_masked == f"{phone[:3]}****{phone[7:]}"
    assert await count(runtime, Message, Message.event_id == event.id) == 1
    assert (await messages(client, agency))["total"] == 0  # nothing for the agency on its own rejection


async def test_submission_tells_the_agency_in_site_without_sms(client, runtime, publish, sms, make_org):
    org, agency = make_org(), make_org("agency", "某检测认证机构")
    phone = new_phone()
    await register(publish, runtime, org, phone)
    event = await publish(
        "declaration.status_changed",
        status_changed(
            org.id, to="with_agency", frm="draft", evidence_to="pending", actor="enterprise", agency=agency.id
        ),
    )
    await wait_until(has(runtime, Message, Message.event_id == event.id, n=2))
    page = await messages(client, agency)
    assert [m["title"] for m in page["items"]] == ["新的申报待审核"]
    assert page["items"][0]["link"] == "/workspace/agency/reviews"
    assert await count(runtime, Delivery, Delivery.event_id == event.id, Delivery.channel == "sms") == 0
    assert await sms.messages(phone) == []


async def test_notice_uses_the_declaration_owner_and_its_dates(client, runtime, publish, sms, make_org):
    org = make_org()
    phone = new_phone()
    decl = uuid.uuid4()
    await register(publish, runtime, org, phone)
    first = await publish(
        "declaration.status_changed",
        status_changed(org.id, to="group_review", frm="with_agency", evidence_to="passed", decl=decl),
    )
    await wait_until(lambda: count(runtime, Message, Message.event_id == first.id))
    notice = await publish(
        "notice.opened",
        {
            "notice_id": str(uuid.uuid4()),
            "year": 2024,
            "product_id": str(uuid.uuid4()),
            "declaration_ids": [str(decl), str(uuid.uuid4())],
            "starts_at": datetime(2024, 6, 30, 17, 0, tzinfo=UTC).isoformat(),  # 7月1日 01:00 in Beijing
            "ends_at": datetime(2024, 7, 14, 16, 0, tzinfo=UTC).isoformat(),
        },
    )
    await wait_until(lambda: sms.messages(phone))
    top = (await messages(client, org))["items"][0]
    assert top["title"] == "申报进入公示期" and top["category"] == "notice"
    assert "公示期为2024年7月1日至2024年7月15日" in top["body"]
    assert (await sms.messages(phone))[0]["text"].endswith(
        "已进入公示期（2024年7月1日至2024年7月15日），详情请登录平台查看。"
    )
    assert await count(runtime, Message, Message.event_id == notice.id) == 1


async def test_phone_is_asked_of_auth_when_no_contact_is_known(client, runtime, publish, sms, make_org):
    org = make_org()
    phone = new_phone()
    AUTH_ORGANISATIONS[str(org.id)] = (org.name, phone)
    event = await publish(
        "certificate.revoked",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LPZ-2024-000123",
            "declaration_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "model_ids": [str(uuid.uuid4())],
            "reason": "企业标准已废止",
        },
    )
    await wait_until(lambda: sms.messages(phone))
    assert (await sms.messages(phone))[0]["text"] == (
        "您的领跑者证书（编号LPZ-2024-000123）已被撤销，相关产品已从商城下架，详情请登录平台查看。"
    )
    body = (await messages(client, org))["items"][0]["body"]
    assert "撤销原因：企业标准已废止。" in body
    # The phone is now kept, sealed, for the next message.
    async with runtime.db.session() as session:
        kept = await session.get(Contact, org.id)
    assert kept.phone_masked == f"{phone[:3]}****{phone[7:]}" and phone not in kept.phone_sealed
    assert runtime.sealer.unseal(kept.phone_sealed) == phone
    await wait_until(has(runtime, Delivery, Delivery.event_id == event.id, Delivery.status == "sent", n=2))

    async def revoke(number: str) -> None:
        await publish(
            "certificate.revoked",
            {
                "certificate_id": str(uuid.uuid4()), "number": number, "declaration_id": str(uuid.uuid4()),
                "org_id": str(org.id), "model_ids": [str(uuid.uuid4())], "reason": "企业标准已废止",
            },
        )  # fmt: skip

    # auth now knows another number (a lost-phone recovery): the kept copy serves while it is fresh ...
    changed = new_phone()
    AUTH_ORGANISATIONS[str(org.id)] = (org.name, changed)
    await revoke("LPZ-2024-000124")
    await wait_until(lambda: _texted(sms, phone, "LPZ-2024-000124"))
    assert not await sms.messages(changed)
    # ... and once it has aged past notify_asked_phone_seconds, auth is asked again
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Contact).where(Contact.org_id == org.id)
            .values(phone_asked_at=func.now() - text("interval '1 day'"))
        )  # fmt: skip
    await revoke("LPZ-2024-000125")
    await wait_until(lambda: _texted(sms, changed, "LPZ-2024-000125"))
    assert not await _texted(sms, phone, "LPZ-2024-000125")


async def _texted(sms, phone: str, number: str) -> bool:
    return any(number in m["text"] for m in await sms.messages(phone))


async def test_unknown_organisation_sms_is_skipped_not_retried(client, runtime, publish, make_org):
    org = make_org()
    event = await publish(
        "certificate.expired",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LPZ-2021-000001",
            "declaration_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "model_ids": [],
            "reason": "expired",
        },
    )
    await wait_until(
        lambda: count(runtime, Delivery, Delivery.event_id == event.id, Delivery.status == "skipped")
    )
    async with runtime.db.session() as session:
        row = (
            await session.execute(
                select(Delivery).where(Delivery.event_id == event.id, Delivery.channel == "sms")
            )
        ).scalar_one()
    assert row.last_error == "organisation_unknown" and row.attempts == 1
    assert (await messages(client, org))["items"][0]["title"] == "领跑者证书已到期"


async def test_messages_are_private_to_the_organisation(client, runtime, publish, make_org):
    org, other = make_org(), make_org(name="另一家企业")
    event = await publish(
        "mall.product_listed",
        {
            "model_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "reason": "enterprise",
            "product_name": "家用电冰箱",
            "model": "BCD-520W",
        },
    )
    await wait_until(lambda: count(runtime, Message, Message.event_id == event.id))
    mine = (await messages(client, org))["items"][0]
    assert mine["title"] == "产品已上架"

    assert (await messages(client, other))["total"] == 0
    for method, path in (
        ("GET", f"/api/notify/messages/{mine['id']}"),
        ("POST", f"/api/notify/messages/{mine['id']}/read"),
    ):
        r = await client.request(method, path, headers=other.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "message_not_found"
    r = await client.post("/api/notify/messages/read-all", headers=other.headers)
    assert r.json()["updated"] == 0
    assert (await messages(client, org))["items"][0]["read"] is False  # untouched by the other tenant

    assert (await client.get("/api/notify/messages")).status_code == 401
    r = await client.get("/api/notify/messages/not-a-uuid", headers=org.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    r = await client.get("/api/notify/messages", headers=org.headers, params={"page_size": 1000})
    assert r.status_code == 422
    r = await client.get("/api/notify/messages", headers=org.headers, params={"category": "spam"})
    assert r.status_code == 422
    assert (await messages(client, org, category="mall"))["total"] == 1
    assert (await messages(client, org, category="certificate"))["total"] == 0


async def test_read_one_read_all_and_pagination(client, runtime, publish, make_org):
    org = make_org()
    events = []
    for i in range(5):
        events.append(
            await publish(
                "label.issued",
                {
                    "label_id": str(uuid.uuid4()),
                    "number": f"LPB-{i:04d}",
                    "verify_code": f"V{i}",
                    "model_id": str(uuid.uuid4()),
                    "org_id": str(org.id),
                    "kind": "forerunner",
                },
            )
        )
    await wait_until(has(runtime, Message, Message.org_id == org.id, n=5))

    first = await messages(client, org, page=1, page_size=2)
    second = await messages(client, org, page=2, page_size=2)
    last = await messages(client, org, page=3, page_size=2)
    assert first["total"] == 5 and first["unread"] == 5 and len(last["items"]) == 1
    ids = [m["id"] for m in first["items"] + second["items"] + last["items"]]
    assert len(set(ids)) == 5
    stamps = [m["created_at"] for m in first["items"] + second["items"] + last["items"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first

    r = await client.post(f"/api/notify/messages/{ids[0]}/read", headers=org.headers)
    assert r.status_code == 200 and r.json()["read"] is True
    read_at = r.json()["read_at"]
    again = await client.post(f"/api/notify/messages/{ids[0]}/read", headers=org.headers)
    assert again.json()["read_at"] == read_at
    count_r = await client.get("/api/notify/messages/unread-count", headers=org.headers)
    assert count_r.json() == {"unread": 4}
    assert (await messages(client, org, unread_only=True))["total"] == 4

    r = await client.post("/api/notify/messages/read-all", headers=org.headers)
    assert r.json() == {"updated": 4, "unread": 0}
    assert (await messages(client, org))["unread"] == 0


async def test_a_changed_phone_is_used_for_the_next_sms_even_out_of_order(
    client, runtime, publish, sms, make_org
):
    org = make_org()
    old, new = new_phone(), new_phone()
    registered = Envelope(
        type="enterprise.registered",
        producer="auth",
        occurred_at=datetime.now(UTC) - timedelta(seconds=5),
        payload={
            "org_id": str(org.id),
            "name": org.name,
            "credit_code": "91350100M000100Y43",
            "contact_name": "张三",
            "phone_masked": f"{old[:3]}****{old[7:]}",
            "phone_sealed": runtime.sealer.seal(old),
        },
    )
    updated = Envelope(
        type="enterprise.updated",
        producer="auth",
        payload={
            "org_id": str(org.id),
            "name": org.name,
            "credit_code": "91350100M000100Y43",
            "contact_name": "李四",
            "phone_masked": f"{new[:3]}****{new[7:]}",
            "phone_sealed": runtime.sealer.seal(new),
            "email": None,
        },
    )
    # The newer profile arrives first; the older registration must not overwrite it.
    await publish("", {}, envelope=updated)
    await wait_until(lambda: count(runtime, Contact, Contact.org_id == org.id))
    await publish("", {}, envelope=registered)
    await wait_until(lambda: count(runtime, Message, Message.event_id == registered.id))
    async with runtime.db.session() as session:
        kept = await session.get(Contact, org.id)
    assert kept.contact_name == "李四" and kept.phone_masked == f"{new[:3]}****{new[7:]}"

    await publish(
        "mall.product_unlisted",
        {
            "model_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "reason": "certificate_revoked",
            "reason_label": "领跑者证书已被撤销。",
            "product_name": "家用电冰箱",
            "model": "BCD-520W",
        },
    )
    await publish(
        "certificate.revoked",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LPZ-2024-000999",
            "declaration_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "model_ids": [],
            "reason": "企业申请撤销",
        },
    )
    await wait_until(lambda: sms.messages(new))
    assert await sms.messages(old) == []
    titles = [m["title"] for m in (await messages(client, org))["items"]]
    assert set(titles) == {"领跑者证书已撤销", "产品已下架", "欢迎注册"}
    assert await count(runtime, Message, Message.event_id == updated.id) == 0  # a profile edit is not news


async def test_sms_waits_out_an_auth_outage_and_goes_once(client, runtime, publish, sms, make_org):
    org = make_org()
    phone = new_phone()
    AUTH_FAILING.add(str(org.id))
    event = await publish(
        "certificate.expired",
        {
            "certificate_id": str(uuid.uuid4()),
            "number": "LPZ-2021-000777",
            "declaration_id": str(uuid.uuid4()),
            "org_id": str(org.id),
            "model_ids": [],
            "reason": "expired",
        },
    )
    sms_row = (Delivery.event_id == event.id, Delivery.channel == "sms")

    async def retried():
        async with runtime.db.session() as session:
            row = (await session.execute(select(Delivery).where(*sms_row))).scalar_one_or_none()
        return row if row is not None and row.status == "pending" and row.attempts >= 1 else None

    row = await wait_until(retried)
    assert row.last_error == "TryLater: auth answered 503"
    assert row.next_attempt_at > datetime.now(UTC)  # backed off, not hammering auth
    assert await sms.messages(phone) == []

    AUTH_FAILING.discard(str(org.id))
    AUTH_ORGANISATIONS[str(org.id)] = (org.name, phone)
    async with runtime.db.transaction() as session:  # skip the rest of the backoff
        await session.execute(update(Delivery).where(*sms_row).values(next_attempt_at=func.now()))
    await wait_until(has(runtime, Delivery, *sms_row, Delivery.status == "sent", n=1))
    sent = await sms.messages(phone)
    assert len(sent) == 1 and "LPZ-2021-000777" in sent[0]["text"]


async def test_a_recovery_request_tells_the_named_enterprise_in_site_at_every_step(
    client, runtime, publish, sms, make_org
):
    org = make_org()
    phone = new_phone()
    await register(publish, runtime, org, phone)
    request_id = str(uuid.uuid4())
    base = {
        "org_id": str(org.id),
        "request_id": request_id,
        "claimed_name": "随便写的公司",
        "claimed_contact": "李四",
        "new_phone_masked": "199****0001",
    }
    filed = await publish("enterprise.recovery_status_changed", {**base, "status": "pending"})
    approved = await publish(
        "enterprise.recovery_status_changed",
        {**base, "status": "approved", "effective_at": "2026-12-03T02:00:00+00:00"},
    )
    await wait_until(has(runtime, Message, Message.event_id.in_([filed.id, approved.id]), n=2))
    page = await messages(client, org, category="account")
    titles = [m["title"] for m in page["items"]]
    assert titles[:2] == ["账号找回申请已审核通过，进入冷静期", "有人提交了本企业的账号找回申请"]
    bodies = [
        (await client.get(f"/api/notify/messages/{m['id']}", headers=org.headers)).json()["body"]
        for m in page["items"][:2]
    ]
    assert "随便写的公司" in bodies[1] and "199****0001" in bodies[1] and "撤销码" in bodies[1]
    assert "2026年12月3日 10:00" in bodies[0]  # Beijing time
    # In-site only: the SMS with the codes comes from auth itself.
    assert (
        await count(
            runtime, Delivery, Delivery.event_id.in_([filed.id, approved.id]), Delivery.channel == "sms"
        )
        == 0
    )
