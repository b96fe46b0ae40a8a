"""What a person concerned leaves in the database, and its deletion.

Its own module because both shredding paths need it: the retention sweep
(through app/cases/persons.py) and `custody.shred_case`, which persons itself
imports (so custody can not import persons without an import circle).

Before the rows go, each hearing held and each notice deferred leaves an
anonymised tally (`PersonEventTally`: kind, day, how it ended or on which
ground, unit), so that the annual figures (app/stats/counts.py) stay the
same once a case's persons are deleted. Deleting twice tallies nothing twice:
the second time there are no rows left.
"""

from __future__ import annotations

from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from app.cases.seals import ids_in
from app.localtime import day_stamp, local_date
from app.models import (
    Case,
    Hearing,
    HearingVersion,
    PersonConcerned,
    PersonEventTally,
    PersonIndexEntry,
    RepeatReview,
    SubjectRequest,
)
from app.vocabulary import HEARING_DONE, NoticeStatus

# Everything a person concerned leaves, children first.
PERSON_TABLES = (RepeatReview, SubjectRequest, HearingVersion, Hearing, PersonIndexEntry,
                 PersonConcerned)
# The kinds of event the tallies (and the statistics) count.
HEARING_HELD = "hearing"
NOTICE_DEFERRED = "notice_deferred"


def person_events(session: Session, case_ids: list[int], zone: ZoneInfo) -> list[dict]:
    """The tally rows of these cases' hearings held (approved or declined,
    on the day held) and notices that stand deferred (on the day deferred,
    per ground): clear metadata only."""
    events: list[dict] = []
    for held_on, status, unit_id in session.execute(
            select(Hearing.held_on, Hearing.status, Case.unit_id)
            .join(Case, Case.id == Hearing.case_id)
            .where(ids_in(session, Hearing.case_id, case_ids),
                   Hearing.status.in_(HEARING_DONE))):
        events.append(dict(kind=HEARING_HELD, code=str(status), on_day=day_stamp(held_on),
                           unit_id=unit_id))
    for decided, ground, unit_id in session.execute(
            select(PersonConcerned.notice_decided_at, PersonConcerned.deferral_ground,
                   Case.unit_id)
            .join(Case, Case.id == PersonConcerned.case_id)
            .where(ids_in(session, PersonConcerned.case_id, case_ids),
                   PersonConcerned.notice_status == NoticeStatus.DEFERRED,
                   PersonConcerned.deferral_ground.is_not(None))):
        if decided is None:
            continue  # no day: the live statistics do not count it either
        events.append(dict(kind=NOTICE_DEFERRED, code=str(ground),
                           on_day=day_stamp(local_date(decided, zone)), unit_id=unit_id))
    return events


def destroy_person_data(session: Session, case_ids: list[int], zone: ZoneInfo) -> None:
    """Tally the hearings and deferred notices of these cases, then delete
    their persons concerned with their index entries, hearings, requests and
    review requests, in the caller's transaction (retention, and a shred
    that keeps the case row; the case rows' ON DELETE CASCADE would delete
    them too, but without a tally). `zone`: the organisation's calendar."""
    if not case_ids:
        return
    events = person_events(session, case_ids, zone)
    if events:
        # A mapped class's __table__ is typed as a FromClause; this one is a Table.
        session.execute(insert(cast(Table, PersonEventTally.__table__)), events)
    for model in PERSON_TABLES:
        session.execute(delete(model).where(ids_in(session, model.case_id, case_ids)),
                        execution_options={"synchronize_session": False})
