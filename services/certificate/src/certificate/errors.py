"""The certificate service's error codes: one class each, one status, one default message, typed details."""

from __future__ import annotations

from typing import Literal

from kit.errors import Conflict, Forbidden, Invalid, NotFound
from pydantic import BaseModel


class UnknownDocument(BaseModel):
    status: Literal["unknown"]


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    message = "证书不存在"


class LabelNotFound(NotFound):
    code = "label_not_found"
    message = "标识不存在"


class ModelNotFound(NotFound):
    code = "model_not_found"
    message = "该产品型号不存在或未获得领跑者证书"


class VerificationNotFound(NotFound):
    code = "verification_not_found"
    message = "未查询到该证书或标识，请核对二维码或编号"
    details_model = UnknownDocument


class CertificateRevoked(Conflict):
    code = "certificate_revoked"
    message = "证书已撤销"


class CertificateExpired(Conflict):
    code = "certificate_expired"
    message = "证书已过期"


class CertificateStatusConflict(Conflict):
    code = "certificate_status_conflict"
    message = "证书状态不允许此操作"


class AgencyOnly(Forbidden):
    code = "agency_only"
    message = "仅评估机构可进行此操作"


class StampedUnsignable(Invalid):
    code = "stamped_unsignable"
    message = "盖章版 PDF 无法加盖平台电子签名（文件损坏或已锁定修改），请重新导出后上传"
    details_model = None


class NotAPdf(Invalid):
    code = "verify_not_pdf"
    message = "这不是 PDF 文件，请上传平台签发的证书或标识 PDF"
    details_model = None
