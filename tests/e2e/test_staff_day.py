"""Issue #23, the staff side v2 in a browser: a confidential counsellor's
(VP) and an integrity coordinator's (IC) day.

- The reporter replies in the mailbox; `notify send` (the outbox, through a
  real SMTP server, aiosmtpd) e-mails the holder the case number and a link,
  no content; the holder's queue marks the reply as new, and opening the
  case clears the mark.
- Search finds the case by its number, typed as people type it.
- The start page lists exactly what is due (the same items and cases as
  app/cases/agenda.py computes).
- A handover moves the case to a colleague; the old holder no longer opens
  it, the colleague does.
- Deactivating a holder with open cases lists them and asks for a handover
  first; the account stays active until the admin confirms.

Screenshots of the VP's start page, queue and case page (Dutch, 1280 px)
are in test-output/e2e/<test>/; docs/screenshots/ has copies.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page
from sqlalchemy import select

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.conftest import Server
from tests.e2e.steps import look, new_page, staff_sign_in
from tests.mailserver import body_of, running_smtp

SECRET = "E2E-CONTENT-MARKER-3390"


def _runtime(server: Server):  # type: ignore[no-untyped-def]
    return server.app.extensions["meldpunt.runtime"]  # type: ignore[attr-defined]


def _user(email: str):  # type: ignore[no-untyped-def]
    from app.accounts.service import find_user_by_email
    from app.web.extensions import db

    return find_user_by_email(db.session, email)


def _key(user):  # type: ignore[no-untyped-def]
    from app.crypto.keys import unlock_private_key

    return unlock_private_key(user.private_key_protected, DEMO_PASSWORD)


def new_case(server: Server, track: str) -> tuple[str, str]:
    """A report filed through the service (filing in the browser is other
    journeys'), taken on by the VP (advice) or routed to the IC (report)."""
    from app.cases.intake import NewReport, submit_report
    from app.cases.workflow import perform
    from app.models import Unit
    from app.web.extensions import db

    rt = _runtime(server)
    with server.app.app_context():  # type: ignore[attr-defined]
        unit = db.session.scalar(select(Unit).where(Unit.code == "kerndepartement"))
        case, code = submit_report(db.session, rt, NewReport(
            unit_id=unit.id, track=track, channel="anonymous",
            category="ongewenste_omgangsvormen", subcategory="intimidatie",
            report={"what": f"Een collega kleineert mij in elk overleg. {SECRET}"}))
        desk = _user(demo_email("vp" if track == "advice" else "intake"))
        perform(db.session, rt, case, desk, _key(desk), "acknowledge", text="Ontvangen.")
        if track == "advice":
            perform(db.session, rt, case, desk, _key(desk), "route_to_vp", vp_id=str(desk.id))
        else:
            perform(db.session, rt, case, desk, _key(desk), "route_to_ic")
        return case.number, str(code)


def reporter_replies(page: Page, server: Server, code: str, text: str) -> None:
    page.goto(server.url + "/postbus")
    page.fill("#code", code)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.fill("form[action$='/postbus/bericht'] textarea", text)
    page.click("form[action$='/postbus/bericht'] button[type=submit]")
    page.wait_for_load_state()
    assert text in page.inner_text("main")


def notify_send(server: Server, settings) -> int:  # type: ignore[no-untyped-def]
    from app.cases.reminders import smtp_sender
    from app.cli.notifications import send_outbox
    from app.web.extensions import db

    with server.app.app_context():  # type: ignore[attr-defined]
        return send_outbox(db.session, _runtime(server), smtp_sender(settings), settings.sender)


def hand_over(page: Page, server: Server, number: str, colleague: str, reason: str) -> None:
    """On the case page: open "Overdragen aan een collega", choose, say why."""
    page.goto(f"{server.url}/medewerkers/zaken/{number}")
    page.click("#handover summary")
    page.select_option("#handover-user", label=colleague)
    page.fill("#handover-reason", reason)
    page.click("#handover button[type=submit]")
    page.wait_for_load_state()


def queue_row(page: Page, number: str):  # type: ignore[no-untyped-def]
    return page.locator("main table tbody tr", has_text=number)


def start_page_lists_exactly_what_is_due(page: Page, server: Server, email: str) -> None:
    """Every agenda item of the page, with its count and case numbers, is
    the domain's agenda for this user — no more, no less."""
    from app.cases import agenda
    from app.web import labels
    from app.web.extensions import db

    with server.app.app_context():  # type: ignore[attr-defined]
        due = agenda.agenda(db.session, _user(email))
        expected = {section.item.value: (section.total, [c.number for c in section.cases])
                    for section in due.sections}
        heads = {item.value: str(label) for item, label in labels.AGENDA_LABELS.items()}
    shown = {}
    for section in page.locator("main section.agenda").all():
        heading = section.locator("h2")
        item = (heading.get_attribute("id") or "").removeprefix("agenda-")
        numbers = [a.inner_text() for a in section.locator("li a").all()]
        shown[item] = (int(heading.locator(".badge").inner_text()), numbers)
        assert heading.inner_text().startswith(heads[item].split(" ")[0])
    assert shown == expected
    assert expected, "the demo VP and IC have something to do"


def test_the_vps_day(server, browser, contexts, a11y, shot):
    number, code = new_case(server, "advice")
    vp_email, colleague = demo_email("vp"), demo_email("vp-extern")

    # The VP's start page: exactly what is due.
    vp = new_page(browser, contexts)
    staff_sign_in(vp, server, vp_email, DEMO_PASSWORD, "nl")
    assert vp.url.endswith("/medewerkers/")
    start_page_lists_exactly_what_is_due(vp, server, vp_email)

    # The reporter replies; the VP gets an e-mail without content.
    reporter = new_page(browser, contexts, phone=True, js=False)
    with running_smtp() as (inbox, settings):
        reporter_replies(reporter, server, code, f"Het gebeurde weer. {SECRET}")
        assert notify_send(server, settings) >= 1
    [mail] = [m for m in inbox.messages if m["X-Envelope-To"] == vp_email]
    assert number in body_of(mail) and f"/medewerkers/zaken/{number}" in body_of(mail)
    assert SECRET not in mail.as_string() and "kleineert" not in mail.as_string()

    # The start page now lists the reply, and the queue marks it as new.
    vp.goto(server.url + "/medewerkers/")
    start_page_lists_exactly_what_is_due(vp, server, vp_email)
    assert number in vp.locator("#agenda-reporter_replied").locator("..").inner_text()
    look(vp, a11y, shot, "vp start page")
    vp.click("header nav a[href$='/medewerkers/zaken/']")
    row = queue_row(vp, number)
    assert "Nieuw: antwoord van de melder" in row.inner_text()
    look(vp, a11y, shot, "vp queue")

    # Search finds the case by its number, typed as people type it.
    vp.fill("#nummer", number.lower().replace("-", " "))
    vp.click("form[role=search] button[type=submit]")
    vp.wait_for_load_state()
    assert vp.url.endswith(f"/medewerkers/zaken/{number}")
    main = vp.inner_text("main")
    assert "Nieuw: antwoord van de melder" in main and SECRET in main
    assert main.index("Wat je nu kunt doen") < main.index("Berichten met de melder")
    look(vp, a11y, shot, "vp case page")
    vp.goto(server.url + "/medewerkers/zaken/?tab=mine")
    assert "Nieuw: antwoord" not in queue_row(vp, number).inner_text()

    # A handover moves the case; the old holder loses it.
    hand_over(vp, server, number, "Victor Extern", "Ik ben drie maanden met verlof.")
    assert "is overgedragen aan Victor Extern" in vp.inner_text("main")
    look(vp, a11y, shot, "vp after handover")
    assert vp.goto(f"{server.url}/medewerkers/zaken/{number}").status == 404

    other = new_page(browser, contexts)
    staff_sign_in(other, server, colleague, DEMO_PASSWORD, "nl")
    other.goto(f"{server.url}/medewerkers/zaken/{number}")
    other.click("#notes summary")  # the reason is in the case file's notes
    assert "Ik ben drie maanden met verlof." in other.inner_text("#notes")
    assert "Victor Extern" in other.inner_text(".case-summary")

    # Deactivating the new holder asks for the handover first.
    admin = new_page(browser, contexts)
    staff_sign_in(admin, server, demo_email("beheer"), DEMO_PASSWORD, "nl")
    admin.goto(server.url + "/medewerkers/beheer/gebruikers")
    admin.click("main a:has-text('Victor Extern')")
    admin.uncheck("#active")
    admin.click("main form.stacked button[type=submit]")
    admin.wait_for_load_state()
    warning = admin.inner_text("main section.warning")
    assert number in warning and "Vraag Victor Extern eerst" in warning
    look(admin, a11y, shot, "deactivate asks for handover first")
    from app.web.extensions import db

    with server.app.app_context():  # type: ignore[attr-defined]
        assert _user(colleague).active
        db.session.close()


def test_the_ics_day(server, browser, contexts, a11y, shot):
    number, code = new_case(server, "report")
    ic_email = demo_email("ic")

    ic = new_page(browser, contexts)
    staff_sign_in(ic, server, ic_email, DEMO_PASSWORD, "nl")
    start_page_lists_exactly_what_is_due(ic, server, ic_email)

    reporter = new_page(browser, contexts, phone=True, js=False)
    with running_smtp() as (inbox, settings):
        reporter_replies(reporter, server, code, f"Nog een voorval. {SECRET}")
        notify_send(server, settings)
    [mail] = [m for m in inbox.messages if m["X-Envelope-To"] == ic_email]
    assert number in body_of(mail) and SECRET not in mail.as_string()

    ic.goto(server.url + "/medewerkers/zaken/?tab=mine")
    assert "Nieuw: antwoord van de melder" in queue_row(ic, number).inner_text()
    ic.fill("#nummer", number.replace("MP-", "").replace("-", ""))
    ic.click("form[role=search] button[type=submit]")
    ic.wait_for_load_state()
    assert ic.url.endswith(f"/medewerkers/zaken/{number}")
    look(ic, a11y, shot, "ic case page")
    # A number that does not exist (or is not theirs) finds nothing, and says so.
    ic.goto(server.url + "/medewerkers/zaken/")
    ic.fill("#nummer", "MP-AAAA-BBBB")
    ic.click("form[role=search] button[type=submit]")
    assert "Geen dossier gevonden" in ic.inner_text("#nummer-result")

    # The case file, to print: everything the IC's key opens.
    ic.goto(f"{server.url}/medewerkers/zaken/{number}")
    ic.click("main a:has-text('Dossier afdrukken of bewaren')")
    file_text = ic.inner_text("main")
    assert SECRET in file_text and "Nog een voorval." in file_text
    look(ic, a11y, shot, "ic case file")
    ic.emulate_media(media="print")
    assert not ic.locator("header.site").is_visible()
    assert re.search(r"Vertrouwelijk", ic.inner_text("main"))
    ic.emulate_media(media="screen")

    # Handed over to the ICC: the IC loses it, the ICC has it.
    hand_over(ic, server, number, "Coen Concerncoördinator",
              "Belangenconflict: ik ken de betrokkene.")
    assert ic.goto(f"{server.url}/medewerkers/zaken/{number}").status == 404
    icc = new_page(browser, contexts)
    staff_sign_in(icc, server, demo_email("icc"), DEMO_PASSWORD, "nl")
    icc.goto(f"{server.url}/medewerkers/zaken/{number}")
    assert SECRET in icc.inner_text("main")
