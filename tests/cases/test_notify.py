"""E-mail notifications to handlers (issue #23): when the reporter replies,
asks for a meeting, gives or withdraws consent, approves or corrects minutes,
the holders are told by e-mail, without content: the case number and a link.
Sent through a real SMTP server (aiosmtpd) from the outbox the reporter's
action wrote; a mail server that is down never breaks that action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage as Email
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.cases import custody, mailbox, minutes, notify
from app.cases.reminders import SmtpSettings, smtp_sender
from app.cases.workflow import perform
from app.cli.notifications import send_outbox
from app.models import Notification, ReporterEvent, User, utcnow
from tests.cases.conftest import key_of
from tests.conftest import IsolatedClient, post_form, sign_in
from tests.mailserver import Inbox, free_port, running_smtp

SECRET = "NOTIFY-CONTENT-MARKER-6614"


@pytest.fixture()
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    with running_smtp() as server:
        yield server


def _send(session, rt, settings: SmtpSettings, now: datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    from functools import partial

    from app.cli.notifications import notification_message

    if now is None:
        return send_outbox(session, rt, smtp_sender(settings), settings.sender)
    return notify.send_notifications(
        session, rt, smtp_sender(settings),
        partial(notification_message, rt, sender_address=settings.sender), now=now)


def _routed(session, rt, intake, vp, case):  # type: ignore[no-untyped-def]
    # A request for a VP goes straight to the VPs (issue #18); a formal
    # report goes to intake, who routes it.
    desk = intake if custody.holds(session, case, intake.user) else vp
    perform(session, rt, case, desk.user, key_of(desk), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, desk.user, key_of(desk), "route_to_vp", vp_id=str(vp.user.id))


def _mailbox(session, rt, code):  # type: ignore[no-untyped-def]
    return mailbox.sign_in(session, rt, str(code))[0]


def _body(email: Email) -> str:
    part = email.get_body()
    assert part is not None
    return str(part.get_content())


def test_a_reporter_reply_emails_the_holder_the_case_number_and_a_link_and_no_content(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice", category="ongewenste_omgangsvormen",
                          report={"what": SECRET})
    _routed(session, rt, intake, vp, case)
    mailbox.send_message(session, rt, _mailbox(session, rt, code), SECRET)
    assert inbox.messages == []  # nothing is sent from the reporter's action

    with app.app_context():
        assert _send(session, rt, settings) == 1
    [email] = inbox.messages
    assert email["X-Envelope-To"] == vp.email
    body = _body(email)
    assert case.number in body
    assert f"{rt.settings.base_url.rstrip('/')}/medewerkers/zaken/{case.number}" in body
    whole = email.as_string()
    for never in (SECRET, "ongewenste", "Ongewenste", case.unit.name, "kerndepartement"):
        assert never not in whole, never
    assert case.number not in email["Subject"]
    # The outbox is empty: a second run sends nothing.
    with app.app_context():
        assert _send(session, rt, settings) == 0
    assert len(inbox.messages) == 1


def test_each_of_the_reporters_actions_tells_the_holders(session, rt, make_staff, new_case):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    _routed(session, rt, intake, vp, case)
    key = custody.open_case_key(session, case, vp.user, key_of(vp))
    first = minutes.record_minutes(session, rt, case, key, vp.user, meeting_on=date(2026, 11, 2),
                                   text="Verslag.")
    second = minutes.record_minutes(session, rt, case, key, vp.user,
                                    meeting_on=date(2026, 11, 3), text="Verslag.")
    minutes.send_minutes(session, rt, case, vp.user, first.id)
    minutes.send_minutes(session, rt, case, vp.user, second.id)

    box = _mailbox(session, rt, code)
    mailbox.send_message(session, rt, box, "Nog iets.")
    mailbox.request_meeting(session, rt, box, "Afspraak", "")
    mailbox.set_consent(session, rt, box, True)
    mailbox.set_consent(session, rt, box, False)
    mailbox.approve_minutes(session, rt, box, first.id, 1)
    mailbox.correct_minutes(session, rt, box, second.id, 1, "Het was dinsdag.")

    kinds = list(session.scalars(select(ReporterEvent.kind).where(ReporterEvent.case_id == case.id)
                                 .order_by(ReporterEvent.id)))
    assert kinds == ["reply", "meeting", "consent_given", "consent_withdrawn",
                     "minutes_approved", "minutes_corrected"]
    told = session.execute(select(Notification.user_id, func.count()).group_by(
        Notification.user_id)).all()
    assert told == [(vp.user.id, 6)]


def test_a_mail_server_that_is_down_loses_nothing_and_the_mail_goes_on_the_next_run(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    _routed(session, rt, intake, vp, case)
    mailbox.send_message(session, rt, _mailbox(session, rt, code), "Nog iets.")
    down = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    with app.app_context():
        assert _send(session, rt, down) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 1
    with app.app_context():
        assert _send(session, rt, settings) == 1
    assert len(inbox.messages) == 1


def test_one_email_per_holder_names_every_case_with_news(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    cases = []
    for _ in range(2):
        case, code = new_case(track="advice")
        _routed(session, rt, intake, vp, case)
        box = _mailbox(session, rt, code)
        mailbox.send_message(session, rt, box, "Nog iets.")
        mailbox.request_meeting(session, rt, box, "Afspraak", "")
        cases.append(case)
    with app.app_context():
        assert _send(session, rt, settings) == 1
    body = _body(inbox.messages[0])
    assert all(body.count(case.number) == 2 for case in cases)  # the number and its link


def test_a_holder_who_passed_the_case_on_or_left_is_not_told(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    case, code = new_case(track="advice")
    _routed(session, rt, intake, vp, case)
    mailbox.set_consent(session, rt, _mailbox(session, rt, code), True)
    perform(session, rt, case, vp.user, key_of(vp), "escalate_to_ic")
    mailbox.send_message(session, rt, _mailbox(session, rt, code), "Nog iets.")
    with app.app_context():
        assert _send(session, rt, settings) == 1
    # The consent came while the VP had the case, but by the time the mail
    # went the case was the IC's: only the IC is told (of the reply).
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == [ic.email]
    assert vp.email not in [m["X-Envelope-To"] for m in inbox.messages]

    other, other_code = new_case(track="advice")
    _routed(session, rt, intake, vp, other)
    mailbox.send_message(session, rt, _mailbox(session, rt, other_code), "Nog iets.")
    session.get(User, vp.user.id).active = False
    session.commit()
    with app.app_context():
        assert _send(session, rt, settings) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_daily_digest_goes_once_a_day_after_eight(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    notify.set_daily_digest(session, rt, vp.user, True)
    assert notify.wants_daily_digest(session, vp.user)
    zone = ZoneInfo("Europe/Amsterdam")
    day = utcnow().astimezone(zone).date()

    def at(hour: int, days: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=zone) + timedelta(days=days)

    def reply() -> None:
        case, code = new_case(track="advice")
        _routed(session, rt, intake, vp, case)
        mailbox.send_message(session, rt, _mailbox(session, rt, code), "Nog iets.")

    reply()
    with app.app_context():
        assert _send(session, rt, settings, now=at(7)) == 0
        assert _send(session, rt, settings, now=at(9)) == 1
        reply()
        assert _send(session, rt, settings, now=at(15)) == 0  # the day's digest went
        assert _send(session, rt, settings, now=at(8, days=1)) == 1
    subjects = {m["Subject"] for m in inbox.messages}
    assert len(inbox.messages) == 2 and len(subjects) == 1


def test_a_handler_chooses_the_daily_digest_on_their_account_page(app, session, make_staff):
    vp = make_staff("vertrouwenspersoon")
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, vp)
    page = client.get("/medewerkers/account").get_data(as_text=True)
    assert "E-mail when a reporter acts" in page
    response = post_form(client, "/medewerkers/account/meldingen", {"digest": "daily"},
                         page="/medewerkers/account")
    assert response.status_code == 302
    session.expire_all()
    assert notify.wants_daily_digest(session, vp.user)
    post_form(client, "/medewerkers/account/meldingen", {"digest": "each"},
              page="/medewerkers/account")
    session.expire_all()
    assert not notify.wants_daily_digest(session, vp.user)


def test_meldpunt_notify_send_empties_the_outbox_and_logs_without_smtp(
        app, session, rt, make_staff, new_case, caplog):
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    _routed(session, rt, intake, vp, case)
    mailbox.send_message(session, rt, _mailbox(session, rt, code), SECRET)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "1 notification(s) written to the log" in result.output
    assert SECRET not in caplog.text and vp.email not in caplog.text
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
