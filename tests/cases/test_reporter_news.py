"""The reporter's opt-in "there is news in your mailbox" e-mail (issue #23):
the mailbox explains what it costs in anonymity; the address is stored
encrypted so that only the sender's notifier key opens it (no handler, no
copy of the database); a handler's message sends one e-mail without any
content through the outbox, at most one a day; the address is deleted at
closure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select, text

from app.cases import mailbox, reporter_contact
from app.cases.casework import send_message_to_reporter
from app.cases.reminders import SmtpSettings, smtp_sender
from app.cases.workflow import perform
from app.cli.notifications import reporter_news_message
from app.crypto.errors import CryptoError
from app.crypto.keys import generate_keypair
from app.keyring import NOTIFY_PRIVATE, NOTIFY_PUBLIC, load_notify_private
from app.localtime import local_date
from app.models import AuditEntry, Base, ReporterContact, utcnow
from app.vocabulary import AuditAction
from tests.cases.conftest import key_of
from tests.conftest import IsolatedClient, post_form, sign_in
from tests.mailserver import Inbox, body_of, free_port, running_smtp

ADDRESS = "geheim.postvak.7731@example.org"
SECRET = "NEWS-CONTENT-MARKER-5521"


@pytest.fixture()
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    with running_smtp() as server:
        yield server


def _vp_case(session, rt, make_staff, new_case):  # type: ignore[no-untyped-def]
    vp = make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice", report={"what": SECRET})
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    return vp, case, mailbox.sign_in(session, rt, str(code))[0]


def _send(session, rt, settings: SmtpSettings, now=None) -> int:  # type: ignore[no-untyped-def]
    return reporter_contact.send_reporter_news(
        session, rt, smtp_sender(settings),
        partial(reporter_news_message, rt, sender_address=settings.sender),
        load_notify_private(rt.settings.keys_dir), now=now)


def _write(session, rt, vp, case, body="Hoe gaat het nu?"):  # type: ignore[no-untyped-def]
    from app.cases.access import open_case

    opened = open_case(session, rt, vp.user, key_of(vp), case.number)
    send_message_to_reporter(session, rt, case, opened.key, vp.user, body)


def test_the_address_is_stored_so_that_only_the_notifier_key_opens_it(
        session, rt, make_staff, new_case):
    _vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, f"  {ADDRESS} ")
    row = session.get(ReporterContact, case.id)
    assert row is not None and ADDRESS.encode() not in row.address_ciphertext
    assert reporter_contact.open_address(row, case, load_notify_private(rt.settings.keys_dir)) \
        == ADDRESS
    # Nowhere in the database in clear: every column of every table.
    bind = session.get_bind()
    with bind.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for found in conn.execute(select(table)):
                for value in found:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert ADDRESS.encode() not in raw, table.name
    # Another key (a handler's, a copy of the database's keys) does not open it.
    with pytest.raises(CryptoError):
        reporter_contact.open_address(row, case, generate_keypair())
    # Bound to its case: copied to another case it does not open.
    other_vp, other, _ = _vp_case(session, rt, make_staff, new_case)
    with pytest.raises(CryptoError):
        reporter_contact.open_address(row, other, load_notify_private(rt.settings.keys_dir))
    assert [e.action for e in session.scalars(select(AuditEntry).where(
        AuditEntry.object_id == case.number, AuditEntry.actor == "reporter"))][-1] == \
        AuditAction.MAILBOX_NEWS_ADDRESS_SET


def test_a_handler_message_sends_one_content_free_email_a_day(
        app, session, rt, make_staff, new_case, smtp, caplog):
    inbox, settings = smtp
    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    with app.app_context():
        assert _send(session, rt, settings) == 0  # no news yet
    _write(session, rt, vp, case, body=SECRET)
    assert inbox.messages == []  # nothing is sent from the handler's action

    caplog.set_level(logging.DEBUG)
    with app.app_context():
        assert _send(session, rt, settings) == 1
    [email] = inbox.messages
    assert email["X-Envelope-To"] == ADDRESS
    whole = email.as_string()
    for never in (SECRET, case.number, case.unit.name, vp.user.display_name, "advies",
                  "ongewenst"):
        assert never not in whole, never
    assert f"{rt.settings.base_url.rstrip('/')}/postbus" in body_of(email)
    assert "Er is nieuws in je postbus" in body_of(email)
    # Meldpunt's own log never holds the address (the test SMTP server's does).
    assert not [r for r in caplog.records
                if r.name.startswith("meldpunt") and ADDRESS in r.getMessage()]
    assert [r for r in caplog.records if r.name.startswith("mail.log")
            and ADDRESS in r.getMessage()], "the check above would see the address"

    # More news the same day: no second e-mail until the next day.
    _write(session, rt, vp, case)
    with app.app_context():
        assert _send(session, rt, settings) == 0
        assert _send(session, rt, settings, now=utcnow() + timedelta(days=1)) == 1
    assert len(inbox.messages) == 2
    sent = session.scalars(select(AuditEntry).where(
        AuditEntry.action == AuditAction.REPORTER_NEWS_SENT)).all()
    assert [e.object_id for e in sent] == ["0", "1", "0", "1"]
    assert all(ADDRESS not in e.object_id for e in session.scalars(select(AuditEntry)))


def test_minutes_sent_for_approval_are_news_too(session, rt, make_staff, new_case):
    from app.cases import minutes
    from app.cases.access import open_case

    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    keys = open_case(session, rt, vp.user, key_of(vp), case.number).key
    today = local_date(utcnow(), rt.settings.zone)
    record = minutes.record_minutes(session, rt, case, keys, vp.user, meeting_on=today,
                                    text="Wat besproken is.")
    assert not session.get(ReporterContact, case.id).news_pending
    minutes.send_minutes(session, rt, case, vp.user, record.id)
    session.expire_all()
    assert session.get(ReporterContact, case.id).news_pending


def test_a_failing_mail_server_keeps_the_news_for_the_next_run(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    _write(session, rt, vp, case)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    with app.app_context():
        assert _send(session, rt, down) == 0
        assert _send(session, rt, settings) == 1
    assert len(inbox.messages) == 1


def test_closing_deletes_the_address_after_the_last_notice(
        app, session, rt, make_staff, new_case, smtp):
    inbox, settings = smtp
    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    perform(session, rt, case, vp.user, key_of(vp), "close_advice", outcome="advice_given",
            message="Ik heb je advies gegeven; dit dossier sluit ik.")
    # The closing wrote to the reporter: one last e-mail, then the address goes.
    assert session.get(ReporterContact, case.id) is not None
    with app.app_context():
        assert _send(session, rt, settings) == 1
    session.expire_all()
    assert session.get(ReporterContact, case.id) is None
    assert len(inbox.messages) == 1


def test_closing_without_news_and_withdrawing_delete_the_address_at_once(
        session, rt, make_staff, new_case):
    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    perform(session, rt, case, vp.user, key_of(vp), "close_advice", outcome="advice_given")
    assert session.get(ReporterContact, case.id) is None

    _vp2, case2, opened2 = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened2, ADDRESS)
    mailbox.withdraw(session, rt, opened2)
    assert session.get(ReporterContact, case2.id) is None
    with session.get_bind().connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM reporter_contact")).scalar() == 0


def test_the_reporter_removes_the_address(session, rt, make_staff, new_case):
    _vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    mailbox.remove_news_address(session, rt, opened)
    assert session.get(ReporterContact, case.id) is None
    assert AuditAction.MAILBOX_NEWS_ADDRESS_REMOVED in session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == case.number)).all()


@pytest.mark.parametrize("typed", ["", "geen adres", "a@b", "naam@voorbeeld.nl\nBcc: x@y.nl",
                                   "<x@y.nl>", "x" * 250 + "@voorbeeld.nl"])
def test_what_is_not_an_address_is_refused(session, rt, make_staff, new_case, typed):
    _vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    with pytest.raises(reporter_contact.AddressRefused):
        mailbox.set_news_address(session, rt, opened, typed)
    assert session.get(ReporterContact, case.id) is None


def _mailbox_client(app, code):  # type: ignore[no-untyped-def]
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    post_form(client, "/postbus", {"code": code})
    return client


def test_the_mailbox_explains_the_cost_and_keeps_what_was_typed(
        app, session, rt, make_staff, new_case):
    vp = make_staff("vertrouwenspersoon")
    case, code = new_case(track="advice")
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    client = _mailbox_client(app, str(code))
    page = client.get("/postbus").get_data(as_text=True)
    assert "Een e-mail bij nieuws" in page
    assert "Wat dit kost aan anonimiteit" in page
    assert "privé-e-mailadres" in page and "werkmail" in page
    assert "De mensen die je melding behandelen, kunnen het niet zien" in page

    refused = post_form(client, "/postbus/nieuws-per-mail",
                        {"news-address": "geen-adres@", "news-understood": "y"}, page="/postbus")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'value="geen-adres@"' in html
    not_ticked = post_form(client, "/postbus/nieuws-per-mail",
                           {"news-address": ADDRESS}, page="/postbus")
    assert not_ticked.status_code == 400
    assert "Vink dit aan als je de e-mail toch wilt." in not_ticked.get_data(as_text=True)
    assert session.get(ReporterContact, case.id) is None

    done = post_form(client, "/postbus/nieuws-per-mail",
                     {"news-address": ADDRESS, "news-understood": "y"}, page="/postbus")
    assert done.status_code == 302
    page = client.get("/postbus").get_data(as_text=True)
    assert "Mijn e-mailadres verwijderen" in page and ADDRESS not in page
    session.expire_all()
    assert session.get(ReporterContact, case.id) is not None
    post_form(client, "/postbus/nieuws-per-mail/verwijderen", {"confirm": "yes"},
              page="/postbus")
    session.expire_all()
    assert session.get(ReporterContact, case.id) is None


def test_without_a_notifier_key_the_news_email_is_not_offered(
        app, session, rt, make_staff, new_case):
    (rt.settings.keys_dir / NOTIFY_PUBLIC).unlink()
    (rt.settings.keys_dir / NOTIFY_PRIVATE).unlink()
    _vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    with pytest.raises(reporter_contact.AddressRefused):
        mailbox.set_news_address(session, rt, opened, ADDRESS)
    page = _mailbox_client(app, "x").get("/postbus").get_data(as_text=True)
    assert "Een e-mail bij nieuws" not in page


def test_handlers_never_see_the_address(client, session, rt, make_staff, new_case):
    vp, case, opened = _vp_case(session, rt, make_staff, new_case)
    mailbox.set_news_address(session, rt, opened, ADDRESS)
    sign_in(client, vp)
    for url in (f"/medewerkers/zaken/{case.number}", f"/medewerkers/zaken/{case.number}/dossier"):
        assert ADDRESS not in client.get(url).get_data(as_text=True)
