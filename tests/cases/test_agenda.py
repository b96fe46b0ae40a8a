"""The staff start page (issue #23): what a handler has to do today, over the
cases they hold and that are theirs to act on, from clear metadata only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.cases import agenda, custody, mailbox, queues
from app.cases.agenda import AgendaItem
from app.cases.casework import send_message_to_reporter
from app.cases.workflow import perform
from app.models import KeyWrap, MeetingMinutes, Notification, ReporterEvent, utcnow
from tests.cases.conftest import key_of
from tests.conftest import IsolatedClient, sign_in


def _routed_to(session, rt, intake, vp, case):  # type: ignore[no-untyped-def]
    # A request for a VP goes straight to the VPs (issue #18); a formal
    # report goes to intake, who routes it.
    desk = intake if custody.holds(session, case, intake.user) else vp
    perform(session, rt, case, desk.user, key_of(desk), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, desk.user, key_of(desk), "route_to_vp", vp_id=str(vp.user.id))


def _mailbox(session, rt, code):  # type: ignore[no-untyped-def]
    opened, _cookie = mailbox.sign_in(session, rt, str(code))
    return opened


def _staff_reply(session, rt, case, staff):  # type: ignore[no-untyped-def]
    key = custody.open_case_key(session, case, staff.user, key_of(staff))
    send_message_to_reporter(session, rt, case, key, staff.user, "Dank je, we bellen je.")


def test_the_start_page_lists_exactly_what_is_due_on_the_cases_the_user_holds(
        session, rt, make_staff, new_case):
    intake = make_staff("intake")
    vp, other_vp = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    overdue, _ = new_case(track="advice")
    replied, replied_code = new_case(track="advice")
    meeting, meeting_code = new_case(track="advice")
    answered, answered_code = new_case(track="advice")
    consent, consent_code = new_case(track="advice")
    someone_elses, _ = new_case(track="advice")
    for case in (overdue, replied, meeting, answered, consent):
        _routed_to(session, rt, intake, vp, case)
    _routed_to(session, rt, intake, other_vp, someone_elses)
    for case in (overdue, someone_elses):
        case.feedback_due_at = utcnow() - timedelta(days=2)
    session.commit()

    mailbox.send_message(session, rt, _mailbox(session, rt, replied_code), "Nog iets.")
    mailbox.request_meeting(session, rt, _mailbox(session, rt, meeting_code), "Afspraak", "")
    mailbox.request_meeting(session, rt, _mailbox(session, rt, answered_code), "Afspraak", "")
    _staff_reply(session, rt, answered, vp)
    mailbox.set_consent(session, rt, _mailbox(session, rt, consent_code), True)

    today = agenda.agenda(session, vp.user)
    assert today.numbers(AgendaItem.FEEDBACK_OVERDUE) == [overdue.number]
    assert today.numbers(AgendaItem.REPORTER_REPLIED) == [replied.number]
    # A request for a meeting is listed once, as the request, until a handler answers.
    assert today.numbers(AgendaItem.MEETING_REQUESTED) == [meeting.number]
    assert today.numbers(AgendaItem.CONSENT_GIVEN) == [consent.number]
    assert today.total(AgendaItem.ACKNOWLEDGE_OVERDUE) == 0
    listed = {number for section in today.sections for case in section.cases
              for number in [case.number]}
    assert answered.number not in listed and someone_elses.number not in listed
    assert agenda.agenda(session, other_vp.user).numbers(AgendaItem.FEEDBACK_OVERDUE) == [
        someone_elses.number]


def test_intake_sees_acknowledgements_overdue_and_due_within_a_week(
        session, rt, make_staff, new_case):
    intake = make_staff("intake")
    late, _ = new_case()
    late.acknowledge_due_at = utcnow() - timedelta(days=1)
    due, _ = new_case()
    done, _ = new_case()
    session.commit()
    perform(session, rt, done, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    today = agenda.agenda(session, intake.user)
    assert today.numbers(AgendaItem.ACKNOWLEDGE_OVERDUE) == [late.number]
    assert today.numbers(AgendaItem.ACKNOWLEDGE_DUE) == [due.number]
    assert today.total(AgendaItem.ACKNOWLEDGE_DUE) == 1


def test_a_case_passed_on_leaves_the_counsellors_start_page_and_mine_and_waiting(
        session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    make_staff("integriteitscoordinator")
    case, code = new_case(track="advice")
    _routed_to(session, rt, intake, vp, case)
    _staff_reply(session, rt, case, vp)
    mailbox.set_consent(session, rt, _mailbox(session, rt, code), True)
    assert agenda.agenda(session, vp.user).numbers(AgendaItem.CONSENT_GIVEN) == [case.number]
    counts = queues.counts(session, vp.user, utcnow())
    assert (counts["mine"], counts["waiting"]) == (1, 1)

    perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    # The counsellor still holds the key, but the case is no longer theirs to act on.
    assert session.scalar(select(KeyWrap.id).where(KeyWrap.case_id == case.id,
                                                   KeyWrap.user_id == vp.user.id)) is not None
    assert agenda.agenda(session, vp.user).empty
    counts = queues.counts(session, vp.user, utcnow())
    assert (counts["mine"], counts["waiting"]) == (0, 0)


def test_minutes_corrected_or_awaiting_approval_are_on_the_start_page(
        session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    waiting, _ = new_case(track="advice")
    corrected, _ = new_case(track="advice")
    approved, _ = new_case(track="advice")
    for case, status in ((waiting, "awaiting_reporter"), (corrected, "corrections_received"),
                         (approved, "approved")):
        _routed_to(session, rt, intake, vp, case)
        session.add(MeetingMinutes(case_id=case.id, meeting_on=date(2026, 11, 2), status=status,
                                   sent_version=1, sent_at=utcnow(), decided_at=utcnow()))
    session.commit()
    today = agenda.agenda(session, vp.user)
    assert today.numbers(AgendaItem.MINUTES_AWAITING) == [waiting.number]
    assert today.numbers(AgendaItem.MINUTES_CORRECTED) == [corrected.number]


def test_a_reporters_action_queues_a_notification_for_each_holder_in_its_transaction(
        session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    _routed_to(session, rt, intake, vp, case)
    mailbox.send_message(session, rt, _mailbox(session, rt, code), "Nog iets.")
    event = session.scalars(select(ReporterEvent).where(ReporterEvent.case_id == case.id)).one()
    assert event.kind == "reply"
    assert event.happened_on == utcnow().astimezone(rt.settings.zone).date()
    assert [n.user_id for n in session.scalars(select(Notification))] == [vp.user.id]


def test_the_staff_start_page_shows_the_agenda_instead_of_a_welcome(
        app, session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    colleague = make_staff("vertrouwenspersoon")
    replied, code = new_case(track="advice")
    someone_elses, other_code = new_case(track="advice")
    _routed_to(session, rt, intake, vp, replied)
    _routed_to(session, rt, intake, colleague, someone_elses)
    mailbox.send_message(session, rt, _mailbox(session, rt, code), "Nog iets.")
    mailbox.send_message(session, rt, _mailbox(session, rt, other_code), "Nog iets.")
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, vp)
    page = client.get("/medewerkers/").get_data(as_text=True)
    assert "To do today" in page and "Welcome" not in page
    assert "The reporter wrote; not yet answered" in page
    assert f'href="/medewerkers/zaken/{replied.number}"' in page
    assert someone_elses.number not in page
    assert "Nog iets" not in page  # counted from metadata, nothing decrypted


def test_reminders_count_no_case_the_holder_passed_on(session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    case, code = new_case(track="advice")
    _routed_to(session, rt, intake, vp, case)
    case.feedback_due_at = utcnow() - timedelta(days=1)
    session.commit()
    assert queues.attention_counts(session).get(vp.user.id) == 1
    mailbox.set_consent(session, rt, _mailbox(session, rt, code), True)
    perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    counts = queues.attention_counts(session)
    assert vp.user.id not in counts and counts.get(ic.user.id) == 1
