"""The VP annual report (seed 000 §28): every vertrouwenspersoon - internal,
external or central - reports yearly, per unit, on the signals and cases
that reached them and what came of them, with their own account of the
year; the ICC integrates those reports for the secretary-general.

Counted like the annual figures (app/stats/report.py): from the clear
metadata of the cases and the tallies retention keeps of deleted ones,
never by opening a case, and protected by the same disclosure control.

What counts: the cases received (a signal: heard) in the calendar year that
reached a counsellor - the advice track, the cases a counsellor passed on
to the integrity coordinator (escalated) and any case a counsellor handles
(`counsellor_id`). A case is a counsellor's by `counsellor_id`: the VP it
was routed to, the VP who registered it or its signal, then the VP who acts
on it while it is with a VP. Cases and tallies from before that was recorded
count in the integrated report as "not attributed".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models import CounsellorNarrative, Unit, User, UserRole, utcnow
from app.runtime import Runtime
from app.stats import counts
from app.stats.counts import VP_COLUMNS, Period, category_key
from app.stats.disclosure import Link, ProtectedTable, protect_linked
from app.stats.report import RawTables, category_rows, matrix, vp_column
from app.transactions import transactional
from app.vocabulary import (
    COUNSELLOR_KIND_OF_UNIT,
    AuditAction,
    CounsellorKind,
    ReferralTarget,
    Role,
    Track,
    UnitKind,
)

# What every table is a sum over: one grouped query per table (cases, tallies).
VP_DIMS = ("counsellor", "unit", "track", "category", "subcategory", "escalated", "closed",
           "outcome", "referred_to", "signal")
# A signal registered by the VP, or a case (from the web form, intake or
# heard in person) that reached them.
CONTACT_ROWS = ["signal", "advice_case"]
UNATTRIBUTED = "unattributed"
KIND_COLUMNS = [*CounsellorKind, UNATTRIBUTED]
# A referral whose target was not recorded (tallies from before it was kept).
NOT_RECORDED = "none"
REFERRAL_ROWS = [*ReferralTarget, NOT_RECORDED]
NARRATIVE_MAX = 20_000
FIRST_YEAR = 2000


class NarrativeRefused(Invalid):
    """The account of the year can not be saved (str() is a reason code)."""

    area = "vp_report"


@dataclass(frozen=True)
class Counsellor:
    id: int
    name: str
    unit_name: str
    # None: no longer in a counsellor's unit (a former VP moved elsewhere).
    kind: CounsellorKind | None


@dataclass
class CounsellorReport:
    """One VP's report (`counsellor` set) or the ICC's integrated report."""

    year: int
    threshold: int
    generated_at: datetime
    counsellor: Counsellor | None
    tables: dict[str, ProtectedTable] = field(default_factory=dict)
    narrative: CounsellorNarrative | None = None
    # The integrated report: every VP's account of the year.
    narratives: list[tuple[Counsellor, CounsellorNarrative]] = field(default_factory=list)


def kind_of(unit: Unit) -> CounsellorKind | None:
    return COUNSELLOR_KIND_OF_UNIT.get(unit.kind)


def counsellors(session: Session) -> list[Counsellor]:
    """Everyone with the counsellor role, by name."""
    users = session.scalars(select(User).join(UserRole).where(UserRole.role == Role.VP)
                            .order_by(User.display_name, User.id)).unique()
    return [_counsellor(user) for user in users]


def _counsellor(user: User) -> Counsellor:
    return Counsellor(id=user.id, name=user.display_name, unit_name=user.unit.name,
                      kind=kind_of(user.unit))


def counsellor(session: Session, user_id: int) -> Counsellor | None:
    user = session.get(User, user_id)
    return _counsellor(user) if user is not None and user.has_role(Role.VP) else None


def _reached_a_counsellor(key: tuple) -> bool:
    who, track, escalated = key[0], key[2], key[5]
    return who is not None or track == Track.ADVICE or escalated


def _vp_cases(session: Session, year: int, zone: ZoneInfo) -> Counter:
    """Per VP_DIMS, the cases of the year (in the organisation's time zone)
    that reached a counsellor."""
    every = counts.grouped(session, VP_DIMS, "received", Period.year(year, zone))
    return Counter({key: n for key, n in every.items() if _reached_a_counsellor(key)})


def _contact(signal: bool) -> str:
    return "signal" if signal else "advice_case"


def _unit_rows(session: Session, cases: Counter, every_unit: bool) -> list[str]:
    """The units a case names; with `every_unit` also every other unit
    reporters belong to (the integrated report lists them all)."""
    named = {key[1] for key, n in cases.items() if n}
    rows = [u for u in session.scalars(select(Unit).order_by(Unit.name))
            if u.id in named or (every_unit and u.kind == UnitKind.UNIT)]
    return [str(u.id) for u in rows] or ["-"]


def _tables(session: Session, cases: Counter, kinds: dict[int, CounsellorKind | None] | None,
            ) -> tuple[RawTables, list[Link]]:
    """The tables of a report over `cases` (VP_DIMS keys); with `kinds` (user
    id -> kind of counsellor) also the integrated table per kind."""
    unit_rows = _unit_rows(session, cases, every_unit=kinds is not None)
    cat_rows = category_rows()
    columns = list(VP_COLUMNS)

    def came_of(k: tuple) -> str:
        return vp_column(k[5], k[6], k[7])

    raw: RawTables = {
        "vp_by_unit": (matrix(cases, unit_rows, columns, lambda k: str(k[1]), came_of),
                       unit_rows, columns),
        "vp_by_category": (matrix(cases, cat_rows, columns, lambda k: category_key(k[3], k[4]),
                                   came_of), cat_rows, columns),
        "vp_by_contact": (matrix(cases, CONTACT_ROWS, columns, lambda k: _contact(k[9]),
                                  came_of), list(CONTACT_ROWS), columns),
    }
    referred = Counter({k: n for k, n in cases.items() if came_of(k) == "referred"})
    raw["vp_referred_to"] = (matrix(referred, REFERRAL_ROWS, ["count"],
                                     lambda k: k[8] or NOT_RECORDED, lambda k: "count"),
                             list(REFERRAL_ROWS), ["count"])
    width = len(columns)
    ends = {name: len(raw[name][1]) for name in raw}
    # The same numbers in several tables: the column totals and the total.
    links: list[Link] = []
    for j in range(width + 1):
        links.append(("vp_by_unit", (ends["vp_by_unit"], j),
                      "vp_by_category", (ends["vp_by_category"], j)))
        links.append(("vp_by_unit", (ends["vp_by_unit"], j),
                      "vp_by_contact", (ends["vp_by_contact"], j)))
    links.append(("vp_by_category", (ends["vp_by_category"], columns.index("referred")),
                  "vp_referred_to", (ends["vp_referred_to"], 0)))
    if kinds is not None:
        def kind(k: tuple) -> str:
            found = kinds.get(k[0]) if k[0] is not None else None
            return str(found) if found else UNATTRIBUTED

        raw["vp_by_unit_kind"] = (matrix(cases, unit_rows, list(KIND_COLUMNS),
                                          lambda k: str(k[1]), kind),
                                  unit_rows, list(KIND_COLUMNS))
        # Its rows are the same units with the same totals.
        for i in range(len(unit_rows) + 1):
            links.append(("vp_by_unit", (i, width),
                          "vp_by_unit_kind", (i, len(KIND_COLUMNS))))
    return raw, links


def _protect(session: Session, raw: RawTables, links: list[Link],
             threshold: int) -> dict[str, ProtectedTable]:
    tables = protect_linked(raw, threshold, links)
    names = counts.unit_names(session)
    for key in ("vp_by_unit", "vp_by_unit_kind"):
        if key in tables:
            table = tables[key]
            table.row_labels = [names.get(int(r), r) if r.isdigit() else r
                                for r in table.row_labels]
    return tables


def build_counsellor_report(session: Session, year: int, threshold: int, counsellor_id: int,
                            now: datetime | None = None, *, zone: ZoneInfo) -> CounsellorReport:
    """One VP's report: the cases that are theirs, for every unit."""
    cases = Counter({k: n for k, n in _vp_cases(session, year, zone).items()
                     if k[0] == counsellor_id})
    raw, links = _tables(session, cases, None)
    return CounsellorReport(
        year=year, threshold=threshold, generated_at=now or utcnow(),
        counsellor=counsellor(session, counsellor_id),
        tables=_protect(session, raw, links, threshold),
        narrative=narrative_for(session, counsellor_id, year))


def build_integrated_report(session: Session, year: int, threshold: int,
                            now: datetime | None = None, *, zone: ZoneInfo) -> CounsellorReport:
    """The ICC's integrated report: every VP's cases per unit and per kind
    of counsellor, and every VP's account of the year."""
    cases = _vp_cases(session, year, zone)
    people = {user.id: kind_of(user.unit) for user in session.scalars(
        select(User).where(User.id.in_({k[0] for k in cases if k[0] is not None})))}
    raw, links = _tables(session, cases, people)
    return CounsellorReport(
        year=year, threshold=threshold, generated_at=now or utcnow(), counsellor=None,
        tables=_protect(session, raw, links, threshold), narratives=narratives(session, year))


def narrative_for(session: Session, counsellor_id: int, year: int) -> CounsellorNarrative | None:
    return session.scalar(select(CounsellorNarrative).where(
        CounsellorNarrative.counsellor_id == counsellor_id, CounsellorNarrative.year == year))


def narratives(session: Session, year: int) -> list[tuple[Counsellor, CounsellorNarrative]]:
    rows = session.execute(
        select(User, CounsellorNarrative)
        .join(CounsellorNarrative, CounsellorNarrative.counsellor_id == User.id)
        .where(CounsellorNarrative.year == year).order_by(User.display_name, User.id))
    return [(_counsellor(user), narrative) for user, narrative in rows]


def valid_year(year: int, zone: ZoneInfo, now: datetime | None = None) -> bool:
    """From FIRST_YEAR up to this year in the organisation's time zone."""
    return FIRST_YEAR <= year <= (now or utcnow()).astimezone(zone).year


@transactional
def save_narrative(session: Session, rt: Runtime, vp: User, year: int,
                   text: str) -> CounsellorNarrative:
    """A VP writes or rewrites their own account of a year, audit-logged.
    Owns its transaction."""
    if not vp.has_role(Role.VP):
        raise NarrativeRefused("role")
    if not valid_year(year, rt.settings.zone):
        raise NarrativeRefused("year")
    body = text.strip().replace("\r\n", "\n")
    if not body:
        raise NarrativeRefused("empty")
    if len(body) > NARRATIVE_MAX:
        raise NarrativeRefused("too_long", max=NARRATIVE_MAX)
    now = utcnow()
    narrative = narrative_for(session, vp.id, year)
    if narrative is None:
        narrative = CounsellorNarrative(counsellor_id=vp.id, year=year, body=body,
                                        created_at=now, updated_at=now, updated_by_id=vp.id)
        session.add(narrative)
    else:
        narrative.body, narrative.updated_at, narrative.updated_by_id = body, now, vp.id
    rt.audit.record(session, actor=f"user:{vp.id}", action=AuditAction.VP_REPORT_NARRATIVE_SAVED,
                    object_type="vp_report", object_id=f"{year}/user:{vp.id}", origin="web")
    return narrative
