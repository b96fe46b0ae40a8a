"""audit retention: anchors where the chain starts after pruning; on
PostgreSQL the append-only trigger now lets through exactly the deletion of
entries an anchor covers, and anchors themselves are append-only

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A row may be deleted only when an anchor covers it (pruning inserts the
# anchor first, in the same transaction). UPDATE and TRUNCATE stay refused.
# Anyone who can insert rows can insert an anchor too, but not one with a
# valid HMAC: `audit verify` then fails on the anchor.
PRUNABLE_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM audit_anchor WHERE seq >= OLD.seq) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_anchor_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_anchor is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_anchor_append_only
  BEFORE UPDATE OR DELETE ON audit_anchor
  FOR EACH ROW EXECUTE FUNCTION audit_anchor_refuse_change();
CREATE TRIGGER audit_anchor_no_truncate
  BEFORE TRUNCATE ON audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_refuse_change();
"""

APPEND_ONLY_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "audit_anchor",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_at", sa.DateTime(), nullable=False),
        sa.Column("pruned_at", sa.DateTime(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_anchor")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PRUNABLE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_anchor")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_anchor")
        op.execute("DROP FUNCTION IF EXISTS audit_anchor_refuse_change()")
        op.execute(APPEND_ONLY_TRIGGER)
    op.drop_table("audit_anchor")
