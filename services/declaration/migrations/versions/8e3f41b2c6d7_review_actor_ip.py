"""review actor ip: the caller's address in every audit record (QUALITY 9)

Revision ID: 8e3f41b2c6d7
Revises: 5a1d2c7e9b40
Create Date: 2026-11-26 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e3f41b2c6d7"
down_revision: str | None = "5a1d2c7e9b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("actor_ip", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("reviews", "actor_ip")
