"""Unread markers per holder (issue #23): what the reporter did — a reply, a
request for a meeting, consent — that a holder has not seen yet is marked in
that holder's queue; opening the case page marks it read, for that holder
only."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.cases import mailbox, queues, unread
from app.cases.workflow import perform
from app.models import CaseSeen
from app.vocabulary import ReporterEventKind
from tests.cases.conftest import key_of
from tests.conftest import sign_in


def _with_two_ics(session, rt, make_staff, new_case):  # type: ignore[no-untyped-def]
    """A formal report routed to the unit's two integrity coordinators."""
    intake = make_staff("intake")
    first, second = make_staff("integriteitscoordinator"), make_staff("integriteitscoordinator")
    case, code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    opened = mailbox.sign_in(session, rt, str(code))[0]
    return case, opened, first, second


def _row(session, user, case):  # type: ignore[no-untyped-def]
    [row] = [r for r in queues.queue(session, user, tab="mine").rows if r.case.id == case.id]
    return row


def test_a_reporter_reply_is_marked_for_each_holder_until_they_open_the_case(
        session, rt, make_staff, new_case):
    case, opened, first, second = _with_two_ics(session, rt, make_staff, new_case)
    assert _row(session, first.user, case).unread == ()

    mailbox.send_message(session, rt, opened, "Ik heb nog iets gevonden.")
    assert _row(session, first.user, case).unread == (ReporterEventKind.REPLY,)
    assert _row(session, second.user, case).unread == (ReporterEventKind.REPLY,)

    assert unread.take_news(session, first.user, case) == [ReporterEventKind.REPLY]
    assert _row(session, first.user, case).unread == ()
    # The colleague has not opened it: still marked for them.
    assert _row(session, second.user, case).unread == (ReporterEventKind.REPLY,)
    # Something new after the first holder looked: marked again, once per kind.
    mailbox.request_meeting(session, rt, opened, "Ik wil graag een gesprek.", "")
    mailbox.send_message(session, rt, opened, "En nog iets.")
    assert _row(session, first.user, case).unread == (ReporterEventKind.MEETING,
                                                      ReporterEventKind.REPLY)
    assert _row(session, second.user, case).unread == (ReporterEventKind.REPLY,
                                                       ReporterEventKind.MEETING)


def test_consent_given_is_marked_for_the_counsellor(session, rt, make_staff, new_case):
    vp = make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    mailbox.set_consent(session, rt, mailbox.sign_in(session, rt, str(code))[0], True)
    assert _row(session, vp.user, case).unread == (ReporterEventKind.CONSENT_GIVEN,)


def test_the_queue_marks_a_reply_and_opening_the_case_page_clears_the_mark(
        client, session, rt, make_staff, new_case):
    case, opened, first, _second = _with_two_ics(session, rt, make_staff, new_case)
    mailbox.send_message(session, rt, opened, "Ik heb nog iets gevonden.")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, first)

    queue = client.get("/medewerkers/zaken/?tab=mine").get_data(as_text=True)
    assert "Nieuw: antwoord van de melder" in queue
    assert 'class="unread"' in queue

    page = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    # The case page says once what was new.
    assert "Nieuw sinds je dit dossier het laatst opende" in page
    assert "Nieuw: antwoord van de melder" in page

    queue = client.get("/medewerkers/zaken/?tab=mine").get_data(as_text=True)
    assert "Nieuw: antwoord van de melder" not in queue
    again = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    assert "Nieuw sinds je dit dossier het laatst opende" not in again


def test_marks_are_asked_only_for_the_cases_of_the_page(session, rt, make_staff, new_case):
    """The queue's cost does not grow with the number of cases: the marks are
    one query over the ids of the page's rows."""
    from sqlalchemy import event

    case, opened, first, _second = _with_two_ics(session, rt, make_staff, new_case)
    mailbox.send_message(session, rt, opened, "Nog iets.")
    statements: list[str] = []
    engine = session.get_bind()

    def keep(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        queues.queue(session, first.user, tab="mine")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    on_events = [s for s in statements if "reporter_event" in s and "case_seen" in s]
    assert len(on_events) == 1
    assert " IN (" in on_events[0] or "IN (__[POSTCOMPILE" in on_events[0]


def test_no_mark_once_the_case_is_no_longer_the_holders_to_act_on(
        session, rt, make_staff, new_case):
    """A counsellor who passed the case on, or a closed case: no news marks."""
    vp = make_staff("vertrouwenspersoon")
    make_staff("integriteitscoordinator")
    case, code = new_case(track="advice")
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    opened = mailbox.sign_in(session, rt, str(code))[0]
    mailbox.set_consent(session, rt, opened, True)
    perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    [row] = [r for r in queues.queue(session, vp.user).rows if r.case.id == case.id]
    assert row.holder and row.unread == ()

    other = make_staff("vertrouwenspersoon")
    closed, code = new_case(track="advice")
    perform(session, rt, closed, other.user, key_of(other), "acknowledge", text="Ontvangen.")
    perform(session, rt, closed, other.user, key_of(other), "route_to_vp",
            vp_id=str(other.user.id))
    mailbox.send_message(session, rt, mailbox.sign_in(session, rt, str(code))[0], "Dank.")
    assert _row(session, other.user, closed).unread == (ReporterEventKind.REPLY,)
    perform(session, rt, closed, other.user, key_of(other), "close_advice",
            outcome="advice_given")
    [row] = [r for r in queues.queue(session, other.user).rows if r.case.id == closed.id]
    assert row.unread == ()


def test_two_requests_opening_a_case_at_once_both_mark_it_seen(
        session, rt, make_staff, new_case, monkeypatch):
    """The first opening of a case in two tabs at once: the other request's
    row appears after this one looked for it. Before, the second insert hit
    the primary key and the holder got the 'database unavailable' page."""
    case, opened, first, _second = _with_two_ics(session, rt, make_staff, new_case)
    mailbox.send_message(session, rt, opened, "Ik heb nog iets gevonden.")
    newest = unread.newest_event(session, case)
    # The other request wrote its row first (it saw an older event)...
    session.execute(insert(CaseSeen).values(user_id=first.user.id, case_id=case.id,
                                            seen_event_id=newest - 1))
    # ...after this request looked and found none.
    monkeypatch.setattr(session, "get", lambda *args, **kwargs: None)
    unread.mark_seen(session, first.user, case)
    session.flush()
    monkeypatch.undo()
    seen = session.scalar(select(CaseSeen.seen_event_id).where(
        CaseSeen.user_id == first.user.id, CaseSeen.case_id == case.id))
    assert seen == newest
    assert _row(session, first.user, case).unread == ()
