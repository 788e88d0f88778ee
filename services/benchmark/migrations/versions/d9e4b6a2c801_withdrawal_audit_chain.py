"""withdrawn_designations become a hash chain (kit.audit_chain): chain columns, the chain guard, the daily
heads

Revision ID: d9e4b6a2c801
Revises: e4b8a61c5d27
Create Date: 2026-12-03 10:40:00
"""
from collections.abc import Sequence

from alembic import op
from kit import audit_chain

revision: str = 'd9e4b6a2c801'
down_revision: str | None = 'e4b8a61c5d27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_chain.upgrade_table(op, "withdrawn_designations", order="recorded_at")
    audit_chain.create_heads(op)


def downgrade() -> None:
    audit_chain.drop_heads(op)
    audit_chain.downgrade_table(op, "withdrawn_designations")
