"""stats read models: the working group's dashboard and the public statistics, fed by events

Revision ID: f3a9c1d5e2b8
Revises: e8b2f0c4a715
Create Date: 2026-12-03 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f3a9c1d5e2b8"
down_revision: str | None = "e8b2f0c4a715"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stats_moves",
        sa.Column("review_id", UUID, nullable=False),
        sa.Column("declaration_id", UUID, nullable=False),
        sa.Column("product_id", UUID, nullable=False),
        sa.Column("agency_org_id", UUID, nullable=True),
        sa.Column("agency_name", sa.String(200), nullable=False),
        sa.Column("standard_no", sa.String(40), nullable=False),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("list_from", sa.String(32), nullable=True),
        sa.Column("list_to", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_stats_moves")),
    )
    op.create_index("ix_stats_moves_declaration", "stats_moves", ["declaration_id", "at", "occurred_at"])
    op.create_index(op.f("ix_stats_moves_product_id"), "stats_moves", ["product_id"])
    op.create_table(
        "stats_forerunners",
        sa.Column("declaration_id", UUID, nullable=False),
        sa.Column("org_id", UUID, nullable=False),
        sa.Column("product_id", UUID, nullable=False),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_stats_forerunners")),
    )
    op.create_index(op.f("ix_stats_forerunners_year"), "stats_forerunners", ["year"])
    op.create_table(
        "stats_notices",
        sa.Column("notice_id", UUID, nullable=False),
        sa.Column("product_id", UUID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("declaration_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_stats_notices")),
    )
    op.create_index(op.f("ix_stats_notices_ends_at"), "stats_notices", ["ends_at"])
    op.create_table(
        "stats_objections",
        sa.Column("objection_id", UUID, nullable=False),
        sa.Column("notice_id", UUID, nullable=False),
        sa.Column("declaration_id", UUID, nullable=False),
        sa.Column("product_id", UUID, nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("raised_at", TS, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("objection_id", name=op.f("pk_stats_objections")),
    )
    op.create_index(op.f("ix_stats_objections_notice_id"), "stats_objections", ["notice_id"])
    op.create_table(
        "stats_certificates",
        sa.Column("certificate_id", UUID, nullable=False),
        sa.Column("declaration_id", UUID, nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_stats_certificates")),
    )
    op.create_index(op.f("ix_stats_certificates_valid_until"), "stats_certificates", ["valid_until"])


def downgrade() -> None:
    for table in ("stats_certificates", "stats_objections", "stats_notices", "stats_forerunners", "stats_moves"):
        op.drop_table(table)
