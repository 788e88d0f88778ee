"""audit_log becomes a hash chain (kit.audit_chain): chain columns, the chain guard instead of the plain
append-only trigger, and the daily heads

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:30:00.000000
"""
from collections.abc import Sequence

from alembic import op
from kit import audit_chain

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    audit_chain.upgrade_table(op, "audit_log")
    audit_chain.create_heads(op)


def downgrade() -> None:
    audit_chain.drop_heads(op)
    audit_chain.downgrade_table(op, "audit_log")
    op.execute(
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
