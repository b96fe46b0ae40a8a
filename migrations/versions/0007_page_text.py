"""page texts: the admin's rewording of start page sections, per language

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_page_text_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_text")),
        sa.UniqueConstraint("section", "lang", name=op.f("uq_page_text_section")),
    )


def downgrade() -> None:
    op.drop_table("page_text")
