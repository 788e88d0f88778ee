"""Offline check of a QR code: the fields a certificate's or label's QR code carries, signed with SM2/SM3.

``verify(payload, keys)`` checks a scanned payload against the keys published at
``GET /api/certificates/keys`` with no network; ``payload`` documents the format and canonical form,
``keys`` the key ring and its rotation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from certificate.domain.validity import china_today
from certificate.offline.keys import Keyring, KeyringError, keyring_at, load_keyring
from certificate.offline.payload import (
    ALGORITHM,
    DocumentKind,
    OfflineVerdict,
    PayloadError,
    PublishedKey,
    SignedFields,
    VerdictCode,
    extract_payload,
    verify,
)

if TYPE_CHECKING:  # the settings pull in the whole kit; the verifier and the key tool need none of it
    from certificate.config import Settings

__all__ = [
    "ALGORITHM",
    "DocumentKind",
    "Keyring",
    "KeyringError",
    "OfflineVerdict",
    "PayloadError",
    "PublishedKey",
    "SignedFields",
    "VerdictCode",
    "extract_payload",
    "keyring_of",
    "load_keyring",
    "verify",
]


def keyring_of(settings: Settings) -> Keyring:
    """The service's key ring (``LP_QR_KEYRING_FILE``): generated on first use outside production,
    required in production (``KeyringError`` when missing or invalid)."""
    return keyring_at(
        settings.qr_keyring_path,
        create=settings.env != "production",
        today=china_today(datetime.now(UTC)),
    )
