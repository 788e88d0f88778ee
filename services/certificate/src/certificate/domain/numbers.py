"""Document numbers and verification codes.

Certificate number: ``LP-<year>-<field code>-<seq>``, e.g. ``LP-2023-JD01-00012``
  - ``LP`` 领跑者; ``year`` the scheme year of the published list (not the issue date);
  - ``field code`` the key-field product's code from the benchmark catalogue, upper-cased, only
    A-Z and 0-9 kept, at most 8 characters (``X`` when nothing is left);
  - ``seq`` five digits, counted per (year, field code) from 1 in issue order.
Label number: the certificate number plus the model's three-digit sequence within that
  certificate, ``LP-2023-JD01-00012-003``: a label is always traceable to its certificate.
Star label number: ``XJ-<year>-<field code>-<seq>`` (XJ 星级), counted like certificates.

Numbers are meant to be read and printed; they are guessable on purpose and never grant
access (the public verification page also accepts a typed-in number: the status of a published
forerunner is public information, and lookups are rate-limited per client). The QR code carries
a separate code: 16 bytes from ``secrets`` (128 bits) in URL-safe base64, 22 characters, so a
code cannot be guessed or derived from a number.
"""

from __future__ import annotations

import re
import secrets

CERTIFICATE_PREFIX = "LP"
STAR_LABEL_PREFIX = "XJ"
FIELD_CODE_MAX = 8
VERIFY_CODE_BYTES = 16
VERIFY_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
NUMBER_PATTERN = re.compile(r"^(LP|XJ)-\d{4}-[A-Z0-9]{1,8}-\d{5}(-\d{3})?$")


def field_code(product_code: str) -> str:
    cleaned = re.sub(r"[^A-Z0-9]", "", product_code.upper())[:FIELD_CODE_MAX]
    return cleaned or "X"


def certificate_number(*, year: int, product_code: str, seq: int) -> str:
    return f"{CERTIFICATE_PREFIX}-{year}-{field_code(product_code)}-{seq:05d}"


def label_number(*, certificate_number: str, model_seq: int) -> str:
    return f"{certificate_number}-{model_seq:03d}"


def star_label_number(*, year: int, product_code: str, seq: int) -> str:
    return f"{STAR_LABEL_PREFIX}-{year}-{field_code(product_code)}-{seq:05d}"


def new_verify_code() -> str:
    return secrets.token_urlsafe(VERIFY_CODE_BYTES)


def is_well_formed_verify_code(code: str) -> bool:
    """Cheap shape check so junk never reaches the database; a well-formed code may still be unknown."""
    return bool(VERIFY_CODE_PATTERN.fullmatch(code))


def normalise_number(text: str) -> str | None:
    """A typed-in certificate or label number (any case, stray spaces) in its printed form, or None."""
    candidate = text.strip().upper()
    return candidate if NUMBER_PATTERN.fullmatch(candidate) else None


def verify_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}/verify/{code}"
