"""persons concerned, their hearing, data-subject requests, the blind index

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 10:00:00


Issue #24: new tables only, starting empty. Each hangs off a case (ON DELETE
CASCADE) and holds its content as ciphertext in the case's casefile
compartment; the blind index holds keyed digests of normalised names.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["case_id"], ["case_file.id"],
                                   name=op.f(f"fk_{table}_case_id_case_file"), ondelete="CASCADE")


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["user_account.id"],
                                   name=op.f(f"fk_{table}_{column}_user_account"),
                                   ondelete="SET NULL")


def _person_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["person_concerned.id"],
                                   name=op.f(f"fk_{table}_person_id_person_concerned"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "person_concerned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("details_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("notice_status", sa.String(length=20), nullable=False),
        sa.Column("informed_on", sa.Date(), nullable=True),
        sa.Column("informed_by", sa.String(length=20), nullable=True),
        sa.Column("deferral_ground", sa.String(length=40), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("notice_decided_at", sa.DateTime(), nullable=True),
        sa.Column("notice_decided_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_note_ciphertext", sa.LargeBinary(), nullable=True),
        _case_fk("person_concerned"),
        _user_fk("person_concerned", "created_by_id"),
        _user_fk("person_concerned", "notice_decided_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_concerned")),
    )
    with op.batch_alter_table("person_concerned", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_concerned_case_id"), ["case_id"],
                              unique=False)
        batch_op.create_index("ix_person_concerned_status_review",
                              ["notice_status", "review_on"], unique=False)
    op.create_table(
        "person_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        _case_fk("person_index"),
        _person_fk("person_index"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_index")),
        sa.UniqueConstraint("person_id", name=op.f("uq_person_index_person_id")),
    )
    with op.batch_alter_table("person_index", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_index_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_index_digest"), ["digest"], unique=False)
    op.create_table(
        "hearing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _case_fk("hearing"),
        _person_fk("hearing"),
        _user_fk("hearing", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing")),
    )
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_person_id"), ["person_id"], unique=False)
    op.create_table(
        "hearing_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hearing_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("body_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("comments_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("commented_at", sa.DateTime(), nullable=True),
        _case_fk("hearing_version"),
        sa.ForeignKeyConstraint(["hearing_id"], ["hearing.id"],
                                name=op.f("fk_hearing_version_hearing_id_hearing"),
                                ondelete="CASCADE"),
        _user_fk("hearing_version", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_version")),
        sa.UniqueConstraint("hearing_id", "version", name=op.f("uq_hearing_version_hearing_id")),
    )
    with op.batch_alter_table("hearing_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_version_case_id"), ["case_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_hearing_version_hearing_id"), ["hearing_id"],
                              unique=False)
    op.create_table(
        "subject_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("restriction_ground", sa.String(length=40), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("details_ciphertext", sa.LargeBinary(), nullable=False),
        _case_fk("subject_request"),
        _person_fk("subject_request", "SET NULL"),
        _user_fk("subject_request", "decided_by_id"),
        _user_fk("subject_request", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_request")),
    )
    with op.batch_alter_table("subject_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_request_case_id"), ["case_id"],
                              unique=False)
        batch_op.create_index("ix_subject_request_open_due", ["decided_on", "due_on"],
                              unique=False)
    op.create_table(
        "repeat_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        _case_fk("repeat_review"),
        _person_fk("repeat_review"),
        _user_fk("repeat_review", "requested_by_id"),
        _user_fk("repeat_review", "done_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_review")),
    )
    with op.batch_alter_table("repeat_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repeat_review_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repeat_review_person_id"), ["person_id"],
                              unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("repeat_review", ("ix_repeat_review_person_id", "ix_repeat_review_case_id")),
        ("subject_request", ("ix_subject_request_open_due", "ix_subject_request_case_id")),
        ("hearing_version", ("ix_hearing_version_hearing_id", "ix_hearing_version_case_id")),
        ("hearing", ("ix_hearing_person_id", "ix_hearing_case_id")),
        ("person_index", ("ix_person_index_digest", "ix_person_index_case_id")),
        ("person_concerned", ("ix_person_concerned_status_review",
                              "ix_person_concerned_case_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
