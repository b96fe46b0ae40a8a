"""Persons concerned in a case (GDPR art. 14/15, UAVG art. 41, Directive
art. 22): who they are, whether they were informed, and whether they are
named in other cases too.

A person concerned is recorded by a handler of the case: name, function,
unit and role in the case (accused, witness, other), sealed in the case's
`casefile` compartment (field "person:<id>"). In clear stay only what the
deadlines, the start page and the statistics need: whether the person was
informed (when, how) or informing was deferred (on which ground, until which
review day). Every decision is audit-logged, never a name.

The blind index (app/crypto/blind_index.py) recognises the same person in
other cases without decrypting them: one keyed digest of the normalised name
per person. Only a holder of the case — whose keys open the name — can ask
how many other cases name the person: the digest is computed again from the
name they decrypted, never taken from a typed name or from the table. The
ICC, asked to look, gets the case shared (report and case file, never the
reporter's identity or the conversation) and sees the other cases' numbers
only for cases it may open itself. Every lookup is in the audit log.

A member of staff whose name matches a person concerned is excluded from the
case at once (app/cases/conflicts.py `exclude`; a namesake is cleared by
lifting the exclusion with a reason), and is never routed the case later.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts import trust
from app.cases import conflicts, custody, recovery
from app.cases.access import CaseNotFound, open_case
from app.cases.content import _writable, decrypt_json, decrypt_text, encrypt_json, encrypt_text
from app.cases.person_data import PERSON_TABLES as PERSON_TABLES
from app.cases.person_data import destroy_person_data as destroy_person_data
from app.crypto.blind_index import blind_index
from app.crypto.compartments import CASEFILE, REPORT, CaseKeys
from app.crypto.keys import PrivateKey
from app.errors import Invalid, NotFound
from app.localtime import local_date
from app.models import (
    Case,
    CaseRestriction,
    Hearing,
    KeyWrap,
    PersonConcerned,
    PersonIndexEntry,
    RepeatReview,
    User,
    UserRole,
    utcnow,
)
from app.runtime import Runtime
from app.transactions import unit_of_work
from app.vocabulary import (
    HANDLER_ROLES,
    AuditAction,
    NoticeMeans,
    NoticeStatus,
    PersonRole,
    RestrictionGround,
    Role,
    Track,
)

MAX_NAME = 200
MAX_FIELD = 200
MAX_NOTE = 5000


class PersonError(Invalid, ValueError):
    """A person concerned that can not be recorded or changed (str() is a
    reason code): empty_name, too_long, unknown_role, unknown_means,
    unknown_ground, future_date, review_date, heard, named_yourself,
    not_a_report, no_other_cases, no_icc, already_asked, too_many."""

    area = "persons"


class PersonNotFound(PersonError, NotFound):
    """No such person in this case (an id of another case is not found either)."""

    status = NotFound.status


class LookupRefused(NotFound):
    """A look-up by someone who holds none of the cases: the same answer as
    a review that does not exist."""

    area = "persons"
    default_code = "not_found"


@dataclass(frozen=True)
class PersonDetails:
    name: str
    function: str = ""
    unit: str = ""
    role: PersonRole = PersonRole.ACCUSED


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    function: str
    unit: str
    role: PersonRole
    notice_status: NoticeStatus
    informed_on: date | None
    informed_by: NoticeMeans | None
    deferral_ground: RestrictionGround | None
    review_on: date | None
    notice_note: str | None
    created_at: datetime
    # Named by the reporter in the report form (not recorded by a handler).
    named_by_reporter: bool = False


@dataclass(frozen=True)
class Exclusions:
    """Who adding or changing a person shut out of the case (by name)."""

    excluded: list[str]
    # The actor named themselves: they recused (their access has ended).
    recused: bool = False


def _field(person_id: int) -> str:
    return f"person:{person_id}"


def _note_field(person_id: int) -> str:
    return f"person:{person_id}:notice"


def _actor(user: User) -> str:
    return custody.recipient_for(user)


def _audit(session: Session, rt: Runtime, user: User, action: AuditAction, case: Case,
           result: str = "ok") -> None:
    rt.audit.record(session, actor=_actor(user), action=action, object_type="case",
                    object_id=case.number, result=result)


def _clean(text: str | None, limit: int) -> str:
    """One line of typed text: stripped; too long is refused, never cut."""
    value = " ".join((text or "").split())
    if len(value) > limit:
        raise PersonError("too_long")
    return value


def clean_details(details: PersonDetails) -> PersonDetails:
    name = _clean(details.name, MAX_NAME)
    if not name:
        raise PersonError("empty_name")
    if details.role not in tuple(PersonRole):
        raise PersonError("unknown_role")
    return PersonDetails(name=name, function=_clean(details.function, MAX_FIELD),
                         unit=_clean(details.unit, MAX_FIELD), role=PersonRole(details.role))


def person_of(session: Session, case: Case, person_id: int) -> PersonConcerned:
    """The person with this id *of this case*."""
    row = session.scalar(select(PersonConcerned).where(PersonConcerned.id == person_id,
                                                       PersonConcerned.case_id == case.id))
    if row is None:
        raise PersonNotFound("not_found")
    return row


def _sealed(key: CaseKeys, case: Case, row: PersonConcerned) -> dict:
    data: dict = decrypt_json(key, case, _field(row.id), row.details_ciphertext,
                              compartment=CASEFILE)
    return data


def _details_of(data: dict) -> PersonDetails:
    return PersonDetails(name=data["name"], function=data.get("function", ""),
                         unit=data.get("unit", ""), role=PersonRole(data["role"]))


def _details(key: CaseKeys, case: Case, row: PersonConcerned) -> PersonDetails:
    return _details_of(_sealed(key, case, row))


def _view(key: CaseKeys, case: Case, row: PersonConcerned) -> PersonView:
    data = _sealed(key, case, row)
    details = _details_of(data)
    note = (decrypt_text(key, row.notice_note_ciphertext, field=_note_field(row.id),
                         compartment=CASEFILE)
            if row.notice_note_ciphertext is not None else None)
    return PersonView(id=row.id, name=details.name, function=details.function,
                      unit=details.unit, role=details.role, notice_status=row.notice_status,
                      informed_on=row.informed_on, informed_by=row.informed_by,
                      deferral_ground=row.deferral_ground, review_on=row.review_on,
                      notice_note=note, created_at=row.created_at,
                      named_by_reporter=data.get("by") == REPORTER_MARK)


def read_persons(session: Session, case: Case, key: CaseKeys) -> list[PersonView]:
    """The persons concerned, in the order they were recorded; nothing for a
    holder whose keys do not open the case file."""
    if not key.has(CASEFILE):
        return []
    rows = session.scalars(select(PersonConcerned).where(PersonConcerned.case_id == case.id)
                           .order_by(PersonConcerned.id)).all()
    return [_view(key, case, row) for row in rows]


def has_persons(session: Session, case: Case) -> bool:
    return session.scalar(select(PersonConcerned.id)
                          .where(PersonConcerned.case_id == case.id).limit(1)) is not None


# --- the blind index and who it names ----------------------------------------------


def digest_of(rt: Runtime, name: str) -> bytes | None:
    return blind_index(rt.keyring.person_index_key, name)


def _index(session: Session, rt: Runtime, case: Case, row: PersonConcerned,
           name: str) -> bytes | None:
    digest = digest_of(rt, name)
    session.execute(delete(PersonIndexEntry).where(PersonIndexEntry.person_id == row.id))
    if digest is not None:
        session.add(PersonIndexEntry(case_id=case.id, person_id=row.id, digest=digest))
    return digest


def _handlers(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(sorted(HANDLER_ROLES)))
        .order_by(User.id)).unique().all())


def named_staff(session: Session, rt: Runtime, digest: bytes) -> list[User]:
    """Members of staff who may handle cases and whose name is this digest's."""
    return [user for user in _handlers(session) if digest_of(rt, user.display_name) == digest]


def staff_named_in(session: Session, rt: Runtime,
                   people: Sequence[PersonDetails]) -> list[User]:
    """Members of staff whose name is one of these people's (cleaned as
    `_record` indexes it). Asked before a new case's first holders are
    chosen, so that none of them is given a wrap (app/cases/intake.py)."""
    digests = {digest_of(rt, _clean(person.name, MAX_NAME)) for person in people} - {None}
    if not digests:
        return []
    return [user for user in _handlers(session) if digest_of(rt, user.display_name) in digests]


def is_named(session: Session, rt: Runtime, case: Case, user: User) -> bool:
    """Whether the user's name is that of a person concerned in the case and
    no exclusion of theirs was ever lifted (a namesake, cleared with a reason)."""
    digest = digest_of(rt, user.display_name)
    if digest is None:
        return False
    named = session.scalar(select(PersonIndexEntry.id).where(
        PersonIndexEntry.case_id == case.id, PersonIndexEntry.digest == digest).limit(1))
    if named is None:
        return False
    cleared = session.scalar(select(CaseRestriction.id).where(
        CaseRestriction.case_id == case.id, CaseRestriction.user_id == user.id,
        CaseRestriction.lifted_at.is_not(None)).limit(1))
    return cleared is None


def _other_holders(session: Session, case: Case, user: User) -> bool:
    return session.scalar(select(KeyWrap.id).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None),
        KeyWrap.user_id != user.id).limit(1)) is not None


def _exclude_named(session: Session, rt: Runtime, case: Case, actor: User,
                   digest: bytes | None) -> Exclusions:
    """Exclude every member of staff the digest names (the actor recuses);
    conflicts.exclude commits each one."""
    if digest is None:
        return Exclusions([])
    excluded: list[str] = []
    recused = False
    for user in named_staff(session, rt, digest):
        if conflicts.is_restricted(session, case, user) or not is_named(session, rt, case, user):
            continue
        if user.id == actor.id:
            recused = True
            continue
        _audit(session, rt, actor, AuditAction.PERSON_EXCLUDED_AS_NAMED, case)
        conflicts.exclude(session, rt, case, actor, user)  # commits
        excluded.append(user.display_name)
    if recused:
        conflicts.recuse(session, rt, case, actor)
    return Exclusions(excluded, recused)


def _refuse_naming_yourself(session: Session, rt: Runtime, case: Case, actor: User,
                            name: str) -> None:
    """A handler who records themselves as a person concerned must step aside;
    as the last holder they can not (the case would wait for the recovery
    key), so nothing is recorded."""
    if digest_of(rt, name) == digest_of(rt, actor.display_name) and not _other_holders(
            session, case, actor):
        raise PersonError("named_yourself")


# --- recording ----------------------------------------------------------------------


# In the sealed record of a person the reporter named: "by": "reporter".
REPORTER_MARK = "reporter"
# How many people the report form lets a reporter name.
MAX_REPORTED = 5


def _seal_details(key: CaseKeys, case: Case, row: PersonConcerned, details: PersonDetails,
                  *, by_reporter: bool = False) -> None:
    record = {"name": details.name, "function": details.function, "unit": details.unit,
              "role": details.role.value}
    if by_reporter:
        record["by"] = REPORTER_MARK
    row.details_ciphertext = encrypt_json(key, case, _field(row.id), record,
                                          compartment=CASEFILE)


def _record(session: Session, rt: Runtime, case: Case, key: CaseKeys, details: PersonDetails,
            *, created_by: User | None) -> tuple[PersonConcerned, bytes | None]:
    """A new person concerned, sealed and indexed, in the caller's
    transaction: by a handler (`created_by`), or named by the reporter (None)."""
    _writable(session, case, key, CASEFILE)
    row = PersonConcerned(case_id=case.id,
                          created_by_id=created_by.id if created_by is not None else None,
                          details_ciphertext=b"", notice_status=NoticeStatus.PENDING)
    session.add(row)
    session.flush()  # the id is part of the associated data
    _seal_details(key, case, row, details, by_reporter=created_by is None)
    return row, _index(session, rt, case, row, details.name)


def add_person(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
               details: PersonDetails) -> tuple[PersonConcerned, Exclusions]:
    """Record a person concerned, index their name, and exclude any member of
    staff it names. Owns its transactions (the person first, then each
    exclusion)."""
    details = clean_details(details)
    _refuse_naming_yourself(session, rt, case, actor, details.name)
    with unit_of_work(session):
        row, digest = _record(session, rt, case, key, details, created_by=actor)
        _audit(session, rt, actor, AuditAction.PERSON_ADDED, case)
    return row, _exclude_named(session, rt, case, actor, digest)


def add_reported_persons(session: Session, rt: Runtime, case: Case, key: CaseKeys,
                         people: Sequence[PersonDetails], *, named: Sequence[User],
                         withheld: Collection[int] = ()) -> list[PersonConcerned]:
    """The people the reporter named in the report form, recorded in the new
    case's transaction (app/cases/intake.py) as a handler records them:
    sealed in `casefile` (marked as named by the reporter), indexed, and
    every member of staff they name (`named`: `staff_named_in(people)`,
    asked before the first holders were chosen without them) excluded. They
    hold nothing, so nothing is re-keyed; `withheld`: the ids of those who
    would otherwise have held the case (their restriction gives it when
    lifted for a namesake). Never commits; a bad row raises PersonError
    before anything is added."""
    cleaned = [clean_details(person) for person in people]
    if len(cleaned) > MAX_REPORTED:
        raise PersonError("too_many")
    rows: list[PersonConcerned] = []
    for details in cleaned:
        row, _digest = _record(session, rt, case, key, details, created_by=None)
        rt.audit.record(session, actor="reporter", action=AuditAction.PERSON_ADDED,
                        object_type="case", object_id=case.number)
        rows.append(row)
    for user in named:
        if conflicts.is_restricted(session, case, user):
            continue
        rt.audit.record(session, actor="system", action=AuditAction.PERSON_EXCLUDED_AS_NAMED,
                        object_type="case", object_id=case.number)
        conflicts.exclude_named(session, rt, case, user, key, would_hold=user.id in withheld)
    return rows


def change_person(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
                  person_id: int, details: PersonDetails) -> Exclusions:
    """Correct a person's details (sealed again, indexed again; who named
    them stays as it was)."""
    details = clean_details(details)
    row = person_of(session, case, person_id)
    _refuse_naming_yourself(session, rt, case, actor, details.name)
    with unit_of_work(session):
        _writable(session, case, key, CASEFILE)
        by_reporter = _sealed(key, case, row).get("by") == REPORTER_MARK
        _seal_details(key, case, row, details, by_reporter=by_reporter)
        digest = _index(session, rt, case, row, details.name)
        _audit(session, rt, actor, AuditAction.PERSON_CHANGED, case)
    return _exclude_named(session, rt, case, actor, digest)


def remove_person(session: Session, rt: Runtime, case: Case, actor: User,
                  person_id: int) -> None:
    """Take out a person recorded by mistake; a person who was heard stays
    (the hearing is part of the decision)."""
    with unit_of_work(session):
        row = person_of(session, case, person_id)
        if session.scalar(select(Hearing.id).where(Hearing.person_id == row.id).limit(1)):
            raise PersonError("heard")
        session.execute(delete(PersonIndexEntry).where(PersonIndexEntry.person_id == row.id))
        session.delete(row)
        _audit(session, rt, actor, AuditAction.PERSON_REMOVED, case)


def _today(rt: Runtime) -> date:
    return local_date(utcnow(), rt.settings.zone)


def _note(key: CaseKeys, row: PersonConcerned, note: str) -> bytes | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise PersonError("too_long")
    return (encrypt_text(key, text, field=_note_field(row.id), compartment=CASEFILE)
            if text else None)


def record_informed(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
                    person_id: int, *, on: date, means: str, note: str = "") -> None:
    """The person was told that the case records them (GDPR art. 14)."""
    if means not in tuple(NoticeMeans):
        raise PersonError("unknown_means")
    if on > _today(rt):
        raise PersonError("future_date")
    with unit_of_work(session):
        row = person_of(session, case, person_id)
        _writable(session, case, key, CASEFILE)
        row.notice_status = NoticeStatus.INFORMED
        row.informed_on, row.informed_by = on, NoticeMeans(means)
        row.deferral_ground, row.review_on = None, None
        row.notice_note_ciphertext = _note(key, row, note)
        row.notice_decided_at, row.notice_decided_by_id = utcnow(), actor.id
        _audit(session, rt, actor, AuditAction.PERSON_INFORMED, case)


def defer_notice(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
                 person_id: int, *, ground: str, review_on: date, note: str = "") -> None:
    """Informing the person is deferred on a legal ground until a review day
    (GDPR art. 23, UAVG art. 41): the day shows on the start page when due."""
    if ground not in tuple(RestrictionGround):
        raise PersonError("unknown_ground")
    if review_on <= _today(rt):
        raise PersonError("review_date")
    with unit_of_work(session):
        row = person_of(session, case, person_id)
        _writable(session, case, key, CASEFILE)
        row.notice_status = NoticeStatus.DEFERRED
        row.deferral_ground, row.review_on = RestrictionGround(ground), review_on
        row.informed_on, row.informed_by = None, None
        row.notice_note_ciphertext = _note(key, row, note)
        row.notice_decided_at, row.notice_decided_by_id = utcnow(), actor.id
        _audit(session, rt, actor, AuditAction.PERSON_NOTICE_DEFERRED, case)


# --- the repeat signal -----------------------------------------------------------------


def _other_cases(session: Session, digest: bytes, case: Case) -> list[int]:
    """The ids of the other live cases whose persons have this digest."""
    return list(session.scalars(
        select(PersonIndexEntry.case_id).distinct()
        .join(Case, Case.id == PersonIndexEntry.case_id)
        .where(PersonIndexEntry.digest == digest, PersonIndexEntry.case_id != case.id,
               Case.shredded_at.is_(None))
        .order_by(PersonIndexEntry.case_id)))


def repeat_signal(session: Session, rt: Runtime, actor: User, case: Case, key: CaseKeys,
                  persons: Sequence[PersonView]) -> dict[int, int]:
    """For each person concerned the holder's keys opened: in how many other
    cases the same name (as the index normalises it) is recorded. The digest
    is made from the decrypted name, so only a holder can ask; one audit
    entry per look-up. The caller commits."""
    if not persons or not key.has(CASEFILE):
        return {}
    counts: dict[int, int] = {}
    for person in persons:
        digest = digest_of(rt, person.name)
        counts[person.id] = len(_other_cases(session, digest, case)) if digest else 0
    _audit(session, rt, actor, AuditAction.PERSON_REPEAT_LOOKUP, case)
    return counts


def lookup_repeats(session: Session, rt: Runtime, actor: User, case: Case,
                   key: CaseKeys) -> tuple[list[PersonView], dict[int, int]]:
    """The persons and their repeat counts, the look-up committed."""
    with unit_of_work(session):
        persons = read_persons(session, case, key)
        return persons, repeat_signal(session, rt, actor, case, key, persons)


def _iccs(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.ICC, User.active,
                                          User.public_key.is_not(None))
        .order_by(User.id)).unique())


def ask_icc(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
            person_id: int) -> RepeatReview:
    """Ask the ICC to look at a person named in other cases too. The ICC gets
    this formal report shared — the report and the case file, not the
    reporter's identity nor the conversation — so it can see the person and,
    for the other cases it may open itself, their numbers."""
    if case.track is not Track.REPORT:
        raise PersonError("not_a_report")
    with unit_of_work(session):
        row = person_of(session, case, person_id)
        details = _details(key, case, row)
        digest = digest_of(rt, details.name)
        if digest is None or not _other_cases(session, digest, case):
            raise PersonError("no_other_cases")
        if session.scalar(select(RepeatReview.id).where(
                RepeatReview.person_id == row.id, RepeatReview.done_at.is_(None)).limit(1)):
            raise PersonError("already_asked")
        # Only ICCs whose key is endorsed (issue #19); each grant is logged
        # with its recipient by wrap_for_user.
        iccs = [u for u in trust.only_endorsed(session, rt, _iccs(session), Role.ICC)
                if not conflicts.is_restricted(session, case, u)
                and not is_named(session, rt, case, u)]
        if not iccs:
            raise PersonError("no_icc")
        for icc in iccs:
            custody.wrap_for_user(session, rt, case, key, icc, granted_by=actor, role=Role.ICC,
                                  compartments=[REPORT, CASEFILE])
        review = RepeatReview(case_id=case.id, person_id=row.id, requested_by_id=actor.id)
        session.add(review)
        _audit(session, rt, actor, AuditAction.PERSON_REVIEW_REQUESTED, case)
    return review


def open_review_of(session: Session, case: Case, person_id: int) -> RepeatReview | None:
    return session.scalar(select(RepeatReview).where(
        RepeatReview.case_id == case.id, RepeatReview.person_id == person_id,
        RepeatReview.done_at.is_(None)).limit(1))


@dataclass(frozen=True)
class ReviewRow:
    id: int
    number: str
    requested_by: str | None
    requested_at: datetime
    done_at: datetime | None


def reviews(session: Session, *, done: bool = False) -> list[ReviewRow]:
    """The ICC's list: the requests to look (open ones, or those done)."""
    requester = select(User.display_name).where(
        User.id == RepeatReview.requested_by_id).scalar_subquery()
    rows = session.execute(
        select(RepeatReview, Case.number, requester.label("requester"))
        .join(Case, Case.id == RepeatReview.case_id)
        .where(RepeatReview.done_at.is_not(None) if done else RepeatReview.done_at.is_(None),
               Case.shredded_at.is_(None))
        .order_by(RepeatReview.requested_at.desc(), RepeatReview.id.desc())).all()
    return [ReviewRow(id=review.id, number=number, requested_by=name,
                      requested_at=review.requested_at, done_at=review.done_at)
            for review, number, name in rows]


@dataclass(frozen=True)
class ReviewResult:
    review: ReviewRow
    person: PersonView
    # The numbers of the cases naming the person that the ICC may open,
    # the asking case first.
    numbers: list[str]
    # How many other cases name the person that the ICC may not open.
    hidden: int


def _may_open(session: Session, case: Case, user: User) -> bool:
    return (case.shredded_at is None and custody.current_wrap(session, case, user) is not None
            and not conflicts.is_restricted(session, case, user))


def _review(session: Session, rt: Runtime, icc: User, review_id: int,
            action: AuditAction) -> tuple[RepeatReview, Case]:
    """The review and its case; one that does not exist is refused and the
    refusal logged, like a look-up by someone who holds none of the cases."""
    found = session.execute(select(RepeatReview, Case).join(Case, Case.id == RepeatReview.case_id)
                            .where(RepeatReview.id == review_id)).first()
    if found is None:
        with unit_of_work(session):
            rt.audit.record(session, actor=_actor(icc), action=action,
                            object_type="repeat_review", object_id=review_id, result="denied")
        raise LookupRefused
    return found[0], found[1]


def review_lookup(session: Session, rt: Runtime, icc: User, private_key: PrivateKey | None,
                  review_id: int) -> ReviewResult:
    """What the ICC sees of a request to look: the person (from the case it
    was shared), and the numbers of the cases naming them that it may open.
    Someone who holds none of the cases gets nothing: the name can only be
    read with the asking case's keys. Audit-logged either way."""
    review, case = _review(session, rt, icc, review_id, AuditAction.PERSON_REVIEW_LOOKUP)
    try:
        opened = open_case(session, rt, icc, private_key, case.number,
                           action=AuditAction.PERSON_REVIEW_LOOKUP)
    except CaseNotFound:
        raise LookupRefused from None
    with unit_of_work(session):
        row = person_of(session, case, review.person_id)
        person = _view(opened.key, case, row)
        digest = digest_of(rt, person.name)
        numbers = [case.number]
        hidden = 0
        for other_id in _other_cases(session, digest, case) if digest else []:
            other = session.get(Case, other_id)
            if other is not None and _may_open(session, other, icc):
                numbers.append(other.number)
            else:
                hidden += 1
        requester = session.get(User, review.requested_by_id) if review.requested_by_id else None
    return ReviewResult(
        review=ReviewRow(id=review.id, number=case.number,
                         requested_by=requester.display_name if requester else None,
                         requested_at=review.requested_at, done_at=review.done_at),
        person=person, numbers=numbers, hidden=hidden)


def finish_review(session: Session, rt: Runtime, icc: User, review_id: int) -> None:
    """The ICC has looked."""
    review, case = _review(session, rt, icc, review_id, AuditAction.PERSON_REVIEW_DONE)
    if not _may_open(session, case, icc):
        with unit_of_work(session):
            _audit(session, rt, icc, AuditAction.PERSON_REVIEW_DONE, case, result="denied")
        raise LookupRefused
    with unit_of_work(session):
        if review.done_at is None:
            review.done_at, review.done_by_id = utcnow(), icc.id
            _audit(session, rt, icc, AuditAction.PERSON_REVIEW_DONE, case)


# --- a new key for the blind index ------------------------------------------------------


class IndexRotationRefused(PersonError):
    """The names of some cases can not be opened with the given recovery
    key (cases_not_opened): nothing was changed. `numbers`: those cases."""

    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexRotation:
    cases: int
    entries: int


def reindex_all(session: Session, rt: Runtime, recovery_private: PrivateKey,
                new_key: bytes) -> IndexRotation:
    """Every blind-index entry computed again under `new_key` (`meldpunt keys
    rotate-person-index`). The names are sealed in each case's `casefile`;
    the offline recovery key is the only holder of every case file, so the
    ceremony needs it. In the caller's transaction; every case whose names it
    opens is audit-logged. A case the recovery key does not open refuses the
    whole rotation before anything changes. A shredded case that still has
    persons (shredded before shredding took them along) can not be read by
    anyone: its person data goes, tallied first (app/cases/person_data.py)."""
    from_cases = select(PersonConcerned.case_id).distinct()
    cases = list(session.scalars(select(Case).where(Case.id.in_(from_cases))
                                 .order_by(Case.id)))
    destroy_person_data(session, [c.id for c in cases if c.shredded_at is not None],
                        rt.settings.zone)
    live = [case for case in cases if case.shredded_at is None]
    opened: list[tuple[Case, CaseKeys]] = []
    refused: list[str] = []
    for case in live:
        try:
            keys = recovery.recovery_keys(session, rt, case, recovery_private)
        except custody.NoAccess:
            refused.append(case.number)
            continue
        if keys.has(CASEFILE):
            opened.append((case, keys))
        else:
            refused.append(case.number)
    if refused:
        refusal = IndexRotationRefused("cases_not_opened")
        refusal.numbers = tuple(refused)
        raise refusal
    entries = 0
    for case, keys in opened:
        rows = session.scalars(select(PersonConcerned).where(PersonConcerned.case_id == case.id)
                               .order_by(PersonConcerned.id)).all()
        for row in rows:
            digest = blind_index(new_key, _details(keys, case, row).name)
            session.execute(delete(PersonIndexEntry).where(PersonIndexEntry.person_id == row.id))
            if digest is not None:
                session.add(PersonIndexEntry(case_id=case.id, person_id=row.id, digest=digest))
                entries += 1
        rt.audit.record(session, actor="system", action=AuditAction.KEYS_PERSON_INDEX_ROTATED,
                        object_type="case", object_id=case.number, origin="cli")
    rt.audit.record(session, actor="system", action=AuditAction.KEYS_PERSON_INDEX_ROTATED,
                    object_type="key", object_id="person_index", origin="cli")
    return IndexRotation(cases=len(opened), entries=entries)


# --- counting (shredding: app/cases/person_data.py) --------------------------------------


def count_persons(session: Session, case: Case) -> int:
    return session.scalar(select(func.count(PersonConcerned.id))
                          .where(PersonConcerned.case_id == case.id)) or 0
