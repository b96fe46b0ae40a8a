"""reporter-driven times kept no finer than the day

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-01 12:00:00

Issue #25: the moments a reporter sent a report, opened the mailbox, wrote,
added files, gave or withdrew consent or answered minutes can be joined with
the employer's proxy logs. From now on whatever a reporter's action writes
keeps the start of its local day only (app/daytime.py); this revision cuts
the rows already written the same way, on the local calendar of
MELDPUNT_TIMEZONE (default Europe/Amsterdam; run it with the environment the
app runs with, as 0012):

- case_file.received_at (every case: the day of receipt), consent_given_at,
  consent_withdrawn_at, and closed_at of cases the reporter withdrew;
- message.created_at and attachment.created_at of the reporter's messages
  and files;
- identity_consent.given_at and withdrawn_at; receipt.created_at;
- key_wrap.granted_at of the reporter's own wrap and of wraps nobody granted
  (made when the report was sent), and compartment_wrap.created_at (no code
  reads it; wraps made at sending or at a reporter's sign-in carried its
  time);
- meeting_minutes.decided_at answered in the mailbox, and
  minutes_version.corrected_at;
- reporter_session loses last_seen_at (the limits count from the reporter's
  cookie now) and its open mailboxes are closed: their cookies lack the
  times the new code needs.

Deadlines stay as they are: they were computed from the local day of
receipt, which does not change. The audit log is not rewritten: its times
are inside the hash chain and the checkpoints kept outside; the audit page
and export show the reporter's entries by their day.

The downgrade adds last_seen_at back (as the day the mailbox was opened) and
closes open mailboxes again; the times of day cut here can not come back.
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, condition on the table's columns or None)
CUTS: tuple[tuple[str, str, str | None], ...] = (
    ("case_file", "received_at", None),
    ("case_file", "consent_given_at", None),
    ("case_file", "consent_withdrawn_at", None),
    ("case_file", "closed_at", "close_reason = 'withdrawn'"),
    ("message", "created_at", "author_kind = 'reporter'"),
    ("attachment", "created_at", "uploaded_by_kind = 'reporter'"),
    ("identity_consent", "given_at", None),
    ("identity_consent", "withdrawn_at", None),
    ("receipt", "created_at", None),
    ("key_wrap", "granted_at", "recipient = 'reporter' OR granted_by_id IS NULL"),
    ("compartment_wrap", "created_at", None),
    ("meeting_minutes", "decided_at",
     "approved_via = 'mailbox' OR status = 'corrections_received'"),
    ("minutes_version", "corrected_at", None),
)
BATCH = 1000


def _zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("MELDPUNT_TIMEZONE") or "Europe/Amsterdam")


def _day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of the moment's local day, as the naive UTC the columns hold."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    local_day = aware.astimezone(zone).date()
    return datetime.combine(local_day, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _cut(bind: sa.Connection, table: str, column: str, condition: str | None,
         zone: ZoneInfo) -> None:
    # Names from the constant above, never from input.
    where = f" AND ({condition})" if condition else ""
    rows = bind.execute(sa.text(
        f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL{where}"  # noqa: S608
    ).columns(sa.column("id", sa.Integer()), sa.column(column, sa.DateTime()))).all()
    changes = []
    for row_id, moment in rows:
        day = _day_start(moment, zone)
        if day != moment.replace(tzinfo=None):
            changes.append({"row_id": row_id, "day": day})
    update = sa.text(f"UPDATE {table} SET {column} = :day WHERE id = :row_id").bindparams(
        sa.bindparam("day", type_=sa.DateTime()))
    for start in range(0, len(changes), BATCH):
        bind.execute(update, changes[start:start + BATCH])


def upgrade() -> None:
    bind = op.get_bind()
    zone = _zone()
    for table, column, condition in CUTS:
        _cut(bind, table, column, condition, zone)
    op.execute("DELETE FROM reporter_session")
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")


def downgrade() -> None:
    op.execute("DELETE FROM reporter_session")
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE reporter_session SET last_seen_at = created_at")
    with op.batch_alter_table("reporter_session", schema=None) as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
