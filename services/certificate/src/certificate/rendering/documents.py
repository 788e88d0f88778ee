"""What each rendered document shows: plain values, validated before any drawing starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class ContentError(ValueError):
    """The content cannot be rendered (a field empty or out of range)."""


def _require(**values: object) -> None:
    for name, value in values.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ContentError(f"{name} is required")


def _qr_data(verify_url: str, offline_signature: str) -> str:
    """What the QR code holds: the verify URL, with the offline signature as its fragment when there is one
    (a phone opens the URL; the fragment never reaches the server)."""
    return f"{verify_url}#{offline_signature}" if offline_signature else verify_url


@dataclass(frozen=True, slots=True)
class CertificateContent:
    """企业标准“领跑者”证书."""

    number: str
    enterprise_name: str
    credit_code: str
    standard_number: str
    standard_name: str
    key_field_product: str
    product_name: str
    models: tuple[str, ...]
    year: int
    agency_name: str
    issued_on: date
    valid_until: date
    verify_url: str
    # The signed fragment (certificate.offline): the QR code holds ``verify_url#offline_signature``.
    offline_signature: str = ""

    @property
    def qr_data(self) -> str:
        return _qr_data(self.verify_url, self.offline_signature)

    def __post_init__(self) -> None:
        _require(
            number=self.number,
            enterprise_name=self.enterprise_name,
            credit_code=self.credit_code,
            standard_number=self.standard_number,
            standard_name=self.standard_name,
            key_field_product=self.key_field_product,
            product_name=self.product_name,
            agency_name=self.agency_name,
            verify_url=self.verify_url,
        )
        # Service-type key-field products (服务类) may publish without any model: the row shows a dash.
        if self.valid_until < self.issued_on:
            raise ContentError("valid_until is before issued_on")


@dataclass(frozen=True, slots=True)
class LabelContent:
    """领跑者标识 for one product model."""

    number: str
    enterprise_name: str
    standard_number: str
    standard_name: str
    product_name: str
    model: str
    year: int
    verify_url: str
    offline_signature: str = ""

    @property
    def qr_data(self) -> str:
        return _qr_data(self.verify_url, self.offline_signature)

    def __post_init__(self) -> None:
        _require(
            number=self.number,
            enterprise_name=self.enterprise_name,
            standard_number=self.standard_number,
            standard_name=self.standard_name,
            product_name=self.product_name,
            model=self.model,
            verify_url=self.verify_url,
        )


STAR_LEVEL_NAMES = {3: "三星级", 4: "四星级", 5: "五星级"}


@dataclass(frozen=True, slots=True)
class StarLabelContent:
    """星级产品标识: a self-declared 3/4-star product or a 5-star forerunner product."""

    number: str
    enterprise_name: str
    key_field_product: str
    product_name: str
    model: str
    star_level: int
    year: int
    verify_url: str
    grading_standard: str = field(default="")
    offline_signature: str = ""

    @property
    def qr_data(self) -> str:
        return _qr_data(self.verify_url, self.offline_signature)

    def __post_init__(self) -> None:
        _require(
            number=self.number,
            enterprise_name=self.enterprise_name,
            key_field_product=self.key_field_product,
            product_name=self.product_name,
            model=self.model,
            verify_url=self.verify_url,
        )
        if self.star_level not in STAR_LEVEL_NAMES:
            raise ContentError("star_level must be 3, 4 or 5")
