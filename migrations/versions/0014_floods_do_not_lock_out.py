"""floods of wrong codes or passwords do not lock others out

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-14 10:00:00

Issue #25.
- mailbox_throttle.bucket: wrong receipt codes are counted per minute and
  per locator bucket, no longer for everybody together. Rows already there
  (the current minute's count for everybody) become bucket 0's count; they
  expire with their minute.
- user_account.failed_second_factors: wrong second-factor codes are counted apart
  from wrong passwords (which now only slow down). Existing counters of wrong
  sign-ins stay in failed_logins; nobody starts with wrong codes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mailbox_throttle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bucket", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.drop_constraint("pk_mailbox_throttle", type_="primary")
        batch_op.create_primary_key("pk_mailbox_throttle", ["window_start", "bucket"])
    with op.batch_alter_table("mailbox_throttle", schema=None) as batch_op:
        batch_op.alter_column("bucket", server_default=None)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_second_factors", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("failed_second_factors")
    # One count per minute again: the buckets' counts are added up.
    op.execute("CREATE TABLE mailbox_throttle_sum AS SELECT window_start, SUM(failures) AS total"
               " FROM mailbox_throttle GROUP BY window_start")
    op.execute("DELETE FROM mailbox_throttle")
    with op.batch_alter_table("mailbox_throttle", schema=None) as batch_op:
        batch_op.drop_constraint("pk_mailbox_throttle", type_="primary")
        batch_op.drop_column("bucket")
        batch_op.create_primary_key("pk_mailbox_throttle", ["window_start"])
    op.execute("INSERT INTO mailbox_throttle (window_start, failures)"
               " SELECT window_start, total FROM mailbox_throttle_sum")
    op.execute("DROP TABLE mailbox_throttle_sum")
