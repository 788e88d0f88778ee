"""recovery requests: cooling-off deadline, how they ended, one-time cancel / confirm codes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 15:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('recovery_requests', sa.Column('effective_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('recovery_requests', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('recovery_requests', sa.Column('closed_via', sa.String(length=40), nullable=True))
    op.create_table('recovery_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['recovery_requests.id'],
                            name=op.f('fk_recovery_tokens_request_id_recovery_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_recovery_tokens'))
    )
    op.create_index(op.f('ix_recovery_tokens_request_id'), 'recovery_tokens', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_recovery_tokens_request_id'), table_name='recovery_tokens')
    op.drop_table('recovery_tokens')
    op.drop_column('recovery_requests', 'closed_via')
    op.drop_column('recovery_requests', 'closed_at')
    op.drop_column('recovery_requests', 'effective_at')
