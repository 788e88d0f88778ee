"""comparison values for the threshold calibrator (pseudonymous)

Revision ID: e4b8a61c5d27
Revises: c2d7e5f1a903
Create Date: 2026-12-03 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e4b8a61c5d27'
down_revision: str | None = 'c2d7e5f1a903'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('comparison_values',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('enterprise_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('forerunner', 'star')", name=op.f('ck_comparison_values_kind')),
    sa.ForeignKeyConstraint(['plan_id'], ['assessment_plans.id'],
                            name=op.f('fk_comparison_values_plan_id_assessment_plans')),
    sa.ForeignKeyConstraint(['product_id'], ['key_field_products.id'],
                            name=op.f('fk_comparison_values_product_id_key_field_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_values'))
    )
    op.create_index('ix_comparison_values_latest', 'comparison_values',
                    ['product_id', 'indicator', 'enterprise_key', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_comparison_values_latest', table_name='comparison_values')
    op.drop_table('comparison_values')
