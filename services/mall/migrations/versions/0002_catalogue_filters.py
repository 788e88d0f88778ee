"""Indexes for the catalogue's filters, the search index only over listed products; JIT off.

The catalogue's queries are short (an index or GIN bitmap scan and one page); PostgreSQL's JIT compiler
kicks in on their cost estimates and adds tens of milliseconds of compilation to each, so the mall's
database turns it off for every new connection.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = sa.text("status = 'listed'")


def upgrade() -> None:
    op.create_index("ix_products_listed_field", "products", ["field", sa.literal_column("listed_at DESC")],
                    postgresql_where=LISTED)
    op.create_index("ix_products_listed_star", "products", ["star", sa.literal_column("listed_at DESC")],
                    postgresql_where=LISTED)
    op.create_index("ix_products_listed_brand", "products", ["brand_name"], postgresql_where=LISTED)
    op.create_index("ix_products_listed_region", "products", ["region_code"], postgresql_where=LISTED)
    op.drop_index("ix_products_search_grams", table_name="products")
    op.create_index("ix_products_search_grams", "products", ["search_grams"], postgresql_using="gin",
                    postgresql_where=LISTED)
    op.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$")


def downgrade() -> None:
    op.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET jit', current_database()); END $$")
    op.drop_index("ix_products_search_grams", table_name="products")
    op.create_index("ix_products_search_grams", "products", ["search_grams"], postgresql_using="gin")
    for name in ("ix_products_listed_region", "ix_products_listed_brand", "ix_products_listed_star",
                 "ix_products_listed_field"):
        op.drop_index(name, table_name="products")
