"""review sequence: the order of moves independent of the clock

Revision ID: 5a1d2c7e9b40
Revises: 3c48714cf5d9
Create Date: 2026-11-26 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1d2c7e9b40"
down_revision: str | None = "3c48714cf5d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False))
    op.create_unique_constraint(op.f("uq_reviews_seq"), "reviews", ["seq"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_reviews_seq"), "reviews", type_="unique")
    op.drop_column("reviews", "seq")
