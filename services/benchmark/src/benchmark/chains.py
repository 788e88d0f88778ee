"""The audit chain of the benchmark service (kit.audit_chain): ``withdrawn_designations`` (the working
group's withdrawals of an agency's designation: who, when, why). Plan finalisation and designations are
states of their rows, not records of their own, so they are not chained here."""

from __future__ import annotations

from kit.audit_chain import ChainSpec, chainer
from kit.audit_routes import audit_router

from benchmark.models import AUDIT_HEADS, WithdrawnDesignation

# no serial column: linked in the order the rows were written (recorded_at, then id)
CHAINS = (
    ChainSpec("withdrawn_designations", WithdrawnDesignation.__table__, order="recorded_at"),  # type: ignore[arg-type]
)
HEADS = AUDIT_HEADS

chain_audit = chainer(CHAINS, HEADS)
router = audit_router(
    prefix="/api/benchmark", service="benchmark", specs=CHAINS, heads=HEADS, operation_prefix="benchmark"
)
