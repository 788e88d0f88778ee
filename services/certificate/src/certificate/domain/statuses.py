"""Statuses of certificates and labels with their Chinese labels, and the legal moves of a certificate:
a valid certificate ends once, revoked (working group) or expired (the poller); both are final."""

from __future__ import annotations

from enum import StrEnum

from kit.audit_chain import AuditBreakKind

from certificate.errors import CertificateExpired, CertificateRevoked, CertificateStatusConflict


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


class DocumentKind(StrEnum):
    """What a verification code or number turned out to be."""

    CERTIFICATE = "certificate"
    FORERUNNER_LABEL = "forerunner_label"
    STAR_LABEL = "star_label"

    @property
    def label(self) -> str:
        return {
            DocumentKind.CERTIFICATE: "企业标准“领跑者”证书",
            DocumentKind.FORERUNNER_LABEL: LabelKind.FORERUNNER.label,
            DocumentKind.STAR_LABEL: LabelKind.STAR.label,
        }[self]

    @classmethod
    def of_label(cls, kind: LabelKind) -> DocumentKind:
        return cls(f"{kind.value}_label")


class FileVerdict(StrEnum):
    """The answer to a checked file (POST /verify/file): one of four, each with its Chinese label."""

    AUTHENTIC = "authentic"  # signed by the platform, unaltered, and the document is in force
    ENDED = "ended"  # signed by the platform, unaltered, but the certificate was revoked or expired
    ALTERED = "altered"  # the platform's signature no longer matches the bytes, or changes follow it
    NOT_OURS = "not_ours"  # no signature, another key's, or a number the platform never issued

    @property
    def label(self) -> str:
        return {
            FileVerdict.AUTHENTIC: "真实有效",
            FileVerdict.ENDED: "真实，但已失效",
            FileVerdict.ALTERED: "文件已被改动",
            FileVerdict.NOT_OURS: "非本平台签发",
        }[self]


class HistoryAction(StrEnum):
    ISSUED = "issued"
    STAMPED = "stamped"
    REVOKED = "revoked"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            HistoryAction.ISSUED: "签发",
            HistoryAction.STAMPED: "回传盖章版",
            HistoryAction.REVOKED: "撤销",
            HistoryAction.EXPIRED: "过期",
        }[self]


def check_transition(current: CertificateStatus, new: CertificateStatus) -> None:
    """Only a valid certificate can end, once: revoked and expired are final."""
    match (current, new):
        case (CertificateStatus.VALID, CertificateStatus.REVOKED | CertificateStatus.EXPIRED):
            return
        case (CertificateStatus.REVOKED, _):
            raise CertificateRevoked()
        case (CertificateStatus.EXPIRED, _):
            raise CertificateExpired()
        case _:
            raise CertificateStatusConflict()


def require_valid(current: CertificateStatus) -> None:
    """Stamping and label applications need a certificate still in force."""
    if current is CertificateStatus.REVOKED:
        raise CertificateRevoked("证书已撤销，不能进行此操作")
    if current is CertificateStatus.EXPIRED:
        raise CertificateExpired("证书已过期，不能进行此操作")


# The enums whose values reach clients (the portal's labels are generated from these).
PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    CertificateStatus,
    LabelKind,
    DocumentKind,
    HistoryAction,
    FileVerdict,
    AuditBreakKind,  # the audit chain's verification (kit.audit_chain)
)
