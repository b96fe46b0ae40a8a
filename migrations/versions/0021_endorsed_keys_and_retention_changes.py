"""endorsed staff keys, revocations, audit targets, retention changes

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 02:40:00


Issue #19, no single insider adds a recipient:
- `key_endorsement` and `key_revocation` hold signed statements
  (app/accounts/trust.py); `user_account.signing_public` the Ed25519 key a
  handler signs endorsements with. Existing keys start unendorsed: after
  this upgrade no case is wrapped to anyone until the first handlers are
  endorsed with the trust anchor (`meldpunt init` creates it, `meldpunt keys
  endorse`; README, "Upgrading to endorsed keys"). The signing key is
  derived from the private key, which the server can not open: it is filled
  in at each handler's next sign-in.
- `audit_entry.target`: whom a grant, exclusion or endorsement concerns.
  Empty on existing entries, which therefore hash exactly as before.
- `retention_change`: the history of retention periods and the proposals
  that wait for a second person. A rule below the new floors is raised to
  its floor (keeping longer is the safe direction), with a history row.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The floors as they were when this revision was written (policy.py may
# change later; a migration does not).
FLOORS = {("advice", "*"): 12, ("report", "*"): 24, ("report", "founded"): 60}


def _sealable_trigger(extra: str) -> str:
    """0018's append-only trigger; sealing now also keeps the target as it is."""
    return """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.chain_pos IS NOT NULL
       AND EXISTS (SELECT 1 FROM audit_anchor WHERE seq >= OLD.chain_pos) THEN
      RETURN OLD;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    IF OLD.chain_pos IS NULL AND NEW.chain_pos IS NOT NULL
       AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id AND NEW.result = OLD.result
       AND NEW.origin = OLD.origin AND NEW.row_mac IS NOT DISTINCT FROM OLD.row_mac""" + extra + """
       AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL AND OLD.mac IS NULL THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def _floor(track: str, outcome: str) -> int:
    return max(FLOORS.get((track, outcome), 0), FLOORS.get((track, "*"), 0))


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("target", sa.String(length=200), nullable=False,
                                           server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_sealable_trigger(" AND NEW.target = OLD.target"))
    op.add_column("user_account", sa.Column("signing_public", sa.String(length=64),
                                            nullable=True))
    op.create_table(
        "key_endorsement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_key_endorsement_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["signer_id"], ["user_account.id"],
                                name=op.f("fk_key_endorsement_signer_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_endorsement")),
    )
    op.create_index("ix_key_endorsement_user", "key_endorsement", ["user_id", "role"])
    op.create_table(
        "key_revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_key_revocation_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_revocation")),
    )
    op.create_index("ix_key_revocation_user", "key_revocation", ["user_id"])
    change = op.create_table(
        "retention_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("previous_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("effective_from", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["user_account.id"],
                                name=op.f("fk_retention_change_proposed_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_retention_change_decided_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_change")),
    )
    bind = op.get_bind()
    rule = sa.table("retention_rule", sa.column("id", sa.Integer),
                    sa.column("track", sa.String), sa.column("outcome", sa.String),
                    sa.column("months", sa.Integer))
    now = datetime.now(UTC).replace(tzinfo=None)
    for row in bind.execute(sa.select(rule)).all():
        floor = _floor(row.track, row.outcome) if row.track != "audit" else 0
        if row.months < floor:
            bind.execute(sa.update(rule).where(rule.c.id == row.id).values(months=floor))
            bind.execute(sa.insert(change).values(
                track=row.track, outcome=row.outcome, months=floor,
                previous_months=row.months, status="applied", proposed_at=now,
                effective_from=now))


def downgrade() -> None:
    op.drop_table("retention_change")
    op.drop_index("ix_key_revocation_user", table_name="key_revocation")
    op.drop_table("key_revocation")
    op.drop_index("ix_key_endorsement_user", table_name="key_endorsement")
    op.drop_table("key_endorsement")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("signing_public")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_sealable_trigger(""))
        op.drop_column("audit_entry", "target")
    else:
        with op.batch_alter_table("audit_entry", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.drop_column("target")
