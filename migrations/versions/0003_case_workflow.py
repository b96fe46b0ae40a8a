"""case workflow: notes, external referrals, conflict-of-interest restrictions,
queue indexes, referred_to

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("body_ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_case_note_author_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_case_note_case_id_case_file"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "external_referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("bureau_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("package_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("attachment_ids", sa.String(length=400), nullable=False),
        sa.Column("includes_identity", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["bureau_id"], ["unit.id"],
                                name=op.f("fk_external_referral_bureau_id_unit")),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_external_referral_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_external_referral_created_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_referral")),
    )
    with op.batch_alter_table("external_referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_referral_bureau_id"), ["bureau_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_external_referral_case_id"), ["case_id"],
                              unique=False)

    op.create_table(
        "case_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("had_wrap", sa.Boolean(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason_ciphertext", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                name=op.f("fk_case_restriction_case_id_case_file"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_case_restriction_created_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["user_account.id"],
                                name=op.f("fk_case_restriction_lifted_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_case_restriction_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_restriction")),
    )
    with op.batch_alter_table("case_restriction", schema=None) as batch_op:
        batch_op.create_index("ix_case_restriction_case_user", ["case_id", "user_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_case_restriction_user_id"), ["user_id"],
                              unique=False)

    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referred_to", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_case_file_received_at", ["received_at"], unique=False)
        batch_op.create_index("ix_case_file_unit_track", ["unit_id", "track"], unique=False)
        batch_op.create_index("ix_case_file_track_received", ["track", "received_at"],
                              unique=False)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_object", ["object_type", "object_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_object")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_track_received")
        batch_op.drop_index("ix_case_file_unit_track")
        batch_op.drop_index("ix_case_file_received_at")
        batch_op.drop_column("referred_to")
    with op.batch_alter_table("case_restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_restriction_user_id"))
        batch_op.drop_index("ix_case_restriction_case_user")
    op.drop_table("case_restriction")
    with op.batch_alter_table("external_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_referral_case_id"))
        batch_op.drop_index(batch_op.f("ix_external_referral_bureau_id"))
    op.drop_table("external_referral")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))
    op.drop_table("case_note")
