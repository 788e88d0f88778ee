"""The dispatcher: sends the SMS and e-mail deliveries the consumers wrote, after their transaction
committed. Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several replicas share the work), marked
'sent' after the provider accepted them, retried with backoff on a provider or auth outage, and marked
'failed' after ``LP_NOTIFY_MAX_ATTEMPTS``. A claim left by a crashed process is taken over once stale;
only a crash between the provider's acceptance and the mark can repeat a message (at-least-once towards
the outside world, never twice for a redelivered event)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from kit.phones import mask
from kit.runtime import Runtime
from prometheus_client import Counter

from notify import repository as repo
from notify.config import Settings
from notify.domain.statuses import Channel
from notify.workers import mailer

log = structlog.get_logger("notify.dispatch")

DELIVERIES = Counter(
    "notify_deliveries_total", "SMS and e-mail delivery attempts by outcome", ["channel", "outcome"]
)


class Skip(Exception):
    """Nothing to send to: no phone or e-mail known, or the channel is switched off."""


class TryLater(Exception):
    """A dependency (SMS provider, SMTP server, auth) is away; the delivery is retried."""


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    org_id: uuid.UUID
    subject: str
    content: str
    attempts: int


class Dispatcher:
    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.settings = _settings(runtime)
        self.client = client

    async def run_once(self) -> int:
        s = self.settings
        async with self.runtime.db.transaction() as session:
            rows = await repo.claim_deliveries(
                session, batch=s.notify_dispatch_batch, claim_seconds=s.notify_claim_seconds
            )
        for row in rows:
            await self._deliver(Claimed(**row._asdict()))
        return len(rows)

    async def _deliver(self, item: Claimed) -> None:
        try:
            destination = await (self._sms(item) if item.channel == Channel.SMS else self._email(item))
        except Skip as exc:
            log.info("delivery_skipped", delivery_id=item.id, channel=item.channel, reason=str(exc))
            async with self.runtime.db.transaction() as session:
                await repo.mark_skipped(session, item.id, reason=str(exc))
            DELIVERIES.labels(item.channel, "skipped").inc()
        except Exception as exc:
            backoff = min(2**item.attempts, 300)
            log.warning(
                "delivery_failed",
                delivery_id=item.id,
                channel=item.channel,
                attempt=item.attempts,
                error=type(exc).__name__,
                detail=str(exc)[:200],
            )
            async with self.runtime.db.transaction() as session:
                await repo.mark_retry(
                    session,
                    item.id,
                    max_attempts=self.settings.notify_max_attempts,
                    error=f"{type(exc).__name__}: {str(exc)[:300]}",
                    backoff=backoff,
                )
            last = item.attempts >= self.settings.notify_max_attempts
            DELIVERIES.labels(item.channel, "failed" if last else "retried").inc()
        else:
            async with self.runtime.db.transaction() as session:
                await repo.mark_sent(session, item.id, destination=destination)
            # the destination is masked (138****5678, a***@example.com): the log never holds it in clear
            log.info(
                "delivery_sent",
                delivery_id=item.id,
                channel=item.channel,
                org_id=str(item.org_id),
                destination=destination,
            )
            DELIVERIES.labels(item.channel, "sent").inc()

    async def _sms(self, item: Claimed) -> str:
        phone = await self.phone_of(item.org_id)
        await self.runtime.sms.send(phone, item.content)
        return mask(phone)

    async def _email(self, item: Claimed) -> str:
        if not self.settings.email_enabled:
            raise Skip("email_disabled")
        async with self.runtime.db.session() as session:
            contact = await repo.contact(session, item.org_id)
        if contact is None or not contact.email:
            raise Skip("no_email")
        await mailer.send_email(self.settings, to=contact.email, subject=item.subject, text=item.content)
        return _mask_email(contact.email)

    async def phone_of(self, org_id: uuid.UUID) -> str:
        """The contact phone in clear: from the sealed copy kept from enterprise events, or asked of auth
        (agencies, or an enterprise registered before notify started listening) and then kept sealed for
        ``notify_asked_phone_seconds``: no event tells notify when such a phone changes (a lost-phone
        recovery), so it is asked again after that rather than texted for ever."""
        s = self.settings
        async with self.runtime.db.session() as session:
            contact = await repo.contact(session, org_id)
        if contact is not None and contact.phone_sealed:
            asked = contact.phone_asked_at
            if asked is None or datetime.now(UTC) - asked < timedelta(seconds=s.notify_asked_phone_seconds):
                return self.runtime.sealer.unseal(contact.phone_sealed)
        try:
            response = await self.client.get(
                f"{s.auth_url.rstrip('/')}/internal/organisations/{org_id}",
                headers={"X-Internal-Token": s.internal_token},
                timeout=s.notify_auth_timeout,
            )
        except httpx.HTTPError as exc:
            raise TryLater(f"auth unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            raise Skip("organisation_unknown")
        if response.status_code != 200:
            raise TryLater(f"auth answered {response.status_code}")
        data = response.json()
        phone = data.get("contact_phone")
        if not phone:
            raise Skip("no_phone")
        async with self.runtime.db.transaction() as session:
            await repo.upsert_contact(
                session,
                org_id,
                as_of=datetime.now(UTC),
                name=data.get("name") or "",
                credit_code=data.get("credit_code"),
                contact_name=data.get("contact_name"),
                phone_masked=mask(phone),
                phone_sealed=self.runtime.sealer.seal(phone),
                phone_asked_at=datetime.now(UTC),
            )
        return phone


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings), "the dispatcher runs in the notify service"
    return settings


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


async def dispatch_deliveries(runtime: Runtime) -> None:
    """Background job (kit.runtime guards it): poll for due deliveries for as long as the process lives."""
    settings = _settings(runtime)
    async with httpx.AsyncClient() as client:
        dispatcher = Dispatcher(runtime, client)
        while True:
            async with runtime.poll_round("dispatch_deliveries"):
                handled = await dispatcher.run_once()
            if handled < settings.notify_dispatch_batch:
                await asyncio.sleep(settings.notify_dispatch_interval)
