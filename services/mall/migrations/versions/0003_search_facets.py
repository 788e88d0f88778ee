"""Filters as facets in the search array; custom plans for every query.

A keyword search with a filter (category, star, brand, region) now asks the GIN index for the facets
too (``f:家用电器``, ``s:4``, ``r:4403`` …), so it reads only the rows that match everything. Rows written
before carry no facets: they get them here, by the same rule as ``mall.service.refresh_search``.

Prepared statements reach PostgreSQL with parameters; after five runs PostgreSQL may switch to one
generic plan, which cannot tell a rare keyword from a common one and picks a plan that walks the
whole catalogue for rare ones. The mall's queries plan in well under a millisecond, so every query is
planned for its own values.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 18:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE products SET search_grams = ARRAY(
            SELECT DISTINCT g FROM unnest(
                search_grams
                || ARRAY['s:' || star]
                || CASE WHEN field <> '' THEN ARRAY['f:' || field] ELSE '{}'::text[] END
                || CASE WHEN product_id IS NOT NULL THEN ARRAY['p:' || product_id::text] ELSE '{}'::text[] END
                || CASE WHEN brand_name IS NOT NULL AND brand_name <> '' THEN ARRAY['b:' || brand_name]
                        ELSE '{}'::text[] END
                || CASE WHEN region_code ~ '^[0-9]{6}$' THEN ARRAY['r:' || left(region_code, 2),
                        'r:' || left(region_code, 4), 'r:' || region_code] ELSE '{}'::text[] END
            ) AS g ORDER BY g
        )
        """
    )
    op.execute(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', "
        "current_database()); END $$"
    )


def downgrade() -> None:
    op.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET plan_cache_mode', current_database()); END $$")
    op.execute("UPDATE products SET search_grams = ARRAY(SELECT g FROM unnest(search_grams) g WHERE g !~ '^[a-z]:')")
