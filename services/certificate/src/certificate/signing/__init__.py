"""The platform's PAdES signatures: key material (``keys``), signing and reading back (``pades``)."""

from certificate.signing.keys import PlatformKeys, SigningKeysMissing, platform_keys
from certificate.signing.pades import (
    Finding,
    Inspection,
    SignedPdf,
    UnreadablePdf,
    UnsignablePdf,
    inspect_pdf,
    sign_pdf,
)

__all__ = [
    "Finding",
    "Inspection",
    "PlatformKeys",
    "SignedPdf",
    "SigningKeysMissing",
    "UnreadablePdf",
    "UnsignablePdf",
    "inspect_pdf",
    "platform_keys",
    "sign_pdf",
]
