"""The case workflow as data: one table of transitions.

Each `Transition` says from which states an action may be taken, the state it
leads to, who may take it (staff roles, or the reporter), what it requires and
the fields its form asks for. The case page's buttons and forms
(`available_actions`), the permission checks (`perform`, `enter`), the CLI and
the tests all read `TRANSITIONS`; nothing else decides what may happen or
changes a case's state.

Routing is key custody: an action that hands the case to someone wraps to
them the compartments their role may hold, as far as the actor holds them
(app/cases/custody.py); handing it on deletes the previous desk's wraps and
moves what they held to a new key generation. A referral to an external
bureau gets a compartment of its own with a re-encrypted copy of what was
referred; its end (delivery, closing) takes the bureau's wraps away again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import trust
from app.cases import conflicts, custody, hearings, legacy, persons, reporter_contact, seals
from app.cases.content import (
    add_staff_message,
    attach_pending,
    attachment_file_key,
    discard_files,
    encrypt_json,
    read_identity,
    read_package,
    read_report,
    store_attachment,
)
from app.cases.deadlines import feedback_due
from app.cases.notes import add_note, latest_referral
from app.crypto.compartments import CaseKeys, referral
from app.crypto.keys import PrivateKey
from app.crypto.tokens import b64
from app.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from app.models import Attachment, Case, ExternalReferral, KeyWrap, Unit, User, UserRole, utcnow
from app.runtime import Runtime
from app.vocabulary import (
    ADVICE_OUTCOMES,
    DECISION_CLOSE_REASONS,
    DECISION_OUTCOMES,
    EARLY_CLOSE_REASONS,
    OPEN_STATES,
    AuditAction,
    CloseReason,
    Measure,
    Outcome,
    ReferralTarget,
    Role,
    State,
    Track,
    UnitKind,
)


class Reporter(Enum):
    """The reporter, acting in their mailbox: an actor without an account or role."""

    REPORTER = "reporter"


REPORTER = Reporter.REPORTER
# Who may take a transition: staff by role, or the reporter.
Actor = Role | Reporter


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    SELECT = "select"
    CHECKBOX = "checkbox"
    MULTI_SELECT = "multi_select"
    FILE = "file"
    DATE = "date"

Code = TypeVar("Code", bound=StrEnum)


@dataclass(frozen=True)
class FormField:
    """One parameter of a transition, as its form asks for it."""

    name: str
    kind: FieldKind
    # The allowed values: an enum tuple, or the name of a provider the web
    # layer fills in ("vps", "units", "categories", "subcategories",
    # "bureaus", "report_fields", "attachments").
    options: tuple[StrEnum, ...] | str = ()
    # Must be given (non-empty): `check` refuses the action without it.
    required: bool = False
    # The form always asks for it although the action works without it
    # (classify may change one thing at a time).
    form_required: bool = False
    # A multi-select whose options are all ticked to begin with.
    all_chosen: bool = False
    # Offered only while the reporter's consent is on record.
    needs_consent: bool = False


@dataclass(frozen=True)
class Transition:
    action: str
    # Empty: the transition creates the case (it has no state yet).
    from_states: frozenset[State]
    # None: the state stays as it is (classify).
    to_state: State | None
    actors: frozenset[Actor]
    # Requirement names checked by `perform` beyond role and state:
    # "consent" = the reporter's recorded consent to pass the case on;
    # "hearing" = on a formal report, every accused person concerned heard
    # (hoor en wederhoor: app/cases/hearings.py).
    requires: tuple[str, ...] = ()
    fields: tuple[FormField, ...] = ()
    # Actions that end with the actor holding no key any more.
    hands_off: bool = False
    # The audit action it writes, when not `case.<action>`.
    audit: AuditAction | None = None

    @property
    def roles(self) -> frozenset[Role]:
        """The staff roles among the actors."""
        return frozenset(a for a in self.actors if isinstance(a, Role))

    @property
    def params(self) -> tuple[str, ...]:
        """Parameters that must be given (non-empty)."""
        return tuple(f.name for f in self.fields if f.required)

    @property
    def audit_action(self) -> AuditAction:
        return AuditAction(self.audit or f"case.{self.action}")

    @property
    def creates(self) -> bool:
        return not self.from_states


def _t(action: str, from_states: Iterable[State], to_state: State | None,
       actors: Iterable[Actor], *fields: FormField, requires: tuple[str, ...] = (),
       hands_off: bool = False, audit: AuditAction | None = None) -> Transition:
    return Transition(action, frozenset(from_states), to_state, frozenset(actors), requires,
                      fields, hands_off, audit)


def _select(name: str, options: tuple[StrEnum, ...] | str, required: bool = True,
            **flags: bool) -> FormField:
    return FormField(name, FieldKind.SELECT, options, required, **flags)


def _textarea(name: str, required: bool = False) -> FormField:
    return FormField(name, FieldKind.TEXTAREA, required=required)


_MESSAGE = _textarea("message")
_EARLY = (State.RECEIVED, State.ACKNOWLEDGED, State.WITH_VP, State.WITH_IC, State.INQUIRY)

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    # A request for a VP goes straight to the VPs who serve the unit
    # (app/cases/intake.py): one of them acknowledges it and takes it on.
    _t("acknowledge", [State.RECEIVED], State.ACKNOWLEDGED, [Role.INTAKE, Role.VP],
       _textarea("text", required=True)),
    _t("classify", [State.RECEIVED, State.ACKNOWLEDGED], None, [Role.INTAKE],
       _select("track", tuple(Track), False, form_required=True),
       _select("unit_id", "units", False, form_required=True),
       _select("category", "categories", False),
       _select("subcategory", "subcategories", False)),
    _t("route_to_vp", [State.ACKNOWLEDGED], State.WITH_VP, [Role.INTAKE, Role.VP],
       _select("vp_id", "vps"), hands_off=True),
    _t("route_to_ic", [State.ACKNOWLEDGED], State.WITH_IC, [Role.INTAKE], hands_off=True),
    _t("refer_elsewhere", _EARLY, State.CLOSED, [Role.INTAKE, Role.VP, Role.IC],
       _select("referred_to", tuple(ReferralTarget)), _MESSAGE),
    _t("close_early", _EARLY, State.CLOSED, [Role.INTAKE, Role.VP, Role.IC],
       _select("reason", EARLY_CLOSE_REASONS), _MESSAGE),
    _t("escalate_to_ic", [State.WITH_VP], State.WITH_IC, [Role.VP], requires=("consent",)),
    _t("close_advice", [State.WITH_VP], State.CLOSED, [Role.VP],
       _select("outcome", ADVICE_OUTCOMES),
       _select("referred_to", tuple(ReferralTarget), False), _MESSAGE),
    _t("start_inquiry", [State.WITH_IC], State.INQUIRY, [Role.IC, Role.ICC]),
    _t("refer_to_external", [State.INQUIRY], State.EXTERNAL_INVESTIGATION, [Role.IC],
       _select("bureau_id", "bureaus"),
       FormField("fields", FieldKind.MULTI_SELECT, "report_fields", all_chosen=True),
       FormField("attachment_ids", FieldKind.MULTI_SELECT, "attachments"),
       FormField("include_identity", FieldKind.CHECKBOX, needs_consent=True)),
    _t("deliver_external_report", [State.EXTERNAL_INVESTIGATION], State.DECISION, [Role.EXTERNAL],
       _textarea("findings", required=True), FormField("report_file", FieldKind.FILE)),
    # Hoor en wederhoor: a person concerned heard before the decision.
    _t("record_hearing", [State.INQUIRY, State.EXTERNAL_INVESTIGATION, State.DECISION], None,
       [Role.IC, Role.ICC], _select("person_id", "persons"),
       FormField("held_on", FieldKind.DATE, required=True),
       FormField("present", FieldKind.TEXT), _textarea("minutes", required=True),
       FormField("declined", FieldKind.CHECKBOX)),
    _t("record_decision", [State.INQUIRY, State.DECISION], State.DECISION, [Role.IC],
       _select("outcome", DECISION_OUTCOMES), _select("measure", tuple(Measure), False),
       _textarea("feedback"), requires=("hearing",)),
    _t("close", [State.DECISION], State.CLOSED, [Role.IC],
       _select("close_reason", DECISION_CLOSE_REASONS), _MESSAGE),
    _t("reopen", [State.CLOSED], State.WITH_IC, [Role.IC], _textarea("reason", required=True)),
    # Taken outside `perform` through `enter` (no case key needed, no form
    # on the case page): the reporter in the mailbox, and the registrations.
    _t("withdraw", OPEN_STATES, State.CLOSED, [REPORTER], audit=AuditAction.MAILBOX_WITHDRAWN),
    _t("register_with_vp", [], State.WITH_VP, [Role.VP], audit=AuditAction.CASE_REGISTERED_WITH_VP),
    _t("register_signal", [], State.CLOSED, [Role.VP], audit=AuditAction.CASE_SIGNAL_REGISTERED),
)}


class WorkflowError(DomainError):
    """Base of the workflow's refusals; `code` names the reason."""

    area = "workflow"


class TransitionNotAllowed(WorkflowError, NotAllowed):
    """Wrong state, wrong role, not a holder, or restricted."""


class TransitionNotFound(TransitionNotAllowed, NotFound):
    """The case or action does not exist for the actor (not a holder,
    restricted, deleted, unknown action): the same answer as a missing case."""

    status = NotFound.status


class WrongState(TransitionNotAllowed, Conflict):
    """The action is not possible in the case's current state."""

    status = Conflict.status


class RequirementMissing(WorkflowError, Invalid):
    """A requirement of the transition is not met (consent, a parameter ...)."""


class IdentityConsentMissing(RequirementMissing):
    """No consent to give the reporter's identity to the bureau (its own text:
    the code is the same "consent" as passing the case on)."""

    area = "referral"


class HearingRefused(RequirementMissing):
    """The hearing can not be recorded (a date ahead, no minutes): the
    hearing's own code and text."""

    area = "hearing"


class CaseChanged(WorkflowError, Conflict):
    """Someone else changed the case since the actor loaded it."""


def has_consent(case: Case) -> bool:
    """Whether the reporter's consent to pass the case on is on record (the
    reporter gives and withdraws it in the mailbox)."""
    given, withdrawn = case.consent_given_at, case.consent_withdrawn_at
    return given is not None and (withdrawn is None or withdrawn < given)


def available_actions(case: Case, user: User) -> list[Transition]:
    """The actions whose state and role fit; `perform` checks the rest."""
    if case.shredded_at is not None:
        return []
    return [
        t for t in TRANSITIONS.values()
        if case.state in t.from_states and user.roles & t.roles
    ]


# --- helpers ------------------------------------------------------------------


@dataclass
class _Ctx:
    session: Session
    rt: Runtime
    case: Case
    actor: User
    key: CaseKeys
    params: dict[str, Any]
    # The roles the action names: a message it writes is in one of them.
    roles: frozenset[Role] = frozenset()
    now: datetime = field(default_factory=utcnow)
    # Files written to the store during the action: removed if it fails.
    stored: list[Attachment] = field(default_factory=list)
    # Whom the action made a holder: named in its audit entry.
    granted: list[User] = field(default_factory=list)

    def param(self, name: str, default: Any = None) -> Any:
        value = self.params.get(name, default)
        return value.strip() if isinstance(value, str) else value

    def int_param(self, name: str) -> int | None:
        value = self.param(name)
        try:
            number = int(value) if value not in (None, "") else None
            if number is not None and not 0 <= number < 2**31:
                raise ValueError(name)  # out of the database's range (SQLite: OverflowError)
            return number
        except (TypeError, ValueError):
            raise RequirementMissing(f"invalid_{name}") from None


def _grant(ctx: _Ctx, target: User, role: Role, compartments: list[str] | None = None) -> None:
    if conflicts.is_restricted(ctx.session, ctx.case, target) or persons.is_named(
            ctx.session, ctx.rt, ctx.case, target):
        # Excluded, or named as a person concerned (app/cases/persons.py).
        raise RequirementMissing("target_restricted", name=target.display_name)
    try:
        custody.wrap_for_user(ctx.session, ctx.rt, ctx.case, ctx.key, target, granted_by=ctx.actor,
                              role=role, compartments=compartments, log=False)
        ctx.granted.append(target)
    except custody.CustodyError as exc:
        raise RequirementMissing(exc.code, name=target.display_name) from exc


def _release_desk(ctx: _Ctx, keep: set[int]) -> None:
    """The previous desk's part is done (intake, or the pool of VPs a request
    went to): their wraps go and what they held moves to a new generation."""
    ctx.session.flush()
    custody.remove_holders(ctx.session, ctx.rt, ctx.case, ctx.session.scalars(
        select(KeyWrap).where(KeyWrap.case_id == ctx.case.id, KeyWrap.user_id.is_not(None),
                              KeyWrap.user_id.not_in(keep or {-1}))).all(), ctx.key)


def end_referrals(session: Session, rt: Runtime, case: Case, now: datetime,
                  keys: CaseKeys | None = None) -> int:
    """Every referral of the case still running ends: the bureau's wraps go
    and each referral compartment moves to a new generation, so nothing the
    integrity coordinator adds to it later opens for the bureau. The action
    that ends them (delivery, closing) is the audit entry."""
    running = session.scalars(select(ExternalReferral).where(
        ExternalReferral.case_id == case.id, ExternalReferral.ended_at.is_(None))).all()
    external_ids = select(UserRole.user_id).where(UserRole.role == Role.EXTERNAL)
    for row in running:
        row.ended_at = now
        compartment = referral(row.id)
        investigators = session.scalars(
            select(KeyWrap).join(User, User.id == KeyWrap.user_id)
            .where(KeyWrap.case_id == case.id, User.unit_id == row.bureau_id,
                   KeyWrap.user_id.in_(external_ids))).all()
        custody.remove_holders(session, rt, case, investigators, keys)
        custody.rekey(session, rt, case, [compartment], keys)
    return len(running)


def _users_with_role(session: Session, rt: Runtime, role: str, unit_id: int) -> list[User]:
    """The colleagues of a unit in a role whose keys are endorsed."""
    return trust.only_endorsed(session, rt, session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == role, User.unit_id == unit_id, User.active,
        ).order_by(User.id)
    ).unique(), role)


def _grant_unit_ics(ctx: _Ctx) -> list[User]:
    ics = [u for u in _users_with_role(ctx.session, ctx.rt, Role.IC, ctx.case.unit_id)
           if not conflicts.is_restricted(ctx.session, ctx.case, u)
           and not persons.is_named(ctx.session, ctx.rt, ctx.case, u)]
    if not ics:
        raise RequirementMissing("no_ic_for_unit")
    for ic in ics:
        _grant(ctx, ic, Role.IC)
    return ics


def feedback_owed(case: Case) -> bool:
    """Acknowledged, and the feedback the law requires within three months
    not given yet."""
    return case.acknowledged_at is not None and case.feedback_given_at is None


def note_feedback_given(case: Case, now: datetime) -> bool:
    """Feedback is an explicit act: a message the handler marks as the
    feedback (app/cases/casework.py), or a decision or closing communicated
    to the reporter with a text (`_message_to_reporter`). The deadline, the
    queue and the annual figures read the first one; True when this was it."""
    if not feedback_owed(case):
        return False
    case.feedback_given_at = now
    return True


def _message_to_reporter(ctx: _Ctx, name: str) -> None:
    """A decision or closing communicated to the reporter with a text: that
    is the feedback (what was done with the report)."""
    text = ctx.param(name)
    if text:
        add_staff_message(ctx.session, ctx.case, ctx.key, text, ctx.actor, allowed=ctx.roles)
        note_feedback_given(ctx.case, ctx.now)


def _close(ctx: _Ctx, outcome: Outcome | None, reason: CloseReason) -> None:
    ctx.case.closed_at = ctx.now
    ctx.case.close_reason = reason
    if outcome is not None:
        ctx.case.outcome = outcome
    # Never sealed past its expiry day from now on (app/cases/seals.py).
    seals.reseal_case(ctx.session, ctx.rt, ctx.case, ctx.now)


def _choice(ctx: _Ctx, name: str, allowed: Iterable[Code]) -> Code:
    """The member of `allowed` whose value was given, or a refusal."""
    value = ctx.param(name)
    for member in allowed:
        if member == value:
            return member
    raise RequirementMissing(f"invalid_{name}")


# --- the actions ------------------------------------------------------------------


def _acknowledge(ctx: _Ctx) -> None:
    ctx.case.acknowledged_at = ctx.now
    ctx.case.feedback_due_at = feedback_due(ctx.case.received_at, ctx.now, ctx.rt.settings)
    add_staff_message(ctx.session, ctx.case, ctx.key, ctx.param("text"), ctx.actor,
                      allowed=ctx.roles)


def _classify(ctx: _Ctx) -> None:
    case = ctx.case
    if ctx.param("track"):
        case.track = _choice(ctx, "track", Track)
    unit_id = ctx.int_param("unit_id")
    if unit_id is not None:
        unit = ctx.session.get(Unit, unit_id)
        if unit is None or unit.kind != UnitKind.UNIT:
            raise RequirementMissing("unknown_unit_id")
        case.unit_id = unit.id
    if ctx.param("category") is not None:
        case.category = ctx.param("category") or None
    if ctx.param("subcategory") is not None:
        case.subcategory = ctx.param("subcategory") or None


def _route_to_vp(ctx: _Ctx) -> None:
    vp = ctx.session.get(User, ctx.int_param("vp_id"))
    if vp is None or not vp.active or not vp.has_role(Role.VP):
        raise RequirementMissing("unknown_vp_id")
    _grant(ctx, vp, Role.VP)
    ctx.case.track = Track.ADVICE
    ctx.case.counsellor_id = vp.id
    _release_desk(ctx, keep={vp.id})


def _route_to_ic(ctx: _Ctx) -> None:
    ics = _grant_unit_ics(ctx)
    ctx.case.track = Track.REPORT
    _release_desk(ctx, keep={ic.id for ic in ics})


def _refer_elsewhere(ctx: _Ctx) -> None:
    ctx.case.referred_to = _choice(ctx, "referred_to", ReferralTarget)
    _close(ctx, Outcome.REFERRED, CloseReason.REFERRED)
    _message_to_reporter(ctx, "message")


def _close_early(ctx: _Ctx) -> None:
    reason = _choice(ctx, "reason", EARLY_CLOSE_REASONS)
    _close(ctx, Outcome(reason), reason)
    _message_to_reporter(ctx, "message")


def _escalate_to_ic(ctx: _Ctx) -> None:
    """Passed on with the reporter's consent, the case becomes a formal
    report: counted as one, and kept as long as one (retention reads the
    track). `escalated_at` keeps the date it changed."""
    _grant_unit_ics(ctx)
    ctx.case.track = Track.REPORT
    ctx.case.escalated_at = ctx.now


def _close_advice(ctx: _Ctx) -> None:
    outcome = _choice(ctx, "outcome", ADVICE_OUTCOMES)
    if outcome is Outcome.REFERRED:
        ctx.case.referred_to = _choice(ctx, "referred_to", ReferralTarget)
    _close(ctx, outcome, CloseReason(outcome))
    _message_to_reporter(ctx, "message")


def _start_inquiry(ctx: _Ctx) -> None:
    pass


def _refer_to_external(ctx: _Ctx) -> None:
    """A package for the bureau in a compartment of its own: a re-encrypted
    copy of the chosen report fields, the chosen files' keys and — only with
    the reporter's consent that names this bureau — the identity. The
    investigators hold that compartment and nothing else of the case."""
    session, case = ctx.session, ctx.case
    bureau = session.get(Unit, ctx.int_param("bureau_id"))
    if bureau is None or bureau.kind != UnitKind.BUREAU or not bureau.active:
        raise RequirementMissing("unknown_bureau_id")
    include_identity = bool(ctx.param("include_identity"))
    identity = read_identity(ctx.key, case) if include_identity else None
    if include_identity and (
            identity is None
            or not custody.consent_stands(session, case, custody.bureau_consent(bureau.id))):
        # Never the reporter's identity without their consent naming this bureau.
        raise IdentityConsentMissing("consent")
    report = read_report(ctx.key, case)
    fields = [f for f in (ctx.param("fields") or []) if f in report]
    chosen = {int(a) for a in (ctx.param("attachment_ids") or [])
              if str(a).isascii() and str(a).isdigit() and len(str(a)) <= 18}
    files = {}
    for attachment in session.scalars(select(Attachment).where(
            Attachment.case_id == case.id, Attachment.id.in_(chosen or {-1}))):
        if attachment.compartment is not None and ctx.key.has(attachment.compartment):
            meta, file_key = attachment_file_key(ctx.key, attachment)
            files[str(attachment.id)] = {**meta, "key": b64(file_key.raw)}
    package: dict[str, Any] = {"report": {f: report[f] for f in fields}, "files": files}
    if identity is not None:
        package["identity"] = identity
    investigators = _users_with_role(session, ctx.rt, Role.EXTERNAL, bureau.id)
    if not investigators:
        raise RequirementMissing("no_investigators")
    row = ExternalReferral(case_id=case.id, bureau_id=bureau.id,
                           created_by_id=ctx.actor.id, package_ciphertext=b"",
                           attachment_ids=",".join(sorted(files, key=int)),
                           includes_identity=identity is not None)
    session.add(row)
    session.flush()
    compartment = referral(row.id)
    ics = [ctx.actor] + [u for u in _users_with_role(session, ctx.rt, Role.IC, case.unit_id)
                         if u.id != ctx.actor.id and custody.holds(session, case, u)]
    custody.open_compartment(session, ctx.rt, case, ctx.key, compartment, ics)
    row.package_ciphertext = encrypt_json(ctx.key, case, compartment, package,
                                          compartment=compartment,
                                          context={"bureau_id": bureau.id})
    for investigator in investigators:
        _grant(ctx, investigator, Role.EXTERNAL, compartments=[compartment])


def _deliver_external_report(ctx: _Ctx) -> None:
    """The bureau's findings and file go into its referral compartment; then
    the referral ends and the bureau holds nothing of the case any more."""
    add_note(ctx.session, ctx.rt, ctx.case, ctx.key, ctx.actor, ctx.param("findings"),
             visibility="referral")
    compartment = referral(latest_referral(ctx.session, ctx.case).id)  # type: ignore[union-attr]
    upload = ctx.params.get("report_file")
    if upload is not None and upload.pending is not None:
        # Checked and cleaned as it came in (app/cases/uploads.py), like a
        # reporter's file: kept as it is.
        ctx.stored.append(attach_pending(
            ctx.session, ctx.rt, ctx.case, ctx.key, upload.pending, filename=upload.filename,
            content_type=upload.content_type, uploaded_by_kind="external",
            uploaded_by=ctx.actor, compartment=compartment))
    elif upload is not None:
        ctx.stored.append(store_attachment(
            ctx.session, ctx.rt, ctx.case, ctx.key, filename=upload.filename,
            content_type=upload.content_type, chunks=upload.chunks, uploaded_by_kind="external",
            uploaded_by=ctx.actor, max_bytes=ctx.rt.settings.max_upload_mb * 1024 * 1024,
            compartment=compartment,
        ))
    ctx.session.flush()
    end_referrals(ctx.session, ctx.rt, ctx.case, ctx.now)


def _record_hearing(ctx: _Ctx) -> None:
    person_id = ctx.int_param("person_id")
    if person_id is None:
        raise RequirementMissing("missing_person_id")
    try:
        hearings.record_hearing(ctx.session, ctx.rt, ctx.case, ctx.key, ctx.actor,
                                person_id=person_id, held_on=_date(ctx, "held_on"),
                                text=ctx.param("minutes") or "",
                                present=ctx.param("present") or "",
                                declined=bool(ctx.param("declined")))
    except persons.PersonNotFound:
        raise RequirementMissing("invalid_person_id") from None
    except hearings.HearingError as exc:
        raise HearingRefused(exc.code) from None


def _date(ctx: _Ctx, name: str) -> date:
    value = ctx.param(name)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        raise RequirementMissing(f"invalid_{name}") from None


def _hearing_requirement(ctx: _Ctx) -> None:
    """On a formal report, every accused person concerned was heard (the
    hearing approved, or the person declined) before a decision."""
    if ctx.case.track is not Track.REPORT:
        return
    unheard = hearings.unheard_accused(ctx.session, ctx.case, ctx.key)
    if unheard is None:
        raise RequirementMissing("hearing_unknown")
    if unheard:
        raise RequirementMissing("hearing", name=unheard[0])


def _record_decision(ctx: _Ctx) -> None:
    outcome = _choice(ctx, "outcome", DECISION_OUTCOMES)
    measure = _choice(ctx, "measure", Measure) if outcome is Outcome.FOUNDED else None
    ctx.case.outcome = outcome
    ctx.case.measure = measure
    _message_to_reporter(ctx, "feedback")


# A signal is closed only by its registration.
_CLOSE_REASONS = tuple(r for r in CloseReason if r is not CloseReason.SIGNAL)


def _close_case(ctx: _Ctx) -> None:
    if ctx.case.outcome is None:
        raise RequirementMissing("outcome_missing")
    _close(ctx, None, _choice(ctx, "close_reason", _CLOSE_REASONS))
    _message_to_reporter(ctx, "message")
    end_referrals(ctx.session, ctx.rt, ctx.case, ctx.now, ctx.key)


def _reopen(ctx: _Ctx) -> None:
    add_note(ctx.session, ctx.rt, ctx.case, ctx.key, ctx.actor,
             f"[reopen] {ctx.param('reason')}")
    ctx.case.closed_at = None
    ctx.case.close_reason = None
    # Live again: sealed a lease ahead, no longer to its expiry day.
    seals.reseal_case(ctx.session, ctx.rt, ctx.case, ctx.now)


APPLY: dict[str, Callable[[_Ctx], None]] = {
    "acknowledge": _acknowledge,
    "classify": _classify,
    "route_to_vp": _route_to_vp,
    "route_to_ic": _route_to_ic,
    "refer_elsewhere": _refer_elsewhere,
    "close_early": _close_early,
    "escalate_to_ic": _escalate_to_ic,
    "close_advice": _close_advice,
    "start_inquiry": _start_inquiry,
    "refer_to_external": _refer_to_external,
    "deliver_external_report": _deliver_external_report,
    "record_hearing": _record_hearing,
    "record_decision": _record_decision,
    "close": _close_case,
    "reopen": _reopen,
}
assert set(APPLY) == {t.action for t in TRANSITIONS.values() if t.roles and not t.creates}, (
    "every transition taken through `perform` needs its effect")


def check(session: Session, case: Case, actor: User, action: str,
          params: dict[str, Any]) -> Transition:
    """Role, state, restriction and requirements — without writing anything."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotFound("unknown_action")
    expected = params.get("version")
    if expected not in (None, "") and str(expected) != str(case.version):
        raise CaseChanged("stale")
    if case.shredded_at is not None:
        raise TransitionNotFound("shredded")
    if not actor.roles & transition.roles:
        raise TransitionNotAllowed("role")
    if case.state not in transition.from_states:
        raise WrongState("state")
    if conflicts.is_restricted(session, case, actor):
        raise TransitionNotFound("restricted")
    if "consent" in transition.requires and not has_consent(case):
        raise RequirementMissing("consent")
    for name in transition.params:
        value = params.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RequirementMissing(f"missing_{name}")
    return transition


def perform(session: Session, rt: Runtime, case: Case, actor: User,
            private_key: PrivateKey | None, action: str, *, origin: str = "web",
            **params: Any) -> Case:
    """Validate and apply one action, write exactly one audit entry
    `case.<action>` and commit. `version` (optional) is the case version the
    actor saw; a different one raises CaseChanged and nothing is written."""
    transition = check(session, case, actor, action, params)
    legacy.move_if_needed(session, rt, case, actor, private_key)
    try:
        key = custody.open_case_key(session, case, actor, private_key)
    except custody.NoAccess:
        raise TransitionNotFound("not_holder") from None
    ctx = _Ctx(session=session, rt=rt, case=case, actor=actor, key=key, params=params,
               roles=transition.roles)
    try:
        if "hearing" in transition.requires:
            _hearing_requirement(ctx)
        if case.state is State.WITH_VP and actor.has_role(Role.VP):
            # The VP who acts on a case while it is with a VP - gives advice,
            # refers, passes it on - is its counsellor (the VP annual report).
            case.counsellor_id = actor.id
        APPLY[action](ctx)
        if transition.to_state is not None:
            case.state = transition.to_state
        if transition.to_state is State.CLOSED:
            reporter_contact.at_closure(session, case)
        # Every action bumps the version, also one that changes no column.
        flag_modified(case, "state")
        rt.audit.record(session, actor=custody.recipient_for(actor),
                        action=transition.audit_action,
                        object_type="case", object_id=case.number, origin=origin,
                        target=grant_targets(ctx.granted))
        session.commit()
    except StaleDataError:
        session.rollback()
        discard_files(rt, ctx.stored)
        raise CaseChanged("stale") from None
    except BaseException:
        session.rollback()
        discard_files(rt, ctx.stored)
        raise
    return case


def grant_targets(users: list[User]) -> str:
    """The recipients an action made holders, for its audit entry."""
    return ",".join(dict.fromkeys(custody.recipient_for(user) for user in users))[:200]


def may_act(transition: Transition, actor: User | Reporter) -> bool:
    """Whether this actor is one the transition names."""
    if isinstance(actor, Reporter):
        return actor in transition.actors
    return bool(actor.roles & transition.roles)


def enter(session: Session, rt: Runtime, case: Case, action: str, actor: User | Reporter, *,
          creating: bool = False) -> None:
    """Take a transition that needs no case key and no form: the reporter's
    withdrawal, a registration. Checks the actor and the state (a creating
    transition only for the case being created), sets the state and writes
    the transition's audit entry; the caller sets its other columns and commits."""
    transition = TRANSITIONS[action]
    if action in APPLY:  # it has effects that need the case key: `perform` takes it
        raise TransitionNotAllowed("unknown_action")
    if not may_act(transition, actor):
        raise TransitionNotAllowed("role")
    if transition.creates != creating or (
            not creating and case.state not in transition.from_states):
        raise TransitionNotAllowed("state")
    if case.shredded_at is not None:
        raise TransitionNotAllowed("shredded")
    assert transition.to_state is not None, "every such transition leads to a state"
    case.state = transition.to_state
    if transition.to_state is State.CLOSED:
        reporter_contact.at_closure(session, case)
    who = actor.value if isinstance(actor, Reporter) else custody.recipient_for(actor)
    rt.audit.record(session, actor=who, action=transition.audit_action, object_type="case",
                    object_id=case.number)


def referral_package(session: Session, case: Case, key: CaseKeys,
                     bureau_id: int) -> tuple[ExternalReferral, dict[str, Any]] | None:
    """The newest package referred to this bureau, decrypted, if these keys
    open it."""
    row = session.scalar(
        select(ExternalReferral).where(ExternalReferral.case_id == case.id,
                                       ExternalReferral.bureau_id == bureau_id)
        .order_by(ExternalReferral.id.desc()).limit(1)
    )
    if row is None or not key.has(referral(row.id)):
        return None
    return row, read_package(key, case, row)


def referral_attachment_ids(referral: ExternalReferral) -> set[int]:
    return {int(x) for x in referral.attachment_ids.split(",") if x}


def describe(transition: Transition) -> dict[str, Any]:
    """The table as plain data (CLI listing, documentation)."""
    return {
        "action": transition.action,
        "from": sorted(transition.from_states),
        "to": transition.to_state,
        "roles": sorted(transition.roles),
        "actors": sorted(a.value for a in transition.actors),
        "requires": list(transition.requires),
        "params": list(transition.params),
        "fields": [{"name": f.name, "kind": f.kind.value, "required": f.required,
                    "options": f.options if isinstance(f.options, str)
                    else [o.value for o in f.options]} for f in transition.fields],
    }


def table_json() -> str:
    return json.dumps([describe(t) for t in TRANSITIONS.values()], indent=2)
