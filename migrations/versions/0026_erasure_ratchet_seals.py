"""the erasure ratchet: every key wrap sealed to a day

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 03:20:00


Issue #20, deleting is shredding also on PostgreSQL: every compartment key
wrap, every wrap of a single case key (from before compartments) and the
receipt's private-key ciphertext, old wrap and bridge are sealed under the
key of one day of the erasure ratchet (app/crypto/ratchet.py,
app/cases/seals.py); `seal_day` says which day, in clear.

Sealing needs keys/ratchet, which lives outside the database. `meldpunt
init` and `meldpunt db upgrade` hand the keys folder to the migration (the
alembic option `meldpunt.keys_dir`, set in app/cli/commands.py); the
migration then creates the ratchet if it is missing and seals every
existing row to today plus the lease (the next sweep brings a closed case
back to its expiry day). Run without it (plain `alembic upgrade`) the
columns are added and the rows stay unsealed (`seal_day` NULL, still
readable); `meldpunt init` and the retention sweep seal them
(app/cases/seals.seal_unsealed). Copies of the rows from before this
revision (old WAL, backups) were never sealed: the ratchet can not reach
them (SECURITY.md says so).

The downgrade opens every seal again (it needs the keys folder as well) and
drops the columns.
"""

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS_DIR_OPTION = "meldpunt.keys_dir"
# (table, sealed columns with their kind) as app/cases/seals.py has them
# when this revision was written.
SEALED = (
    ("compartment_wrap", (("wrapped_key", "compartment_wrap"),)),
    ("key_wrap", (("wrapped_key", "key_wrap"),)),
    ("receipt", (("private_key_ciphertext", "receipt_private_key"),
                 ("wrapped_key", "receipt_wrap"), ("bridge_ciphertext", "receipt_bridge"))),
)
BATCH = 1000


def _keys_dir() -> Path | None:
    given = context.config.get_main_option(KEYS_DIR_OPTION)
    return Path(given) if given else None


def _rows(table: str, columns: Sequence[str], where: str) -> list[sa.Row]:
    names = ", ".join(columns)
    return list(op.get_bind().execute(sa.text(
        f"SELECT id, seal_day, {names} FROM {table} WHERE {where} ORDER BY id")))  # noqa: S608


def _rewrite(table: str, columns: Sequence[str], changes: list[dict]) -> None:
    if not changes:
        return
    sets = ", ".join(f"{name} = :{name}" for name in columns)
    for start in range(0, len(changes), BATCH):
        op.get_bind().execute(sa.text(
            f"UPDATE {table} SET seal_day = :seal_day, {sets} WHERE id = :id"),  # noqa: S608
            changes[start:start + BATCH])


def _day(value: object) -> date:
    """A DATE as the driver returns it (SQLite through text(): a string)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def upgrade() -> None:
    for table, _ in SEALED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seal_day", sa.Date(), nullable=True))
            batch_op.create_index(f"ix_{table}_seal_day", ["seal_day"])
    keys_dir = _keys_dir()
    if keys_dir is None:
        return
    from app.crypto import ratchet

    today = datetime.now(UTC).date()
    ratchet.create_state(keys_dir, today)
    keys = ratchet.day_keys(keys_dir)
    lease = max(2, int(os.environ.get("MELDPUNT_RATCHET_LEASE_DAYS", "30")))
    day = max(today, keys.day) + timedelta(days=lease)
    for table, sealed in SEALED:
        columns = [name for name, _ in sealed]
        changes = []
        holding = " OR ".join(f"{name} IS NOT NULL" for name in columns)
        for row in _rows(table, columns, f"seal_day IS NULL AND ({holding})"):
            values: dict[str, object] = {"id": row.id, "seal_day": day}
            for name, kind in sealed:
                blob = getattr(row, name)
                values[name] = None if blob is None else ratchet.seal(keys, bytes(blob),
                                                                      kind=kind, day=day)
            changes.append(values)
        _rewrite(table, columns, changes)


def downgrade() -> None:
    bind = op.get_bind()
    sealed_rows = sum(bind.execute(sa.text(
        f"SELECT COUNT(*) FROM {table} WHERE seal_day IS NOT NULL")).scalar() or 0  # noqa: S608
        for table, _ in SEALED)
    if sealed_rows:
        keys_dir = _keys_dir()
        if keys_dir is None:
            raise RuntimeError("sealed wraps need keys/ to be opened: run `meldpunt db "
                               "downgrade`, which passes the keys folder")
        from app.crypto import ratchet

        keys = ratchet.day_keys(keys_dir)
        for table, sealed in SEALED:
            columns = [name for name, _ in sealed]
            changes = []
            for row in _rows(table, columns, "seal_day IS NOT NULL"):
                values: dict[str, object] = {"id": row.id, "seal_day": None}
                for name, kind in sealed:
                    blob = getattr(row, name)
                    values[name] = None if blob is None else ratchet.unseal(
                        keys, bytes(blob), kind=kind, day=_day(row.seal_day))
                changes.append(values)
            _rewrite(table, columns, changes)
    for table, _ in SEALED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_seal_day")
            batch_op.drop_column("seal_day")
