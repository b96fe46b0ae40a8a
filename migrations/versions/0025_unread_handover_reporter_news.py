"""unread markers per holder, re-grant requests, the reporter's news address

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 09:00:00


Issue #23 (the staff side, v2): `case_seen` keeps, per holder and case, the
newest reporter event the holder has seen (the queue marks newer ones as
unread); `regrant_request` keeps the ICC's requests to re-grant a stranded
case with the recovery key; `reporter_contact` keeps the reporter's opt-in
address for a content-free "there is news in your mailbox" e-mail, sealed
and wrapped to the server's notifier key. New tables only, starting empty:
every existing reporter event counts as unread until the holder opens the
case once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seen_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_case_seen_case_id_case_file"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_case_seen_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "case_id", name=op.f("pk_case_seen")),
    )
    op.create_table(
        "regrant_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_regrant_request_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_regrant_request_requested_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["target_id"], ["user_account.id"],
                                name=op.f("fk_regrant_request_target_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrant_request")),
    )
    with op.batch_alter_table("regrant_request", schema=None) as batch_op:
        batch_op.create_index("ix_regrant_request_open", ["done_at", "case_id"], unique=False)
    op.create_table(
        "reporter_contact",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("address_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("news_pending", sa.Boolean(), nullable=False),
        sa.Column("last_sent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_reporter_contact_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_reporter_contact")),
    )


def downgrade() -> None:
    op.drop_table("reporter_contact")
    with op.batch_alter_table("regrant_request", schema=None) as batch_op:
        batch_op.drop_index("ix_regrant_request_open")
    op.drop_table("regrant_request")
    op.drop_table("case_seen")
