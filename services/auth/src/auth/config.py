"""Settings of the auth service (environment, prefix ``LP_``)."""

from __future__ import annotations

from kit.settings import MIN_SECRET_BYTES, Env, ServiceSettings, short_secret
from pydantic import Field, model_validator

DEV_SMS_CODE_SECRET = "dev-sms-code-secret-not-for-production"


class Settings(ServiceSettings):
    service_name: str = "auth"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/lp_auth"

    # Only auth signs tokens; every service verifies them with the public key.
    jwt_private_key_file: str = "var/keys/jwt-private.pem"
    access_token_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_days: int = Field(default=14, ge=1, le=90)

    # SMS codes are kept only as an HMAC under this key (QUALITY 3).
    sms_code_secret: str = DEV_SMS_CODE_SECRET
    sms_code_ttl_seconds: int = 300
    sms_code_max_tries: int = 5
    sms_resend_gap_seconds: int = 60
    sms_daily_cap_per_phone: int = 10
    sms_hourly_cap_per_ip: int = 30

    # Wrong passwords lock one (account, client address) pair, never the account for everybody: the owner
    # elsewhere keeps logging in, and can always unlock with an SMS code to the reserved phone.
    login_max_failures: int = 5
    login_lock_seconds: int = 15 * 60
    # Growing delays (kit.throttle): after `free` failures in the window, 1 s, 2 s, 4 s ... up to the ceiling.
    # By client address and by its /24 (IPv4) or /64 (IPv6) network, for login, refresh, password reset
    # and SMS codes; password spraying from one address is slowed after a few failures across accounts.
    throttle_window_seconds: int = Field(default=15 * 60, ge=60)
    throttle_base_seconds: float = Field(default=1.0, gt=0)
    throttle_ceiling_seconds: float = Field(default=300.0, gt=0)
    throttle_address_free: int = Field(default=5, ge=1)
    throttle_network_free: int = Field(default=30, ge=1)
    # A soft delay per account (failures from any address), short enough that it never locks the owner out.
    throttle_account_free: int = Field(default=10, ge=1)
    throttle_account_ceiling_seconds: float = Field(default=30.0, gt=0)
    # SMS codes asked for by one address before each further one costs a growing wait.
    throttle_sms_free: int = Field(default=10, ge=1)
    generated_password_days: int = 7

    # argon2id, OWASP minimum (m=19 MiB, t=2, p=1); raising them rehashes at the next login.
    argon2_memory_kib: int = Field(default=19456, ge=19456)
    argon2_time_cost: int = Field(default=2, ge=2)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Hashing threads per process (0: one per CPU but one, at least one) and the longest a login waits for
    # one before it is answered 503 with Retry-After (QUALITY 19, 22: logins never starve the other routes).
    password_hashing_threads: int = Field(default=0, ge=0, le=64)
    password_hashing_max_wait_seconds: float = Field(default=1.0, gt=0, le=30)

    logo_max_bytes: int = 2 * 1024 * 1024
    recovery_letter_max_bytes: int = 10 * 1024 * 1024
    recovery_requests_per_ip_hour: int = 5
    # An approved recovery takes effect only after this (unless the current phone confirms); the owner can
    # cancel meanwhile. The poller looks for requests whose period ended every ``recovery_poll_seconds``.
    recovery_cooling_off_seconds: int = Field(default=24 * 3600, ge=0)
    recovery_poll_seconds: float = Field(default=30.0, gt=0)
    # Open-data API keys: the limit a new key gets unless the operator sets one, and how often every active
    # key is written to Redis again (the gateway reads them there; a flushed Redis heals within this).
    api_key_default_limit: int = Field(default=1200, ge=1, le=1_000_000)
    api_key_sync_seconds: float = Field(default=300.0, gt=0)
    recovery_codes_per_ip_hour: int = 20
    phone_change_max_failures: int = 5

    @model_validator(mode="after")
    def _refuse_default_sms_secret(self) -> Settings:
        if self.env == Env.production and self.sms_code_secret == DEV_SMS_CODE_SECRET:
            raise ValueError("production refuses development secrets: LP_SMS_CODE_SECRET")
        if self.env == Env.production and short_secret(self.sms_code_secret):
            raise ValueError(
                f"production refuses weak values: LP_SMS_CODE_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            )
        return self

    @model_validator(mode="after")
    def _cooling_off_in_production(self) -> Settings:
        if self.env == Env.production and self.recovery_cooling_off_seconds < 3600:
            raise ValueError(
                "production needs a recovery cooling-off period of an hour or more: "
                "LP_RECOVERY_COOLING_OFF_SECONDS"
            )
        return self
