"""Validated settings shared by every service (environment variables with the ``LP_`` prefix)."""

from __future__ import annotations

import base64
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults: usable on a laptop, refused in production (see ``_refuse_default_secrets``).
DEV_INTERNAL_TOKEN = "dev-internal-token-not-for-production"
DEV_PII_KEY = base64.b64encode(b"lp-dev-pii-key-not-for-prod-0000").decode()
DEV_DOWNLOAD_SECRET = "dev-download-secret-not-for-production"
DEV_S3_KEY = "lpdevaccess"
DEV_S3_SECRET = "lpdevsecret"


MIN_SECRET_BYTES = 32


class Env(StrEnum):
    """``LP_ENV``. A StrEnum: ``settings.env == "production"`` still holds."""

    development = "development"
    test = "test"
    production = "production"


def short_secret(value: str) -> bool:
    return len(value.encode()) < MIN_SECRET_BYTES


def weak_key(raw: bytes) -> bool:
    """All one byte, or one short block repeated (``00…``, ``abab…``): no key at all."""
    return any(len(raw) % size == 0 and raw == raw[:size] * (len(raw) // size) for size in (1, 2, 4, 8, 16))


def weak_production_values(settings: ServiceSettings) -> list[str]:
    """What production refuses besides the development defaults: short secrets, a PII key that is not a
    random 32-byte key, the broker's guest account, a database URL without a password."""
    from sqlalchemy.engine import make_url

    problems: list[str] = []
    for name, value in (
        ("LP_INTERNAL_TOKEN", settings.internal_token),
        ("LP_DOWNLOAD_SECRET", settings.download_secret),
    ):
        if short_secret(value):
            problems.append(f"{name} must be at least {MIN_SECRET_BYTES} bytes")
    try:
        pii = base64.b64decode(settings.pii_key, validate=True)
    except ValueError:
        pii = b""
    if len(pii) != 32 or weak_key(pii):
        problems.append("LP_PII_KEY must be 32 random bytes in base64 (not all-zero, not a repeated pattern)")
    if settings.uses_broker:
        amqp = urlsplit(settings.amqp_url)
        if not amqp.password or amqp.username == "guest" or amqp.password == "guest":
            problems.append("LP_AMQP_URL must name its own user and password (not guest:guest)")
    if settings.uses_database:
        try:
            database_password = make_url(settings.database_url).password
        except ValueError:
            database_password = None
        if not database_password:
            problems.append("LP_DATABASE_URL must carry a password")
    return problems


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LP_", extra="ignore")

    # What the process connects to (the gateway has neither a database nor the broker).
    uses_database: ClassVar[bool] = True
    uses_broker: ClassVar[bool] = True

    env: Env = Env.development
    service_name: str = "service"
    log_level: str = "INFO"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    db_pool_size: int = 10
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = DEV_S3_KEY
    s3_secret_key: str = DEV_S3_SECRET
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # The CA that signed the S3 endpoint's certificate when it is not a public one (the MinIO tenant's
    # auto-cert is signed by the cluster CA: deploy/ mounts kube-root-ca.crt here). Empty: certifi.
    s3_ca_file: str = ""

    bus_namespace: str = "lp"
    run_workers: bool = True
    metrics_port: int = 9100  # worker processes only (0: off); HTTP pods serve /metrics on their own port
    # The delivery limit is the broker's policy (kit.bus.topology, deploy/infra); this copy of it only
    # tells the consumer's metrics which failed attempt was the last ("dead_lettered" rather than "retried").
    consumer_delivery_limit: int = 5
    consumer_prefetch: int = 32

    jwt_public_key_file: str = "var/keys/jwt-public.pem"
    jwt_issuer: str = "lp-auth"
    jwt_audience: str = "lp-platform"

    internal_token: str = DEV_INTERNAL_TOKEN
    pii_key: str = DEV_PII_KEY
    download_secret: str = DEV_DOWNLOAD_SECRET
    download_link_seconds: int = Field(default=600, le=900)

    sms_provider: Literal["capture", "http"] = "capture"
    sms_http_url: str = ""
    sms_http_key: str = ""
    sms_sign: str = "企业标准领跑者"

    # Proxies in front of the service that append to X-Forwarded-For and are trusted to: the gateway (1).
    trusted_proxy_hops: int = Field(default=1, ge=0, le=5)

    # The OpenAPI documents and Swagger UI: on in development and tests, off in production unless enabled.
    openapi_enabled: bool = False

    clock_adjustable: bool = False
    # The audit chainer (kit.audit_chain): how often it links new audit rows, and how long a row may stay
    # unchained before the verifier reports it.
    audit_chain_seconds: float = Field(default=2.0, gt=0)
    audit_unchained_seconds: int = Field(default=600, gt=0)
    max_body_bytes: int = 25 * 1024 * 1024
    public_base_url: str = "http://localhost:8000"

    auth_url: str = "http://127.0.0.1:8001"
    benchmark_url: str = "http://127.0.0.1:8002"
    declaration_url: str = "http://127.0.0.1:8003"
    certificate_url: str = "http://127.0.0.1:8004"
    mall_url: str = "http://127.0.0.1:8005"
    notify_url: str = "http://127.0.0.1:8006"

    @model_validator(mode="after")
    def _s3_ca_file_readable(self) -> ServiceSettings:
        if self.s3_ca_file and not Path(self.s3_ca_file).is_file():
            raise ValueError(f"LP_S3_CA_FILE names {self.s3_ca_file}, which is not a readable file")
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ServiceSettings:
        if self.env != Env.production:
            return self
        defaults = {
            "LP_INTERNAL_TOKEN": self.internal_token == DEV_INTERNAL_TOKEN,
            "LP_PII_KEY": self.pii_key == DEV_PII_KEY,
            "LP_DOWNLOAD_SECRET": self.download_secret == DEV_DOWNLOAD_SECRET,
            "LP_S3_SECRET_KEY": self.s3_secret_key == DEV_S3_SECRET,
        }
        bad = [name for name, is_default in defaults.items() if is_default]
        if bad:
            raise ValueError(f"production refuses development secrets: {', '.join(bad)}")
        weak = weak_production_values(self)
        if weak:
            raise ValueError(f"production refuses weak values: {'; '.join(weak)}")
        if self.clock_adjustable:
            raise ValueError("LP_CLOCK_ADJUSTABLE is for development and tests only")
        if self.sms_provider == "capture":
            raise ValueError("production needs a real SMS provider (LP_SMS_PROVIDER=http)")
        return self

    @property
    def serve_openapi(self) -> bool:
        return self.env != Env.production or self.openapi_enabled

    @property
    def exchange_name(self) -> str:
        return f"{self.bus_namespace}.events"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.bus_namespace}.dlx"

    def queue_name(self, consumer: str) -> str:
        return f"{self.bus_namespace}.{consumer}"
