"""list page: gram search for short contains-filters, status-ordered indexes

A contains-filter of one or two characters (企业标准号 "TZ", 企业名称 "华信") yields no trigram, so pg_trgm
cannot serve it and every such page read all 100,000 rows (75 ms each). The database now keeps the
one- and two-character grams of the standard number and the enterprise name in a generated column with
a GIN index: any search term of one or more characters becomes an index lookup, rechecked by ILIKE.

The status filters (名单状态, 证明材料状态) of the agency and the working group walked the shared order
index and threw most rows away (32 ms for a status with no shared rows); they get ordered indexes of
their own (one for both statuses together: the planner cannot know that drafts are exactly the rows
nobody else may see, and counted 30,000 drafts to find none shared).

Revision ID: c5e2a8f41d17
Revises: b71c3e5a9d20
Create Date: 2026-11-26 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "c5e2a8f41d17"
down_revision: str | None = "b71c3e5a9d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED = "submitted_at IS NOT NULL OR origin = 'candidate'"

# The same grams as declaration.search.grams (tested to agree): lower-cased characters and pairs of
# neighbouring characters, each behind a prefix naming the field.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION lp_search_grams(prefix text, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT coalesce(array_agg(DISTINCT prefix || g ORDER BY prefix || g), '{}')
    FROM (
        SELECT substr(lower(value), i, 1) AS g FROM generate_series(1, char_length(value)) AS i
        UNION ALL
        SELECT substr(lower(value), i, 2) FROM generate_series(1, char_length(value) - 1) AS i
    ) AS grams
$$
"""
GRAMS_EXPRESSION = (
    "lp_search_grams('s:', coalesce(standard_no, '')) || lp_search_grams('e:', coalesce(enterprise_name, ''))"
)


def upgrade() -> None:
    op.execute(GRAMS_FUNCTION)
    op.add_column(
        "declarations",
        sa.Column(
            "search_grams", ARRAY(sa.Text()), sa.Computed(GRAMS_EXPRESSION, persisted=True), nullable=True
        ),
    )
    op.create_index("ix_declarations_search_grams", "declarations", ["search_grams"], postgresql_using="gin")
    op.create_index(
        "ix_declarations_shared_list_status",
        "declarations",
        ["list_status", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )
    op.create_index(
        "ix_declarations_shared_statuses",
        "declarations",
        ["list_status", "evidence_status", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )
    op.create_index(
        "ix_declarations_shared_evidence_status",
        "declarations",
        ["evidence_status", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )
    op.create_index(
        "ix_declarations_shared_agency_status",
        "declarations",
        ["agency_org_id", "list_status", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text(SHARED),
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_shared_agency_status", table_name="declarations")
    op.drop_index("ix_declarations_shared_evidence_status", table_name="declarations")
    op.drop_index("ix_declarations_shared_statuses", table_name="declarations")
    op.drop_index("ix_declarations_shared_list_status", table_name="declarations")
    op.drop_index("ix_declarations_search_grams", table_name="declarations")
    op.drop_column("declarations", "search_grams")
    op.execute("DROP FUNCTION IF EXISTS lp_search_grams(text, text)")
