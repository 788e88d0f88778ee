"""The declaration service's settings (environment, prefix ``LP_``), validated at start-up."""

from __future__ import annotations

from kit.runtime import Runtime
from kit.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "declaration"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_declaration"
    evidence_max_bytes: int = 20 * 1024 * 1024
    picture_max_bytes: int = 500 * 1024
    notice_days: int = 14
    notice_poll_seconds: float = 5.0
    benchmark_timeout_seconds: float = 5.0
    candidate_file_max_bytes: int = 5 * 1024 * 1024
    objection_limit_per_hour: int = 10
    # the dashboard's 超期 at agency review: DOMAIN.md sets no deadline for the agency, so this is a setting
    review_overdue_days: int = Field(default=30, ge=1, le=365)

    @classmethod
    def of(cls, runtime: Runtime) -> Settings:
        """The runtime's settings as this service's (the runtime holds them as the kit's base class)."""
        settings = runtime.settings
        if not isinstance(settings, cls):
            raise TypeError(f"the runtime holds {type(settings).__name__}, not the declaration settings")
        return settings


# the buckets this service owns (CONVENTIONS.md): evidence files, and the pictures of appended models
EVIDENCE_BUCKET = "lp-evidence"
MODELS_BUCKET = "lp-models"
