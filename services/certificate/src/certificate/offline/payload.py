"""The signed part of a QR code: canonical fields, the payload format, SM2 signing and offline verification.

The QR code of a certificate or label holds its verify URL with a fragment::

    https://lp.example.cn/verify/<verify code>#v1.<kid>.<fields>.<signature>

A phone's camera opens the URL as before (a fragment is never sent to the server); whoever has the
published public keys (``GET /api/certificates/keys``) can check the fragment without the network.

- ``v1``: the payload version.
- ``kid``: the signing key's id, 8 lower-case hex digits (the start of SM3 over the public key).
- ``fields``: base64url (no padding) of the canonical form of the signed fields (``canonical``).
- ``signature``: base64url (no padding) of the SM2 signature r‖s (64 bytes), SM3 with the default
  distinguishing identifier ``1234567812345678`` (GB/T 32918.2, GM/T 0009), over the ASCII bytes of
  ``v1.<kid>.<fields>``: the version and the key id are signed with the fields.

Canonical form of the fields (version 1): five lines joined by ``\\n`` (no trailing newline), UTF-8:

1. kind: ``C`` certificate, ``L`` forerunner label, ``S`` star label;
2. the document's number;
3. the holder (enterprise name);
4. the subject: the enterprise standard's number (certificate) or the product model (labels);
5. valid until, ISO 8601 basic ``YYYYMMDD``, or empty when the document has no end date (star labels).

Each text is NFC-normalised, control characters count as spaces, runs of whitespace become one space,
and it is trimmed; holder and subject longer than ``MAX_TEXT`` characters are cut and end with ``…``
(the QR code must stay scannable at its printed size), the number may not be longer than ``MAX_NUMBER``.
A payload whose fields are not exactly in this form is malformed, so every document has one encoding.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from urllib.parse import unquote

from gmssl import sm2, sm3

VERSION = "v1"
ALGORITHM = "SM2-SM3"
# GB/T 32918.2's default distinguishing identifier, fixed in gmssl and in the portal's sm-crypto alike.
DEFAULT_USER_ID = "1234567812345678"
MAX_TEXT = 24
MAX_NUMBER = 48
SIGNATURE_BYTES = 64

_CURVE = sm2.default_ecc_table
_N = int(_CURVE["n"], 16)
_P = int(_CURVE["p"], 16)
_A = int(_CURVE["a"], 16)
_B = int(_CURVE["b"], 16)
_KID = re.compile(r"[0-9a-f]{8}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_DATE = re.compile(r"\d{8}")


class DocumentKind(StrEnum):
    CERTIFICATE = "C"
    FORERUNNER_LABEL = "L"
    STAR_LABEL = "S"


KIND_LABELS = {
    DocumentKind.CERTIFICATE: "企业标准“领跑者”证书",
    DocumentKind.FORERUNNER_LABEL: "领跑者标识",
    DocumentKind.STAR_LABEL: "星级产品标识",
}


class VerdictCode(StrEnum):
    """Why an offline check answered as it did (stable codes for programs; ``message`` is for people)."""

    VALID = "offline_valid"
    MALFORMED = "offline_malformed"
    UNSUPPORTED_VERSION = "offline_unsupported_version"
    UNKNOWN_KEY = "offline_unknown_key"
    BAD_SIGNATURE = "offline_bad_signature"


VERDICT_MESSAGES = {
    VerdictCode.VALID: "离线签名有效",
    VerdictCode.MALFORMED: "二维码内容不完整或格式不正确，无法离线核验",
    VerdictCode.UNSUPPORTED_VERSION: "二维码签名版本不受支持",
    VerdictCode.UNKNOWN_KEY: "签名密钥不是平台公布的密钥，不能确认由平台签发",
    VerdictCode.BAD_SIGNATURE: "签名与内容不符：二维码内容被改动或并非平台签发",
}


class PayloadError(ValueError):
    """A payload or its fields are not in the canonical form; ``code`` says which check failed."""

    def __init__(self, message: str, code: VerdictCode = VerdictCode.MALFORMED) -> None:
        super().__init__(message)
        self.code = code


def normalise_text(value: str) -> str:
    """NFC, control characters as spaces, whitespace runs as one space, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(value.split())


def _cut(value: str) -> str:
    value = normalise_text(value)
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class SignedFields:
    """What the QR code's signature covers. Build with ``SignedFields.of`` to normalise the texts."""

    kind: DocumentKind
    number: str
    holder: str
    subject: str
    valid_until: date | None

    @classmethod
    def of(
        cls, kind: DocumentKind, *, number: str, holder: str, subject: str, valid_until: date | None
    ) -> SignedFields:
        """The fields in canonical form (texts normalised, holder and subject cut to ``MAX_TEXT``)."""
        fields = cls(DocumentKind(kind), normalise_text(number), _cut(holder), _cut(subject), valid_until)
        fields._check()
        return fields

    def _check(self) -> None:
        for name in ("number", "holder", "subject"):
            value = getattr(self, name)
            if not value:
                raise PayloadError(f"{name} is empty")
            if value != normalise_text(value) or (name != "number" and value != _cut(value)):
                raise PayloadError(f"{name} is not in canonical form")
        if len(self.number) > MAX_NUMBER:
            raise PayloadError("number is too long")

    def canonical(self) -> bytes:
        """The canonical form (see the module's documentation)."""
        until = self.valid_until.strftime("%Y%m%d") if self.valid_until else ""
        return "\n".join((self.kind.value, self.number, self.holder, self.subject, until)).encode()

    @classmethod
    def from_canonical(cls, data: bytes) -> SignedFields:
        """The fields of a canonical form; anything else (another spelling of the same fields) is refused."""
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise PayloadError("fields are not UTF-8") from exc
        parts = text.split("\n")
        if len(parts) != 5:
            raise PayloadError("fields must be five lines")
        kind, number, holder, subject, until = parts
        try:
            document_kind = DocumentKind(kind)
        except ValueError as exc:
            raise PayloadError("unknown document kind") from exc
        valid_until: date | None = None
        if until:
            if not _DATE.fullmatch(until):
                raise PayloadError("valid until must be YYYYMMDD")
            try:
                valid_until = date(int(until[:4]), int(until[4:6]), int(until[6:]))
            except ValueError as exc:
                raise PayloadError("valid until is not a date") from exc
        fields = cls(document_kind, number, holder, subject, valid_until)
        fields._check()
        if fields.canonical() != data:
            raise PayloadError("fields are not in canonical form")
        return fields

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "kind_label": KIND_LABELS[self.kind],
            "number": self.number,
            "holder": self.holder,
            "subject": self.subject,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise PayloadError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("not base64url") from exc
    if b64url(data) != text:  # stray bits in the last character: another spelling of the same bytes
        raise PayloadError("not canonical base64url")
    return data


# --- keys -----------------------------------------------------------------------------------------


def _xy(public_key: str) -> tuple[int, int]:
    """The affine point of an uncompressed public key in hex (``04`` ‖ x ‖ y), checked to be on the curve."""
    if not re.fullmatch(r"04[0-9a-fA-F]{128}", public_key):
        raise PayloadError("public key must be 04 followed by 128 hex digits", VerdictCode.UNKNOWN_KEY)
    x, y = int(public_key[2:66], 16), int(public_key[66:], 16)
    if not (x < _P and y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0):
        raise PayloadError("public key is not a point of the SM2 curve", VerdictCode.UNKNOWN_KEY)
    return x, y


def key_id(public_key: str) -> str:
    """The key id: the first 8 hex digits of SM3 over the uncompressed public key's bytes."""
    _xy(public_key)
    return sm3.sm3_hash(list(bytes.fromhex(public_key.lower())))[:8]


def public_key_of(private_key: int) -> str:
    """The uncompressed public key (``04`` ‖ x ‖ y, hex) of a private scalar (gmssl's point multiplication)."""
    if not 1 <= private_key < _N - 1:
        raise ValueError("private key out of range")
    point = sm2.CryptSM2(private_key=f"{private_key:064x}", public_key="")._kg(private_key, _CURVE["g"])
    return "04" + point


def new_private_key() -> int:
    """A random private scalar in [1, n-2] from the operating system's CSPRNG."""
    return secrets.randbelow(_N - 2) + 1


def _crypt(public_key: str, private_key: int | None = None) -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=f"{private_key:064x}" if private_key else "", public_key="")
    # Set after construction: gmssl's constructor lstrips "04" character by character, which would
    # eat the leading hex digits of an x coordinate that starts with 0 or 4.
    crypt.public_key = public_key[2:].lower()
    return crypt


def signed_message(kid: str, fields_b64: str) -> bytes:
    return f"{VERSION}.{kid}.{fields_b64}".encode("ascii")


def sign(fields: SignedFields, *, kid: str, private_key: int, public_key: str) -> str:
    """The payload ``v1.<kid>.<fields>.<signature>`` for ``fields``, signed with SM2/SM3."""
    fields_b64 = b64url(fields.canonical())
    message = signed_message(kid, fields_b64)
    crypt = _crypt(public_key, private_key)
    while True:
        # gmssl draws the nonce from ``random`` unless it is given one: always give it one from ``secrets``.
        signature = crypt.sign_with_sm3(message, f"{secrets.randbelow(_N - 1) + 1:064x}")
        if signature:  # None for the rare nonces that yield r = 0 or r + k = n: draw again
            return f"{VERSION}.{kid}.{fields_b64}.{b64url(bytes.fromhex(signature))}"


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """One public key as ``GET /api/certificates/keys`` lists it."""

    kid: str
    public_key: str
    status: str  # "active" or "retired"
    since: date
    until: date | None = None
    algorithm: str = ALGORITHM

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> PublishedKey:
        until = item.get("until")
        return cls(
            kid=str(item["kid"]),
            public_key=str(item["public_key"]),
            status=str(item.get("status", "active")),
            since=date.fromisoformat(str(item["since"])),
            until=date.fromisoformat(str(until)) if until else None,
            algorithm=str(item.get("algorithm", ALGORITHM)),
        )


@dataclass(frozen=True, slots=True)
class OfflineVerdict:
    """The answer of an offline check: ``ok`` with the signed fields, or the reason it failed."""

    ok: bool
    code: VerdictCode
    message: str
    kid: str | None = None
    key_status: str | None = None
    fields: SignedFields | None = None


def extract_payload(scanned: str) -> str:
    """The payload of what a scanner read: a whole QR URL (the part after ``#``) or the payload itself,
    percent-encoded or not (the payload's own characters never need encoding)."""
    text = unquote(scanned.strip())
    if "#" in text:
        text = text.split("#", 1)[1]
    return text.strip()


@dataclass(frozen=True, slots=True)
class ParsedPayload:
    kid: str
    fields_b64: str
    fields: SignedFields
    signature: bytes


def parse(payload: str) -> ParsedPayload:
    """Split and decode a payload without checking its signature; ``PayloadError`` when malformed."""
    parts = extract_payload(payload).split(".")
    if len(parts) != 4:
        if parts and parts[0] != VERSION and re.fullmatch(r"v\d+", parts[0]):
            raise PayloadError("unsupported version", VerdictCode.UNSUPPORTED_VERSION)
        raise PayloadError("a payload has four dot-separated parts")
    version, kid, fields_b64, signature_b64 = parts
    if version != VERSION:
        code = VerdictCode.UNSUPPORTED_VERSION if re.fullmatch(r"v\d+", version) else VerdictCode.MALFORMED
        raise PayloadError("unsupported version", code)
    if not _KID.fullmatch(kid):
        raise PayloadError("key id must be 8 lower-case hex digits")
    fields = SignedFields.from_canonical(unb64url(fields_b64))
    signature = unb64url(signature_b64)
    if len(signature) != SIGNATURE_BYTES:
        raise PayloadError("signature must be 64 bytes")
    return ParsedPayload(kid, fields_b64, fields, signature)


def _published(
    keys: Mapping[str, Any] | Iterable[PublishedKey | Mapping[str, Any]],
) -> dict[str, PublishedKey]:
    items: Iterable[PublishedKey | Mapping[str, Any]] = keys["keys"] if isinstance(keys, Mapping) else keys
    found: dict[str, PublishedKey] = {}
    for item in items:
        key = item if isinstance(item, PublishedKey) else PublishedKey.from_json(item)
        found[key.kid] = key
    return found


def verify(
    payload: str, keys: Mapping[str, Any] | Iterable[PublishedKey | Mapping[str, Any]]
) -> OfflineVerdict:
    """Check a scanned QR payload offline against the platform's published public keys.

    ``payload`` is what a scanner read: the whole URL or only its fragment (``v1.<kid>.<fields>.<sig>``).
    ``keys`` is the JSON of ``GET /api/certificates/keys`` (a dict with ``keys``) or its list of keys.
    Keys listed as retired still verify: labels printed before a rotation stay checkable.

    The verdict is ``ok`` with the signed ``fields`` and ``code`` ``offline_valid``, or not ``ok`` with
    ``offline_malformed`` (not a payload, truncated, not base64url, fields not canonical),
    ``offline_unsupported_version``, ``offline_unknown_key`` (a kid the keys do not list) or
    ``offline_bad_signature`` (a field altered, or signed by another key). The signature proves who issued
    these fields, not that the document is still valid today: the verify URL answers that, online.
    """
    try:
        parsed = parse(payload)
    except PayloadError as exc:
        return OfflineVerdict(False, exc.code, VERDICT_MESSAGES[exc.code])
    key = _published(keys).get(parsed.kid)
    if key is None or key.algorithm != ALGORITHM:
        return OfflineVerdict(
            False, VerdictCode.UNKNOWN_KEY, VERDICT_MESSAGES[VerdictCode.UNKNOWN_KEY], parsed.kid
        )
    try:
        _xy(key.public_key)
    except PayloadError:
        return OfflineVerdict(
            False, VerdictCode.UNKNOWN_KEY, VERDICT_MESSAGES[VerdictCode.UNKNOWN_KEY], parsed.kid
        )
    r = int.from_bytes(parsed.signature[:32], "big")
    s = int.from_bytes(parsed.signature[32:], "big")
    valid = False
    if 1 <= r < _N and 1 <= s < _N:  # gmssl does not check the ranges itself
        try:
            valid = bool(
                _crypt(key.public_key).verify_with_sm3(
                    parsed.signature.hex(), signed_message(parsed.kid, parsed.fields_b64)
                )
            )
        except (TypeError, ValueError):  # a degenerate point inside gmssl: not a signature of this key
            valid = False
    if not valid:
        return OfflineVerdict(
            False,
            VerdictCode.BAD_SIGNATURE,
            VERDICT_MESSAGES[VerdictCode.BAD_SIGNATURE],
            parsed.kid,
            key.status,
        )
    return OfflineVerdict(
        True, VerdictCode.VALID, VERDICT_MESSAGES[VerdictCode.VALID], parsed.kid, key.status, parsed.fields
    )
