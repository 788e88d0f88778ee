"""Settings of the certificate service (environment variables with the ``LP_`` prefix)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from kit.runtime import Runtime
from kit.settings import ServiceSettings
from pydantic import Field, model_validator

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
    # Checking a file (POST /verify/file): the largest PDF accepted (a certificate is ~40 KB, a stamped scan
    # at most the upload cap), and checks per client address and minute (each costs ~20 ms of CPU).
    verify_file_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    verify_file_rate_per_minute: int = Field(default=30, ge=1)

    # The platform's PAdES signing material (certificate.signing). Production: the files of the Secret
    # lp-signing (the signing key, its certificate, and every CA certificate the verifier trusts: the
    # current CA first, then retired ones). Elsewhere, when unset: generated on first use in
    # ``signing_dir``, which every process of the development service shares.
    signing_key_file: str | None = None
    signing_cert_file: str | None = None
    signing_ca_file: str | None = None
    signing_dir: str = str(Path(tempfile.gettempdir()) / "lp-certificate-signing")

    # The SM2 key ring that signs the fields in every QR code (certificate.offline.keys). Production: the
    # file of the Secret lp-qr-keys, required. Elsewhere, when unset: generated on first use, atomically, in
    # ``qr_keyring_dir``, which every process of the development service shares.
    qr_keyring_file: str | None = None
    qr_keyring_dir: str = str(Path(tempfile.gettempdir()) / "lp-certificate-qr")

    @model_validator(mode="after")
    def _public_base_url_for_qr_codes(self) -> Settings:
        """``LP_PUBLIC_BASE_URL`` is printed into every certificate's and label's QR code, which outlives any
        deployment: it must be the platform's public address, and in production an https one."""
        url = self.public_base_url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"LP_PUBLIC_BASE_URL must be an absolute http(s) address without query: {url!r}")
        if self.env == "production":
            if parts.scheme != "https":
                raise ValueError("production needs an https LP_PUBLIC_BASE_URL (printed into QR codes)")
            if parts.hostname in ("localhost", "127.0.0.1", "::1") or parts.hostname.endswith(".localhost"):
                raise ValueError("production needs the public LP_PUBLIC_BASE_URL, not a local address")
        return self

    @model_validator(mode="after")
    def _signing_material_in_production(self) -> Settings:
        files = {
            "LP_SIGNING_KEY_FILE": self.signing_key_file,
            "LP_SIGNING_CERT_FILE": self.signing_cert_file,
            "LP_SIGNING_CA_FILE": self.signing_ca_file,
        }
        given = [name for name, value in files.items() if value]
        if given and len(given) != len(files):
            raise ValueError(f"the signing files go together: {', '.join(files)}")
        if self.env == "production" and not given:
            raise ValueError(
                "production signs with the key mounted from the Secret lp-signing: set " + ", ".join(files)
            )
        return self

    @model_validator(mode="after")
    def _qr_keyring_in_production(self) -> Settings:
        if self.env == "production" and not self.qr_keyring_file:
            raise ValueError(
                "production signs QR codes with the key ring mounted from the Secret lp-qr-keys: "
                "set LP_QR_KEYRING_FILE"
            )
        return self

    @property
    def qr_keyring_path(self) -> str:
        return self.qr_keyring_file or str(Path(self.qr_keyring_dir) / "keyring.json")

    @property
    def signing_files(self) -> tuple[str, str, str] | None:
        if self.signing_key_file and self.signing_cert_file and self.signing_ca_file:
            return (self.signing_key_file, self.signing_cert_file, self.signing_ca_file)
        return None


def settings_of(runtime: Runtime) -> Settings:
    """The certificate service's settings of a runtime built by ``certificate.main`` (typed)."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings
