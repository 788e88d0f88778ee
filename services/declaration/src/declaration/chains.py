"""The audit chain of the declaration service (kit.audit_chain): ``reviews`` (every move of a declaration's
lifecycle: submissions, reviews, returns, notices, publication, with who, when and the opinion)."""

from __future__ import annotations

from kit.audit_chain import ChainSpec, chainer
from kit.audit_routes import audit_router

from declaration.models import AUDIT_HEADS, Review

CHAINS = (ChainSpec("reviews", Review.__table__, order="seq"),)  # type: ignore[arg-type]
HEADS = AUDIT_HEADS

chain_audit = chainer(CHAINS, HEADS)
router = audit_router(
    prefix="/api/declarations",
    service="declaration",
    specs=CHAINS,
    heads=HEADS,
    operation_prefix="declarations",
)
