"""Work queues per role: which cases a staff member sees in the list, with
tabs (new, due soon, overdue, mine, waiting for reporter), filters (unit,
track, state, category, deadline), counts, sorting and pagination done in
SQL (LIMIT/OFFSET), so the page stays fast with a hundred thousand cases:
the tab counts are one statement with no per-case subquery, exact for a
handler who lists only their own cases (read once, with the page, in the
same statement: _own_page) and stopping at COUNT_CAP for a role that lists
whole groups of cases (see counts); "waiting for reporter" reads
Case.last_author_kind instead of each case's newest message; the list
loads only the columns it shows (the newest message's date, and what the
reporter did that the user has not seen, are one query each over the
page's rows); the tab filters match partial indexes on open cases
(migration 0010) and the counts read the queue index (migration 0029).

Only clear metadata is listed here; opening a case still needs a key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, load_only
from sqlalchemy.sql.selectable import Subquery

from app.cases.typology import CATEGORIES, UNKNOWN
from app.cases.unread import unread_kinds
from app.models import (
    Case,
    CaseRestriction,
    ExternalReferral,
    KeyWrap,
    Message,
    User,
    UserRole,
    utcnow,
)
from app.vocabulary import AuthorKind, ReporterEventKind, Role, State, Track

PAGE_SIZE = 25
# Tabs count exactly up to this many cases and then say "more than 1,000"
# (see counts); the open tab counts as far as the page asked for needs.
COUNT_CAP = 1000
# Page numbers beyond this are read as this one (250,000 cases deep).
LAST_PAGE = 10_000
DUE_SOON_DAYS = 7
TABS = ("all", "new", "due_soon", "overdue", "mine", "waiting")
# Each sort: (column, descending) pairs, the last one a tie-breaker (sort_keys).
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "newest": (("received_at", True), ("id", True)),
    "oldest": (("received_at", False), ("id", False)),
    "acknowledge_due": (("acknowledge_due_at", False), ("id", False)),
    "feedback_due": (("feedback_due_at", False), ("id", False)),
    "state": (("state", False), ("received_at", True)),
}
DEFAULT_SORT = "newest"
CATEGORY_CODES = frozenset([kind.code for kind in CATEGORIES] + [UNKNOWN])


DEADLINES = ("overdue", "due_soon")


@dataclass(frozen=True)
class QueueFilter:
    """What the user narrowed the queue to; anything not known is ignored."""

    unit_id: int | None = None
    track: str | None = None
    in_state: str | None = None
    category: str | None = None
    deadline: str | None = None

    def cleaned(self) -> QueueFilter:
        return QueueFilter(
            unit_id=self.unit_id,
            track=self.track if self.track in tuple(Track) else None,
            in_state=self.in_state if self.in_state in tuple(State) else None,
            category=self.category if self.category in CATEGORY_CODES else None,
            deadline=self.deadline if self.deadline in DEADLINES else None,
        )

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.unit_id is not None:
            conditions.append(Case.unit_id == self.unit_id)
        if self.track is not None:
            conditions.append(Case.track == self.track)
        if self.in_state is not None:
            conditions.append(Case.state == self.in_state)
        if self.category is not None:
            conditions.append(Case.category == self.category)
        if self.deadline == "overdue":
            conditions.append(_overdue(now))
        elif self.deadline == "due_soon":
            conditions.append(_due_soon(now))
        return conditions


@dataclass(frozen=True)
class QueueRow:
    case: Case
    holder: bool
    overdue: bool
    due_soon: bool
    # "acknowledge" | "feedback" | None, and when it is due.
    next_deadline: str | None = None
    next_due_at: datetime | None = None
    # The newest message: when, and by whom (reporter | staff), never its text.
    last_activity_at: datetime | None = None
    last_activity_by: AuthorKind | None = None
    # What the reporter did that this holder has not seen yet (app/cases/unread.py).
    unread: tuple[ReporterEventKind, ...] = ()

    @property
    def reporter_waits(self) -> bool:
        """The reporter wrote last: a reply for the handlers to read."""
        return self.case.state != State.CLOSED and self.last_activity_by == AuthorKind.REPORTER


@dataclass(frozen=True)
class QueuePage:
    tab: str
    sort: str
    page: int
    pages: int
    total: int
    counts: dict[str, int]
    rows: list[QueueRow]
    filters: QueueFilter = QueueFilter()
    # False when the open tab holds more than `total` cases (see counts):
    # there are more pages than `pages`.
    exact: bool = True
    # The counts stop at COUNT_CAP (see counts): a count above it reads
    # "more than COUNT_CAP".
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or not self.exact

    @property
    def unit_id(self) -> int | None:
        return self.filters.unit_id

    @property
    def track(self) -> str | None:
        return self.filters.track


# The states in which a holder in each role still has work on a case. A
# vertrouwenspersoon who passed a case on to the integrity coordinator, or an
# intake officer whose case was routed, may still hold its key, but it is no
# longer theirs to act on: it leaves "mine", "waiting" and the start page.
ROLE_STAGES: dict[Role, frozenset[State]] = {
    Role.INTAKE: frozenset({State.RECEIVED, State.ACKNOWLEDGED}),
    Role.VP: frozenset({State.RECEIVED, State.ACKNOWLEDGED, State.WITH_VP}),
    Role.IC: frozenset({State.WITH_IC, State.INQUIRY, State.EXTERNAL_INVESTIGATION,
                        State.DECISION}),
    Role.ICC: frozenset({State.WITH_IC, State.INQUIRY, State.EXTERNAL_INVESTIGATION,
                         State.DECISION}),
    Role.EXTERNAL: frozenset({State.EXTERNAL_INVESTIGATION}),
}


def _held(user: User) -> Select[int]:
    return select(KeyWrap.case_id).where(KeyWrap.user_id == user.id)


def _held_by(user: User) -> ColumnElement[bool]:
    # IN rather than a join: one row per case whatever wraps a holder has.
    return Case.id.in_(_held(user))


def stages_of(user: User) -> frozenset[State]:
    """The states in which a case the user holds is theirs to act on."""
    return frozenset().union(*(stages for role, stages in ROLE_STAGES.items()
                               if user.has_role(role)))


def mine(user: User, held: ColumnElement[bool] | None = None,
         c: Any = Case) -> ColumnElement[bool]:
    """Cases the user holds and that are at a stage of one of their roles.
    `held`: the user holds the case, when the caller has joined the user's
    wraps already; `c` as in tab_filter."""
    stages = stages_of(user)
    if not stages:
        return false()
    return and_(_held_by(user) if held is None else held, c.state.in_(sorted(stages)))


def _groups(user: User) -> list[ColumnElement[bool]]:
    """The whole groups of cases the user's roles may list, beyond the
    cases they hold."""
    groups: list[ColumnElement[bool]] = []
    if user.has_role(Role.INTAKE):
        groups.append(Case.state.in_(("received", "acknowledged")))
    if user.has_role(Role.IC):
        groups.append(and_(Case.track == "report", Case.unit_id == user.unit_id))
    if user.has_role(Role.ICC):
        groups.append(Case.track == "report")
    return groups


def _referred(user: User) -> Select[int] | None:
    """The ids of the cases referred to the user's bureau, if they are an
    external investigator."""
    if not user.has_role(Role.EXTERNAL):
        return None
    return select(ExternalReferral.case_id).where(ExternalReferral.bureau_id == user.unit_id)


def _own_ids(user: User) -> Select[int] | CompoundSelect | None:
    """The ids of the cases the user holds or that were referred to their
    bureau, as one set; None for a user who has neither."""
    chosen = [ids for ids in (_held(user) if user.may_hold_cases else None, _referred(user))
              if ids is not None]
    if not chosen:
        return None
    return union(*chosen) if len(chosen) > 1 else chosen[0]


def _listable(user: User) -> ColumnElement[bool]:
    """Not shredded, and not a case the user is excluded from."""
    restricted = select(CaseRestriction.case_id).where(
        CaseRestriction.user_id == user.id, CaseRestriction.lifted_at.is_(None)
    )
    return and_(Case.shredded_at.is_(None), Case.id.not_in(restricted))


def visible_to(user: User) -> ColumnElement[bool]:
    """Which cases' metadata a user may list: the cases they hold or that
    were referred to their bureau (one set of case ids, so that for a user
    who sees nothing else the database starts from those few rows, not from
    the whole case table), and whole groups of cases by role."""
    groups = _groups(user)
    own = _own_ids(user)
    if own is not None:
        groups.append(Case.id.in_(own))
    if not groups:
        return false()
    return and_(_listable(user), or_(*groups))


def _open(c: Any = Case) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = c.state != State.CLOSED
    return condition


def _feedback_pending(c: Any = Case) -> ColumnElement[bool]:
    """The feedback deadline counts until the feedback is given (an explicit
    act: app/cases/workflow.py note_feedback_given)."""
    condition: ColumnElement[bool] = c.feedback_given_at.is_(None)
    return condition


def _overdue(now: datetime, c: Any = Case) -> ColumnElement[bool]:
    return and_(_open(c), or_(
        and_(c.acknowledged_at.is_(None), c.acknowledge_due_at < now),
        and_(_feedback_pending(c), c.feedback_due_at < now),
    ))


def _due_soon(now: datetime, c: Any = Case) -> ColumnElement[bool]:
    soon = now + timedelta(days=DUE_SOON_DAYS)
    return and_(_open(c), or_(
        and_(c.acknowledged_at.is_(None), c.acknowledge_due_at >= now,
             c.acknowledge_due_at < soon),
        and_(_feedback_pending(c), c.feedback_due_at >= now, c.feedback_due_at < soon),
    ))


def _waiting(user: User, held: ColumnElement[bool] | None, c: Any = Case) -> ColumnElement[bool]:
    """The user's cases where the last word in the conversation is the
    handlers' (Case.last_author_kind is set with every message:
    content.add_message)."""
    return and_(mine(user, held, c), c.last_author_kind == "staff")


def tab_filter(tab: str, user: User, now: datetime, held: ColumnElement[bool] | None = None,
               c: Any = Case) -> ColumnElement[bool] | None:
    """The condition of a tab (None for "all"). `c`: where the case's
    columns are read, the Case class or a query's columns by the same names
    (_own_cases)."""
    if tab == "new":
        new: ColumnElement[bool] = c.state == "received"
        return new
    if tab == "due_soon":
        return _due_soon(now, c)
    if tab == "overdue":
        return _overdue(now, c)
    if tab == "mine":
        return mine(user, held, c)
    if tab == "waiting":
        return _waiting(user, held, c)
    return None


def sort_keys(sort: str, c: Any = Case) -> list[ColumnElement[Any]]:
    """The ORDER BY of a sort, on `c` as in tab_filter."""
    return [getattr(c, name).desc() if descending else getattr(c, name).asc()
            for name, descending in SORTS[sort]]


def _planner_settings(session: Session) -> None:
    """For this transaction only. PostgreSQL's JIT compiles these short
    aggregate queries for seconds (measured: 2.7 s of 3.4 s at 100k cases).
    The default random_page_cost (4, for spinning disks) makes it scan the
    whole case table rather than walk a VP's or bureau's few thousand wraps
    by index (measured: 64 ms vs 18 ms at 100k cases); 1.1 is the usual
    value for SSDs and data in memory. Parallel workers cost more to start
    than a page of 25 rows takes (measured: a vertrouwenspersoon's list 63
    ms with two workers, 12 ms without, at 100k cases), and a web server's
    cores are busy with other requests anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL random_page_cost = 1.1"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def counts(session: Session, user: User, now: datetime, *, unit_id: int | None = None,
           track: str | None = None, filters: QueueFilter | None = None,
           up_to: dict[str, int] | None = None) -> dict[str, int]:
    """How many visible cases each tab holds, in one statement.

    For a user who lists only the cases they hold (or that were referred to
    their bureau) every tab is counted exactly, in one pass over those cases
    with their wraps joined once (_own_cases). For a role that lists a
    whole group of cases (intake, IC, ICC), which may be tens of thousands,
    each tab is counted up to COUNT_CAP (or `up_to[tab]`) and one more: a
    value above the limit means "more than the limit". A handler needs an
    exact count when there are few, not 34,812 rather than 34,811, and the
    exact count of such a group took longer than the rest of the page
    (measured: 20 to 50 ms at 100,000 cases, against 14 ms for the whole
    page at 100; benchmarks/queue_page.py). Each such tab reads the
    group first and the user's own cases outside it only when the group
    leaves room under the limit."""
    _planner_settings(session)
    chosen = _chosen(filters, unit_id, track).conditions(now)
    if not counts_are_capped(user):
        return _exact_counts(session, user, now, chosen)
    limits = up_to or {}
    groups, own, listable = or_(*_groups(user)), _own_ids(user), _listable(user)
    columns: list[ColumnElement[Any]] = []
    for tab in TABS:
        limit = limits.get(tab, COUNT_CAP) + 1
        condition = tab_filter(tab, user, now)
        wanted = [listable, *chosen, *([] if condition is None else [condition])]
        rows: Select[Any] = select(Case.id).where(groups, *wanted)
        if own is not None:
            # The user's own cases outside their groups, as a second part
            # that the database reads only when the groups hold fewer than
            # the limit (UNION ALL is read in order; the outer LIMIT stops
            # it), so the set of cases they hold is not hashed for a tab
            # that the groups fill (measured: an IC's counts 71 -> 48 ms at
            # 100,000 cases, benchmarks/queue_page.py).
            others = select(Case.id).where(groups.is_not(True), Case.id.in_(own), *wanted)
            parts = union_all(*(select(part.limit(limit).subquery().c.id)
                                for part in (rows, others)))
            rows = select(parts.subquery().c.id)
        rows = rows.limit(limit)
        columns.append(select(func.count()).select_from(rows.subquery()).scalar_subquery())
    row = session.execute(select(*columns)).one()
    return {tab: int(value or 0) for tab, value in zip(TABS, row, strict=True)}


def counts_are_capped(user: User) -> bool:
    """Whether `counts` stops at a limit for this user (see there)."""
    return bool(_groups(user))


# What a tab or a sort reads of a case (see _own_cases).
_TAB_COLUMNS = (Case.id, Case.state, Case.received_at, Case.acknowledged_at,
                Case.acknowledge_due_at, Case.feedback_given_at, Case.feedback_due_at,
                Case.last_author_kind)


def _own_cases(user: User, chosen: list[ColumnElement[bool]]) -> CTE:
    """The cases a user who lists only their own (see counts) may list, with
    the columns the tabs and sorts read and whether the user holds each one:
    the cases they hold (their wraps joined: a user has at most one wrap per
    case, as recipient "user:<id>" is unique per case), and those referred to
    their bureau that they do not hold. Two parts that each start from the
    user's own few rows (their wraps; the referrals they hold no wrap for);
    one set of both ids made PostgreSQL read the whole case index for a
    bureau (measured: a bureau's queue 74 -> 51 ms median at 100,000
    cases)."""
    wanted = [_listable(user), *chosen]
    parts: list[Select[*tuple[Any, ...]]] = []
    if user.may_hold_cases:
        parts.append(select(*_TAB_COLUMNS, true().label("held")).join(
            KeyWrap, and_(KeyWrap.case_id == Case.id, KeyWrap.user_id == user.id)
        ).where(*wanted))
    referred = _referred(user)
    if referred is not None:
        if user.may_hold_cases:
            referred = referred.where(~select(KeyWrap.id).where(
                KeyWrap.case_id == ExternalReferral.case_id, KeyWrap.user_id == user.id
            ).exists())
        parts.append(select(*_TAB_COLUMNS, false().label("held"))
                     .where(Case.id.in_(referred), *wanted))
    if not parts:
        parts.append(select(*_TAB_COLUMNS, false().label("held")).where(false()))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).cte("own_cases")


def _own_counts(user: User, now: datetime, own: CTE) -> Subquery:
    columns: list[ColumnElement[Any]] = [func.count().label("all")]
    for tab in TABS[1:]:
        condition = tab_filter(tab, user, now, own.c.held, own.c)
        assert condition is not None  # only "all" has no filter
        columns.append(func.count().filter(condition).label(tab))
    return select(*columns).select_from(own).subquery("own_counts")


def _exact_counts(session: Session, user: User, now: datetime,
                  chosen: list[ColumnElement[bool]]) -> dict[str, int]:
    row = session.execute(select(_own_counts(user, now, _own_cases(user, chosen)))).one()
    return {tab: int(value or 0) for tab, value in zip(TABS, row, strict=True)}


@dataclass(frozen=True)
class _OwnPage:
    counts: dict[str, int]
    ids: list[int]  # the page's cases, in the sort's order
    held: set[int]  # those of them the user holds
    page: int


def _own_page(session: Session, user: User, now: datetime, chosen: list[ColumnElement[bool]],
              tab: str, sort: str, page: int) -> _OwnPage:
    """For a user who lists only their own cases: the tab counts and one
    page of the open tab (its case ids, and which of them the user holds),
    in one statement that reads those cases once (measured for a
    vertrouwenspersoon holding 2,100 of 100,000 cases: 37-47 ms against
    44-75 ms for the counts and the page apart), and the page shown: a page
    past the end shows the last one (then only its rows are read again)."""
    own = _own_cases(user, chosen)
    order = sort_keys(sort, own.c)
    listed = select(own.c.id, own.c.held,
                    func.row_number().over(order_by=order).label("place"))
    condition = tab_filter(tab, user, now, own.c.held, own.c)
    if condition is not None:
        listed = listed.where(condition)

    def rows(page: int) -> Subquery:
        return listed.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery()

    tallies, shown = _own_counts(user, now, own), rows(page)
    result = session.execute(
        select(*tallies.c, shown.c.id, shown.c.held)
        .select_from(tallies.outerjoin(shown, true())).order_by(shown.c.place)).all()
    tab_counts = {name: int(result[0][i] or 0) for i, name in enumerate(TABS)}
    listed_rows = [(row[-2], row[-1]) for row in result if row[-2] is not None]
    if page > _pages(tab_counts[tab]):
        page = _pages(tab_counts[tab])
        shown = rows(page)
        listed_rows = [(case_id, held) for case_id, held in session.execute(
            select(shown.c.id, shown.c.held).order_by(shown.c.place))]
    return _OwnPage(counts=tab_counts, ids=[case_id for case_id, _ in listed_rows],
                    held={case_id for case_id, held in listed_rows if held}, page=page)


def _chosen(filters: QueueFilter | None, unit_id: int | None,
            track: str | None) -> QueueFilter:
    if filters is None:
        filters = QueueFilter(unit_id=unit_id, track=track)
    return filters.cleaned()


# The columns the list shows (not the encrypted report, identity or hold reason).
_LISTED = load_only(Case.id, Case.number, Case.unit_id, Case.track, Case.state,
                    Case.category, Case.last_author_kind, Case.received_at,
                    Case.acknowledge_due_at, Case.acknowledged_at,
                    Case.feedback_due_at, Case.feedback_given_at, Case.version)


def _next_deadline(case: Case) -> tuple[str | None, datetime | None]:
    """The deadline the handler has to meet next on an open case: the
    acknowledgement until it is sent, then the feedback until it is given."""
    if case.state == State.CLOSED:
        return None, None
    if case.acknowledged_at is None:
        return "acknowledge", case.acknowledge_due_at
    if case.feedback_given_at is None:
        return "feedback", case.feedback_due_at
    return None, None


def _last_messages(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When the newest message of each listed case was written (one grouped
    query for the page's rows; who wrote it is Case.last_author_kind)."""
    if not ids:
        return {}
    return {case_id: at for case_id, at in session.execute(
        select(Message.case_id, func.max(Message.created_at))
        .where(Message.case_id.in_(ids)).group_by(Message.case_id))}


def _pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def queue(session: Session, user: User, *, tab: str = "all", sort: str = DEFAULT_SORT,
          page: int = 1, now: datetime | None = None, unit_id: int | None = None,
          track: str | None = None, filters: QueueFilter | None = None) -> QueuePage:
    now = now or utcnow()
    tab = tab if tab in TABS else "all"
    sort = sort if sort in SORTS else DEFAULT_SORT
    chosen = _chosen(filters, unit_id, track)
    page = min(max(1, page), LAST_PAGE)
    capped = counts_are_capped(user)
    if capped:
        # The open tab is counted at least as far as the asked page reaches,
        # so a deep page knows whether there is one after it.
        limit = max(COUNT_CAP, page * PAGE_SIZE)
        tab_counts = counts(session, user, now, filters=chosen, up_to={tab: limit})
        exact = tab_counts[tab] <= limit
        total = tab_counts[tab] if exact else limit
        page = min(page, _pages(total))
        query = select(Case).options(_LISTED).where(visible_to(user), *chosen.conditions(now))
        condition = tab_filter(tab, user, now)
        if condition is not None:
            query = query.where(condition)
        cases = list(session.scalars(
            query.order_by(*sort_keys(sort)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
        held = set(session.scalars(select(KeyWrap.case_id).where(
            KeyWrap.user_id == user.id, KeyWrap.case_id.in_([c.id for c in cases])
        ))) if cases else set()
    else:
        _planner_settings(session)
        own = _own_page(session, user, now, chosen.conditions(now), tab, sort, page)
        tab_counts, page, held = own.counts, own.page, own.held
        exact, total = True, tab_counts[tab]
        by_id = {case.id: case for case in session.scalars(
            select(Case).options(_LISTED).where(Case.id.in_(own.ids)))} if own.ids else {}
        cases = [by_id[case_id] for case_id in own.ids]
    pages = _pages(total)
    ids = [c.id for c in cases]
    last_messages = _last_messages(session, ids)
    # News is marked only where the user has work: their open cases at a
    # stage of their role (not one they passed on, not a closed one).
    stages = stages_of(user)
    unread = unread_kinds(session, user, [c.id for c in cases
                                          if c.id in held and c.state in stages])
    soon = now + timedelta(days=DUE_SOON_DAYS)
    rows = []
    for case in cases:
        kind, due = _next_deadline(case)
        overdue = due is not None and due < now
        due_soon = due is not None and not overdue and due < soon
        # The feedback deadline can pass before the acknowledgement's.
        if (not overdue and kind == "acknowledge" and case.feedback_given_at is None
                and case.feedback_due_at < now):
            overdue = True
        rows.append(QueueRow(case=case, holder=case.id in held, overdue=overdue,
                             due_soon=due_soon, next_deadline=kind, next_due_at=due,
                             last_activity_at=last_messages.get(case.id),
                             last_activity_by=case.last_author_kind,
                             unread=tuple(unread.get(case.id, ()))))
    return QueuePage(tab=tab, sort=sort, page=page, pages=pages, total=total,
                     counts=tab_counts, rows=rows, filters=chosen, exact=exact,
                     capped=capped)


def _normalise_number(typed: str) -> str | None:
    """A case number as people type it ("mp 7kq4 xw2n", "7KQ4XW2N",
    "MP-7KQ4-XW2N") in the stored form, or None when it can not be one."""
    letters = "".join(ch for ch in typed[:40].upper() if ch.isascii() and ch.isalnum())
    if len(letters) == 10 and letters.startswith("MP"):
        letters = letters[2:]
    if len(letters) != 8:
        return None
    return f"MP-{letters[:4]}-{letters[4:]}"


def find(session: Session, user: User, typed: str) -> Case | None:
    """The case with that number if the user may list it (the same rule as
    the queue); None for a number that does not exist and for one they may
    not see alike, so a search reveals nothing."""
    number = _normalise_number(typed)
    if number is None:
        return None
    return session.scalar(select(Case).where(Case.number == number, visible_to(user)))


def attention_counts(session: Session, now: datetime | None = None) -> dict[int, int]:
    """Per handler: how many cases they hold, at a stage of one of their
    roles (as in `mine`: not a case they passed on), are due within a week or
    overdue (for reminders — a count, never content)."""
    now = now or utcnow()
    theirs = or_(*(
        and_(Case.state.in_(sorted(stages)),
             select(UserRole.user_id).where(UserRole.user_id == KeyWrap.user_id,
                                            UserRole.role == role).exists())
        for role, stages in ROLE_STAGES.items()))
    rows = session.execute(
        select(KeyWrap.user_id, func.count(Case.id))
        .join(Case, Case.id == KeyWrap.case_id)
        .where(KeyWrap.user_id.is_not(None), Case.shredded_at.is_(None), theirs,
               or_(_overdue(now), _due_soon(now)))
        .group_by(KeyWrap.user_id)
    ).all()
    return {user_id: count for user_id, count in rows if user_id is not None}
