"""Data-subject requests about a case (GDPR art. 12, 15-21) and the redacted
extract of a case for an access request.

A handler registers a request on the case it is about: who asked (one of the
persons concerned, or someone else), what kind, the day it was received and
so the one-month deadline of art. 12(3), and later the decision with, for a
refusal or a partial one, the restriction ground (GDPR art. 23, UAVG art.
41). Who asked and what is sealed in the case file; kind, days and decision
are clear (the start page lists open requests by deadline). Every step is
audit-logged.

The extract (`build_extract`) shows what the handler chose — the person's own
record, parts of the report, hearings, the outcome — and blacks out, in
everything it shows, the reporter's identity (name, e-mail, telephone,
contact, as far as the handler's keys open it; also each part of the name),
the names of the other persons concerned, and whatever the handler adds to
black out. The reporter's identity fields themselves are never offered.
Nothing blacked out reaches the page: a blacked-out stretch is replaced,
not hidden.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.cases.content import (
    _writable,
    decrypt_json,
    encrypt_json,
    read_identity,
    read_report,
)
from app.cases.hearings import HearingView, read_hearings
from app.cases.persons import PersonView, person_of, read_persons
from app.crypto.compartments import CASEFILE, IDENTITY, CaseKeys
from app.errors import DomainError, NotFound
from app.localtime import add_months, local_date
from app.models import Case, CaseRestriction, KeyWrap, SubjectRequest, User, utcnow
from app.runtime import Runtime
from app.transactions import unit_of_work
from app.vocabulary import (
    AuditAction,
    Measure,
    Outcome,
    RestrictionGround,
    SubjectRequestDecision,
    SubjectRequestKind,
)

# GDPR art. 12(3): without undue delay, within one month of receipt.
DEADLINE_MONTHS = 1
MAX_LINE = 200
MAX_TEXT = 5000
MAX_TERMS = 50
# Report answers that identify the reporter: never offered for an extract.
IDENTIFYING_FIELDS = frozenset({"name", "email", "phone", "contact", "preferred_counsellor",
                                "preferred_counsellor_id"})
# Parts of names too common to black out on their own (they still go as
# part of the whole name).
NAME_PARTICLES = frozenset({"van", "der", "den", "de", "het", "ter", "ten", "te", "la", "le",
                            "du", "da", "di", "del", "von", "op", "in", "'t", "and"})


class RequestError(DomainError, ValueError):
    """A request that can not be registered or decided (str() is a reason
    code): unknown_kind, requester_missing, future_date, too_long,
    unknown_decision, ground_missing, unknown_ground, decided."""

    area = "subject_request"


class RequestNotFound(RequestError, NotFound):
    """No such request in this case."""

    status = NotFound.status


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: SubjectRequestKind
    person_id: int | None
    requester: str
    contact: str
    details: str
    received_on: date
    due_on: date
    decided_on: date | None
    decision: SubjectRequestDecision | None
    restriction_ground: RestrictionGround | None


def _field(request_id: int) -> str:
    return f"request:{request_id}"


def _line(text: str | None, limit: int = MAX_LINE) -> str:
    value = " ".join((text or "").split())
    if len(value) > limit:
        raise RequestError("too_long")
    return value


def _today(rt: Runtime) -> date:
    return local_date(utcnow(), rt.settings.zone)


def _request_of(session: Session, case: Case, request_id: int) -> SubjectRequest:
    row = session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id,
                                                      SubjectRequest.case_id == case.id))
    if row is None:
        raise RequestNotFound("not_found")
    return row


def _audit(session: Session, rt: Runtime, user: User, action: AuditAction, case: Case) -> None:
    rt.audit.record(session, actor=f"user:{user.id}", action=action, object_type="case",
                    object_id=case.number)


def register_request(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User, *,
                     kind: str, received_on: date, person_id: int | None = None,
                     requester: str = "", contact: str = "",
                     details: str = "") -> SubjectRequest:
    """Register a request received on `received_on`; it is due one month
    later (a day the month lacks becomes its last day)."""
    if kind not in tuple(SubjectRequestKind):
        raise RequestError("unknown_kind")
    if received_on > _today(rt):
        raise RequestError("future_date")
    requester, contact = _line(requester), _line(contact)
    text = (details or "").strip()
    if len(text) > MAX_TEXT:
        raise RequestError("too_long")
    with unit_of_work(session):
        person = person_of(session, case, person_id) if person_id is not None else None
        if person is None and not requester:
            raise RequestError("requester_missing")
        _writable(session, case, key, CASEFILE)
        row = SubjectRequest(case_id=case.id, person_id=person.id if person else None,
                             kind=SubjectRequestKind(kind), received_on=received_on,
                             due_on=add_months(received_on, DEADLINE_MONTHS),
                             created_by_id=actor.id, details_ciphertext=b"")
        session.add(row)
        session.flush()  # the id is part of the associated data
        row.details_ciphertext = encrypt_json(
            key, case, _field(row.id), {"requester": requester, "contact": contact,
                                        "details": text}, compartment=CASEFILE)
        _audit(session, rt, actor, AuditAction.SUBJECT_REQUEST_REGISTERED, case)
    return row


# A refusal or a partial grant must name its ground.
NEEDS_GROUND = (SubjectRequestDecision.PARTLY_GRANTED, SubjectRequestDecision.REFUSED)


def decide_request(session: Session, rt: Runtime, case: Case, actor: User, request_id: int, *,
                   decision: str, ground: str | None = None) -> None:
    if decision not in tuple(SubjectRequestDecision):
        raise RequestError("unknown_decision")
    chosen = SubjectRequestDecision(decision)
    if ground and ground not in tuple(RestrictionGround):
        raise RequestError("unknown_ground")
    if chosen in NEEDS_GROUND and not ground:
        raise RequestError("ground_missing")
    with unit_of_work(session):
        row = _request_of(session, case, request_id)
        if row.decided_on is not None:
            raise RequestError("decided")
        row.decision = chosen
        row.restriction_ground = (RestrictionGround(ground)
                                  if ground and chosen in NEEDS_GROUND else None)
        row.decided_on, row.decided_by_id = _today(rt), actor.id
        _audit(session, rt, actor, AuditAction.SUBJECT_REQUEST_DECIDED, case)


def _view(key: CaseKeys, case: Case, row: SubjectRequest) -> RequestView:
    data = decrypt_json(key, case, _field(row.id), row.details_ciphertext, compartment=CASEFILE)
    return RequestView(id=row.id, kind=row.kind, person_id=row.person_id,
                       requester=data.get("requester", ""), contact=data.get("contact", ""),
                       details=data.get("details", ""), received_on=row.received_on,
                       due_on=row.due_on, decided_on=row.decided_on, decision=row.decision,
                       restriction_ground=row.restriction_ground)


def read_requests(session: Session, case: Case, key: CaseKeys) -> list[RequestView]:
    if not key.has(CASEFILE):
        return []
    rows = session.scalars(select(SubjectRequest).where(SubjectRequest.case_id == case.id)
                           .order_by(SubjectRequest.received_on.desc(),
                                     SubjectRequest.id.desc())).all()
    return [_view(key, case, row) for row in rows]


def read_request(session: Session, case: Case, key: CaseKeys, request_id: int) -> RequestView:
    return _view(key, case, _request_of(session, case, request_id))


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register: clear metadata only (no names)."""

    id: int
    number: str
    kind: SubjectRequestKind
    received_on: date
    due_on: date
    decided_on: date | None
    decision: SubjectRequestDecision | None


def request_register(session: Session, user: User, *, decided: bool = False) -> list[RegisterRow]:
    """The requests on the cases this user holds (and is not restricted
    from): open ones by deadline, or the decided ones, newest first."""
    held = select(KeyWrap.case_id).where(KeyWrap.user_id == user.id)
    restricted = select(CaseRestriction.case_id).where(CaseRestriction.user_id == user.id,
                                                       CaseRestriction.lifted_at.is_(None))
    query = (select(SubjectRequest, Case.number).join(Case, Case.id == SubjectRequest.case_id)
             .where(Case.id.in_(held), Case.id.not_in(restricted), Case.shredded_at.is_(None)))
    if decided:
        query = query.where(SubjectRequest.decided_on.is_not(None)).order_by(
            SubjectRequest.decided_on.desc(), SubjectRequest.id.desc())
    else:
        query = query.where(SubjectRequest.decided_on.is_(None)).order_by(
            SubjectRequest.due_on, SubjectRequest.id)
    return [RegisterRow(id=r.id, number=number, kind=r.kind, received_on=r.received_on,
                        due_on=r.due_on, decided_on=r.decided_on, decision=r.decision)
            for r, number in session.execute(query).all()]


def open_requests_of(session: Session, case: Case) -> bool:
    return session.scalar(select(SubjectRequest.id).where(
        and_(SubjectRequest.case_id == case.id, SubjectRequest.decided_on.is_(None)))
        .limit(1)) is not None


# --- blacking out --------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of shown text; a blacked-out one carries no text at all."""

    text: str
    redacted: bool = False


def _fold(text: str) -> tuple[str, list[int]]:
    """The text case-folded and without diacritics, with for every folded
    character the index of the original character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char.casefold()):
            if not unicodedata.combining(part):
                folded.append(part)
                origin.append(index)
    return "".join(folded), origin


def _pattern(term: str) -> re.Pattern[str] | None:
    words = _fold(term)[0].split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def redact(text: str, terms: Iterable[str]) -> list[Segment]:
    """The text as segments, every occurrence of a term blacked out —
    whatever its case, diacritics or the white space between its words."""
    folded, origin = _fold(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        pattern = _pattern(term)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                spans.append((origin[match.start()], origin[match.end() - 1] + 1))
    spans.sort()
    segments: list[Segment] = []
    position = 0
    for start, end in spans:
        if end <= position:
            continue
        start = max(start, position)
        if start > position:
            segments.append(Segment(text[position:start]))
        if segments and segments[-1].redacted:
            pass  # adjoining blacked-out stretches show as one
        else:
            segments.append(Segment("", redacted=True))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def _name_terms(name: str, keep: Iterable[str] = ()) -> list[str]:
    """A name whole and each of its parts (not particles, not parts of `keep`)."""
    keep = set(keep)
    name = " ".join(name.split())
    if not name:
        return []
    parts = [p for p in name.split() if len(p) >= 3 and _fold(p)[0] not in NAME_PARTICLES
             and _fold(p)[0] not in keep]
    return [name, *parts]


# --- the extract ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractChoice:
    """What the handler chose to show; everything else stays out."""

    person_ids: frozenset[int] = frozenset()
    report_fields: tuple[str, ...] = ()
    hearing_ids: frozenset[int] = frozenset()
    outcome: bool = False
    black_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtractPerson:
    name: list[Segment]
    function: list[Segment]
    unit: list[Segment]
    person: PersonView


@dataclass(frozen=True)
class ExtractHearing:
    held_on: date
    text: list[Segment]
    comments: list[Segment] | None
    hearing: HearingView


@dataclass
class Extract:
    request: RequestView
    made_on: date
    persons: list[ExtractPerson] = field(default_factory=list)
    report: list[tuple[str, list[Segment]]] = field(default_factory=list)
    hearings: list[ExtractHearing] = field(default_factory=list)
    outcome: Outcome | None = None
    measure: Measure | None = None
    show_outcome: bool = False
    # False when the handler's keys do not open the reporter's identity (no
    # consent that names them): it could not be blacked out by itself, so
    # the page asks the handler to check the text for it.
    identity_checked: bool = True


@dataclass(frozen=True)
class ExtractSources:
    """What the handler may choose from for an extract."""

    request: RequestView
    persons: list[PersonView]
    report_fields: list[str]
    hearings: list[HearingView]


def extract_sources(session: Session, case: Case, key: CaseKeys,
                    request_id: int) -> ExtractSources:
    request = read_request(session, case, key, request_id)
    persons = read_persons(session, case, key)
    return ExtractSources(
        request=request, persons=persons,
        report_fields=[f for f in read_report(key, case) if f not in IDENTIFYING_FIELDS],
        hearings=read_hearings(session, case, key, persons))


def identity_readable(key: CaseKeys, case: Case) -> bool:
    """Whether these keys open the reporter's identity (or there is none)."""
    return case.identity_ciphertext is None or key.has(IDENTITY)


def black_out_terms(key: CaseKeys, case: Case, persons: list[PersonView],
                    requester: PersonView | None, extra: Iterable[str]) -> list[str]:
    """Everything an extract blacks out: the reporter's identity (whole
    values and each part of the name), the other persons' names and the
    handler's own terms. Longest first, so a whole name goes as one."""
    keep = set(_fold(requester.name)[0].split()) if requester is not None else set()
    terms: list[str] = []
    identity = read_identity(key, case) or {}
    for name, value in identity.items():
        if isinstance(value, str) and value.strip():
            terms.extend(_name_terms(value) if name == "name" else [value])
    for person in persons:
        if requester is None or person.id != requester.id:
            terms.extend(_name_terms(person.name, keep))
    terms.extend(t for t in (" ".join(x.split()) for x in extra) if t)
    return sorted(set(terms), key=len, reverse=True)


def build_extract(session: Session, rt: Runtime, case: Case, key: CaseKeys, actor: User,
                  request_id: int, choice: ExtractChoice) -> Extract:
    """The extract as chosen, blacked out; one audit entry (never content)."""
    extra = [t for t in choice.black_out if t.strip()]
    if len(extra) > MAX_TERMS or any(len(t) > MAX_LINE for t in extra):
        raise RequestError("too_long")
    with unit_of_work(session):
        sources = extract_sources(session, case, key, request_id)
        requester = next((p for p in sources.persons if p.id == sources.request.person_id), None)
        terms = black_out_terms(key, case, sources.persons, requester, extra)
        report = read_report(key, case)
        extract = Extract(request=sources.request, made_on=_today(rt),
                          outcome=case.outcome, measure=case.measure,
                          show_outcome=choice.outcome,
                          identity_checked=identity_readable(key, case))
        for person in sources.persons:
            if person.id in choice.person_ids:
                extract.persons.append(ExtractPerson(
                    name=redact(person.name, terms), function=redact(person.function, terms),
                    unit=redact(person.unit, terms), person=person))
        for name in sources.report_fields:
            if name in choice.report_fields and isinstance(report.get(name), str):
                extract.report.append((name, redact(report[name], terms)))
        for hearing in sources.hearings:
            if hearing.id in choice.hearing_ids:
                current = hearing.current
                extract.hearings.append(ExtractHearing(
                    held_on=hearing.held_on, text=redact(current.text, terms),
                    comments=redact(current.comments, terms) if current.comments else None,
                    hearing=hearing))
        _audit(session, rt, actor, AuditAction.SUBJECT_REQUEST_EXTRACT, case)
    return extract
