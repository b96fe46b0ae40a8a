"""the tallies of hearings held and notices deferred

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 06:00:00


Issue #24, statistics count hearings and deferred notices, never names: the
annual figures count, per year, the hearings held (approved or declined) and
the notices to persons concerned deferred (per legal ground). When the
persons concerned of a case are deleted (the retention sweep, or a shred
that keeps the case row) each such event leaves one row here: its kind, its
day, how the hearing ended or the ground, and the unit — no case, no person,
no name (app/cases/person_data.py). A new table: nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_event_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("on_day", sa.DateTime(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_event_tally")),
    )
    with op.batch_alter_table("person_event_tally", schema=None) as batch_op:
        batch_op.create_index("ix_person_event_tally_day",
                              ["on_day", "kind", "code", "unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_event_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_person_event_tally_day")
    op.drop_table("person_event_tally")
