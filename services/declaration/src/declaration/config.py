from kit.settings import ServiceSettings


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
