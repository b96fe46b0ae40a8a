"""statistics: when feedback was given and whether a case was escalated, on
cases and on the tallies that outlive them

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 18:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_given_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_in_time", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("escalated", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.drop_column("escalated")
        batch_op.drop_column("feedback_in_time")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("feedback_given_at")
