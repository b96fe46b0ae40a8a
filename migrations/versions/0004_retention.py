"""retention: rules, anonymised case tallies, legal hold on cases

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rule")),
        sa.UniqueConstraint("track", "outcome", name=op.f("uq_retention_rule_track")),
    )
    op.create_table(
        "case_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("subcategory", sa.String(length=60), nullable=True),
        sa.Column("typology_version", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("intake_channel", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("measure", sa.String(length=40), nullable=True),
        sa.Column("close_reason", sa.String(length=40), nullable=True),
        sa.Column("received_on", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_on", sa.DateTime(), nullable=True),
        sa.Column("closed_on", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_in_time", sa.Boolean(), nullable=True),
        sa.Column("days_to_close", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tally")),
    )
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.create_index("ix_case_tally_received", ["received_on"], unique=False)
        batch_op.create_index("ix_case_tally_closed", ["closed_on"], unique=False)
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("legal_hold_set_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_reason_ciphertext", sa.LargeBinary(),
                                      nullable=True))
        batch_op.create_index("ix_case_file_closed_at", ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_closed_at")
        batch_op.drop_column("legal_hold_reason_ciphertext")
        batch_op.drop_column("legal_hold_set_at")
        batch_op.drop_column("legal_hold")
    with op.batch_alter_table("case_tally", schema=None) as batch_op:
        batch_op.drop_index("ix_case_tally_closed")
        batch_op.drop_index("ix_case_tally_received")
    op.drop_table("case_tally")
    op.drop_table("retention_rule")
