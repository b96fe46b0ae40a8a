"""the writer's role with each message; the send tokens of sent report forms

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-14 10:00:00

NOTE: down_revision is "0013" FOR NOW. Revisions 0014 and 0015 are written
in parallel on other branches; the integrator re-chains this revision after
them (down_revision = "0015").

Issue #21, defects 1 and 6:
- message.author_role: the role a staff writer acted in on the case, which
  the reporter sees instead of "the handler" (never a name). Filled here
  where it can be derived: a staff message whose writer holds exactly one
  handler role (integriteitscoordinator and icc count as one: both show as
  integrity coordinator). A writer with several handler roles, a deleted
  writer and the reporter's own messages stay empty: the neutral label.
- send_token: a sent report form's token, only as a keyed hash with the
  day, so that sending the same form again (a reload of the receipt page)
  creates nothing. Starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDLER_ROLES = "('intake', 'vertrouwenspersoon', 'integriteitscoordinator', 'icc'," \
                " 'external_investigator')"
# The writer's handler roles, with icc counted as integriteitscoordinator.
AS_SHOWN = ("CASE WHEN ur.role = 'icc' THEN 'integriteitscoordinator' ELSE ur.role END")
WRITER_ROLES = ("FROM user_role ur WHERE ur.user_id = message.author_id"
                f" AND ur.role IN {HANDLER_ROLES}")


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_role", sa.String(length=30), nullable=True))
    op.execute(
        f"UPDATE message SET author_role = (SELECT MIN({AS_SHOWN}) {WRITER_ROLES})"
        " WHERE author_kind = 'staff' AND author_id IS NOT NULL"
        f" AND (SELECT COUNT(DISTINCT {AS_SHOWN}) {WRITER_ROLES}) = 1"
    )
    op.create_table(
        "send_token",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_send_token")),
    )
    with op.batch_alter_table("send_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_send_token_sent_on"), ["sent_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("send_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_send_token_sent_on"))
    op.drop_table("send_token")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("author_role")
