"""Settings of the certificate service (environment variables with the ``LP_`` prefix)."""

from __future__ import annotations

from kit.settings import ServiceSettings
from pydantic import Field

BUCKET = "lp-certificates"


class Settings(ServiceSettings):
    service_name: str = "certificate"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_certificate"
    # Issuing is serialised per number series and rendering by one lock, so a handful of connections
    # serve this service; the PostgreSQL behind every service has a finite max_connections.
    db_pool_size: int = 5

    # How long a certificate stays valid after issue; the expiry poller ends it the day after.
    certificate_validity_months: int = Field(default=36, ge=1, le=120)
    # How often the expiry poller looks for certificates past their validity.
    expiry_poll_seconds: float = Field(default=60.0, gt=0)
    # The agency's stamped scan; QUALITY 10 caps evidence PDFs at 20 MB and a scan is no bigger.
    stamped_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Public verification is unauthenticated: cap lookups per client address against enumeration.
    verify_rate_per_minute: int = Field(default=120, ge=1)
