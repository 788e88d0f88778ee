"""reviews become a hash chain (kit.audit_chain): chain columns, the chain guard, the daily heads

Revision ID: e8b2f0c4a715
Revises: d4a7e2b91c63
Create Date: 2026-12-03 10:50:00
"""
from collections.abc import Sequence

from alembic import op
from kit import audit_chain

revision: str = "e8b2f0c4a715"
down_revision: str | None = "d4a7e2b91c63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_chain.upgrade_table(op, "reviews", order="seq")
    audit_chain.create_heads(op)


def downgrade() -> None:
    audit_chain.drop_heads(op)
    audit_chain.downgrade_table(op, "reviews")
