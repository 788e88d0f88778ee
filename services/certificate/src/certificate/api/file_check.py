"""The public file check: ``POST /api/certificates/verify/file`` with a PDF in hand (anonymous, size- and
rate-limited). Thin: reading and limits here, the judgement in ``service.verification.check_file``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from kit.ratelimit import enforce
from kit.uploads import read_limited
from kit.web import RuntimeDep, SessionDep, client_ip

from certificate.api.schemas import FileVerifyOut, VerifyOut
from certificate.config import settings_of
from certificate.domain.statuses import CertificateStatus, FileVerdict
from certificate.domain.validity import china_today
from certificate.models import Certificate
from certificate.service import verification
from certificate.service.common import keys_of

router = APIRouter(prefix="/api/certificates", tags=["verification"])

ADVICE = "请向出示方索取平台下载的原件，或扫描文件上的二维码查验。"


def _meaning(check: verification.FileCheck, document: VerifyOut | None) -> str:
    """One sentence a shop assistant can read out: what the verdict means for the paper in hand."""
    match check.verdict:
        case FileVerdict.AUTHENTIC:
            return "这份文件由本平台签发，签发后未被改动，证书或标识目前有效。"
        case FileVerdict.ENDED:
            assert document is not None
            when = f"于 {china_today(document.ended_at):%Y年%m月%d日}" if document.ended_at else ""
            if check.status is CertificateStatus.REVOKED:
                why = f"（原因：{document.revoked_reason}）" if document.revoked_reason else ""
                return f"这份文件确由本平台签发且未被改动，但该证书已{when}撤销{why}，不能再作为有效凭证。"
            return f"这份文件确由本平台签发且未被改动，但该证书已{when}过期，不能再作为有效凭证。"
        case FileVerdict.ALTERED:
            return "这份文件带有本平台的签名，但签名后内容被改动过，不能作为凭证。" + ADVICE
        case _:
            return "这份文件没有本平台的有效电子签名，不能证明由本平台签发。" + ADVICE


@router.post(
    "/verify/file",
    response_model=FileVerifyOut,
    operation_id="verifyFile",
    summary="公开查验文件：上传证书或标识 PDF，校验平台电子签名、是否被改动及证书现状",
    responses={
        413: {"description": "文件过大（file_too_large）"},
        422: {"description": "不是 PDF 或无法读取（verify_not_pdf、pdf_corrupt、file_empty）"},
        429: {"description": "查验过于频繁"},
    },
)
async def verify_file(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File(description="平台签发的证书或标识 PDF")],
) -> FileVerifyOut:
    settings = settings_of(runtime)
    await enforce(
        runtime.redis,
        f"lp:rl:verify-file:{client_ip(request)}",
        limit=settings.verify_file_rate_per_minute,
        window_seconds=60,
    )
    data = await read_limited(file, settings.verify_file_max_bytes, what="查验的文件")
    check = await verification.check_file(session, keys_of(settings), data)
    document: VerifyOut | None = None
    if check.document is not None and check.status is not None:
        document = (
            VerifyOut.of_certificate(check.document)
            if isinstance(check.document, Certificate)
            else VerifyOut.of_label(check.document, check.status)
        )
    trusted = check.verdict in (FileVerdict.AUTHENTIC, FileVerdict.ENDED)
    return FileVerifyOut(
        verdict=check.verdict,
        verdict_label=check.verdict.label,
        meaning=_meaning(check, document),
        detail=check.detail,
        number=check.inspection.number if trusted else None,
        signed_at=check.inspection.signed_at if trusted else None,
        signer=check.inspection.signer_name if trusted else None,
        document=document,
    )
