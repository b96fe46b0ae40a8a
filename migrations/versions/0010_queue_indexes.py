"""queue indexes: who wrote last, partial indexes on open cases, wraps by user

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:45:00

The staff queue page (app/cases/queues.py) with 100,000 cases:
- case_file.last_author_kind: who wrote the newest message, so "waiting for
  reporter" no longer probes the messages of every open case; filled here
  from the messages that exist;
- partial indexes on open cases for the due-soon, overdue and waiting tabs;
- key_wrap (user_id, case_id) replaces the index on user_id alone: the
  cases a user holds, read from the index only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "state <> 'closed'"
OPEN_UNACKNOWLEDGED = "state <> 'closed' AND acknowledged_at IS NULL"
OPEN_WAITING = "state <> 'closed' AND last_author_kind = 'staff'"


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_author_kind", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE case_file SET last_author_kind = (SELECT m.author_kind FROM message m "
        "WHERE m.case_id = case_file.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1)"
    )
    for name, column, where in (
        ("ix_case_file_open_ack_due", "acknowledge_due_at", OPEN_UNACKNOWLEDGED),
        ("ix_case_file_open_feedback_due", "feedback_due_at", OPEN),
        ("ix_case_file_open_waiting", "received_at", OPEN_WAITING),
    ):
        op.create_index(name, "case_file", [column], unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.create_index("ix_key_wrap_user_case", ["user_id", "case_id"], unique=False)
        batch_op.drop_index("ix_key_wrap_user_id")


def downgrade() -> None:
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.create_index("ix_key_wrap_user_id", ["user_id"], unique=False)
        batch_op.drop_index("ix_key_wrap_user_case")
    for name in ("ix_case_file_open_waiting", "ix_case_file_open_feedback_due",
                 "ix_case_file_open_ack_due"):
        op.drop_index(name, table_name="case_file")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("last_author_kind")
