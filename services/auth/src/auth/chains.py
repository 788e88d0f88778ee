"""The audit chain of the auth service (kit.audit_chain): ``audit_log`` (logins, failures, password and
phone changes, operator actions, recovery decisions)."""

from __future__ import annotations

from kit.audit_chain import ChainSpec, chainer
from kit.audit_routes import audit_router

from auth.models import AUDIT_HEADS, AuditEntry

CHAINS = (ChainSpec("audit_log", AuditEntry.__table__),)  # type: ignore[arg-type]
HEADS = AUDIT_HEADS

chain_audit = chainer(CHAINS, HEADS)
router = audit_router(prefix="/api/auth", service="auth", specs=CHAINS, heads=HEADS, operation_prefix="auth")
