"""queue index: the columns the tab counts read, beside the state

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 13:05:00

The staff queue's tab counts (app/cases/queues.py counts) read a handful of
columns of every case a role may list. The case row is wide (the encrypted
report is stored in it), so at 100,000 cases reading those rows was most of
the page's time. On PostgreSQL this index carries those columns (INCLUDE),
so the counts are read from the index alone (an index-only scan, about a
tenth of the table's size); it replaces the index on (state, unit_id),
whose columns lead it. SQLite has no INCLUDE: there it is an index on
(state, unit_id, track).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with app/models/case.py (QUEUE_INCLUDE).
QUEUE_INCLUDE = ["id", "category", "shredded_at", "received_at", "acknowledged_at",
                 "acknowledge_due_at", "feedback_given_at", "feedback_due_at",
                 "last_author_kind"]


def upgrade() -> None:
    op.create_index("ix_case_file_queue", "case_file", ["state", "unit_id", "track"],
                    unique=False, postgresql_include=QUEUE_INCLUDE)
    op.drop_index("ix_case_file_state_unit", table_name="case_file")


def downgrade() -> None:
    op.create_index("ix_case_file_state_unit", "case_file", ["state", "unit_id"], unique=False)
    op.drop_index("ix_case_file_queue", table_name="case_file")
