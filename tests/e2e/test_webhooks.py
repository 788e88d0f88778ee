"""Webhooks through the gateway: the operator subscribes a retailer's endpoint (a real HTTP receiver on this
machine); a forerunner standard published and its certificate revoked by the working group reach the
receiver as signed Standard Webhooks requests, verified with the standardwebhooks library as a subscriber
would. The receiver is down when the revocation happens and gets it once it is back up."""

from __future__ import annotations

import json
import os

from kit.testing.receiver import Receiver
from standardwebhooks.webhooks import Webhook

from ._journeys import published_forerunner
from .conftest import demo_headers, eventually

PORT = int(os.environ.get("LP_E2E_WEBHOOK_PORT", "24520"))


def events(receiver: Receiver, secret: str) -> list[dict]:
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]


async def test_publication_and_revocation_reach_a_subscriber(gw, sms, platform):
    receiver = Receiver(port=PORT)
    await receiver.up()
    try:
        operator = await demo_headers(gw, "operator01")
        r = await gw.post(
            "/api/notify/webhooks",
            headers=operator,
            json={
                "organisation": "某连锁家电卖场有限公司",
                "contact": "采购部 王五 021-55550000",
                "url": receiver.url,
                "event_types": ["forerunner.published", "certificate.revoked"],
            },
        )
        assert r.status_code == 201, r.text
        endpoint = r.json()
        secret = endpoint["secret"]
        # other roles cannot see or change subscriptions
        enterprise_demo = await demo_headers(gw, "workgroup01")
        assert (await gw.get("/api/notify/webhooks", headers=enterprise_demo)).status_code == 403

        journey = await published_forerunner(
            gw, sms, platform, name="宁波领跑电器有限公司", standard_no="Q/NBLP 007-2023"
        )
        declaration = journey["declaration"]

        async def published():
            found = [e for e in events(receiver, secret) if e["type"] == "forerunner.published"]
            return [e for e in found if e["data"]["declaration_id"] == declaration["id"]]

        [event] = await eventually(published, timeout=30)
        data = event["data"]
        assert data["enterprise_name"] == "宁波领跑电器有限公司"
        assert data["standard_no"] == "Q/NBLP 007-2023" and data["product_name"] == "家用电冰箱"
        assert [m["spec"] for m in data["models"]] == ["BCD-520W"]
        assert "phone" not in json.dumps(data)

        h = journey["enterprise"]["headers"]

        async def issued():
            r = await gw.get("/api/certificates", headers=h)
            return [c for c in r.json()["items"] if c["declaration_id"] == declaration["id"]]

        [cert] = await eventually(issued, timeout=30)
        await receiver.down()
        group = await demo_headers(gw, "workgroup01")
        r = await gw.post(
            f"/api/certificates/{cert['id']}/revoke", headers=group, json={"reason": "抽检不合格，撤销证书"}
        )
        assert r.status_code == 200, r.text

        async def attempted():
            r = await gw.get(
                f"/api/notify/webhooks/{endpoint['id']}/deliveries",
                headers=operator,
                params={"event_type": "certificate.revoked"},
            )
            items = r.json()["items"]
            return items if items and items[0]["attempts"] >= 1 else None

        [waiting] = await eventually(attempted, timeout=30)
        assert waiting["status"] in ("pending", "sending") and waiting["attempts"] >= 1
        await receiver.up()

        async def revoked():
            return [e for e in events(receiver, secret) if e["type"] == "certificate.revoked"]

        [event] = await eventually(revoked, timeout=30)
        assert event["data"]["number"] == cert["number"]
        assert event["data"]["reason"] == "抽检不合格，撤销证书"
        assert event["data"]["enterprise_name"] == "宁波领跑电器有限公司"
        ids = receiver.ids()
        assert len(ids) == len(set(ids))  # nothing doubled

        r = await gw.get(
            f"/api/notify/webhooks/{endpoint['id']}/deliveries",
            headers=operator,
            params={"status": "delivered"},
        )
        assert r.json()["total"] == 2
    finally:
        await receiver.down()
