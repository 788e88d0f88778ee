"""领跑者企业身份认证 against candidate-list events published on the real exchange (as the declaration
service will), consumed through the kit's inbox into the read model of phones."""

from __future__ import annotations

import uuid

import aio_pika
import pytest
from auth.consumers import HANDLERS
from kit.bus import Envelope, declare_consumer_queue, inbox, outbox
from kit.testing.fixtures import wait_until
from sqlalchemy import select


@pytest.fixture
async def publish(settings):
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    # Declaring the consumer's queue first means nothing published here can miss it.
    await declare_consumer_queue(channel, settings, "auth", list(HANDLERS))
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )

    async def _publish(event_type: str, payload: dict, *, envelope: Envelope | None = None) -> Envelope:
        """Publish a new event, or the given envelope again (a redelivery: same id)."""
        envelope = envelope or Envelope(type=event_type, producer="declaration", payload=payload)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(envelope.id),
                content_type="application/json",
            ),
            routing_key=envelope.routing_key,
        )
        return envelope

    yield _publish
    await connection.close()


def _listed(runtime, *, credit_code: str, phone: str, ref: str, candidate_id: uuid.UUID) -> dict:
    return {
        "candidate_id": str(candidate_id),
        "product_id": str(uuid.uuid4()),
        "agency_org_id": "00000000-0000-4000-a000-000000000101",
        "credit_code": credit_code,
        "enterprise_name": "杭州测试电器股份有限公司",
        "standard_no": "Q/HZCS 001-2024",
        "standard_name": "家用电冰箱",
        "phone_ref": ref,
        "phone_masked": phone[:3] + "****" + phone[-4:],
        "phone_sealed": runtime.sealer.seal(phone),
    }


async def _status(client, h, token: str) -> dict:
    response = await client.get("/api/auth/forerunner-auth", headers=h.bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def test_forerunner_authentication_through_candidate_events(client, h, publish):
    runtime = client._transport.app.state.runtime
    ready = await h.ready_enterprise(client)
    token = ready["access_token"]

    before = await _status(client, h, token)
    assert before["eligible"] is False and before["phones"] == []
    assert "等待评估机构" in before["message"] and "自主申报" in before["message"]
    refused = await client.post(
        "/api/auth/sms-codes", headers=h.bearer(token), json={"purpose": "forerunner_auth", "ref": "nothing"}
    )
    assert refused.status_code == 409 and h.error_code(refused) == "forerunner_not_eligible"
    assert "自主申报" in refused.json()["error"]["message"]

    listed_phone, candidate_id = h.new_phone(), uuid.uuid4()
    event = await publish(
        "candidate.listed",
        _listed(
            runtime,
            credit_code=ready["credit_code"],
            phone=listed_phone,
            ref="ref-1",
            candidate_id=candidate_id,
        ),
    )
    await wait_until(lambda: _eligible(client, h, token), timeout=15)
    after = await _status(client, h, token)
    assert after["phones"] == [{"ref": "ref-1", "masked": listed_phone[:3] + "****" + listed_phone[-4:]}]

    # The agency corrects the phone: the code goes to the corrected number.
    corrected = h.new_phone()
    await publish(
        "candidate.phone_changed",
        {
            "candidate_id": str(candidate_id),
            "credit_code": ready["credit_code"],
            "phone_ref": "ref-1",
            "phone_masked": corrected[:3] + "****" + corrected[-4:],
            "phone_sealed": runtime.sealer.seal(corrected),
        },
    )
    await wait_until(lambda: _masked_is(client, h, token, corrected), timeout=15)
    # The listing delivered again is recognised by its id (inbox) and does not bring the old phone back.
    await publish(event.type, event.payload, envelope=event)
    marker = await publish(
        "candidate.removed", {"candidate_id": str(uuid.uuid4()), "credit_code": "X", "phone_ref": "none"}
    )
    await wait_until(lambda: _handled(runtime, marker.id), timeout=15)
    assert await _masked_is(client, h, token, corrected)

    unknown_ref = await client.post(
        "/api/auth/sms-codes", headers=h.bearer(token), json={"purpose": "forerunner_auth", "ref": "ref-x"}
    )
    assert unknown_ref.status_code == 404
    code = await _ask(client, h, token, "ref-1", corrected)
    assert await h.sms_to(client, listed_phone) == []

    wrong = await client.post(
        "/api/auth/forerunner-auth",
        headers=h.bearer(token),
        json={"ref": "ref-1", "sms_code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 422 and h.error_code(wrong) == "sms_code_wrong"
    verified = await client.post(
        "/api/auth/forerunner-auth", headers=h.bearer(token), json={"ref": "ref-1", "sms_code": code}
    )
    assert verified.status_code == 200, verified.text
    fresh = verified.json()["access_token"]
    assert runtime.verifier.decode(fresh)["fv"] is True
    me = (await client.get("/api/auth/me", headers=h.bearer(fresh))).json()
    assert me["forerunner_verified"] is True
    assert (
        await client.get("/api/auth/me", headers=h.bearer(token))
    ).status_code == 401  # the fv=false session ended
    # Refreshing keeps the verified status.
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": verified.json()["refresh_token"]}
    )
    assert runtime.verifier.decode(refreshed.json()["access_token"])["fv"] is True

    async with runtime.db.session() as session:
        rows = (
            (
                await session.execute(
                    select(outbox.c.body).where(outbox.c.routing_key == "identity.forerunner_verified.v1")
                )
            )
            .scalars()
            .all()
        )
    assert any(r["payload"]["credit_code"] == ready["credit_code"] for r in rows)

    # The agency removes the candidate: no phone is offered any more.
    await publish(
        "candidate.removed",
        {"candidate_id": str(candidate_id), "credit_code": ready["credit_code"], "phone_ref": "ref-1"},
    )
    await wait_until(lambda: _not_eligible(client, h, fresh), timeout=15)


async def test_only_enterprises_authenticate(client, h):
    agency = h.bearer((await h.demo_login(client, "agency01"))["access_token"])
    assert (await client.get("/api/auth/forerunner-auth", headers=agency)).status_code == 403
    asked = await client.post(
        "/api/auth/sms-codes", headers=agency, json={"purpose": "forerunner_auth", "ref": "r"}
    )
    assert asked.status_code == 403
    anonymous = await client.post("/api/auth/sms-codes", json={"purpose": "forerunner_auth", "ref": "r"})
    assert anonymous.status_code == 401


async def _handled(runtime, event_id) -> bool:
    async with runtime.db.session() as session:
        return (
            await session.execute(select(inbox.c.event_id).where(inbox.c.event_id == event_id))
        ).first() is not None


async def _ask(client, h, token: str, ref: str, phone: str) -> str:
    response = await client.post(
        "/api/auth/sms-codes", headers=h.bearer(token), json={"purpose": "forerunner_auth", "ref": ref}
    )
    assert response.status_code == 202, response.text
    return await h.code_for(client, phone)


async def _eligible(client, h, token: str) -> bool:
    return (await _status(client, h, token))["eligible"]


async def _not_eligible(client, h, token: str) -> bool:
    return not (await _status(client, h, token))["eligible"]


async def _masked_is(client, h, token: str, phone: str) -> bool:
    phones = (await _status(client, h, token))["phones"]
    return phones == [{"ref": "ref-1", "masked": phone[:3] + "****" + phone[-4:]}]
