"""The audit chain of the certificate service (kit.audit_chain): ``certificate_history`` (issue, stamped
upload, revocation, expiry, appended models: who, when, why)."""

from __future__ import annotations

from kit.audit_chain import ChainSpec, chainer
from kit.audit_routes import audit_router

from certificate.models import AUDIT_HEADS, CertificateHistory

CHAINS = (ChainSpec("certificate_history", CertificateHistory.__table__),)  # type: ignore[arg-type]
HEADS = AUDIT_HEADS

chain_audit = chainer(CHAINS, HEADS)
router = audit_router(
    prefix="/api/certificates",
    service="certificate",
    specs=CHAINS,
    heads=HEADS,
    operation_prefix="certificates",
)
