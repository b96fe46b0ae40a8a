"""Reports and signals that arrive another way than the web form.

An intake officer or a vertrouwenspersoon registers a report received by
phone, e-mail, letter or in person: the same encryption as a web report
(`submit_report`), the channel recorded, and a receipt code for the reporter
if they want mailbox access. A report a VP registers stays with that VP.

A VP signal (most conversations never become a report) is registered in
under a minute: type, unit, date, advice given, referral — clear metadata
only, for the annual figures, closed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from app.cases import workflow
from app.cases.deadlines import feedback_due
from app.cases.intake import NewReport, add_report, new_case_transaction
from app.crypto.receipts import ReceiptCode
from app.errors import Invalid
from app.localtime import local_date
from app.models import Attachment, Case, Unit, User, utcnow
from app.runtime import Runtime
from app.vocabulary import (
    Channel,
    CloseReason,
    IntakeChannel,
    Outcome,
    ReferralTarget,
    Role,
    Track,
    UnitKind,
)

OFFLINE_CHANNELS = tuple(c for c in IntakeChannel if c is not IntakeChannel.WEB)


class RegistrationError(Invalid, ValueError):
    """Invalid registration input (str() is a reason code)."""

    area = "registration"


@dataclass
class Registration:
    unit_id: int
    track: str
    channel: str
    intake_channel: str
    report: dict
    identity: dict | None = None
    category: str | None = None
    subcategory: str | None = None
    with_receipt: bool = False


def _check_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.kind != UnitKind.UNIT or not unit.active:
        raise RegistrationError("unit")
    return unit


def register_report(session: Session, rt: Runtime, user: User,
                    reg: Registration) -> tuple[Case, ReceiptCode | None]:
    """A report received another way, registered by staff: the case, its
    receipt, key wraps and audit entries in one transaction, which this
    function owns."""
    with new_case_transaction(session, rt) as stored:
        return _add_registration(session, rt, user, reg, stored)


def _add_registration(session: Session, rt: Runtime, user: User, reg: Registration,
                      stored: list[Attachment]) -> tuple[Case, ReceiptCode | None]:
    if not user.has_role(Role.INTAKE, Role.VP):
        raise RegistrationError("role")
    if (reg.intake_channel not in OFFLINE_CHANNELS or reg.track not in tuple(Track)
            or reg.channel not in tuple(Channel)):
        raise RegistrationError("choice")
    _check_unit(session, reg.unit_id)
    case, code = add_report(session, rt, NewReport(
        unit_id=reg.unit_id, track=reg.track, channel=reg.channel,
        category=reg.category or None, subcategory=reg.subcategory or None,
        report=reg.report, identity=reg.identity, intake_channel=reg.intake_channel,
    ), stored, registered_by=user, with_receipt=reg.with_receipt)
    if user.has_role(Role.VP) and not user.has_role(Role.INTAKE):
        # Heard in person by the VP: acknowledged there and then, and theirs.
        now = utcnow()
        case.acknowledged_at = now
        case.feedback_due_at = feedback_due(case.received_at, now, rt.settings)
        workflow.enter(session, rt, case, "register_with_vp", user, creating=True)
        case.counsellor_id = user.id
    return case, code


@dataclass
class Signal:
    unit_id: int
    category: str
    subcategory: str | None
    on: date
    advice_given: bool
    referred_to: str | None


def register_signal(session: Session, rt: Runtime, vp: User, signal: Signal) -> Case:
    """A closed advice-track case without content: it only counts. The case
    and its audit entries in one transaction, which this function owns."""
    with new_case_transaction(session, rt) as stored:
        return _add_signal(session, rt, vp, signal, stored)


def _add_signal(session: Session, rt: Runtime, vp: User, signal: Signal,
                stored: list[Attachment]) -> Case:
    if not workflow.may_act(workflow.TRANSITIONS["register_signal"], vp):
        raise RegistrationError("role")
    if signal.referred_to and signal.referred_to not in tuple(ReferralTarget):
        raise RegistrationError("referred_to")
    if not signal.advice_given and not signal.referred_to:
        raise RegistrationError("outcome")
    zone = rt.settings.zone
    # The date is a day on the organisation's calendar: today there may be
    # tomorrow in UTC (or still yesterday).
    if signal.on > local_date(utcnow(), zone):
        raise RegistrationError("date")
    _check_unit(session, signal.unit_id)
    case, _ = add_report(session, rt, NewReport(
        unit_id=signal.unit_id, track="advice", channel="confidential",
        category=signal.category or None, subcategory=signal.subcategory or None,
        report={}, intake_channel="in_person",
    ), stored, registered_by=vp, with_receipt=False)
    # Midday of that local day: the statistics count it on that date.
    heard = datetime.combine(signal.on, time(12, 0), tzinfo=zone)
    case.received_at = heard
    case.acknowledged_at = heard
    case.acknowledge_due_at = heard
    case.feedback_due_at = heard
    workflow.enter(session, rt, case, "register_signal", vp, creating=True)
    case.closed_at = utcnow()
    case.outcome = Outcome.REFERRED if signal.referred_to else Outcome.ADVICE_GIVEN
    case.referred_to = ReferralTarget(signal.referred_to) if signal.referred_to else None
    case.close_reason = CloseReason.SIGNAL
    case.counsellor_id = vp.id
    return case
