"""shared-rows indexes: the agency's and working group's list walk only what they may see

Revision ID: b71c3e5a9d20
Revises: 8e3f41b2c6d7
Create Date: 2026-11-26 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b71c3e5a9d20"
down_revision: str | None = "8e3f41b2c6d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED = "submitted_at IS NOT NULL OR origin = 'candidate'"


def upgrade() -> None:
    op.create_index(
        "ix_declarations_shared_order",
        "declarations",
        [sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )
    op.create_index(
        "ix_declarations_shared_year_field",
        "declarations",
        ["year", "field", sa.text("created_at DESC")],
        postgresql_where=sa.text(SHARED),
    )
    op.create_index(
        "ix_declarations_shared_agency_order",
        "declarations",
        ["agency_org_id", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_shared_agency_order", table_name="declarations")
    op.drop_index("ix_declarations_shared_year_field", table_name="declarations")
    op.drop_index("ix_declarations_shared_order", table_name="declarations")
