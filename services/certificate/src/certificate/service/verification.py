"""Public verification: the live status behind a QR code or a typed-in certificate or label number, and
the check of a file in hand (is it the PDF the platform issued, unaltered, and is that document in force)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kit.uploads import PdfCorrupt
from sqlalchemy.ext.asyncio import AsyncSession

from certificate import repository
from certificate.domain import numbers
from certificate.domain.statuses import CertificateStatus, FileVerdict
from certificate.errors import NotAPdf
from certificate.models import Certificate, Label
from certificate.signing import Finding, Inspection, PlatformKeys, UnreadablePdf, inspect_pdf


async def find_document(session: AsyncSession, code: str) -> Certificate | Label | None:
    """The certificate or label a verify code (the QR code's) or a number names; None when nothing matches."""
    if numbers.is_well_formed_verify_code(code):
        found = await repository.certificate_by(session, verify_code=code) or await repository.label_by(
            session, verify_code=code
        )
        if found is not None:
            return found
    if number := numbers.normalise_number(code):
        return await repository.certificate_by(session, number=number) or await repository.label_by(
            session, number=number
        )
    return None


@dataclass(frozen=True)
class FileCheck:
    verdict: FileVerdict
    inspection: Inspection
    document: Certificate | Label | None = None
    status: CertificateStatus | None = None
    detail: str | None = None


def _recorded(document: Certificate | Label) -> set[str]:
    """The byte-range digests recorded when the platform signed this document's files."""
    if isinstance(document, Certificate):
        found = {document.unstamped_sha256, document.stamped_sha256}
    else:
        found = {document.pdf_sha256}
    return {d for d in found if d}


def _status(document: Certificate | Label) -> CertificateStatus:
    if isinstance(document, Certificate):
        return document.status
    # A forerunner label lives and ends with its certificate; a star label has no end of its own.
    return document.certificate.status if document.certificate is not None else CertificateStatus.VALID


async def check_file(session: AsyncSession, keys: PlatformKeys, data: bytes) -> FileCheck:
    """Validate the platform's signature in ``data`` (pyHanko, against the platform's CA list), then hold
    what the file says against the record made at issue: the number must be one the platform issued, and
    the signed content's digest the one recorded for that document."""
    # The header may sit anywhere in the first kilobyte (PDF 1.7, 7.5.2); anything else is no PDF.
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf()
    try:
        inspection = await asyncio.to_thread(inspect_pdf, data, keys)
    except UnreadablePdf as exc:
        raise PdfCorrupt("文件已损坏或无法识别，请上传平台签发的 PDF 原件") from exc
    match inspection.finding:
        case Finding.UNSIGNED | Finding.FOREIGN:
            return FileCheck(FileVerdict.NOT_OURS, inspection, detail=inspection.detail)
        case Finding.ALTERED:
            return FileCheck(FileVerdict.ALTERED, inspection, detail=inspection.detail)
    number = inspection.number
    document: Certificate | Label | None = None
    if number:
        document = await repository.certificate_by(session, number=number) or await repository.label_by(
            session, number=number
        )
    if document is None:
        return FileCheck(FileVerdict.NOT_OURS, inspection, detail="文件中的编号未在本平台登记")
    if inspection.content_sha256 not in _recorded(document):
        # Signed by the platform's key, yet not the content recorded for that number.
        return FileCheck(FileVerdict.ALTERED, inspection, detail="文件内容与平台签发时登记的不一致")
    status = _status(document)
    verdict = FileVerdict.AUTHENTIC if status is CertificateStatus.VALID else FileVerdict.ENDED
    return FileCheck(verdict, inspection, document=document, status=status)
