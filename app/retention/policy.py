"""Retention periods, counted from closure. Defaults and their reasons are
in README ("Retention"); the admin overrides them per track and outcome.

No single person shortens retention: a longer period applies at once, a
shorter one is proposed and waits for a second person (the ICC or another
admin), never below the floors in `MINIMUM_MONTHS`. A shortened period
applies only to cases closed after it was approved: a case is kept for the
longest period in force at any moment since it closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.cases.deadlines import add_months
from app.errors import Invalid
from app.models import Case, RetentionChange, RetentionRule, User, utcnow
from app.runtime import Runtime
from app.transactions import transactional

if TYPE_CHECKING:
    from app.runtime import Runtime
from app.vocabulary import AuditAction, Role

ANY = "*"

# (track, outcome) -> months after closure. ANY is the fallback for a track.
DEFAULT_MONTHS: dict[tuple[str, str], int] = {
    # A signal to the vertrouwenspersoon: long enough to recognise a pattern
    # when the same person comes back, short enough not to become a file.
    ("advice", ANY): 24,
    # Formal reports: a founded case may matter for later measures and appeals.
    ("report", "founded"): 120,
    ("report", "unfounded"): 60,
    ("report", "not_established"): 60,
    ("report", "not_admissible"): 24,
    ("report", "referred"): 24,
    ("report", "withdrawn"): 24,
    ("report", ANY): 60,
}
# Floors no setting goes below (a code change, reviewed like any other):
# the time in which a decision can still be appealed or a disciplinary
# measure be taken on it, and a founded report's relevance for repeated
# behaviour. Check them against your archive selection list.
MINIMUM_MONTHS: dict[tuple[str, str], int] = {
    ("advice", ANY): 12,
    ("report", ANY): 24,
    ("report", "founded"): 60,
}
# The reporter's mailbox (the receipt wrap) closes this long after closure,
# so a code that leaks later opens nothing.
MAILBOX_MONTHS_AFTER_CLOSURE = 6
# Audit entries, counted from when they were written: longer than any case
# lives (ten years after closure for a founded report, plus the time a case
# is open), so the log shows every access to a case for as long as it exists.
AUDIT_TRACK = "audit"
AUDIT_MONTHS_DEFAULT = 180
# The audit period may never drop below the longest case period plus this.
AUDIT_MARGIN_MONTHS = 24


class RetentionRuleRefused(Invalid, ValueError):
    """A retention rule outside the allowed tracks or 1..600 months, below
    a floor, or a decision that is not this person's to make."""

    area = "retention"


def minimum_months(track: str, outcome: str) -> int:
    if track == AUDIT_TRACK:
        return 1
    return max(MINIMUM_MONTHS.get((track, outcome), 0), MINIMUM_MONTHS.get((track, ANY), 0))


@dataclass(frozen=True)
class RetentionPolicy:
    months: dict[tuple[str, str], int]
    mailbox_months: int = MAILBOX_MONTHS_AFTER_CLOSURE
    audit_months: int = AUDIT_MONTHS_DEFAULT
    # Per rule: (moment a change took effect, the period before it).
    history: dict[tuple[str, str], list[tuple[datetime, int]]] = field(default_factory=dict)

    def key_for(self, track: str, outcome: str | None) -> tuple[str, str] | None:
        for key in ((track, outcome or ANY), (track, ANY)):
            if key in self.months:
                return key
        return None

    def months_for(self, track: str, outcome: str | None,
                   closed_at: datetime | None = None) -> int:
        """The period now; for a case closed at `closed_at`, the longest
        period in force at any moment since (a shortening after it closed
        does not touch it)."""
        key = self.key_for(track, outcome)
        if key is None:
            return max(self.months.values())
        months = self.months[key]
        if closed_at is not None:
            closed = _aware(closed_at)
            months = max([months, *(before for moment, before in self.history.get(key, [])
                                    if _aware(moment) > closed)])
        return months

    def expires_at(self, case: Case | Row, zone: ZoneInfo) -> datetime | None:
        """The period counted in months on the organisation's calendar: a
        case closed on 31 Aug at 23:30 local expires on the last day of
        February, 23:30 local, however the clocks moved in between."""
        if case.closed_at is None:
            return None
        return add_months(case.closed_at.astimezone(zone),
                          self.months_for(case.track, case.outcome, case.closed_at))

    @property
    def shortest_months(self) -> int:
        return min(self.months.values())

    @property
    def audit_minimum_months(self) -> int:
        return max(self.months.values()) + AUDIT_MARGIN_MONTHS

    def audit_cutoff(self, now: datetime) -> datetime:
        """Audit entries written before this moment may be pruned."""
        return add_months(now, -max(self.audit_months, self.audit_minimum_months))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def load_policy(session: Session) -> RetentionPolicy:
    months = dict(DEFAULT_MONTHS)
    audit_months = AUDIT_MONTHS_DEFAULT
    for rule in session.scalars(select(RetentionRule)):
        if rule.track == AUDIT_TRACK:
            audit_months = rule.months
        else:
            months[(rule.track, rule.outcome)] = rule.months
    history: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    for change in session.scalars(select(RetentionChange).where(
            RetentionChange.status.in_(("applied", "approved")),
            RetentionChange.effective_from.is_not(None))):
        assert change.effective_from is not None  # noqa: S101 - selected so
        history.setdefault((change.track, change.outcome), []).append(
            (change.effective_from, change.previous_months))
    return RetentionPolicy(months=months, audit_months=audit_months, history=history)


def _current(policy: RetentionPolicy, track: str, outcome: str) -> int:
    if track == AUDIT_TRACK:
        return policy.audit_months
    return policy.months_for(track, outcome)


def _check(policy: RetentionPolicy, track: str, outcome: str, months: int) -> None:
    if track not in ("advice", "report", AUDIT_TRACK) or not 1 <= months <= 600:
        raise RetentionRuleRefused("invalid_rule")
    if months < minimum_months(track, outcome):
        raise RetentionRuleRefused("below_minimum", months=minimum_months(track, outcome))
    if track == AUDIT_TRACK and months < policy.audit_minimum_months:
        raise RetentionRuleRefused("below_minimum", months=policy.audit_minimum_months)


def set_rule(session: Session, rt: Runtime, actor: str, track: str, outcome: str,
             months: int, change: RetentionChange | None = None) -> RetentionRule:
    """Put a period in force now, with its history row (a longer period,
    or an approved `change`)."""
    policy = load_policy(session)
    _check(policy, track, outcome, months)
    previous = _current(policy, track, outcome)
    rule = session.scalar(
        select(RetentionRule).where(RetentionRule.track == track, RetentionRule.outcome == outcome)
    )
    if rule is None:
        rule = RetentionRule(track=track, outcome=outcome, months=months)
        session.add(rule)
    rule.months = months
    if change is None:
        change = RetentionChange(track=track, outcome=outcome, months=months, status="applied",
                                 proposed_by_id=_user_id(actor))
        session.add(change)
    change.previous_months = previous
    change.effective_from = utcnow()
    session.flush()
    rt.audit.record(session, actor=actor, action=AuditAction.ADMIN_RETENTION_RULE_SET,
                    object_type="retention_rule", object_id=f"{track}/{outcome}={months}")
    return rule


def _user_id(actor: str) -> int | None:
    kind, _, number = actor.partition(":")
    return int(number) if kind == "user" and number.isdigit() else None


@transactional
def save_periods(session: Session, rt: Runtime, actor: User, seen: RetentionPolicy,
                 months: dict[tuple[str, str], int], audit_months: int | None) -> int:
    """Every period that differs from the policy the admin saw: a longer one
    is in force at once, a shorter one waits for a second person's approval
    (`decide_change`). Every change is audit-logged. Returns how many wait.
    Owns its transaction."""
    wanted = [(key, months_) for key, months_ in sorted(months.items())
              if months_ != seen.months[key]]
    if audit_months is not None and audit_months != seen.audit_months:
        wanted.append(((AUDIT_TRACK, ANY), audit_months))
    policy = load_policy(session)
    waiting = 0
    name = f"user:{actor.id}"
    for (track, outcome), months_ in wanted:
        _check(policy, track, outcome, months_)
        if months_ >= _current(policy, track, outcome):
            set_rule(session, rt, name, track, outcome, months_)
            continue
        session.add(RetentionChange(track=track, outcome=outcome, months=months_,
                                    previous_months=_current(policy, track, outcome),
                                    status="pending", proposed_by_id=actor.id))
        rt.audit.record(session, actor=name, action=AuditAction.ADMIN_RETENTION_PROPOSED,
                        object_type="retention_rule", object_id=f"{track}/{outcome}={months_}")
        waiting += 1
    return waiting


def pending_changes(session: Session) -> list[RetentionChange]:
    return list(session.scalars(select(RetentionChange).where(
        RetentionChange.status == "pending").order_by(RetentionChange.proposed_at)))


def may_decide(user: User, change: RetentionChange) -> bool:
    """A second person: the ICC or an admin who did not propose it."""
    return user.has_role(Role.ICC, Role.ADMIN) and user.id != change.proposed_by_id


@transactional
def decide_change(session: Session, rt: Runtime, user: User, change_id: int,
                  approve: bool) -> RetentionChange:
    """A second person approves or rejects a proposed shorter period.
    Owns its transaction."""
    change = session.get(RetentionChange, change_id)
    if change is None or change.status != "pending":
        raise RetentionRuleRefused("not_pending")
    if not may_decide(user, change):
        raise RetentionRuleRefused("second_person")
    change.decided_by_id = user.id
    change.decided_at = utcnow()
    if approve:
        change.status = "approved"
        set_rule(session, rt, f"user:{user.id}", change.track, change.outcome, change.months,
                 change)
    else:
        change.status = "rejected"
    rt.audit.record(session, actor=f"user:{user.id}",
                    action=(AuditAction.ADMIN_RETENTION_APPROVED if approve
                            else AuditAction.ADMIN_RETENTION_REJECTED),
                    object_type="retention_rule",
                    object_id=f"{change.track}/{change.outcome}={change.months}")
    return change
