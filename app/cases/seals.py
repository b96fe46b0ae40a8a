"""Every key wrap of a case sealed to a day of the erasure ratchet
(app/crypto/ratchet.py; DESIGN.md, "Key custody", point 5).

What is sealed: each compartment key wrap (staff, reporter, recovery and
referral holders), a case's single-key wrap from before compartments, and
the receipt's private-key ciphertext, its old wrap and its bridge. Each row
carries its `seal_day` in clear. `seal` and `unseal` here are the one place
that seals and the one that opens; every writer and reader goes through
them (app/cases/custody.py, legacy.py, the retention sweep, migration 0026).

The day a case is sealed to (`target_day`): a lease of N days ahead
(`Settings.ratchet_lease_days`); a closed case not under legal hold never
past its expiry day. The daily sweep re-seals live cases whose lease runs
out (`reseal_due`: no user key needed, only keys/ratchet), and `advance`
moves this instance's ratchet only up to the earliest day a live wrap is
still sealed to, so a sweep that did not run for a while destroys nothing.
A row with no seal day was written before migration 0026 and not sealed
yet (`meldpunt init` and the sweep seal it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Row,
    SQLColumnExpression,
    Table,
    any_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, object_session

from app.cases.deadlines import add_months
from app.crypto import ratchet
from app.crypto.ratchet import DayKeys
from app.models import Case, CompartmentWrap, KeyWrap, Receipt, utcnow
from app.retention.policy import RetentionPolicy, load_policy
from app.runtime import Runtime

# What a sealed blob is (bound into the seal: a blob moved to another column
# does not open).
COMPARTMENT_WRAP = "compartment_wrap"
CASE_KEY_WRAP = "key_wrap"
RECEIPT_PRIVATE_KEY = "receipt_private_key"
RECEIPT_WRAP = "receipt_wrap"
RECEIPT_BRIDGE = "receipt_bridge"

# The sealed columns: (model, column name, kind).
SEALED_COLUMNS = (
    (CompartmentWrap, "wrapped_key", COMPARTMENT_WRAP),
    (KeyWrap, "wrapped_key", CASE_KEY_WRAP),
    (Receipt, "private_key_ciphertext", RECEIPT_PRIVATE_KEY),
    (Receipt, "wrapped_key", RECEIPT_WRAP),
    (Receipt, "bridge_ciphertext", RECEIPT_BRIDGE),
)
SEALED_MODELS = (CompartmentWrap, KeyWrap, Receipt)


def _holds_sealed(model: type[CompartmentWrap] | type[KeyWrap] | type[Receipt]
                  ) -> ColumnElement[bool]:
    """Rows with a sealed value (a holder row of a case in compartments has
    none: only its compartment wraps do)."""
    return or_(*(getattr(m, name).is_not(None) for m, name, _ in SEALED_COLUMNS if m is model))


class RatchetHeld(RuntimeError):
    """The ratchet may not advance: a live case is still sealed to an earlier
    day. (Raised only to the sweep and the command line, never to a page.)"""

    def __init__(self, day: date, case_number: str, sealed_to: date) -> None:
        super().__init__(case_number, day)
        self.day, self.case_number, self.sealed_to = day, case_number, sealed_to

    def __str__(self) -> str:
        return (f"the ratchet can not advance to {self.day.isoformat()}: case "
                f"{self.case_number} is still sealed to {self.sealed_to.isoformat()} "
                "(run 'meldpunt retention run' to re-seal it first)")


# A session finds the instance's keys/ in its info (`bind_keys`) or in its
# engine's execution options (set where the app makes its engine:
# app/web/extensions.py), so a reader that holds a row and no Runtime can
# open its seal.
KEYS_DIR_INFO = ratchet.KEYS_DIR_INFO


def ids_in(session: Session, column: SQLColumnExpression[int],
           ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`. On PostgreSQL one array parameter (`= ANY`): an IN
    list of a retention batch (hundreds of ids) costs more to render and
    parse than the delete costs to run."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def day_keys(rt: Runtime) -> DayKeys:
    """The day keys of this instance's ratchet, read now."""
    return ratchet.day_keys(rt.keyring.keys_dir)


def bind_keys(session: Session, keys_dir: Path) -> Session:
    session.info[KEYS_DIR_INFO] = keys_dir
    return session


def day_keys_of(row: object) -> DayKeys:
    """The day keys of the instance whose session (or engine) loaded this row."""
    session = object_session(row)
    keys_dir = None
    if session is not None:
        keys_dir = session.info.get(KEYS_DIR_INFO) or session.get_bind().get_execution_options(
        ).get(KEYS_DIR_INFO)
    if keys_dir is None:
        raise ratchet.RatchetMissing("this session knows no keys/ (seals.bind_keys)")
    return ratchet.day_keys(Path(keys_dir))


def seal(keys: DayKeys, blob: bytes, *, kind: str, day: date) -> bytes:
    return ratchet.seal(keys, blob, kind=kind, day=day)


def unseal(keys: DayKeys, blob: bytes, *, kind: str, day: date | None) -> bytes:
    """The wrap inside a sealed blob. Raises ratchet.DayPassed when its day
    is gone (a CryptoError: the holder simply has no access)."""
    if day is None:  # written before migration 0026, not sealed yet
        return blob
    return ratchet.unseal(keys, blob, kind=kind, day=day)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def target_day(rt: Runtime, keys: DayKeys, case: Case | Row, policy: RetentionPolicy | None,
               today: date) -> date:
    """The day a case's wraps are sealed to now: the lease ahead of today, a
    closed case (not under legal hold) never past its expiry day. It depends
    on the date alone, so instances agree on it; only a ratchet that is
    ahead of the clock (`retention run --now` a later day) lifts it to the
    first day that ratchet still has."""
    day = today + timedelta(days=rt.settings.ratchet_lease_days)
    if case.closed_at is not None and not case.legal_hold and policy is not None:
        expires = policy.expires_at(case, rt.settings.zone)
        if expires is not None:
            day = min(day, utc_day(expires))
    return max(day, today, keys.day)


def day_for(session: Session, rt: Runtime, keys: DayKeys, case: Case,
            now: datetime | None = None) -> date:
    policy = load_policy(session) if case.closed_at is not None else None
    return target_day(rt, keys, case, policy, utc_day(now or utcnow()))


# --- re-sealing ---------------------------------------------------------------------


@dataclass
class ResealReport:
    cases: int = 0
    rows: int = 0


def _reseal_rows(session: Session, keys: DayKeys, case_days: dict[int, date]) -> int:
    """Re-seal every sealed value of these cases to its case's day (rows
    already sealed to it stay as they are). Plain columns, no ORM objects."""
    if not case_days:
        return 0
    ids = list(case_days)
    count = 0
    for model in SEALED_MODELS:
        columns = [(name, kind) for m, name, kind in SEALED_COLUMNS if m is model]
        rows = session.execute(
            select(model.id, model.case_id, model.seal_day,
                   *(getattr(model, name) for name, _ in columns))
            .where(ids_in(session, model.case_id, ids), _holds_sealed(model))).all()
        changes = []
        for row in rows:
            day = case_days[row.case_id]
            if row.seal_day == day:
                continue
            values: dict[str, object] = {"b_id": row.id, "seal_day": day}
            for name, kind in columns:
                blob = getattr(row, name)
                values[name] = None if blob is None else seal(
                    keys, unseal(keys, blob, kind=kind, day=row.seal_day), kind=kind, day=day)
            changes.append(values)
        if changes:
            table = cast(Table, model.__table__)
            session.execute(
                update(table).where(table.c.id == bindparam("b_id")),
                changes, execution_options={"synchronize_session": False})
            count += len(changes)
    return count


def reseal_case(session: Session, rt: Runtime, case: Case, now: datetime | None = None) -> date:
    """Re-seal this case's wraps to the day it should be sealed to now
    (after a closure, a reopening, a legal hold set or lifted). In the
    caller's transaction. Returns the day."""
    keys = day_keys(rt)
    session.flush()
    day = day_for(session, rt, keys, case, now)
    if _reseal_rows(session, keys, {case.id: day}):
        for model in SEALED_MODELS:
            for obj in list(session.identity_map.values()):
                if isinstance(obj, model) and getattr(obj, "case_id", None) == case.id:
                    session.expire(obj)
    return day


_CASE_COLUMNS = (Case.id, Case.number, Case.closed_at, Case.track, Case.outcome,
                 Case.legal_hold)


def _sealed_case_ids(session: Session, before: date | None) -> set[int]:
    """Cases with a value sealed to a day up to `before` (None: every
    case), or not sealed yet."""
    ids: set[int] = set()
    for model in SEALED_MODELS:
        query = select(model.case_id).distinct().where(_holds_sealed(model))
        if before is not None:
            query = query.where((model.seal_day <= before) | model.seal_day.is_(None))
        ids |= set(session.scalars(query))
    return ids


def reseal_due(session: Session, rt: Runtime, *, now: datetime | None = None,
               dry_run: bool = False, batch_size: int = 500,
               every_case: bool = False) -> ResealReport:
    """The daily re-seal: every live case with a wrap sealed to a day less
    than half a lease ahead (or not sealed yet) moves to its day now
    (`target_day`); with `every_case`, every case (migration, `meldpunt init`).
    A batch per transaction. Needs only keys/ratchet, no user key."""
    now = now or utcnow()
    today = utc_day(now)
    keys = day_keys(rt)
    policy = load_policy(session)
    horizon = max(today, keys.day) + timedelta(days=rt.settings.ratchet_lease_days // 2)
    due = _sealed_case_ids(session, None if every_case else horizon)
    # A closed case whose expiry comes within the lease: capped at it now.
    due |= {row.id for row in _ending_rows(session, rt, policy, now)}
    ids = sorted(due)
    report = ResealReport()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        cases = session.execute(select(*_CASE_COLUMNS).where(Case.id.in_(chunk),
                                                              Case.shredded_at.is_(None))).all()
        days = {case.id: target_day(rt, keys, case, policy, today) for case in cases}
        report.cases += len(days)
        if dry_run:
            continue
        report.rows += _reseal_rows(session, keys, days)
        session.commit()
    if dry_run:
        session.rollback()
    return report


def ending_within_lease(session: Session, rt: Runtime,
                        now: datetime | None = None) -> list[tuple[str, date]]:
    """Closed cases (not under legal hold) whose wraps end within a lease:
    (case number, the last day they open), earliest first. The day after
    it, once the ratchet has passed it, no copy of them opens anywhere."""
    now = now or utcnow()
    policy = load_policy(session)
    ending = [(row.number, max(utc_day(expires), utc_day(now)))
              for row in _ending_rows(session, rt, policy, now)
              if (expires := policy.expires_at(row, rt.settings.zone)) is not None]
    return sorted(ending, key=lambda item: (item[1], item[0]))


def _ending_rows(session: Session, rt: Runtime, policy: RetentionPolicy,
                 now: datetime) -> list[Row]:
    lease = timedelta(days=rt.settings.ratchet_lease_days)
    cutoff = add_months(now.astimezone(rt.settings.zone) + lease, -policy.shortest_months)
    rows = session.execute(select(*_CASE_COLUMNS).where(
        Case.closed_at.is_not(None), Case.closed_at <= cutoff, Case.shredded_at.is_(None),
        Case.legal_hold.is_(False))).all()
    horizon = utc_day(now) + lease
    return [row for row in rows
            if (expires := policy.expires_at(row, rt.settings.zone)) is not None
            and utc_day(expires) <= horizon]


def earliest_seal(session: Session) -> tuple[date, str] | None:
    """The earliest day a live wrap is sealed to, and a case sealed to it."""
    best: tuple[date, str] | None = None
    for model in SEALED_MODELS:
        row = session.execute(
            select(model.seal_day, Case.number).join(Case, Case.id == model.case_id)
            .where(model.seal_day.is_not(None), Case.shredded_at.is_(None),
                   _holds_sealed(model))
            .order_by(model.seal_day).limit(1)).first()
        if row is not None and row[0] is not None and (best is None or row[0] < best[0]):
            best = (row[0], row[1])
    return best


def advance(session: Session, rt: Runtime, day: date) -> date:
    """Move this instance's ratchet forward to `day` (never back): the keys
    of every earlier day are gone from it. Refused (RatchetHeld) while a
    live wrap is still sealed to an earlier day. Returns the ratchet's day."""
    earliest = earliest_seal(session)
    if earliest is not None and earliest[0] < day:
        raise RatchetHeld(day, earliest[1], earliest[0])
    return ratchet.advance_file(rt.keyring.keys_dir, day).day


def unsealed_count(session: Session) -> int:
    """Rows written before migration 0026 that are not sealed yet."""
    return sum(session.scalar(select(func.count()).select_from(model)
                              .where(model.seal_day.is_(None), _holds_sealed(model))) or 0
               for model in SEALED_MODELS)


def seal_unsealed(session: Session, rt: Runtime, now: datetime | None = None) -> int:
    """Seal every row not sealed yet (from before migration 0026, when the
    migration ran without keys/): `meldpunt init` runs it."""
    if unsealed_count(session) == 0:
        return 0
    return reseal_due(session, rt, now=now, every_case=True).rows

