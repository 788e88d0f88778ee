"""contacts.phone_asked_at: a phone asked of auth (agencies: no event carries their phone) is reused only for a
while, so a changed number (lost-phone recovery) is not texted for ever

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('contacts', sa.Column('phone_asked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('contacts', 'phone_asked_at')
