"""Two handlers acting on the same case at once can not overwrite each other.

Runs on SQLite by default and on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.workflow import CaseChanged, perform
from app.models import Case, User
from app.web.extensions import db
from tests.cases.conftest import case_actions, key_of


def test_the_second_of_two_simultaneous_actions_gets_case_changed(app, session, rt, make_staff,
                                                                  new_case):
    first, second = make_staff("intake"), make_staff("intake")
    case, _ = new_case()
    number = case.number
    other = Session(bind=db.engine)
    try:
        # Both load version N of the case.
        theirs = other.scalar(select(Case).where(Case.number == number))
        their_user = other.get(User, second.user.id)
        seen = theirs.version
        assert seen == case.version

        perform(session, rt, case, first.user, key_of(first), "classify",
                category="financiele_schendingen", version=str(seen))
        before = case_actions(session, number)

        # The second handler's form and loaded row both say version N: the
        # database refuses the UPDATE of a row that moved on.
        with pytest.raises(CaseChanged):
            perform(other, rt, theirs, their_user, key_of(second), "acknowledge",
                    version=str(seen), text="Ontvangen.")
    finally:
        other.close()
    session.expire_all()
    fresh = session.scalar(select(Case).where(Case.number == number))
    assert (fresh.state, fresh.category) == ("received", "financiele_schendingen")
    assert fresh.version == seen + 1
    assert case_actions(session, number) == before
