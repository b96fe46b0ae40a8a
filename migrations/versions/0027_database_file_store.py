"""the database file store: attachment ciphertext in chunks

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 05:50:00


Issue #26, a file store for several instances: with MELDPUNT_FILE_STORE=database
the attachment ciphertext lives in `stored_file_chunk` rows, one
`stored_file` row per file (its random id, pending or kept, size, last
write), so every instance that shares the database sees every file
(app/storage/database.py). The local store's files are not moved by this
revision: `meldpunt files migrate-store` copies them.

On PostgreSQL the chunk column is stored EXTERNAL: ciphertext does not
compress, so TOAST does not try.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_stored_file")),
    )
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.create_index("ix_stored_file_pending_modified_at", ["pending", "modified_at"],
                              unique=False)
    op.create_table(
        "stored_file_chunk",
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stored_file.file_id"],
                                name=op.f("fk_stored_file_chunk_file_id_stored_file"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_stored_file_chunk")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE stored_file_chunk ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("stored_file_chunk")
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.drop_index("ix_stored_file_pending_modified_at")
    op.drop_table("stored_file")
