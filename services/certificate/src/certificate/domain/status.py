"""Statuses of a certificate, their Chinese labels, and the legal moves between them."""

from __future__ import annotations

from enum import StrEnum

from kit.errors import Conflict


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CertificateStatus.VALID: "有效",
    CertificateStatus.REVOKED: "已撤销",
    CertificateStatus.EXPIRED: "已过期",
}

# Verification answers one more state than a certificate can have: a code nobody issued.
UNKNOWN = "unknown"
UNKNOWN_LABEL = "未查询到该证书或标识，请核对二维码或编号"


class LabelKind(StrEnum):
    FORERUNNER = "forerunner"
    STAR = "star"

    @property
    def label(self) -> str:
        return {LabelKind.FORERUNNER: "领跑者标识", LabelKind.STAR: "星级产品标识"}[self]


class HistoryAction(StrEnum):
    ISSUED = "issued"
    STAMPED = "stamped"
    REVOKED = "revoked"
    EXPIRED = "expired"


def check_transition(current: CertificateStatus, new: CertificateStatus) -> None:
    """Only a valid certificate can end, once: revoked and expired are final."""
    match (current, new):
        case (CertificateStatus.VALID, CertificateStatus.REVOKED | CertificateStatus.EXPIRED):
            return
        case (CertificateStatus.REVOKED, _):
            raise Conflict("证书已撤销", code="certificate_revoked")
        case (CertificateStatus.EXPIRED, _):
            raise Conflict("证书已过期", code="certificate_expired")
        case _:
            raise Conflict("证书状态不允许此操作", code="certificate_status_conflict")


def require_valid(current: CertificateStatus) -> None:
    """Stamping and label applications need a certificate still in force."""
    if current is CertificateStatus.REVOKED:
        raise Conflict("证书已撤销，不能进行此操作", code="certificate_revoked")
    if current is CertificateStatus.EXPIRED:
        raise Conflict("证书已过期，不能进行此操作", code="certificate_expired")
