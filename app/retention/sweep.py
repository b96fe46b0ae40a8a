"""The retention sweep: for each expired case, first an anonymised tally,
then crypto-shredding, one transaction per batch of cases.

A crash or an exception leaves every case either intact or fully gone (its
tally, deletion and audit entry commit together). Files are deleted after
the commit; a file left by a crash has no key any more (ciphertext only) and
the orphan step of the next run removes it. Running twice does nothing new.

A batch is a handful of statements whatever its size (one locking select of
plain columns, one multi-row tally insert, one delete per table, one audit
append): no ORM objects per case, so 100,000 cases take seconds, not minutes,
and memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, delete, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.cases import custody, persons, seals
from app.cases.deadlines import add_months
from app.cases.intake import purge_send_tokens
from app.localtime import calendar_days, day_stamp, local_date
from app.models import Attachment, Case, CaseTally, Receipt, utcnow
from app.retention.policy import RetentionPolicy, load_policy
from app.runtime import Runtime
from app.vocabulary import AuditAction

BATCH = 500
# An upload writes its file just before its row commits: only files older
# than this, without a row, are orphans.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass
class SweepReport:
    deleted: list[str] = field(default_factory=list)
    mailboxes_closed: list[str] = field(default_factory=list)
    held: int = 0
    orphan_files: int = 0
    dry_run: bool = False
    # The erasure ratchet (app/cases/seals.py): live cases re-sealed, the
    # closed cases whose wraps end on their expiry day (number, day), the
    # day this instance's ratchet stands on after the sweep, and why it did
    # not advance (None: it did).
    resealed: int = 0
    ending: list[tuple[str, date]] = field(default_factory=list)
    ratchet_day: date | None = None
    ratchet_held: str | None = None


# What the sweep reads of a case: its clear metadata (never content).
SWEEP_COLUMNS = (
    Case.id, Case.number, Case.unit_id, Case.track, Case.category, Case.subcategory,
    Case.typology_version, Case.channel, Case.intake_channel, Case.outcome, Case.measure,
    Case.close_reason, Case.received_at, Case.acknowledge_due_at, Case.acknowledged_at,
    Case.feedback_due_at, Case.feedback_given_at, Case.closed_at, Case.escalated_at,
    Case.legal_hold, Case.counsellor_id, Case.referred_to,
)


def tally_values(case: Case | Row, now: datetime, zone: ZoneInfo) -> dict[str, object]:
    """The case's clear metadata as statistics count it (app/stats/counts.py):
    a deadline that passed without the step counts as missed. Its dates are
    days on the organisation's calendar (`zone`), so a case counts in the
    same year before and after it is shredded."""
    acknowledged_in_time = None
    if case.acknowledged_at is not None:
        acknowledged_in_time = case.acknowledged_at <= case.acknowledge_due_at
    elif case.acknowledge_due_at < now:
        acknowledged_in_time = False
    days = calendar_days(case.received_at, case.closed_at, zone) if case.closed_at else None
    feedback_in_time = None
    if case.feedback_given_at is not None:
        feedback_in_time = case.feedback_given_at <= case.feedback_due_at
    elif case.feedback_due_at < now:
        feedback_in_time = False
    return dict(
        unit_id=case.unit_id, track=case.track, category=case.category,
        subcategory=case.subcategory, typology_version=case.typology_version,
        channel=case.channel, intake_channel=case.intake_channel, outcome=case.outcome,
        measure=case.measure, close_reason=case.close_reason,
        received_on=_day(case.received_at, zone),
        acknowledged_on=_day(case.acknowledged_at, zone),
        closed_on=_day(case.closed_at, zone), acknowledged_in_time=acknowledged_in_time,
        feedback_in_time=feedback_in_time, escalated=case.escalated_at is not None,
        days_to_close=days, counsellor_id=case.counsellor_id, referred_to=case.referred_to,
    )


def _day(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """The local calendar date of the moment, as a tally stores a date."""
    return day_stamp(local_date(moment, zone)) if moment else None


def _candidates(session: Session, policy: RetentionPolicy, now: datetime, zone: ZoneInfo,
                batch_size: int) -> Iterator[list[Row]]:
    """Closed cases old enough for the shortest period, in batches by id,
    each locked for this transaction. On PostgreSQL a case another sweep is
    working on is skipped, not waited for."""
    cutoff = add_months(now.astimezone(zone), -policy.shortest_months)
    last_id = 0
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        query = (select(*SWEEP_COLUMNS)
                 .where(Case.closed_at.is_not(None), Case.closed_at <= cutoff, Case.id > last_id)
                 .order_by(Case.id).limit(batch_size))
        if postgres:
            query = query.with_for_update(skip_locked=True, of=Case)
        rows = list(session.execute(query))
        if not rows:
            session.rollback()
            return
        yield rows
        last_id = rows[-1].id


def shred_and_delete(session: Session, rt: Runtime, cases: Sequence[Case | Row], *,
                     origin: str, now: datetime | None = None) -> list[str]:
    """Tally, then delete the cases and everything under their keys, in the
    caller's transaction. Returns the file ids to remove once it committed."""
    if not cases:
        return []
    tally_time = max(now or utcnow(), utcnow())
    # Core insert of the table: one multi-row statement. (The ORM's bulk
    # insert would split the batch by which values are None.) A mapped
    # class's __table__ is typed as a FromClause; this one is a Table.
    session.execute(insert(cast(Table, CaseTally.__table__)),
                    [tally_values(case, tally_time, rt.settings.zone) for case in cases])
    ids = [case.id for case in cases]
    # Persons concerned, their index entries, hearings and requests (their
    # hearings held and notices deferred tallied first).
    persons.destroy_person_data(session, ids, rt.settings.zone)
    file_ids = custody.destroy_key_material(session, ids)
    # Restrictions and anything else case-owned go by ON DELETE CASCADE.
    session.execute(delete(Case).where(custody.ids_in(session, Case.id, ids)),
                    execution_options={"synchronize_session": False})
    for case_id in ids:
        # A caller's copy of a deleted case must not linger in the session.
        loaded = session.identity_map.get(identity_key(Case, case_id))
        if loaded is not None:
            session.expunge(loaded)
    rt.audit.record_many(session, [
        dict(actor="system", action=AuditAction.RETENTION_CASE_DELETED, object_type="case",
             object_id=case.number, origin=origin) for case in cases])
    return file_ids


def run_sweep(session: Session, rt: Runtime, *, now: datetime | None = None,
              dry_run: bool = False, origin: str = "job",
              batch_size: int = BATCH) -> SweepReport:
    """Each batch of expired cases goes in one transaction: an interruption
    leaves every case either intact or fully shredded."""
    now = now or utcnow()
    policy = load_policy(session)
    report = SweepReport(dry_run=dry_run)
    zone = rt.settings.zone
    for candidates in _candidates(session, policy, now, zone, batch_size):
        expired = []
        for case in candidates:
            expires = policy.expires_at(case, zone)
            if expires is None or expires > now:
                continue
            if case.legal_hold:
                report.held += 1
                continue
            expired.append(case)
        numbers = [case.number for case in expired]
        if dry_run or not expired:
            session.rollback()
            report.deleted += numbers if dry_run else []
            continue
        try:
            file_ids = shred_and_delete(session, rt, expired, origin=origin, now=now)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        custody.delete_files(rt, file_ids)
        report.deleted += numbers
    report.mailboxes_closed = close_expired_mailboxes(session, rt, policy, now, dry_run, origin)
    _ratchet(session, rt, report, now, dry_run)
    if not dry_run:
        report.orphan_files = remove_orphan_files(session, rt)
        # Sent report forms' tokens are kept a day (reloads); also when no
        # report came in since, they go now.
        purge_send_tokens(session, now.date())
        session.commit()
        _checkpoint_sqlite(session)
    return report


def _ratchet(session: Session, rt: Runtime, report: SweepReport, now: datetime,
             dry_run: bool) -> None:
    """After the deletions: re-seal the live cases whose lease runs out (and
    cap a closed case at its expiry day), then advance this instance's
    ratchet to today — refused, and said why, while a live wrap is still
    sealed to an earlier day. A dry run only reports."""
    resealed = seals.reseal_due(session, rt, now=now, dry_run=dry_run)
    report.resealed = resealed.cases
    report.ending = seals.ending_within_lease(session, rt, now)
    if dry_run:
        report.ratchet_day = seals.day_keys(rt).day
        return
    try:
        report.ratchet_day = seals.advance(session, rt, seals.utc_day(now))
    except seals.RatchetHeld as exc:
        report.ratchet_day = seals.day_keys(rt).day
        report.ratchet_held = str(exc)
    except OSError as exc:  # keys/ read-only for this job
        report.ratchet_day = seals.day_keys(rt).day
        report.ratchet_held = f"keys/ratchet can not be replaced here ({exc.strerror})"
    session.rollback()


def _checkpoint_sqlite(session: Session) -> None:
    """SQLite keeps old page images in its write-ahead log until a checkpoint;
    with secure_delete on, the checkpoint also zeroes the freed pages."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()


def close_expired_mailboxes(session: Session, rt: Runtime, policy: RetentionPolicy,
                            now: datetime, dry_run: bool, origin: str) -> list[str]:
    """Delete the receipt wrap of cases closed long enough ago, a batch per
    transaction (with its audit entries)."""
    cutoff = add_months(now.astimezone(rt.settings.zone), -policy.mailbox_months)
    rows = session.execute(
        select(Receipt.id, Case.number).join(Case, Case.id == Receipt.case_id)
        .where(Case.closed_at.is_not(None), Case.closed_at <= cutoff)
        .order_by(Receipt.id)
    ).all()
    if dry_run:
        session.rollback()
        return [number for _id, number in rows]
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        session.execute(delete(Receipt).where(Receipt.id.in_([r[0] for r in chunk])))
        rt.audit.record_many(session, [
            dict(actor="system", action=AuditAction.RETENTION_MAILBOX_CLOSED, object_type="case",
                 object_id=number, origin=origin) for _id, number in chunk])
        session.commit()
    return [number for _id, number in rows]


def remove_orphan_files(session: Session, rt: Runtime) -> int:
    """Files with no attachment row (a crash between commit and unlink, or an
    aborted upload, also pending uploads nobody holds) are keyless
    ciphertext: remove them. Wall-clock time, not
    the simulated --now, decides whether an upload may still be in flight."""
    removed = 0
    wall_clock = utcnow()
    known = set(session.scalars(select(Attachment.file_id)))
    for file_id in list(rt.files.file_ids()):
        if file_id in known:
            continue
        if wall_clock - rt.files.modified_at(file_id) >= ORPHAN_GRACE:
            rt.files.delete(file_id)
            removed += 1
    # Pending uploads (app/reporting/uploads.py) no live process holds: left
    # by a crashed or killed worker, their key is gone with it.
    removed += rt.files.remove_abandoned_pending()
    return removed + rt.files.remove_partials(older_than=ORPHAN_GRACE)
