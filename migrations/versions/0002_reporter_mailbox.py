"""reporter mailbox: open-mailbox sessions, sign-in throttle, consent on case

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-23 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reporter_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sealed_case_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_reporter_session_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_session")),
    )
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reporter_session_case_id"), ["case_id"],
                              unique=False)

    op.create_table(
        "mailbox_throttle",
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("window_start", name=op.f("pk_mailbox_throttle")),
    )

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_given_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_withdrawn_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("consent_withdrawn_at")
        batch_op.drop_column("consent_given_at")
    op.drop_table("mailbox_throttle")
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporter_session_case_id"))
    op.drop_table("reporter_session")
