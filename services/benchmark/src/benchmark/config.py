"""Settings of the benchmark service (``LP_*`` environment variables)."""

from __future__ import annotations

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "benchmark"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_benchmark"
    # An assessment-plan workbook is a few dozen rows; anything near this size is not a template.
    max_workbook_bytes: int = 2 * 1024 * 1024
