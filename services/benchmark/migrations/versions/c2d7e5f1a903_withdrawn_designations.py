"""withdrawn designations (撤销评估机构确定)

Revision ID: c2d7e5f1a903
Revises: a5043c786b47
Create Date: 2026-11-26 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c2d7e5f1a903'
down_revision: str | None = 'a5043c786b47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('withdrawn_designations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('agency_name', sa.String(length=200), nullable=False),
    sa.Column('notice_starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notice_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('designated_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_by', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['key_field_products.id'],
                            name=op.f('fk_withdrawn_designations_product_id_key_field_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawn_designations'))
    )
    op.create_index(op.f('ix_withdrawn_designations_agency_id'), 'withdrawn_designations', ['agency_id'],
                    unique=False)
    op.create_index(op.f('ix_withdrawn_designations_product_id'), 'withdrawn_designations', ['product_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_withdrawn_designations_product_id'), table_name='withdrawn_designations')
    op.drop_index(op.f('ix_withdrawn_designations_agency_id'), table_name='withdrawn_designations')
    op.drop_table('withdrawn_designations')
