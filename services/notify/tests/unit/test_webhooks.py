"""The webhook rules without I/O: retry schedule within 24 h, when an endpoint pauses, which targets are
refused, and the signing secret's form."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from notify.config import WEBHOOK_RETRY_SCHEDULE, Settings
from notify.domain import webhooks
from notify.domain.statuses import WebhookEventType
from notify.domain.webhooks import TargetRefused, address_refused, check_url, next_attempt, should_pause
from standardwebhooks.webhooks import Webhook

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_default_schedule_keeps_every_attempt_within_24_hours():
    rng = random.Random(7)
    deadline = T0 + timedelta(hours=24)
    now, attempts, tries = T0, 1, [T0]
    while (
        when := next_attempt(
            attempts=attempts, schedule=WEBHOOK_RETRY_SCHEDULE, now=now, deadline=deadline, rng=rng
        )
    ) is not None:
        assert when > now and when <= deadline
        tries.append(when)
        now, attempts = when, attempts + 1
    assert len(tries) == len(WEBHOOK_RETRY_SCHEDULE) + 1 == 11
    assert timedelta(hours=20) < tries[-1] - T0 <= timedelta(hours=24)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(tries)]
    assert 4.5 <= gaps[0] <= 5.5 and 27 <= gaps[1] <= 33  # 5 s, 30 s, … with ±10 % jitter


def test_the_last_try_lands_on_the_deadline_and_nothing_after_it():
    rng = random.Random(1)
    deadline = T0 + timedelta(seconds=10)
    assert next_attempt(attempts=1, schedule=(60,), now=T0, deadline=deadline, rng=rng) == deadline
    assert next_attempt(attempts=1, schedule=(60,), now=deadline, deadline=deadline, rng=rng) is None
    assert next_attempt(attempts=2, schedule=(60,), now=T0, deadline=deadline, rng=rng) is None


def test_only_a_long_outage_pauses():
    rule = {"min_failures": 10, "after": 6 * 3600}
    since = T0
    assert not should_pause(
        consecutive_failures=5000, failing_since=since, now=T0 + timedelta(minutes=5), **rule
    )
    assert not should_pause(consecutive_failures=9, failing_since=since, now=T0 + timedelta(hours=7), **rule)
    assert should_pause(consecutive_failures=10, failing_since=since, now=T0 + timedelta(hours=6), **rule)
    assert not should_pause(consecutive_failures=10, failing_since=None, now=T0, **rule)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert address_refused(address)


@pytest.mark.parametrize("address", ["1.1.1.1", "114.114.114.114", "2400:3200::1", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert not address_refused(address)


def test_urls():
    assert check_url("https://hooks.example.cn/lp", allow_http=False) == ("hooks.example.cn", 443)
    assert check_url("http://127.0.0.1:24500/x", allow_http=True) == ("127.0.0.1", 24500)
    for url, why in [
        ("http://hooks.example.cn/lp", "https"),
        ("ftp://hooks.example.cn/lp", "https"),
        ("https://u:p@hooks.example.cn/", "用户名"),
        ("https://hooks.example.cn/#x", "片段"),
        ("https:///nohost", "主机名"),
        ("https://hooks.example.cn:99999/", "格式"),
    ]:
        with pytest.raises(TargetRefused, match=why):
            check_url(url, allow_http=False)


def test_secret_is_read_by_the_standard_library_and_signs():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and secret != webhooks.new_secret()
    body = webhooks.body(WebhookEventType.TEST, T0, {"a": "中文"})
    assert '"中文"' in body
    now = datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id="msg_1", timestamp=now, data=body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    assert Webhook(secret).verify(body, headers)["data"] == {"a": "中文"}


def test_production_refuses_private_targets_and_http_by_default(monkeypatch):
    dev = Settings()
    assert dev.webhook_allow_private_targets and dev.webhook_allow_http
    monkeypatch.setenv("LP_WEBHOOK_ALLOW_PRIVATE_TARGETS", "false")
    assert Settings().webhook_allow_private_targets is False
