"""Webhooks end to end inside the notify service: events published on the bus become signed POSTs at a
real HTTP receiver on this machine (verified with the standardwebhooks library, as a subscriber would),
retried with back-off when the receiver is down, slow or answering 500, paused after failing
continuously and delivered on resume; redelivery keeps the webhook-id; SSRF targets, bad input and
non-operators are refused. The retry schedule is shortened so the tests run in seconds."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kit.testing.fixtures import wait_until as _wait_until
from kit.testing.receiver import Receiver
from notify.config import Settings
from notify.domain.statuses import WebhookDeliveryStatus
from notify.models import Message, WebhookDelivery, WebhookEndpoint
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .test_notifications import count

PORTS = iter(range(24500, 24600))


def wait_until(predicate, *, timeout: float = 20.0):
    """The kit's, with room for a machine busy with other suites."""
    return _wait_until(predicate, timeout=timeout)


@pytest.fixture(scope="module")
def settings(service_env, fake_auth: str) -> Settings:
    return Settings(
        **service_env(
            "notify",
            auth_url=fake_auth,
            notify_dispatch_interval=0.05,
            webhook_retry_schedule=(0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8),
            webhook_poll_interval=0.05,
            webhook_timeout=1.0,
            webhook_pause_after_seconds=2.5,
            webhook_pause_min_failures=5,
            webhook_max_age_seconds=120,
            public_base_url="https://lp.example.cn",
        )
    )


@pytest.fixture
async def receiver():
    r = Receiver(port=next(PORTS))
    await r.up()
    yield r
    await r.down()


@pytest.fixture
def operator(make_org):
    return make_org("operator", "平台运营中心")


async def subscribe(client, operator, url: str, types=None, organisation="某连锁超市有限公司"):
    r = await client.post(
        "/api/notify/webhooks",
        headers=operator.headers,
        json={
            "organisation": organisation,
            "contact": "李四 010-12345678",
            "url": url,
            "event_types": types or ["certificate.revoked", "forerunner.published"],
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def revoked(org_id=None, number="LPZ-2024-000777"):
    return {
        "certificate_id": str(uuid.uuid4()),
        "number": number,
        "declaration_id": str(uuid.uuid4()),
        "org_id": str(org_id or uuid.uuid4()),
        "model_ids": [str(uuid.uuid4())],
        "reason": "企业标准已废止",
    }


def verified(secret: str, received) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


async def deliveries(client, operator, endpoint_id, **params):
    r = await client.get(
        f"/api/notify/webhooks/{endpoint_id}/deliveries", headers=operator.headers, params=params
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_signed_payload_reaches_the_receiver(client, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and endpoint["state"] == "active"
    listing = await client.get("/api/notify/webhooks", headers=operator.headers)
    assert secret not in json.dumps(listing.json()) and '"secret"' not in listing.text  # shown once

    event = await publish("certificate.revoked", revoked())
    await wait_until(lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    document = verified(secret, got)
    assert document["type"] == "certificate.revoked"
    assert document["data"]["number"] == "LPZ-2024-000777"
    assert document["data"]["reason"] == "企业标准已废止"
    assert datetime.fromisoformat(document["timestamp"]) == event.occurred_at
    assert "phone" not in got.body.decode()
    # a wrong secret, or a body changed on the way, fails verification
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"LPZ", b"XYZ"), got.headers)

    # the event delivered twice by the bus is still one webhook; unsubscribed types send nothing
    await publish("certificate.revoked", revoked(), envelope=event)
    await publish(
        "mall.product_listed",
        {
            "model_id": str(uuid.uuid4()),
            "org_id": str(uuid.uuid4()),
            "product_name": "羽绒服",
            "model": "YR-1",
        },
    )
    await asyncio.sleep(0.5)
    assert len(receiver.received) == 1
    page = await deliveries(client, operator, endpoint["id"])
    assert page["total"] == 1 and page["items"][0]["status"] == "delivered"
    assert page["items"][0]["webhook_id"] == got.headers["webhook-id"]


async def test_down_receiver_gets_everything_once_when_it_comes_back(client, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    await receiver.down()
    sent = [await publish("certificate.revoked", revoked(number=f"LPZ-2024-{i:06d}")) for i in range(20)]
    await wait_until(lambda: _attempted(client, operator, endpoint["id"], 20))
    await asyncio.sleep(0.6)
    await receiver.up()
    await wait_until(lambda: len(set(receiver.ids())) == 20, timeout=15)
    await asyncio.sleep(1.0)  # nothing more arrives
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == 20  # none lost, none doubled
    numbers = {verified(endpoint["secret"], r)["data"]["number"] for r in receiver.received}
    assert numbers == {f"LPZ-2024-{i:06d}" for i in range(20)}
    page = await deliveries(client, operator, endpoint["id"], status="delivered", page_size=100)
    assert page["total"] == len(sent)
    # each waited: some were tried while the receiver was down; the rest were held back behind one probe
    # (their attempts given back) and all went out as soon as a probe got through
    assert any(d["attempts"] >= 2 for d in page["items"])


async def _attempted(client, operator, endpoint_id, n: int) -> bool:
    page = await deliveries(client, operator, endpoint_id, page_size=100)
    # every delivery written, and the endpoint tried (and retried) while down
    return page["total"] == n and sum(d["attempts"] for d in page["items"]) >= 3


async def test_slow_and_failing_receivers_are_retried_with_backoff(client, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    receiver.mode = "slow"  # 3 s, beyond the 1 s timeout
    await publish("certificate.revoked", revoked())
    await wait_until(lambda: len(receiver.received) == 1)
    receiver.mode = "error"
    await wait_until(lambda: len(receiver.received) >= 3, timeout=10)
    receiver.mode = "ok"
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "delivered"), timeout=15)

    item = (await deliveries(client, operator, endpoint["id"]))["items"][0]
    r = await client.get(
        f"/api/notify/webhooks/{endpoint['id']}/deliveries/{item['id']}", headers=operator.headers
    )
    detail = r.json()
    log = detail["attempt_log"]
    assert log[0]["error"].startswith("timeout") and log[0]["status_code"] is None
    assert [a["status_code"] for a in log[1:-1]] == [500] * (len(log) - 2)
    assert len(log[1]["response"]) <= 2048  # the receiver's long answer is kept capped
    assert log[-1]["status_code"] == 204
    # back-off: the gaps between attempts grow
    starts = [datetime.fromisoformat(a["started_at"]) for a in log]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts[1:])]  # after the timeout
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps))
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same id on every retry


async def _status_is(client, operator, endpoint_id, status: str) -> bool:
    items = (await deliveries(client, operator, endpoint_id))["items"]
    return bool(items) and all(d["status"] == status for d in items)


async def test_repeated_failure_pauses_and_resume_delivers(client, runtime, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    receiver.mode = "error"
    for i in range(3):
        await publish("certificate.revoked", revoked(number=f"LPZ-2024-1000{i}"))

    async def paused() -> bool:
        r = await client.get(f"/api/notify/webhooks/{endpoint['id']}", headers=operator.headers)
        return r.json()["state"] == "paused"

    await wait_until(paused, timeout=15)
    # the operator who registered it is told in-site
    assert await count(runtime, Message, Message.org_id == operator.id, Message.category == "webhook") == 1
    # paused: deliveries wait, nothing more is tried, a test event is refused
    attempts = len(receiver.received)
    await publish("certificate.revoked", revoked(number="LPZ-2024-10009"))
    await asyncio.sleep(1.0)
    assert len(receiver.received) == attempts
    r = await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "webhook_endpoint_inactive"

    receiver.mode = "ok"
    r = await client.post(f"/api/notify/webhooks/{endpoint['id']}/resume", headers=operator.headers)
    assert r.status_code == 200 and r.json()["state"] == "active"
    assert r.json()["consecutive_failures"] == 0
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "delivered"), timeout=10)
    delivered = {r.headers["webhook-id"] for r in receiver.received if r.at}
    assert len(delivered) == 4


async def test_redelivery_sends_again_with_the_same_id(client, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    r = await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
    assert r.status_code == 202, r.text
    delivery = r.json()
    await wait_until(lambda: len(receiver.received) == 1)
    first = receiver.received[0]
    assert verified(endpoint["secret"], first)["type"] == "webhook.test"
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "delivered"))

    url = f"/api/notify/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/redeliver"
    r = await client.post(url, headers=operator.headers)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    await wait_until(lambda: len(receiver.received) == 2)
    again = receiver.received[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == delivery["webhook_id"]
    assert again.body == first.body
    # redelivering one that is still waiting for its retry is refused
    receiver.mode = "error"
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "delivered"))
    r = await client.post(url, headers=operator.headers)
    assert r.status_code == 202
    await wait_until(lambda: len(receiver.received) == 3)
    r = await client.post(url, headers=operator.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "webhook_delivery_in_progress"


async def test_rotated_secret_signs_with_both_for_a_while(client, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    old = endpoint["secret"]
    r = await client.post(f"/api/notify/webhooks/{endpoint['id']}/rotate-secret", headers=operator.headers)
    assert r.status_code == 200
    new = r.json()["secret"]
    assert new != old and r.json()["previous_secret_until"]
    await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
    await wait_until(lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    verified(old, got)
    verified(new, got)


async def test_gone_disables_and_redirect_is_not_followed(client, runtime, publish, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url)
    receiver.mode = "redirect"
    await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
    await wait_until(lambda: len(receiver.received) >= 1)
    receiver.mode = "gone"
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "failed"), timeout=10)
    r = await client.get(f"/api/notify/webhooks/{endpoint['id']}", headers=operator.headers)
    assert r.json()["state"] == "disabled" and "410" in r.json()["disabled_reason"]
    items = (await deliveries(client, operator, endpoint["id"]))["items"]
    assert items[0]["last_status_code"] == 410
    r = await client.get(
        f"/api/notify/webhooks/{endpoint['id']}/deliveries/{items[0]['id']}", headers=operator.headers
    )
    assert r.json()["attempt_log"][0]["error"] == "redirects are not followed"
    # enabling it again works
    r = await client.patch(
        f"/api/notify/webhooks/{endpoint['id']}", headers=operator.headers, json={"enabled": True}
    )
    assert r.json()["state"] == "active" and r.json()["disabled_reason"] is None


async def test_public_payloads_of_each_event_type(client, publish, operator, receiver):
    types = ["forerunner.published", "certificate.expired", "star_product.listed", "star_product.unlisted"]
    endpoint = await subscribe(client, operator, receiver.url, types=types)
    org = uuid.uuid4()
    await publish(
        "enterprise.registered",
        {
            "org_id": str(org),
            "name": "某羽绒制品有限公司",
            "credit_code": "91350100M000100Y43",
            "contact_name": "张三",
            "phone_masked": "139****0000",
            "phone_sealed": "sealed",
        },
    )
    model = uuid.uuid4()
    await publish(
        "mall.product_listed",
        {"model_id": str(model), "org_id": str(org), "product_name": "极寒系列羽绒服", "model": "YR-2024"},
    )
    await wait_until(lambda: len(receiver.received) == 1)
    listed = verified(endpoint["secret"], receiver.received[0])
    assert listed["type"] == "star_product.listed"
    assert listed["data"] == {
        "model_id": str(model),
        "product_name": "极寒系列羽绒服",
        "model": "YR-2024",
        "enterprise_name": "某羽绒制品有限公司",
        "url": f"https://lp.example.cn/mall/products/{model}",
    }
    await publish(
        "mall.product_unlisted",
        {
            "model_id": str(model),
            "org_id": str(org),
            "reason": "enterprise",
            "reason_label": "企业下架",
            "product_name": "极寒系列羽绒服",
            "model": "YR-2024",
        },
    )
    await publish("certificate.expired", {**revoked(org), "reason": "expired"})
    await publish(
        "declaration.published",
        {
            "declaration_id": str(uuid.uuid4()),
            "org_id": str(org),
            "enterprise_name": "某羽绒制品有限公司",
            "credit_code": "91350100M000100Y43",
            "product_id": str(uuid.uuid4()),
            "product_name": "羽绒服装",
            "field": "纺织",
            "year": 2024,
            "agency_org_id": None,
            "agency_name": "某检测认证机构",
            "standard_no": "Q/YR 0001-2024",
            "standard_name": "羽绒服装",
            "published_at": datetime.now(UTC).isoformat(),
            "models": [{"model_id": str(model), "name": "极寒系列羽绒服", "spec": "YR-2024"}],
        },
    )
    await wait_until(lambda: len(receiver.received) == 4)
    by_type = {
        verified(endpoint["secret"], r)["type"]: verified(endpoint["secret"], r)["data"]
        for r in receiver.received
    }
    assert set(by_type) == set(types)
    assert by_type["star_product.unlisted"]["reason_label"] == "企业下架"
    assert by_type["certificate.expired"]["enterprise_name"] == "某羽绒制品有限公司"
    published = by_type["forerunner.published"]
    assert published["standard_no"] == "Q/YR 0001-2024" and published["year"] == 2024
    assert published["url"] == "https://lp.example.cn/forerunners?year=2024"
    assert "139" not in json.dumps(by_type) and "张三" not in json.dumps(by_type, ensure_ascii=False)


async def test_ssrf_targets_are_refused(client, runtime, operator):
    settings: Settings = runtime.settings
    settings.webhook_allow_private_targets = False
    try:
        for url in (
            "http://127.0.0.1:24599/hooks",
            "https://localhost/hooks",
            "https://10.1.2.3/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hooks",
            "https://[::ffff:192.168.0.1]/hooks",
            "https://224.0.0.1/hooks",
        ):
            r = await client.post(
                "/api/notify/webhooks",
                headers=operator.headers,
                json={
                    "organisation": "甲",
                    "contact": "乙",
                    "url": url,
                    "event_types": ["certificate.revoked"],
                },
            )
            assert r.status_code == 422, (url, r.text)
            assert r.json()["error"]["code"] == "webhook_target_refused"
        settings.webhook_allow_http = False
        r = await client.post(
            "/api/notify/webhooks",
            headers=operator.headers,
            json={
                "organisation": "甲",
                "contact": "乙",
                "url": "http://example.com/h",
                "event_types": ["certificate.revoked"],
            },
        )
        assert r.status_code == 422 and "https" in r.json()["error"]["message"]
    finally:
        settings.webhook_allow_private_targets = True
        settings.webhook_allow_http = True


async def test_delivery_rechecks_the_target_when_connecting(client, runtime, operator, receiver):
    """Registered while allowed, then the policy (or the name's DNS answer) changes: the connection is
    refused at delivery time, not made."""
    endpoint = await subscribe(client, operator, receiver.url)
    settings: Settings = runtime.settings
    settings.webhook_allow_private_targets = False
    try:
        await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
        await wait_until(lambda: _last_error(client, operator, endpoint["id"]))
        assert receiver.received == []
        assert "内网" in await _last_error(client, operator, endpoint["id"])
    finally:
        settings.webhook_allow_private_targets = True


async def _last_error(client, operator, endpoint_id) -> str | None:
    items = (await deliveries(client, operator, endpoint_id))["items"]
    return items[0]["last_error"] if items else None


async def test_only_operators_and_bad_input(client, make_org, operator):
    for org_type in ("enterprise", "agency", "working_group"):
        other = make_org(org_type, "某机构")
        r = await client.get("/api/notify/webhooks", headers=other.headers)
        assert r.status_code == 403
        r = await client.post("/api/notify/webhooks", headers=other.headers, json={})
        assert r.status_code in (403, 422)
    r = await client.get("/api/notify/webhooks")
    assert r.status_code == 401
    bad = [
        {
            "organisation": "",
            "contact": "乙",
            "url": "https://example.com/h",
            "event_types": ["certificate.revoked"],
        },
        {"organisation": "甲", "contact": "乙", "url": "https://example.com/h", "event_types": []},
        {"organisation": "甲", "contact": "乙", "url": "https://example.com/h", "event_types": ["no.such"]},
        {
            "organisation": "甲",
            "contact": "乙",
            "url": "https://example.com/h",
            "event_types": ["webhook.test"],
        },
        {
            "organisation": "甲",
            "contact": "乙",
            "url": "ftp://example.com/h",
            "event_types": ["certificate.revoked"],
        },
        {
            "organisation": "甲",
            "contact": "乙",
            "url": "https://user:pw@example.com/h",
            "event_types": ["certificate.revoked"],
        },
        {
            "organisation": "甲\x00",
            "contact": "乙",
            "url": "https://example.com/h",
            "event_types": ["certificate.revoked"],
        },
        {
            "organisation": "甲",
            "contact": "乙",
            "url": "https://example.com/h",
            "event_types": ["certificate.revoked"],
            "secret": "mine",
        },
    ]
    for body in bad:
        r = await client.post("/api/notify/webhooks", headers=operator.headers, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["message"]
    missing = uuid.uuid4()
    r = await client.get(f"/api/notify/webhooks/{missing}", headers=operator.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "webhook_endpoint_not_found"
    r = await client.get(
        f"/api/notify/webhooks/{missing}/deliveries", headers=operator.headers, params={"status": "bogus"}
    )
    assert r.status_code == 422


async def test_endpoint_list_counts(client, runtime, operator, receiver):
    endpoint = await subscribe(client, operator, receiver.url, organisation="某市市场监督管理局")
    await client.post(f"/api/notify/webhooks/{endpoint['id']}/test", headers=operator.headers)
    await wait_until(lambda: _status_is(client, operator, endpoint["id"], "delivered"))
    r = await client.get("/api/notify/webhooks", headers=operator.headers, params={"page_size": 100})
    mine = next(e for e in r.json()["items"] if e["id"] == endpoint["id"])
    assert mine["counts"] == {"delivered": 1} and mine["organisation"] == "某市市场监督管理局"
    assert await count(runtime, WebhookEndpoint, WebhookEndpoint.id == uuid.UUID(endpoint["id"])) == 1


async def test_batches_of_a_recovering_endpoint_record_together(client, runtime, operator, receiver):
    """Several batches of one failing endpoint, each with a probe that got through and deliveries held back
    behind it, recorded at the same time (as the sender does when the receiver comes back): none deadlocks,
    the streak ends once, and what every batch held back is due at once, even in a batch that claimed while
    the endpoint was still failing and records after another batch ended the streak."""
    from notify.workers.webhooks import Answer, Claimed, Outcome, WebhookSender

    endpoint = await subscribe(client, operator, receiver.url)
    endpoint_id = uuid.UUID(endpoint["id"])
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    async with runtime.db.transaction() as session:
        # paused, so the service's own sender leaves these rows to this test
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(paused_at=now, consecutive_failures=4, failing_since=now - timedelta(seconds=30))
        )
        batches = []
        for _ in range(4):
            batch = []
            for _ in range(4):
                delivery = WebhookDelivery(
                    endpoint_id=endpoint_id,
                    event_id=uuid.uuid4(),
                    event_type="certificate.revoked",
                    body="{}",
                    status="sending",
                    attempts=1,
                    occurred_at=now,
                    deadline_at=later,
                    claimed_until=later,
                )
                session.add(delivery)
                batch.append(delivery)
            batches.append(batch)
        await session.flush()
        claimed = [
            [Claimed(d.id, endpoint_id, "{}", 1, later, now, "certificate.revoked") for d in batch]
            for batch in batches
        ]

    sender = WebhookSender(runtime, client=None)  # type: ignore[arg-type]  # records only: sends nothing
    answer = Answer(204, None, "", 3)

    def record(batch: list[Claimed]):
        probe, held = batch[0], batch[1:]
        outcome = Outcome(probe, answer, now, WebhookDeliveryStatus.DELIVERED, now, "delivered")
        return sender._record([outcome], held, {endpoint_id: 4})

    await record(claimed[0])  # the first probe back ends the streak and requeues what waited
    await asyncio.gather(*(record(b) for b in claimed[1:]))  # the others raced it: all claimed while failing

    async with runtime.db.session() as session:
        state = await session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        assert state is not None and state.consecutive_failures == 0 and state.failing_since is None
        rows = (
            await session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
        ).all()
    delivered = [r for r in rows if r.status == "delivered"]
    held = [r for r in rows if r.status == "pending"]
    assert len(delivered) == 4 and len(held) == 12
    after = datetime.now(UTC)
    # due at once, none waiting out a back-off of the ended streak; their attempts given back; claims released
    assert all(r.next_attempt_at <= after and r.attempts == 0 and r.claimed_until is None for r in held)
