"""The case workflow as data: one table of transitions.

Each `Transition` says from which states an action may be taken, the state it
leads to, which roles may take it and what it requires. The case page's
buttons (`available_actions`), the permission check (`perform`), the CLI and
the tests all read `TRANSITIONS`; nothing else decides what may happen.

Routing is key custody: an action that hands the case to someone wraps the
case key for them (the actor must hold it), and handing it on from intake
deletes the intake officers' wraps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.cases import conflicts, custody
from app.cases.content import (
    add_message,
    discard_files,
    encrypt_json,
    list_attachments,
    read_identity,
    read_report,
    store_attachment,
)
from app.cases.deadlines import feedback_due
from app.cases.notes import add_note
from app.crypto.envelope import CaseKey
from app.crypto.keys import PrivateKey
from app.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from app.models import Attachment, Case, ExternalReferral, KeyWrap, Unit, User, UserRole, utcnow
from app.models.case import TRACKS
from app.runtime import Runtime

OPEN_STATES = ("received", "acknowledged", "with_vp", "with_ic", "inquiry",
               "external_investigation", "decision")
STATES = (*OPEN_STATES, "closed")

OUTCOMES = ("advice_given", "referred", "withdrawn", "not_admissible", "unfounded",
            "not_established", "founded")
DECISION_OUTCOMES = ("unfounded", "not_established", "founded", "not_admissible")
MEASURES = ("none", "warning", "reprimand", "transfer", "conditional_dismissal", "dismissal",
            "criminal_complaint", "organisational_measure")
CLOSE_REASONS = ("handled", "withdrawn", "not_admissible", "referred", "advice_given")
EARLY_CLOSE_REASONS = ("withdrawn", "not_admissible")
REFERRAL_TARGETS = ("ic", "hr", "company_doctor", "manager", "police", "external_vp",
                    "other")

INTAKE = "intake"
VP = "vertrouwenspersoon"
IC = "integriteitscoordinator"
ICC = "icc"
EXTERNAL = "external_investigator"


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: frozenset[str]
    # None: the state stays as it is (classify).
    to_state: str | None
    roles: frozenset[str]
    # Requirement names checked by `perform` beyond role and state:
    # "consent" = the reporter's recorded consent to pass the case on.
    requires: tuple[str, ...] = ()
    # Parameters that must be given (non-empty).
    params: tuple[str, ...] = ()
    label: Any = ""
    # Actions that end with the actor holding no key any more.
    hands_off: bool = False


def _t(action: str, from_states: Iterable[str], to_state: str | None, roles: Iterable[str],
       label: Any, requires: tuple[str, ...] = (), params: tuple[str, ...] = (),
       hands_off: bool = False) -> Transition:
    return Transition(action, frozenset(from_states), to_state, frozenset(roles), requires,
                      params, label, hands_off)


_EARLY = ("received", "acknowledged", "with_vp", "with_ic", "inquiry")

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("acknowledge", ["received"], "acknowledged", [INTAKE], _l("Acknowledge receipt")),
    _t("classify", ["received", "acknowledged"], None, [INTAKE], _l("Classify")),
    _t("route_to_vp", ["acknowledged"], "with_vp", [INTAKE],
       _l("Route to a confidential counsellor"), params=("vp_id",), hands_off=True),
    _t("route_to_ic", ["acknowledged"], "with_ic", [INTAKE],
       _l("Route to the integrity coordinator"), hands_off=True),
    _t("refer_elsewhere", _EARLY, "closed", [INTAKE, VP, IC], _l("Refer elsewhere and close"),
       params=("referred_to",)),
    _t("close_early", _EARLY, "closed", [INTAKE, VP, IC],
       _l("Close: withdrawn or not admissible"), params=("reason",)),
    _t("escalate_to_ic", ["with_vp"], "with_ic", [VP],
       _l("Pass on to the integrity coordinator (with consent)"), requires=("consent",)),
    _t("close_advice", ["with_vp"], "closed", [VP], _l("Close: advice given or referred"),
       params=("outcome",)),
    _t("start_inquiry", ["with_ic"], "inquiry", [IC, ICC], _l("Start preliminary inquiry")),
    _t("refer_to_external", ["inquiry"], "external_investigation", [IC],
       _l("Refer to an external bureau"), params=("bureau_id",)),
    _t("deliver_external_report", ["external_investigation"], "decision", [EXTERNAL],
       _l("Deliver the investigation report"), params=("findings",)),
    _t("record_decision", ["inquiry", "decision"], "decision", [IC],
       _l("Record decision"), params=("outcome",)),
    _t("close", ["decision"], "closed", [IC], _l("Close the case"), params=("close_reason",)),
    _t("reopen", ["closed"], "with_ic", [IC], _l("Reopen"), params=("reason",)),
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
    key: CaseKey
    params: dict[str, Any]
    now: datetime = field(default_factory=utcnow)
    # Files written to the store during the action: removed if it fails.
    stored: list[Attachment] = field(default_factory=list)

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


def _grant(ctx: _Ctx, target: User) -> None:
    if conflicts.is_restricted(ctx.session, ctx.case, target):
        raise RequirementMissing("target_restricted", name=target.display_name)
    try:
        custody.wrap_for_user(ctx.session, ctx.case, ctx.key, target, granted_by=ctx.actor)
    except custody.CustodyError as exc:
        raise RequirementMissing(exc.code, name=target.display_name) from exc


def _release_intake(ctx: _Ctx, keep: set[int]) -> None:
    """Intake's part is done: delete the intake officers' wraps (key custody)."""
    intake_ids = select(UserRole.user_id).where(UserRole.role == INTAKE)
    ctx.session.execute(
        delete(KeyWrap).where(
            KeyWrap.case_id == ctx.case.id, KeyWrap.user_id.in_(intake_ids),
            KeyWrap.user_id.not_in(keep or {-1}),
        ).execution_options(synchronize_session=False)
    )


def _users_with_role(session: Session, role: str, unit_id: int) -> list[User]:
    return list(session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == role, User.unit_id == unit_id, User.active,
        ).order_by(User.id)
    ).unique())


def _grant_unit_ics(ctx: _Ctx) -> list[User]:
    ics = [u for u in _users_with_role(ctx.session, IC, ctx.case.unit_id)
           if not conflicts.is_restricted(ctx.session, ctx.case, u)]
    if not ics:
        raise RequirementMissing("no_ic_for_unit")
    for ic in ics:
        _grant(ctx, ic)
    return ics


def note_feedback_given(case: Case, now: datetime) -> None:
    """The first message to the reporter after the acknowledgement counts as
    the feedback the law requires within three months (annual figures)."""
    if case.acknowledged_at is not None and case.feedback_given_at is None:
        case.feedback_given_at = now


def _message_to_reporter(ctx: _Ctx, name: str) -> None:
    text = ctx.param(name)
    if text:
        add_message(ctx.session, ctx.case, ctx.key, text, author_kind="staff", author=ctx.actor)
        note_feedback_given(ctx.case, ctx.now)


def _close(ctx: _Ctx, outcome: str | None, reason: str) -> None:
    ctx.case.closed_at = ctx.now
    ctx.case.close_reason = reason
    if outcome is not None:
        ctx.case.outcome = outcome


def _choice(ctx: _Ctx, name: str, allowed: Iterable[str]) -> str:
    value = ctx.param(name)
    if value not in tuple(allowed):
        raise RequirementMissing(f"invalid_{name}")
    return str(value)


def standard_acknowledgement(locale: str = "nl") -> str:
    """The editable default text, in the reporter's default language."""
    with force_locale(locale):
        return str(_l(
        "Thank you for your report. We have received it and will handle it confidentially. "
        "You will hear from us within three months about what is being done with it. "
        "Check this mailbox regularly: we may ask you questions here."
    ))


# --- the actions ------------------------------------------------------------------


def _acknowledge(ctx: _Ctx) -> None:
    ctx.case.acknowledged_at = ctx.now
    ctx.case.feedback_due_at = feedback_due(ctx.case.received_at, ctx.now, ctx.rt.settings)
    text = ctx.param("text") or standard_acknowledgement(ctx.rt.settings.default_locale)
    add_message(ctx.session, ctx.case, ctx.key, text, author_kind="staff", author=ctx.actor)


def _classify(ctx: _Ctx) -> None:
    case = ctx.case
    if ctx.param("track"):
        case.track = _choice(ctx, "track", TRACKS)
    unit_id = ctx.int_param("unit_id")
    if unit_id is not None:
        unit = ctx.session.get(Unit, unit_id)
        if unit is None or unit.kind == "bureau":
            raise RequirementMissing("unknown_unit_id")
        case.unit_id = unit.id
    if ctx.param("category") is not None:
        case.category = ctx.param("category") or None
    if ctx.param("subcategory") is not None:
        case.subcategory = ctx.param("subcategory") or None


def _route_to_vp(ctx: _Ctx) -> None:
    vp = ctx.session.get(User, ctx.int_param("vp_id"))
    if vp is None or not vp.active or not vp.has_role(VP):
        raise RequirementMissing("unknown_vp_id")
    _grant(ctx, vp)
    ctx.case.track = "advice"
    _release_intake(ctx, keep={vp.id})


def _route_to_ic(ctx: _Ctx) -> None:
    ics = _grant_unit_ics(ctx)
    ctx.case.track = "report"
    _release_intake(ctx, keep={ic.id for ic in ics})


def _refer_elsewhere(ctx: _Ctx) -> None:
    ctx.case.referred_to = _choice(ctx, "referred_to", REFERRAL_TARGETS)
    _close(ctx, "referred", "referred")
    _message_to_reporter(ctx, "message")


def _close_early(ctx: _Ctx) -> None:
    reason = _choice(ctx, "reason", EARLY_CLOSE_REASONS)
    _close(ctx, reason, reason)
    _message_to_reporter(ctx, "message")


def _escalate_to_ic(ctx: _Ctx) -> None:
    _grant_unit_ics(ctx)
    ctx.case.escalated_at = ctx.now


def _close_advice(ctx: _Ctx) -> None:
    outcome = _choice(ctx, "outcome", ("advice_given", "referred"))
    if outcome == "referred":
        ctx.case.referred_to = _choice(ctx, "referred_to", REFERRAL_TARGETS)
    _close(ctx, outcome, outcome)
    _message_to_reporter(ctx, "message")


def _start_inquiry(ctx: _Ctx) -> None:
    pass


def _refer_to_external(ctx: _Ctx) -> None:
    session, case = ctx.session, ctx.case
    bureau = session.get(Unit, ctx.int_param("bureau_id"))
    if bureau is None or bureau.kind != "bureau" or not bureau.active:
        raise RequirementMissing("unknown_bureau_id")
    include_identity = bool(ctx.param("include_identity"))
    if include_identity and not has_consent(case):
        # Never the reporter's identity without their consent.
        raise IdentityConsentMissing("consent")
    report = read_report(ctx.key, case)
    fields = [f for f in (ctx.param("fields") or []) if f in report]
    available = {a.id for a in list_attachments(session, case, ctx.key)}
    attachment_ids = sorted(int(a) for a in (ctx.param("attachment_ids") or [])
                            if str(a).isascii() and str(a).isdigit() and int(a) in available)
    package: dict[str, Any] = {"report": {f: report[f] for f in fields}}
    if include_identity:
        package["identity"] = read_identity(ctx.key, case)
    investigators = _users_with_role(session, EXTERNAL, bureau.id)
    if not investigators:
        raise RequirementMissing("no_investigators")
    referral = ExternalReferral(case_id=case.id, bureau_id=bureau.id,
                                created_by_id=ctx.actor.id, package_ciphertext=b"",
                                attachment_ids=",".join(map(str, attachment_ids)),
                                includes_identity=include_identity)
    session.add(referral)
    session.flush()
    referral.package_ciphertext = encrypt_json(ctx.key, case, f"referral:{referral.id}", package)
    for investigator in investigators:
        _grant(ctx, investigator)


def _deliver_external_report(ctx: _Ctx) -> None:
    add_note(ctx.session, ctx.case, ctx.key, ctx.actor, ctx.param("findings"),
             visibility="referral")
    upload = ctx.params.get("report_file")
    if upload is not None:
        ctx.stored.append(store_attachment(
            ctx.session, ctx.rt, ctx.case, ctx.key, filename=upload.filename,
            content_type=upload.content_type, chunks=upload.chunks, uploaded_by_kind="external",
            uploaded_by=ctx.actor, max_bytes=ctx.rt.settings.max_upload_mb * 1024 * 1024,
        ))


def _record_decision(ctx: _Ctx) -> None:
    outcome = _choice(ctx, "outcome", DECISION_OUTCOMES)
    if outcome == "founded":
        measure = _choice(ctx, "measure", MEASURES)
    else:
        measure = None
    ctx.case.outcome = outcome
    ctx.case.measure = measure
    _message_to_reporter(ctx, "feedback")


def _close_case(ctx: _Ctx) -> None:
    if ctx.case.outcome is None:
        raise RequirementMissing("outcome_missing")
    _close(ctx, None, _choice(ctx, "close_reason", CLOSE_REASONS))
    _message_to_reporter(ctx, "message")


def _reopen(ctx: _Ctx) -> None:
    add_note(ctx.session, ctx.case, ctx.key, ctx.actor,
             f"[reopen] {ctx.param('reason')}")
    ctx.case.closed_at = None
    ctx.case.close_reason = None


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
    "record_decision": _record_decision,
    "close": _close_case,
    "reopen": _reopen,
}
assert set(APPLY) == set(TRANSITIONS), "every transition needs its effect"


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
    try:
        key = custody.open_case_key(session, case, actor, private_key)
    except custody.NoAccess:
        raise TransitionNotFound("not_holder") from None
    ctx = _Ctx(session=session, rt=rt, case=case, actor=actor, key=key, params=params)
    try:
        APPLY[action](ctx)
        if transition.to_state is not None:
            case.state = transition.to_state
        # Every action bumps the version, also one that changes no column.
        flag_modified(case, "state")
        rt.audit.record(session, actor=custody.recipient_for(actor), action=f"case.{action}",
                        object_type="case", object_id=case.number, origin=origin)
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


def referral_package(session: Session, case: Case, key: CaseKey,
                     bureau_id: int) -> tuple[ExternalReferral, dict[str, Any]] | None:
    """The newest package referred to this bureau, decrypted."""
    referral = session.scalar(
        select(ExternalReferral).where(ExternalReferral.case_id == case.id,
                                       ExternalReferral.bureau_id == bureau_id)
        .order_by(ExternalReferral.id.desc()).limit(1)
    )
    if referral is None:
        return None
    from app.cases.content import decrypt_json

    return referral, decrypt_json(key, case, f"referral:{referral.id}",
                                  referral.package_ciphertext)


def referral_attachment_ids(referral: ExternalReferral) -> set[int]:
    return {int(x) for x in referral.attachment_ids.split(",") if x}


def describe(transition: Transition) -> dict[str, Any]:
    """The table as plain data (CLI listing, documentation)."""
    return {
        "action": transition.action,
        "from": sorted(transition.from_states),
        "to": transition.to_state,
        "roles": sorted(transition.roles),
        "requires": list(transition.requires),
        "params": list(transition.params),
    }


def table_json() -> str:
    return json.dumps([describe(t) for t in TRANSITIONS.values()], indent=2)
