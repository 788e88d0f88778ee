"""PAdES signatures by the platform (pyHanko): signing an issued PDF, and reading a PDF back to tell whether the
platform signed it, whether the signed content is intact, and which document number it carries.

Both are pure and synchronous (bytes in, result out); the service runs them in a worker thread.

What a signature records: an approval signature in an invisible field ``LP-Platform-Signature[-n]`` with
reason, location and signer name (Adobe's signature panel shows them), the signing certificate and the CA
that issued it embedded in the CMS (PAdES baseline B-B, ``ETSI.CAdES.detached``), and the document number in
the document information dictionary (``/LPDocumentNumber``) of the signed revision, so the verifier reads it
back from bytes the signature covers.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from certificate.signing.keys import SIGNER_NAME, PlatformKeys, fingerprint

NUMBER_KEY = "/LPDocumentNumber"
FIELD_NAME = "LP-Platform-Signature"
LOCATION = "中国"
# Room for the CMS object besides its two certificates (signature, signed attributes, certificate
# references: about 2.5 KB with ECDSA, RSA-4096 adds 0.5 KB). A size given up front spares pyHanko a
# dummy signature to estimate it.
RESERVE_BEYOND_CERTIFICATES = 4096
BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


class UnsignablePdf(ValueError):
    """The PDF cannot take an incremental signature (encrypted, broken, or locked by a certification)."""


class UnreadablePdf(ValueError):
    """Not a PDF pyHanko can read."""


@dataclass(frozen=True, slots=True)
class SignedPdf:
    data: bytes
    # SHA-256 over the byte ranges the signature covers (the CMS message digest), hex.
    content_sha256: str
    signer_fingerprint: str


def _field_name(reader: PdfFileReader) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader, filled_status=None)}
    name, n = FIELD_NAME, 1
    while name in taken:
        n += 1
        name = f"{FIELD_NAME}-{n}"
    return name


def _record_number(writer: IncrementalPdfFileWriter, number: str) -> None:
    """The number in the information dictionary of the revision being signed."""
    value = generic.TextStringObject(number)
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        assert isinstance(info, generic.DictionaryObject)
        info[NUMBER_KEY] = value
        writer.mark_update(info_ref)
    else:
        writer.set_info(generic.DictionaryObject({generic.NameObject(NUMBER_KEY): value}))


def byte_range_sha256(data: bytes, byte_range: list[int]) -> str:
    digest = hashlib.sha256()
    for start, length in zip(byte_range[0::2], byte_range[1::2], strict=True):
        digest.update(data[start : start + length])
    return digest.hexdigest()


def _reserve(keys: PlatformKeys) -> int:
    size = len(keys.signing_cert.dump()) + len(keys.issuer.dump()) + RESERVE_BEYOND_CERTIFICATES
    return size + size % 2  # written as hex digits: pyHanko wants an even count


def sign_pdf(pdf: bytes, keys: PlatformKeys, *, number: str, reason: str) -> SignedPdf:
    """Sign ``pdf`` by an incremental update: whatever the file holds (an agency's own signature included)
    stays as it was, and the platform's signature covers the whole file."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.prev.encrypted:
            raise UnsignablePdf("encrypted PDF")
        field_name = _field_name(writer.prev)
        _record_number(writer, number)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=LOCATION,
            name=SIGNER_NAME,
        )
        signer = signers.SimpleSigner(
            signing_cert=keys.signing_cert,
            signing_key=keys.signing_key,
            cert_registry=SimpleCertificateStore.from_certs([keys.issuer]),
        )
        out = signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=_reserve(keys))
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, UnsignablePdf):
            raise
        raise UnsignablePdf(str(exc)) from exc
    data = out.getvalue()
    # The signature just written is the file's last /ByteRange; reading it back with a PDF parser would
    # cost as much as the signing.
    last = list(BYTE_RANGE.finditer(data, max(0, data.rfind(b"/ByteRange") - 1)))
    if not last:
        raise UnsignablePdf("no byte range after signing")
    return SignedPdf(
        data=data,
        content_sha256=byte_range_sha256(data, [int(g) for g in last[-1].groups()]),
        signer_fingerprint=keys.fingerprint,
    )


# --- reading a file back ------------------------------------------------------------------------------------


class Finding(StrEnum):
    """What the file itself shows, before any record is consulted."""

    UNSIGNED = "unsigned"  # no signature at all
    FOREIGN = "foreign"  # signatures, none by a certificate the platform's CAs issued
    ALTERED = "altered"  # the platform's signature no longer matches the bytes, or changes follow it
    SIGNED = "signed"  # the platform's signature, intact, trusted, covering the document as it is


@dataclass(frozen=True, slots=True)
class Inspection:
    finding: Finding
    number: str | None = None
    content_sha256: str | None = None
    signer_fingerprint: str | None = None
    signer_name: str | None = None
    signed_at: datetime | None = None
    detail: str | None = None


def _issued_by_platform(cert: asn1_x509.Certificate, keys: PlatformKeys) -> bool:
    """Whether one of the trusted CAs (current or retired) issued this certificate: its signature checks
    out under the CA's key, not merely its issuer name (anyone can copy a name)."""
    leaf = x509.load_der_x509_certificate(cert.dump())
    for ca in keys.trusted:
        if ca.subject != cert.issuer:
            continue
        try:
            leaf.verify_directly_issued_by(x509.load_der_x509_certificate(ca.dump()))
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False


def _number(reader: PdfFileReader) -> str | None:
    try:
        info = reader.trailer_view["/Info"]
        value = info.get(NUMBER_KEY) if isinstance(info, generic.DictionaryObject) else None
    except (KeyError, PdfError):
        return None
    return (
        str(value) if isinstance(value, (generic.TextStringObject, generic.ByteStringObject, str)) else None
    )


def _platform_signature(reader: PdfFileReader, keys: PlatformKeys) -> EmbeddedPdfSignature | None:
    """The last signature whose signer certificate a platform CA issued."""
    for sig in reversed(reader.embedded_signatures):
        try:
            cert = sig.signer_cert
        except (ValueError, KeyError, PdfError):
            continue
        if _issued_by_platform(cert, keys):
            return sig
    return None


def inspect_pdf(data: bytes, keys: PlatformKeys) -> Inspection:
    """Validate the platform's signature in ``data`` with pyHanko against the platform's CA list."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise UnreadablePdf(str(exc)) from exc
    if not signatures:
        return Inspection(Finding.UNSIGNED, detail="文件没有电子签名")
    sig = _platform_signature(reader, keys)
    if sig is None:
        return Inspection(Finding.FOREIGN, detail="文件的电子签名不是本平台的")
    signed_at = sig.self_reported_timestamp
    context = ValidationContext(
        trust_roots=list(keys.trusted),
        allow_fetching=False,
        revocation_mode="soft-fail",
        # The certificate is judged at the time it signed, so files outlive the signing certificate.
        moment=signed_at,
    )
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return Inspection(Finding.ALTERED, signed_at=signed_at, detail=f"签名无法校验：{exc}")
    found = partial(
        Inspection,
        number=_number(reader),
        content_sha256=byte_range_sha256(data, list(sig.sig_object["/ByteRange"])),
        signer_fingerprint=fingerprint(status.signing_cert),
        signer_name=status.signing_cert.subject.native.get("common_name"),
        signed_at=signed_at,
    )
    if not (status.intact and status.valid):
        return found(Finding.ALTERED, detail="签名范围内的内容在签名后被改动")
    if not status.trusted:
        return found(Finding.FOREIGN, detail="签名证书未通过本平台根证书的校验")
    if sig.signed_revision < reader.xrefs.total_revisions - 1:
        return found(Finding.ALTERED, detail="签名之后文件被追加了修改")
    return found(Finding.SIGNED)
