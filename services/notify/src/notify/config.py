"""Settings of the notify service (environment, prefix ``LP_``)."""

from __future__ import annotations

from kit.settings import ServiceSettings
from pydantic import Field


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

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)
