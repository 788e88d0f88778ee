"""Settings of the notify service (environment, prefix ``LP_``)."""

from __future__ import annotations

from kit.settings import Env, ServiceSettings
from pydantic import Field, model_validator

# Back-off between webhook attempts, in seconds (the first retry 5 s after the first failure). With the
# first attempt at once the eleventh and last lands about 23.7 h after the event; jitter and
# ``webhook_max_age_seconds`` keep every attempt within 24 h.
WEBHOOK_RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800)


class Settings(ServiceSettings):
    service_name: str = "notify"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_notify"

    # E-mail goes out only when an SMTP host is configured; without one the channel is switched off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "企业标准领跑者平台 <noreply@example.invalid>"
    smtp_starttls: bool = True
    smtp_use_tls: bool = False
    smtp_timeout: float = 10.0

    # The dispatcher that sends SMS and e-mail after the event's transaction committed.
    notify_dispatch_interval: float = Field(default=0.5, gt=0)
    notify_dispatch_batch: int = Field(default=20, ge=1, le=500)
    notify_max_attempts: int = Field(default=6, ge=1)
    notify_claim_seconds: int = Field(default=60, ge=5)
    notify_auth_timeout: float = Field(default=3.0, gt=0)
    # how long a phone asked of auth (no event carries it) is reused before auth is asked again
    notify_asked_phone_seconds: int = Field(default=600, ge=0)

    # Webhooks (notify.workers.webhooks): the delivery worker, its retries and the automatic pause.
    webhook_retry_schedule: tuple[float, ...] = Field(default=WEBHOOK_RETRY_SCHEDULE, min_length=1)
    webhook_max_age_seconds: float = Field(default=86400, gt=0)
    webhook_timeout: float = Field(default=5.0, gt=0)  # connect + read, per attempt
    webhook_concurrency: int = Field(default=32, ge=1, le=500)
    webhook_batch: int = Field(default=100, ge=1, le=1000)
    webhook_poll_interval: float = Field(default=1.0, gt=0)  # a NOTIFY wakes the worker sooner
    webhook_claim_seconds: int = Field(default=60, ge=5)
    webhook_response_bytes: int = Field(default=2048, ge=0)  # how much of a receiver's answer is kept
    # Paused once an endpoint has failed every attempt for this long and at least this many times in a row
    # (a short outage at a busy time makes many failures; only a long one pauses).
    webhook_pause_after_seconds: float = Field(default=6 * 3600, gt=0)
    webhook_pause_min_failures: int = Field(default=5, ge=1)
    # How long the secret replaced by a rotation still signs (receivers switch over within it).
    webhook_old_secret_seconds: int = Field(default=86400, ge=0)
    # Targets on loopback, private, link-local or reserved addresses and plain http: allowed in development
    # and tests (receivers on this machine), refused in production unless set explicitly.
    webhook_allow_private_targets: bool | None = None
    webhook_allow_http: bool | None = None

    @model_validator(mode="after")
    def _webhook_defaults(self) -> Settings:
        production = self.env == Env.production
        if self.webhook_allow_private_targets is None:
            self.webhook_allow_private_targets = not production
        if self.webhook_allow_http is None:
            self.webhook_allow_http = not production
        return self

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)
