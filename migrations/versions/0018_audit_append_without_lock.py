"""audit log appended without a global lock: entries numbered by a sequence,
sealed into the hash chain afterwards

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 22:10:00


Issue #26: every audited action took one cluster-wide advisory lock to read
the chain's head and link the new entry. Now an entry is inserted with a
number from a sequence (`seq`; SQLite: AUTOINCREMENT) and its own HMAC
(`row_mac`), without a chain link; the sealer (app/audit/log.py) links
committed entries into the chain at `chain_pos` afterwards.

Data: every existing entry was chained as it was written, at position
`seq`: it gets `chain_pos = seq` and keeps its hashes and HMAC, which verify
unchanged (the hash names the position alone when it equals `seq`). The
PostgreSQL sequence continues after the highest number used (also by a
pruned entry, through the anchors). The append-only trigger lets one UPDATE
through: sealing an unsealed entry (setting its place in the chain once,
nothing it says). A row may still be deleted only under a pruning anchor.

Downgrade: only while every entry is sealed at its own number (the old log
knew only `seq`); otherwise it refuses, as the entries' hashes name both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALABLE_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.chain_pos IS NOT NULL
       AND EXISTS (SELECT 1 FROM audit_anchor WHERE seq >= OLD.chain_pos) THEN
      RETURN OLD;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Sealing: an entry not yet in the chain gets its place, once; nothing
    -- it says changes.
    IF OLD.chain_pos IS NULL AND NEW.chain_pos IS NOT NULL
       AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id AND NEW.result = OLD.result
       AND NEW.origin = OLD.origin AND NEW.row_mac IS NOT DISTINCT FROM OLD.row_mac
       AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL AND OLD.mac IS NULL THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql;
"""

# 0006's: deletion only under an anchor, by seq.
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
"""

CHAIN_COLUMNS = ("prev_hash", "entry_hash", "mac")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_entry", schema=None, recreate="auto",
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("row_mac", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("chain_pos", sa.Integer(), nullable=True))
        for name in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entry_chain_pos"), ["chain_pos"])
    if postgres:
        # The old trigger refuses every UPDATE; the existing entries take
        # their place in the chain at their own number.
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    op.execute("UPDATE audit_entry SET chain_pos = seq")
    if postgres:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
    if postgres:
        op.execute("CREATE SEQUENCE audit_entry_seq_seq OWNED BY audit_entry.seq")
        op.execute("SELECT setval('audit_entry_seq_seq', n, n > 0) FROM (SELECT GREATEST("
                   "(SELECT max(seq) FROM audit_entry), (SELECT max(seq) FROM audit_anchor),"
                   " 1) AS n) AS highest")
        op.execute("ALTER TABLE audit_entry ALTER COLUMN seq"
                   " SET DEFAULT nextval('audit_entry_seq_seq')")
        op.execute(SEALABLE_TRIGGER)
    else:
        # AUTOINCREMENT continues after the highest number ever used, also
        # when the newest entries were pruned (their anchor remembers it).
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'audit_entry'")
        op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_entry', max(n) FROM ("
                   "SELECT max(seq) AS n FROM audit_entry UNION ALL"
                   " SELECT max(seq) FROM audit_anchor UNION ALL SELECT 0)")


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    unsealed = bind.execute(sa.text(
        "SELECT count(*) FROM audit_entry WHERE chain_pos IS NULL OR chain_pos <> seq"
    )).scalar()
    if unsealed:
        raise RuntimeError(
            f"{unsealed} audit entries are not sealed at their own number: run"
            " 'meldpunt audit seal' first; entries sealed out of their order (a gap or a late"
            " commit) can not be expressed in the old log, which then can not go back.")
    if postgres:
        op.execute(PRUNABLE_TRIGGER)
        op.execute("ALTER TABLE audit_entry ALTER COLUMN seq DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS audit_entry_seq_seq")
    with op.batch_alter_table("audit_entry", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entry_chain_pos"), type_="unique")
        batch_op.drop_column("chain_pos")
        batch_op.drop_column("row_mac")
        for name in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=64), nullable=False)
