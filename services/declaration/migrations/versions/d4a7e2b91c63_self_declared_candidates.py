"""self-declared candidates and enterprise profile order

A standard the enterprise self-declared joins its agency's candidate list when the agency passes it
(``candidates.source = 'self'``, linked to its declaration; the phone follows the enterprise's 基本信息).
``enterprises.profile_at`` is the time of the newest ``enterprise.*`` event applied: an older one arriving
later never overwrites the copy.

Revision ID: d4a7e2b91c63
Revises: c5e2a8f41d17
Create Date: 2026-12-02 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d4a7e2b91c63"
down_revision: str | None = "c5e2a8f41d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "candidates", sa.Column("source", sa.String(length=16), nullable=False, server_default="agency")
    )
    op.add_column("candidates", sa.Column("org_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_index("ix_candidates_org_id", "candidates", ["org_id"])
    op.add_column("enterprises", sa.Column("profile_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("enterprises", "profile_at")
    op.drop_index("ix_candidates_org_id", table_name="candidates")
    op.drop_column("candidates", "org_id")
    op.drop_column("candidates", "source")
