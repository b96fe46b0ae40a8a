"""case_tally: the received and closed indexes cover the columns the year
statistics read, so a year is an index-only range scan

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 20:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal copies (a migration must not change when the model does later).
RECEIVED = ["received_on", "unit_id", "track", "category", "subcategory", "channel",
            "escalated", "closed_on", "outcome", "acknowledged_in_time", "feedback_in_time"]
CLOSED = ["closed_on", "unit_id", "outcome", "track", "measure", "days_to_close"]


def upgrade() -> None:
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_case_tally_received")
        batch_op.drop_index("ix_case_tally_closed")
        batch_op.create_index("ix_case_tally_received", RECEIVED, unique=False)
        batch_op.create_index("ix_case_tally_closed", CLOSED, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_case_tally_closed")
        batch_op.drop_index("ix_case_tally_received")
        batch_op.create_index("ix_case_tally_received", ["received_on"], unique=False)
        batch_op.create_index("ix_case_tally_closed", ["closed_on"], unique=False)
