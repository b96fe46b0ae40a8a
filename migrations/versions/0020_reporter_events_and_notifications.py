"""what reporters did (kind and day), the notification outbox, digest choice

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-30 21:50:00


Issue #23: the handlers' start page lists requests for a meeting not yet
answered, and handlers are e-mailed (content-free) when the reporter replies,
asks for a meeting, gives or withdraws consent, approves or corrects
minutes. New tables only, starting empty: events before this revision are
not reconstructed (the audit log has them, but its times are finer than the
day a reporter's event may be kept with).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reporter_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_reporter_event_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"],
                                name=op.f("fk_reporter_event_message_id_message"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_event")),
    )
    with op.batch_alter_table("reporter_event", schema=None) as batch_op:
        batch_op.create_index("ix_reporter_event_case_kind", ["case_id", "kind"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["reporter_event.id"],
                                name=op.f("fk_notification_event_id_reporter_event"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_notification_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)
    op.create_table(
        "notify_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("daily_digest", sa.Boolean(), nullable=False),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_notify_preference_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_preference")),
    )


def downgrade() -> None:
    op.drop_table("notify_preference")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
        batch_op.drop_index(batch_op.f("ix_notification_event_id"))
    op.drop_table("notification")
    with op.batch_alter_table("reporter_event", schema=None) as batch_op:
        batch_op.drop_index("ix_reporter_event_case_kind")
    op.drop_table("reporter_event")
