"""signed documents: what the verifier needs of each PAdES-signed PDF

Revision ID: e41b7c9a2d05
Revises: f3c9a1d07b52
Create Date: 2026-12-03 10:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e41b7c9a2d05'
down_revision: str | None = 'f3c9a1d07b52'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SHA-256 (hex) of the byte ranges each platform signature covers, and the SHA-256 fingerprint of the
    # signing certificate. Empty for documents issued before signing began (they carry no signature).
    op.add_column('certificates', sa.Column('unstamped_sha256', sa.String(length=64), nullable=True))
    op.add_column('certificates', sa.Column('unstamped_signer', sa.String(length=64), nullable=True))
    op.add_column('certificates', sa.Column('stamped_sha256', sa.String(length=64), nullable=True))
    op.add_column('certificates', sa.Column('stamped_signer', sa.String(length=64), nullable=True))
    op.add_column('labels', sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
    op.add_column('labels', sa.Column('pdf_signer', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('labels', 'pdf_signer')
    op.drop_column('labels', 'pdf_sha256')
    op.drop_column('certificates', 'stamped_signer')
    op.drop_column('certificates', 'stamped_sha256')
    op.drop_column('certificates', 'unstamped_signer')
    op.drop_column('certificates', 'unstamped_sha256')
