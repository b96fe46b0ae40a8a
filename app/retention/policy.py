"""Retention periods, counted from closure. Defaults and their reasons are
in README ("Retention"); the admin overrides them per track and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.cases.deadlines import add_months
from app.errors import Invalid
from app.models import Case, RetentionRule
from app.runtime import Runtime
from app.transactions import transactional

if TYPE_CHECKING:
    from app.runtime import Runtime
from app.vocabulary import AuditAction

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
    """A retention rule outside the allowed tracks or 1..600 months."""

    area = "retention"


@dataclass(frozen=True)
class RetentionPolicy:
    months: dict[tuple[str, str], int]
    mailbox_months: int = MAILBOX_MONTHS_AFTER_CLOSURE
    audit_months: int = AUDIT_MONTHS_DEFAULT

    def months_for(self, track: str, outcome: str | None) -> int:
        for key in ((track, outcome or ANY), (track, ANY)):
            if key in self.months:
                return self.months[key]
        return max(self.months.values())

    def expires_at(self, case: Case | Row, zone: ZoneInfo) -> datetime | None:
        """The period counted in months on the organisation's calendar: a
        case closed on 31 Aug at 23:30 local expires on the last day of
        February, 23:30 local, however the clocks moved in between."""
        if case.closed_at is None:
            return None
        return add_months(case.closed_at.astimezone(zone),
                          self.months_for(case.track, case.outcome))

    @property
    def shortest_months(self) -> int:
        return min(self.months.values())

    @property
    def audit_minimum_months(self) -> int:
        return max(self.months.values()) + AUDIT_MARGIN_MONTHS

    def audit_cutoff(self, now: datetime) -> datetime:
        """Audit entries written before this moment may be pruned."""
        return add_months(now, -max(self.audit_months, self.audit_minimum_months))


def load_policy(session: Session) -> RetentionPolicy:
    months = dict(DEFAULT_MONTHS)
    audit_months = AUDIT_MONTHS_DEFAULT
    for rule in session.scalars(select(RetentionRule)):
        if rule.track == AUDIT_TRACK:
            audit_months = rule.months
        else:
            months[(rule.track, rule.outcome)] = rule.months
    return RetentionPolicy(months=months, audit_months=audit_months)


def set_rule(session: Session, rt: Runtime, actor: str, track: str, outcome: str,
             months: int) -> RetentionRule:
    if track not in ("advice", "report", AUDIT_TRACK) or not 1 <= months <= 600:
        raise RetentionRuleRefused("invalid_rule")
    rule = session.scalar(
        select(RetentionRule).where(RetentionRule.track == track, RetentionRule.outcome == outcome)
    )
    if rule is None:
        rule = RetentionRule(track=track, outcome=outcome, months=months)
        session.add(rule)
    rule.months = months
    session.flush()
    rt.audit.record(session, actor=actor, action=AuditAction.ADMIN_RETENTION_RULE_SET,
                    object_type="retention_rule", object_id=f"{track}/{outcome}={months}")
    return rule


@transactional
def save_periods(session: Session, rt: Runtime, actor: str, seen: RetentionPolicy,
                 months: dict[tuple[str, str], int], audit_months: int | None) -> None:
    """Store every period that differs from the policy the admin saw, one
    audit entry per rule changed. Owns its transaction."""
    for key, wanted in sorted(months.items()):
        if wanted != seen.months[key]:
            set_rule(session, rt, actor, key[0], key[1], wanted)
    if audit_months is not None and audit_months != seen.audit_months:
        set_rule(session, rt, actor, AUDIT_TRACK, ANY, audit_months)
