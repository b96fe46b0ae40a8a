"""Unread markers per holder: what the reporter did on a case (replied,
asked for a meeting, gave or withdrew consent, approved or corrected
minutes — app/models/notify.py ReporterEvent) that this holder has not
seen yet. Opening the case page marks it seen (`mark_seen`).

Clear metadata only, like the events themselves: per holder and case the id
of the newest event seen. The queue asks only for the rows of the page it
shows (one query over at most a page of case ids), so its cost does not grow
with the number of cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Case, CaseSeen, ReporterEvent, User
from app.transactions import transactional
from app.vocabulary import ReporterEventKind


def newest_event(session: Session, case: Case) -> int:
    return session.scalar(select(func.max(ReporterEvent.id))
                          .where(ReporterEvent.case_id == case.id)) or 0


def mark_seen(session: Session, user: User, case: Case) -> None:
    """The holder has seen every event of the case there is now (the
    caller's transaction; commits nothing)."""
    newest = newest_event(session, case)
    row = session.get(CaseSeen, (user.id, case.id))
    if row is not None:
        if row.seen_event_id < newest:
            row.seen_event_id = newest
        return
    # Two requests of the holder can open the case at once (two tabs): the
    # other's row may appear after the look above. One statement, that
    # inserts or moves the mark forward, never back, on both databases.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    session.execute(
        insert(CaseSeen).values(user_id=user.id, case_id=case.id, seen_event_id=newest)
        .on_conflict_do_update(index_elements=["user_id", "case_id"],
                               set_={"seen_event_id": newest},
                               where=CaseSeen.seen_event_id < newest))


def unread_kinds(session: Session, user: User,
                 case_ids: Iterable[int]) -> dict[int, list[ReporterEventKind]]:
    """Per case (of these), the kinds of the reporter's events the user has
    not seen yet, oldest first, each once."""
    ids = list(case_ids)
    if not ids:
        return {}
    seen = (select(CaseSeen.seen_event_id)
            .where(CaseSeen.user_id == user.id, CaseSeen.case_id == ReporterEvent.case_id)
            .correlate(ReporterEvent).scalar_subquery())
    rows = session.execute(
        select(ReporterEvent.case_id, ReporterEvent.kind)
        .where(ReporterEvent.case_id.in_(ids),
               and_(ReporterEvent.id > func.coalesce(seen, 0)))
        .order_by(ReporterEvent.case_id, ReporterEvent.id)
    ).all()
    found: dict[int, list[ReporterEventKind]] = defaultdict(list)
    for case_id, kind in rows:
        if kind not in found[case_id]:
            found[case_id].append(ReporterEventKind(kind))
    return dict(found)


def unread_for(session: Session, user: User, case: Case) -> list[ReporterEventKind]:
    return unread_kinds(session, user, [case.id]).get(case.id, [])


@transactional
def take_news(session: Session, user: User, case: Case) -> list[ReporterEventKind]:
    """What was unread for the user on this case, now marked seen (the case
    page shows it once, then the queue no longer marks it). Owns its
    transaction."""
    news = unread_for(session, user, case)
    mark_seen(session, user, case)
    return news
