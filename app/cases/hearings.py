"""Hoor en wederhoor: a person concerned is heard before the decision on a
formal report.

The integrity coordinator records the hearing through the workflow table
(`record_hearing`): whom, on which day, who was present and the minutes. As
with the reporter's minutes (app/cases/minutes.py), the heard person checks
them: the handler gives them the minutes, and records their approval or
their comments; a revision after comments is a new version and every
version and comment is kept. A person who declines to be heard, or to
approve, is recorded as such — the decision need not wait for them.

A decision on a formal report is refused while an accused person concerned
has no hearing that is approved or declined (`unheard_accused`, read by the
workflow's "hearing" requirement).

Minutes and comments are sealed in the `casefile` compartment — the reporter
never reads them — bound to the hearing, the version and its writer. Status
changes are conditional updates, so a stale or repeated click changes
nothing. Every change is one audit entry, never content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from app.cases.content import _writable, encrypt_json, encrypt_text
from app.cases.minutes import open_version
from app.cases.persons import PersonView, person_of, read_persons
from app.crypto.compartments import CASEFILE, CaseKeys
from app.errors import Conflict, DomainError, NotFound
from app.localtime import local_date
from app.models import Case, Hearing, HearingVersion, PersonConcerned, User, utcnow
from app.runtime import Runtime
from app.transactions import unit_of_work
from app.vocabulary import HEARING_DONE, AuditAction, HearingStatus, PersonRole

MAX_TEXT = 20_000
MAX_PRESENT = 500
_OPEN = (HearingStatus.DRAFT, HearingStatus.AWAITING_PERSON, HearingStatus.COMMENTS_RECEIVED)


class HearingError(DomainError, ValueError):
    """The change does not apply (str() is a reason code): empty, future_date,
    too_long."""

    area = "hearing"


class HearingNotFound(HearingError, NotFound):
    """No such hearing in this case."""

    status = NotFound.status


class HearingChanged(HearingError, Conflict):
    """The hearing's status or version is no longer what the caller saw."""

    status = Conflict.status


@dataclass(frozen=True)
class HearingVersionView:
    version: int
    author_name: str | None
    created_at: datetime
    text: str
    present: str
    comments: str | None
    commented_at: datetime | None


@dataclass(frozen=True)
class HearingView:
    id: int
    person_id: int
    person_name: str
    held_on: date
    status: HearingStatus
    current_version: int
    given_at: datetime | None
    decided_at: datetime | None
    versions: list[HearingVersionView]

    @property
    def current(self) -> HearingVersionView:
        return self.versions[-1]


def _body_field(hearing_id: int, version: int) -> str:
    return f"hearing:{hearing_id}:{version}"


def _comments_field(hearing_id: int, version: int) -> str:
    return f"hearing:{hearing_id}:{version}:comments"


def _text(text: str | None, limit: int) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise HearingError("too_long")
    return value


def _audit(session: Session, rt: Runtime, user: User, action: AuditAction, case: Case) -> None:
    rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                    object_id=case.number)


def _add_version(session: Session, case: Case, key: CaseKeys, hearing: Hearing, version: int,
                 author: User, text: str, present: str) -> None:
    text = _text(text, MAX_TEXT)
    if not text:
        raise HearingError("empty")
    _writable(session, case, key, CASEFILE)
    session.add(HearingVersion(
        hearing_id=hearing.id, case_id=case.id, version=version, created_by_id=author.id,
        body_ciphertext=encrypt_json(key, case, _body_field(hearing.id, version),
                                     {"text": text, "present": _text(present, MAX_PRESENT)},
                                     compartment=CASEFILE,
                                     context={"created_by_id": author.id})))


def _hearing_of(session: Session, case: Case, hearing_id: int) -> Hearing:
    hearing = session.scalar(select(Hearing).where(Hearing.id == hearing_id,
                                                   Hearing.case_id == case.id))
    if hearing is None:
        raise HearingNotFound("not_found")
    return hearing


def _move(session: Session, hearing: Hearing, *, from_status: tuple[HearingStatus, ...],
          version: int, **values: object) -> None:
    """Change the status only if status and version are still what the
    caller saw; otherwise nothing is written."""
    result = cast(CursorResult[Any], session.execute(
        update(Hearing).where(Hearing.id == hearing.id, Hearing.status.in_(from_status),
                              Hearing.current_version == version).values(**values)))
    if result.rowcount != 1:
        raise HearingChanged("stale")
    session.refresh(hearing)


# --- recording (a step of the workflow table) ------------------------------------------


def record_hearing(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User, *,
                   person_id: int, held_on: date, text: str, present: str = "",
                   declined: bool = False) -> Hearing:
    """The hearing's first version, in the caller's transaction (the workflow
    action `record_hearing` writes its audit entry and commits). `declined`:
    the person was invited and declined to be heard; the text says how."""
    if held_on > local_date(utcnow(), rt.settings.zone):
        raise HearingError("future_date")
    person = person_of(session, case, person_id)
    hearing = Hearing(case_id=case.id, person_id=person.id, held_on=held_on,
                      status=HearingStatus.DECLINED if declined else HearingStatus.DRAFT,
                      current_version=1, created_by_id=author.id,
                      decided_at=utcnow() if declined else None)
    session.add(hearing)
    session.flush()  # the id is part of the associated data
    _add_version(session, case, key, hearing, 1, author, text, present)
    return hearing


def revise_hearing(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User,
                   hearing_id: int, *, text: str, present: str = "") -> int:
    """A new version (after the person's comments, or before giving it to
    them). Returns its number."""
    with unit_of_work(session):
        hearing = _hearing_of(session, case, hearing_id)
        if not _text(text, MAX_TEXT):
            raise HearingError("empty")
        seen = hearing.current_version
        _move(session, hearing, from_status=_OPEN, version=seen,
              status=HearingStatus.DRAFT, current_version=seen + 1, decided_at=None)
        _add_version(session, case, key, hearing, seen + 1, author, text, present)
        _audit(session, rt, author, AuditAction.HEARING_REVISED, case)
        return seen + 1


def give_to_person(session: Session, rt: Runtime, case: Case, author: User, hearing_id: int,
                   version: int) -> None:
    """The current version was given to the heard person to check."""
    with unit_of_work(session):
        hearing = _hearing_of(session, case, hearing_id)
        _move(session, hearing, from_status=(HearingStatus.DRAFT,), version=version,
              status=HearingStatus.AWAITING_PERSON, given_at=utcnow())
        _audit(session, rt, author, AuditAction.HEARING_GIVEN, case)


def record_approval(session: Session, rt: Runtime, case: Case, author: User, hearing_id: int,
                    version: int) -> None:
    """The heard person approved this version (signed, or by e-mail)."""
    with unit_of_work(session):
        hearing = _hearing_of(session, case, hearing_id)
        _move(session, hearing, from_status=(HearingStatus.DRAFT, HearingStatus.AWAITING_PERSON),
              version=version, status=HearingStatus.APPROVED, decided_at=utcnow())
        _audit(session, rt, author, AuditAction.HEARING_APPROVED, case)


def record_comments(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User,
                    hearing_id: int, version: int, comments: str) -> None:
    """The heard person's comments on this version; a revision follows."""
    comments = _text(comments, MAX_TEXT)
    if not comments:
        raise HearingError("empty")
    with unit_of_work(session):
        hearing = _hearing_of(session, case, hearing_id)
        now = utcnow()
        _move(session, hearing, from_status=(HearingStatus.AWAITING_PERSON,), version=version,
              status=HearingStatus.COMMENTS_RECEIVED, decided_at=now)
        row = session.scalar(select(HearingVersion).where(
            HearingVersion.hearing_id == hearing.id, HearingVersion.version == version))
        assert row is not None  # the conditional update found this version
        _writable(session, case, key, CASEFILE)
        row.comments_ciphertext = encrypt_text(key, comments, compartment=CASEFILE,
                                               field=_comments_field(hearing.id, version))
        row.commented_at = now
        _audit(session, rt, author, AuditAction.HEARING_COMMENTS, case)


def record_declined(session: Session, rt: Runtime, case: Case, author: User, hearing_id: int,
                    version: int) -> None:
    """The heard person declines to approve (their comments, if any, stay
    with the version): the hearing counts as held."""
    with unit_of_work(session):
        hearing = _hearing_of(session, case, hearing_id)
        _move(session, hearing, from_status=_OPEN, version=version,
              status=HearingStatus.DECLINED, decided_at=utcnow())
        _audit(session, rt, author, AuditAction.HEARING_DECLINED, case)


# --- reading -------------------------------------------------------------------------


def read_hearings(session: Session, case: Case, key: CaseKeys,
                  persons: list[PersonView] | None = None) -> list[HearingView]:
    """Every hearing with all its versions, newest first."""
    if not key.has(CASEFILE):
        return []
    hearings = session.scalars(select(Hearing).where(Hearing.case_id == case.id)
                               .order_by(Hearing.held_on.desc(), Hearing.id.desc())).all()
    if not hearings:
        return []
    names = {p.id: p.name for p in (persons if persons is not None
                                    else read_persons(session, case, key))}
    rows = session.execute(
        select(HearingVersion, User.display_name)
        .outerjoin(User, User.id == HearingVersion.created_by_id)
        .where(HearingVersion.case_id == case.id)
        .order_by(HearingVersion.hearing_id, HearingVersion.version)).all()
    versions: dict[int, list[HearingVersionView]] = {}
    for row, name in rows:
        body, comments = open_version(
            key, case, CASEFILE, body=(_body_field(row.hearing_id, row.version),
                                       row.body_ciphertext, row.created_by_id),
            answer=(_comments_field(row.hearing_id, row.version), row.comments_ciphertext))
        versions.setdefault(row.hearing_id, []).append(HearingVersionView(
            version=row.version, author_name=name, created_at=row.created_at, text=body["text"],
            present=body.get("present", ""), comments=comments, commented_at=row.commented_at))
    return [HearingView(id=h.id, person_id=h.person_id, person_name=names.get(h.person_id, ""),
                        held_on=h.held_on, status=h.status, current_version=h.current_version,
                        given_at=h.given_at, decided_at=h.decided_at,
                        versions=versions.get(h.id, []))
            for h in hearings if versions.get(h.id)]


def unheard_accused(session: Session, case: Case, key: CaseKeys) -> list[str] | None:
    """The names of the accused persons concerned without a hearing that is
    approved or declined; None when these keys do not open the case file
    while it records persons (the requirement can not be checked)."""
    if not key.has(CASEFILE):
        return None if session.scalar(select(PersonConcerned.id).where(
            PersonConcerned.case_id == case.id).limit(1)) else []
    heard = set(session.scalars(select(Hearing.person_id).where(
        Hearing.case_id == case.id, Hearing.status.in_(HEARING_DONE))))
    return [p.name for p in read_persons(session, case, key)
            if p.role is PersonRole.ACCUSED and p.id not in heard]
