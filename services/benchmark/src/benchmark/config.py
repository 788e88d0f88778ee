"""Settings of the benchmark service (``LP_*`` environment variables)."""

from __future__ import annotations

from kit.settings import Env, ServiceSettings, short_secret
from pydantic import model_validator

DEV_COMPARISON_KEY_SECRET = "dev-comparison-key-not-for-production"


class Settings(ServiceSettings):
    service_name: str = "benchmark"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_benchmark"
    # An assessment-plan workbook is a few dozen rows; anything near this size is not a template.
    max_workbook_bytes: int = 2 * 1024 * 1024
    # The HMAC key of the pseudonyms comparison values are recorded under (the threshold calibrator): with
    # it an enterprise's key can be recomputed from its organisation id, without it not.
    comparison_key_secret: str = DEV_COMPARISON_KEY_SECRET

    @model_validator(mode="after")
    def _refuse_default_comparison_key(self) -> Settings:
        if self.env == Env.production and (
            self.comparison_key_secret == DEV_COMPARISON_KEY_SECRET
            or short_secret(self.comparison_key_secret)
        ):
            raise ValueError("production needs its own LP_COMPARISON_KEY_SECRET (at least 32 bytes)")
        return self
