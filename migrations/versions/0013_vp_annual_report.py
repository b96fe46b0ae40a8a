"""the VP annual report: who counselled, where to referred, the VP's account

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00

Issue #17, defect 4 (seed 000 §28): every vertrouwenspersoon reports yearly
per unit, the ICC integrates those reports.
- case_file.counsellor_id: the VP who handles the case, in clear (the
  report counts per VP; the key wraps say who holds a case, not who
  counselled). Filled here where it can be derived: a case that reached a
  counsellor (advice track, passed on to the IC, or with a VP now) held by
  exactly one VP is theirs. Cases held by several VPs stay unattributed.
- case_tally.counsellor_id and referred_to, copied by the retention sweep
  from now on. Tallies already written can not be attributed (they keep no
  link to their case): the report counts them as "not attributed".
- vp_narrative: the VP's own account of a year, one per VP per year.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VP_HOLDERS = ("FROM key_wrap kw JOIN user_role ur ON ur.user_id = kw.user_id"
              " AND ur.role = 'vertrouwenspersoon' WHERE kw.case_id = case_file.id")


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counsellor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_case_file_counsellor_id_user_account"),
                                    "user_account", ["counsellor_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_case_file_counsellor_received",
                              ["counsellor_id", "received_at"], unique=False)
    op.execute(
        f"UPDATE case_file SET counsellor_id = (SELECT MIN(kw.user_id) {VP_HOLDERS})"
        " WHERE counsellor_id IS NULL"
        " AND (track = 'advice' OR escalated_at IS NOT NULL OR state = 'with_vp')"
        f" AND (SELECT COUNT(DISTINCT kw.user_id) {VP_HOLDERS}) = 1"
    )
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counsellor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("referred_to", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_case_tally_counsellor", ["counsellor_id", "received_on"],
                              unique=False)
    op.create_table(
        "vp_narrative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["counsellor_id"], ["user_account.id"],
                                name=op.f("fk_vp_narrative_counsellor_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_vp_narrative_updated_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vp_narrative")),
        sa.UniqueConstraint("counsellor_id", "year", name=op.f("uq_vp_narrative_counsellor_id")),
    )


def downgrade() -> None:
    op.drop_table("vp_narrative")
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_case_tally_counsellor")
        batch_op.drop_column("referred_to")
        batch_op.drop_column("counsellor_id")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_counsellor_received")
        batch_op.drop_constraint("fk_case_file_counsellor_id_user_account", type_="foreignkey")
        batch_op.drop_column("counsellor_id")
