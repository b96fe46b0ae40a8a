"""receipt codes staff handed over are replaced at the first sign-in

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-15 10:00:00

Issue #18.
- receipt.handed_over: the code was made when staff registered the report
  and handed it to the reporter, so that staff member knows it. Receipts of
  registered cases get the mark: their intake channel is not the web form,
  or the audit log holds their registration (report.registered). Receipts of
  the web form stay unmarked.
- reporter_session.new_code_pending: a mailbox opened with such a code opens
  nothing until the new code is confirmed. Mailboxes already open on a
  marked receipt wait for the new code too.
The downgrade drops both marks; every receipt keeps working with its code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_over", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("new_code_pending", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(
        "UPDATE receipt SET handed_over = true WHERE case_id IN ("
        " SELECT id FROM case_file WHERE intake_channel <> 'web'"
        " OR number IN (SELECT object_id FROM audit_entry"
        "  WHERE action = 'report.registered' AND object_type = 'case'))")
    op.execute(
        "UPDATE reporter_session SET new_code_pending = true WHERE case_id IN ("
        " SELECT case_id FROM receipt WHERE handed_over = true)")
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.alter_column("handed_over", server_default=None)
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.alter_column("new_code_pending", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.drop_column("new_code_pending")
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_column("handed_over")
