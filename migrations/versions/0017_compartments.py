"""compartmented case keys: per-compartment wraps, the reporter's key pair,
identity consent per recipient

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 22:00:00

Issue #18. Schema only; existing cases keep their single case key and move
to compartments when it can be opened (app/cases/custody.upgrade_case):
- compartment_wrap: one generation of one compartment key, wrapped to one
  holder (a key_wrap row). Empty for existing cases.
- key_wrap.wrapped_key becomes optional: only cases from before this
  revision have it (the whole-case key).
- receipt: the reporter's public key and private key (under the code), and
  the bridge that carries an upgraded case's reporter keys under the old
  case key until the reporter's next sign-in; wrapped_key optional.
- identity_consent: the reporter's consent that one recipient ("ic" or
  "bureau:<unit id>") may learn their identity. The old single consent
  (case_file.consent_given_at: pass the case to the integrity coordinator)
  stays what it was; it never said "and my name".
- attachment.compartment, case_note.compartment: where a row's content is
  sealed; external_referral.ended_at: the referral's end (delivery, closing).
- reporter_session: every open mailbox holds the old case key sealed; they
  are closed (the reporter signs in again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compartment_wrap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_wrap_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("compartment", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE",
                                name=op.f("fk_compartment_wrap_case_id_case_file")),
        sa.ForeignKeyConstraint(["key_wrap_id"], ["key_wrap.id"], ondelete="CASCADE",
                                name=op.f("fk_compartment_wrap_key_wrap_id_key_wrap")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compartment_wrap")),
        sa.UniqueConstraint("key_wrap_id", "compartment", "generation",
                            name=op.f("uq_compartment_wrap_key_wrap_id")),
    )
    op.create_index("ix_compartment_wrap_case_compartment", "compartment_wrap",
                    ["case_id", "compartment"])
    op.create_table(
        "identity_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE",
                                name=op.f("fk_identity_consent_case_id_case_file")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_consent")),
    )
    op.create_index("ix_identity_consent_case", "identity_consent", ["case_id", "recipient"])
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=True)
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("public_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("private_key_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("bridge_ciphertext", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compartment", sa.String(length=40), nullable=True))
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compartment", sa.String(length=40), nullable=True))
    with op.batch_alter_table("external_referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
    op.execute("DELETE FROM reporter_session")


def downgrade() -> None:
    # A case moved to compartments has no single case key any more: going
    # back would strand it. Refuse rather than lose access to reports.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM compartment_wrap")).scalar():
        raise RuntimeError("cases use compartments; a downgrade would make them unreadable")
    op.execute("DELETE FROM reporter_session")
    for table, column in (("external_referral", "ended_at"), ("case_note", "compartment"),
                          ("attachment", "compartment")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_column("bridge_ciphertext")
        batch_op.drop_column("private_key_ciphertext")
        batch_op.drop_column("public_key")
        batch_op.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.alter_column("wrapped_key", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_index("ix_identity_consent_case", table_name="identity_consent")
    op.drop_table("identity_consent")
    op.drop_index("ix_compartment_wrap_case_compartment", table_name="compartment_wrap")
    op.drop_table("compartment_wrap")
