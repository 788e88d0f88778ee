"""An index for the public brand-logo route: is a listed product showing this brand?

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_products_listed_brand_id", "products", ["brand_id"], postgresql_where=sa.text("status = 'listed'")
    )


def downgrade() -> None:
    op.drop_index("ix_products_listed_brand_id", table_name="products")
