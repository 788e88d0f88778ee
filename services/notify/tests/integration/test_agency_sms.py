"""Agencies are told by SMS too, where the working group hands work back to them or withdraws their
designation: the phone is the agency's contact phone, asked of auth (no enterprise event carries it); one SMS
per event and agency however often the event is delivered; the logs hold the phone only masked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import kit.sms
import notify.workers.dispatch
from kit.testing.fixtures import wait_until
from notify.models import Delivery
from sqlalchemy import func, select

from .conftest import AUTH_ORGANISATIONS, new_phone


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[7:]}"


def returned_by_group(enterprise_id, agency_id) -> dict:
    return {
        "declaration_id": str(uuid.uuid4()),
        "org_id": str(enterprise_id),
        "product_id": str(uuid.uuid4()),
        "product_name": "家用电冰箱",
        "agency_org_id": str(agency_id),
        "standard_no": "Q/HR 0007-2024",
        "standard_name": "家用电冰箱能效",
        "action": "return",
        "list_status": {"from": "group_review", "to": "group_returned"},
        "list_status_label": "工作组退回",
        "evidence_status": {"from": "passed", "to": "pending"},
        "evidence_status_label": "待审核",
        "opinion": "检测报告与标准不符",
        "actor_role": "working_group",
        "enterprise_must_know": False,
        "review_id": str(uuid.uuid4()),
    }


class Recorder:
    """Stands in for a module's structlog logger: keeps what the code logs, before any scrubbing, so a test
    sees whether the code itself hands a phone over in clear."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def _record(self, event: str, **fields) -> None:
        self.entries.append({"event": event, **fields})

    info = warning = error = debug = exception = _record


async def sms_rows(runtime, event_id) -> list[Delivery]:
    async with runtime.db.session() as session:
        return list(
            (
                await session.execute(
                    select(Delivery).where(Delivery.event_id == event_id, Delivery.channel == "sms")
                )
            ).scalars()
        )


async def test_group_return_reaches_the_agency_by_sms_once_and_masked_in_logs(
    client, runtime, publish, sms, make_org, monkeypatch
):
    enterprise, agency = make_org(), make_org("agency", "某家电检测认证机构")
    phone = new_phone()
    AUTH_ORGANISATIONS[str(agency.id)] = (agency.name, phone)
    recorder = Recorder()
    monkeypatch.setattr(notify.workers.dispatch, "log", recorder)
    monkeypatch.setattr(kit.sms, "log", recorder)
    event = await publish("declaration.status_changed", returned_by_group(enterprise.id, agency.id))
    await publish("declaration.status_changed", {}, envelope=event)  # the broker delivers it again
    await wait_until(lambda: sms.messages(phone))

    async def sent() -> bool:
        rows = await sms_rows(runtime, event.id)
        return len(rows) == 1 and rows[0].status == "sent"

    await wait_until(sent)
    await asyncio.sleep(0.3)  # a second delivery, if any, would have been dispatched by now
    texts = [m["text"] for m in await sms.messages(phone)]
    assert texts == [
        "企业标准《家用电冰箱能效》（Q/HR 0007-2024）经工作组审核退回贵机构复核，请登录平台查看审核意见并处理。"
    ]
    [row] = await sms_rows(runtime, event.id)
    assert row.org_id == agency.id and row.destination_masked == masked(phone)
    # in-site too, with the opinion; the enterprise is not told of a return inside the review chain
    page = (await client.get("/api/notify/messages", headers=agency.headers)).json()
    assert page["items"][0]["title"] == "工作组退回申报" and "检测报告与标准不符" in page["items"][0]["body"]
    assert (await client.get("/api/notify/messages", headers=enterprise.headers)).json()["total"] == 0

    logs = recorder.entries
    assert logs and phone not in repr(logs)
    mine = [e for e in logs if e.get("event") == "delivery_sent" and e.get("org_id") == str(agency.id)]
    assert [e["destination"] for e in mine] == [masked(phone)]


async def test_designation_withdrawal_tells_the_agency_in_site_and_by_sms(
    client, runtime, publish, sms, make_org
):
    agency, other_agency = make_org("agency", "某纺织评估中心"), make_org("agency", "另一评估中心")
    phone = new_phone()
    AUTH_ORGANISATIONS[str(agency.id)] = (agency.name, phone)
    event = await publish("catalog.designation_withdrawn", {
        "designation_id": str(uuid.uuid4()), "product_id": str(uuid.uuid4()), "product_code": "FZ-2024-01",
        "product_name": "羽绒服", "year": 2024, "agency_org_id": str(agency.id), "agency_name": agency.name,
        "notice_start": datetime(2024, 3, 1, tzinfo=UTC).isoformat(), "reason": "机构资质已到期",
        "withdrawn_at": datetime(2024, 3, 20, tzinfo=UTC).isoformat(),
    })  # fmt: skip
    await wait_until(lambda: sms.messages(phone))
    assert (await sms.messages(phone))[0]["text"] == (
        "工作组已撤销贵机构作为2024年度“羽绒服”评估机构的确定，详情请登录平台查看。"
    )
    page = (await client.get("/api/notify/messages", headers=agency.headers)).json()
    assert page["items"][0]["title"] == "评估机构确定已撤销"
    assert "撤销原因：机构资质已到期。" in page["items"][0]["body"]
    assert (await client.get("/api/notify/messages", headers=other_agency.headers)).json()["total"] == 0
    async with runtime.db.session() as session:
        channels = (await session.execute(
            select(Delivery.channel, func.count()).where(Delivery.event_id == event.id).group_by(Delivery.channel)
        )).all()  # fmt: skip
    assert dict(channels) == {"site": 1, "sms": 1}
