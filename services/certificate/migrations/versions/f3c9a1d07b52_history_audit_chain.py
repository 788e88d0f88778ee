"""certificate_history becomes a hash chain (kit.audit_chain): chain columns, the chain guard, the daily
heads

Revision ID: f3c9a1d07b52
Revises: 0a1e4e9d2556
Create Date: 2026-12-03 10:55:00
"""
from collections.abc import Sequence

from alembic import op
from kit import audit_chain

revision: str = "f3c9a1d07b52"
down_revision: str | None = "0a1e4e9d2556"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_chain.upgrade_table(op, "certificate_history")
    audit_chain.create_heads(op)


def downgrade() -> None:
    audit_chain.drop_heads(op)
    audit_chain.downgrade_table(op, "certificate_history")
