"""Minutes of a meeting with the reporter (Directive 2019/1937 art. 9(2) and
18(2)-(4)): the handler records them, the reporter checks them in the
mailbox and approves or corrects them; a revision after corrections is a new
version. A reporter without a mailbox approves on paper, which the handler
records.

Text, who was present and the reporter's corrections are encrypted under the
conversation compartment (the reporter reads and corrects them), bound to
the minutes, the version, the field and who wrote the version.
Every change writes one audit entry in the same transaction, never content.
Status changes are conditional updates, so a stale or repeated approval
(two tabs, a double click, a revision in between) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from app.cases import notify, reporter_contact
from app.cases.content import _writable, decrypt_json, decrypt_text, encrypt_json, encrypt_text
from app.crypto.compartments import CONVERSATION, CaseKeys
from app.daytime import reporter_today
from app.errors import Conflict, DomainError, NotFound
from app.localtime import local_date
from app.models import Case, MeetingMinutes, MinutesVersion, Receipt, User, utcnow
from app.runtime import Runtime
from app.vocabulary import AuditAction

MAX_TEXT = 20_000
MAX_PRESENT = 500


class MinutesError(DomainError, ValueError):
    """The change does not apply (str() is a reason code): not_found, stale
    (the status or version is no longer what the caller saw, e.g. already
    approved), no_mailbox, empty, future_date."""

    area = "minutes"


class MinutesNotFound(MinutesError, NotFound):
    """No such minutes in this case (an id of another case is not found either)."""


class MinutesChanged(MinutesError, Conflict):
    """The minutes' status or version is no longer what the caller saw."""


@dataclass(frozen=True)
class VersionView:
    version: int
    author_name: str | None
    created_at: datetime
    text: str
    present: str
    correction: str | None
    corrected_at: datetime | None


@dataclass(frozen=True)
class MinutesView:
    id: int
    meeting_on: date
    status: str
    current_version: int
    sent_version: int | None
    sent_at: datetime | None
    decided_at: datetime | None
    approved_via: str | None
    versions: list[VersionView]

    @property
    def current(self) -> VersionView:
        return self.versions[-1]

    def version(self, number: int | None) -> VersionView | None:
        return next((v for v in self.versions if v.version == number), None)

    @property
    def for_reporter(self) -> VersionView | None:
        """What the reporter sees: the approved version, else the last one sent."""
        return self.version(self.current_version if self.status == "approved"
                            else self.sent_version)


def _body_field(minutes_id: int, version: int) -> str:
    return f"minutes:{minutes_id}:{version}"


def _correction_field(minutes_id: int, version: int) -> str:
    return f"minutes:{minutes_id}:{version}:correction"


def _clean(text: str, limit: int) -> str:
    return text.strip()[:limit]


def _add_version(session: Session, case: Case, key: CaseKeys, minutes: MeetingMinutes,
                 version: int, author: User, text: str, present: str) -> None:
    text = _clean(text, MAX_TEXT)
    if not text:
        raise MinutesError("empty")
    _writable(session, case, key, CONVERSATION)
    body = {"text": text, "present": _clean(present, MAX_PRESENT)}
    session.add(MinutesVersion(
        minutes_id=minutes.id, case_id=case.id, version=version, created_by_id=author.id,
        body_ciphertext=encrypt_json(key, case, _body_field(minutes.id, version), body,
                                     compartment=CONVERSATION,
                                     context={"created_by_id": author.id}),
    ))


def _audit(session: Session, rt: Runtime, actor: str, action: AuditAction, case: Case) -> None:
    rt.audit.record(session, actor=actor, action=action, object_type="case",
                    object_id=case.number)


def _staff(user: User) -> str:
    return f"user:{user.id}"


def _minutes_of(session: Session, case: Case, minutes_id: int) -> MeetingMinutes:
    """The minutes with this id *of this case*: an id of another case is
    not found, the same as an id that does not exist."""
    minutes = session.scalar(select(MeetingMinutes).where(
        MeetingMinutes.id == minutes_id, MeetingMinutes.case_id == case.id))
    if minutes is None:
        raise MinutesNotFound("not_found")
    return minutes


def _move(session: Session, minutes: MeetingMinutes, *, from_status: tuple[str, ...],
          version: int | None = None, **values: object) -> None:
    """Change the status only if it is still what the caller saw; otherwise
    nothing is written (MinutesError "stale")."""
    query = update(MeetingMinutes).where(MeetingMinutes.id == minutes.id,
                                         MeetingMinutes.status.in_(from_status))
    if version is not None:
        query = query.where(MeetingMinutes.current_version == version)
    # Session.execute is typed Result; an UPDATE gives a CursorResult.
    result = cast(CursorResult[Any], session.execute(query.values(**values)))
    if result.rowcount != 1:
        session.rollback()
        raise MinutesChanged("stale")
    session.refresh(minutes)


def has_mailbox(session: Session, case: Case) -> bool:
    return (session.scalar(select(func.count()).select_from(Receipt)
                           .where(Receipt.case_id == case.id)) or 0) > 0


# --- the handler ------------------------------------------------------------------


def record_minutes(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User, *,
                   meeting_on: date, text: str, present: str = "") -> MeetingMinutes:
    # A day on the organisation's calendar, not in the future.
    if meeting_on > local_date(utcnow(), rt.settings.zone):
        raise MinutesError("future_date")
    if not text.strip():
        raise MinutesError("empty")
    minutes = MeetingMinutes(case_id=case.id, meeting_on=meeting_on, status="draft",
                             current_version=1, created_by_id=author.id)
    session.add(minutes)
    session.flush()  # the id is part of the associated data
    _add_version(session, case, key, minutes, 1, author, text, present)
    _audit(session, rt, _staff(author), AuditAction.CASE_MINUTES_RECORDED, case)
    session.commit()
    return minutes


def revise_minutes(session: Session, rt: Runtime, case: Case, key: CaseKeys, author: User,
                   minutes_id: int, *, text: str, present: str = "") -> int:
    """A new version (after corrections, or before sending); approved minutes
    stay as they were approved. Returns the new version number."""
    minutes = _minutes_of(session, case, minutes_id)
    if not text.strip():
        raise MinutesError("empty")
    seen = minutes.current_version
    new = seen + 1
    _move(session, minutes, from_status=("draft", "awaiting_reporter", "corrections_received"),
          version=seen, status="draft", current_version=new, decided_at=None)
    _add_version(session, case, key, minutes, new, author, text, present)
    _audit(session, rt, _staff(author), AuditAction.CASE_MINUTES_REVISED, case)
    session.commit()
    return new


def send_minutes(session: Session, rt: Runtime, case: Case, author: User,
                 minutes_id: int) -> None:
    """Put the current version in the reporter's mailbox for approval."""
    minutes = _minutes_of(session, case, minutes_id)
    if not has_mailbox(session, case):
        raise MinutesError("no_mailbox")
    _move(session, minutes, from_status=("draft",), version=minutes.current_version,
          status="awaiting_reporter", sent_version=minutes.current_version, sent_at=utcnow())
    reporter_contact.news(session, case)
    _audit(session, rt, _staff(author), AuditAction.CASE_MINUTES_SENT, case)
    session.commit()


def approve_on_paper(session: Session, rt: Runtime, case: Case, author: User,
                     minutes_id: int, version: int) -> None:
    """The reporter approved the current version on paper (a reporter without
    a mailbox, or one who signed a printed copy)."""
    minutes = _minutes_of(session, case, minutes_id)
    _move(session, minutes, from_status=("draft", "awaiting_reporter"), version=version,
          status="approved", approved_via="paper", decided_at=utcnow())
    _audit(session, rt, _staff(author), AuditAction.CASE_MINUTES_APPROVED_ON_PAPER, case)
    session.commit()


# --- the reporter (called from the mailbox) ---------------------------------------------


def reporter_approve(session: Session, rt: Runtime, case: Case, minutes_id: int,
                     version: int) -> None:
    minutes = _minutes_of(session, case, minutes_id)
    # A conditional UPDATE passes no flush: it keeps the day itself.
    _move(session, minutes, from_status=("awaiting_reporter",), version=version,
          status="approved", approved_via="mailbox",
          decided_at=reporter_today(rt.settings.zone, utcnow()))
    notify.reporter_event(session, rt, case, "minutes_approved")
    _audit(session, rt, "reporter", AuditAction.MAILBOX_MINUTES_APPROVED, case)
    session.commit()


def reporter_correct(session: Session, rt: Runtime, case: Case, key: CaseKeys, minutes_id: int,
                     version: int, text: str) -> None:
    text = _clean(text, MAX_TEXT)
    if not text:
        raise MinutesError("empty")
    minutes = _minutes_of(session, case, minutes_id)
    now = reporter_today(rt.settings.zone, utcnow())
    _move(session, minutes, from_status=("awaiting_reporter",), version=version,
          status="corrections_received", decided_at=now)
    row = session.scalar(select(MinutesVersion).where(MinutesVersion.minutes_id == minutes.id,
                                                      MinutesVersion.version == version))
    if row is None:  # can not happen after the conditional update; be safe
        session.rollback()
        raise MinutesChanged("stale")
    row.correction_ciphertext = encrypt_text(key, text, compartment=CONVERSATION,
                                             field=_correction_field(minutes.id, version))
    row.corrected_at = now
    notify.reporter_event(session, rt, case, "minutes_corrected")
    _audit(session, rt, "reporter", AuditAction.MAILBOX_MINUTES_CORRECTED, case)
    session.commit()


# --- reading ------------------------------------------------------------------------


def open_version(key: CaseKeys, case: Case, compartment: str, *,
                 body: tuple[str, bytes, int | None],
                 answer: tuple[str, bytes | None]) -> tuple[dict[str, Any], str | None]:
    """One version of minutes kept in versions (these, or a hearing's:
    app/cases/hearings.py): its text and who was present — `body` is (field,
    ciphertext, writer id), bound to its writer — and the answer to it, if
    any — `answer` is (field, ciphertext): the reporter's corrections, the
    heard person's comments."""
    field, blob, writer_id = body
    data = decrypt_json(key, case, field, blob, compartment=compartment,
                        context={"created_by_id": writer_id})
    answer_field, answer_blob = answer
    reply = (decrypt_text(key, answer_blob, compartment=compartment, field=answer_field)
             if answer_blob is not None else None)
    return data, reply


def read_minutes(session: Session, case: Case, key: CaseKeys, *,
                 for_reporter: bool = False) -> list[MinutesView]:
    """Every minutes of the case with all versions, newest meeting first. The
    reporter sees only minutes that were sent or approved, without names of
    handlers."""
    query = select(MeetingMinutes).where(MeetingMinutes.case_id == case.id)
    if for_reporter:
        query = query.where((MeetingMinutes.sent_version.is_not(None))
                            | (MeetingMinutes.status == "approved"))
    minutes_rows = session.scalars(
        query.order_by(MeetingMinutes.meeting_on.desc(), MeetingMinutes.id.desc())).all()
    if not minutes_rows or not key.has(CONVERSATION):
        return []
    rows = session.execute(
        select(MinutesVersion, User.display_name)
        .outerjoin(User, User.id == MinutesVersion.created_by_id)
        .where(MinutesVersion.minutes_id.in_([m.id for m in minutes_rows]))
        .order_by(MinutesVersion.minutes_id, MinutesVersion.version)
    ).all()
    by_minutes: dict[int, list[VersionView]] = {}
    for row, name in rows:
        body, correction = open_version(
            key, case, CONVERSATION, body=(_body_field(row.minutes_id, row.version),
                                           row.body_ciphertext, row.created_by_id),
            answer=(_correction_field(row.minutes_id, row.version), row.correction_ciphertext))
        by_minutes.setdefault(row.minutes_id, []).append(VersionView(
            version=row.version, author_name=None if for_reporter else name,
            created_at=row.created_at, text=body["text"], present=body.get("present", ""),
            correction=correction, corrected_at=row.corrected_at))
    return [
        MinutesView(id=m.id, meeting_on=m.meeting_on, status=m.status,
                    current_version=m.current_version, sent_version=m.sent_version,
                    sent_at=m.sent_at, decided_at=m.decided_at, approved_via=m.approved_via,
                    versions=by_minutes.get(m.id, []))
        for m in minutes_rows if by_minutes.get(m.id)
    ]
