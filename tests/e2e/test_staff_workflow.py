"""Journey 2: a new staff member's first sign-in with TOTP enrolment, then a
case from acknowledgement to closure, with the reporter in the mailbox.

Through the UI: the administrator creates the new confidential counsellor
(VP); the VP's first sign-in (temporary password, TOTP enrolment with the key
read off the page, recovery codes, own password); intake acknowledges and
routes to the new VP; the VP writes to the reporter; the reporter gives
consent in the mailbox; the VP escalates; the IC starts the inquiry and refers
to the external bureau; the investigator delivers the report with a file; the
IC records the decision with feedback and closes; the reporter reads it.
Through the service layer: only the report itself (submit_report; filing a
report in the browser is journeys 1 and 4).
"""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.documents import minimal_pdf
from tests.e2e.conftest import Server
from tests.e2e.steps import act, look, new_page, staff_sign_in, use_language

NEW_VP = "nina.nieuw@example.test"
NEW_PASSWORD = "Een eigen lang wachtwoord voor Nina 2026!"  # noqa: S105


def file_report(server: Server) -> tuple[str, str]:
    from sqlalchemy import select

    from app.cases.intake import NewReport, submit_report
    from app.models import Unit
    from app.web.extensions import db

    with server.app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "kerndepartement"))
        case, code = submit_report(db.session, server.app.extensions["meldpunt.runtime"], NewReport(
            unit_id=unit.id, track="report", channel="anonymous",
            category="ongewenste_omgangsvormen", subcategory="intimidatie",
            report={"what": "Een collega maakt steeds opmerkingen over mijn uiterlijk."}))
        return case.number, str(code)


def open_case(page: Page, server: Server, number: str) -> None:
    page.goto(f"{server.url}/medewerkers/zaken/{number}")
    assert number in page.inner_text("h1")


def mailbox(page: Page, server: Server, code: str, lang: str) -> None:
    page.goto(server.url + "/postbus")
    use_language(page, lang)
    page.fill("#code", code)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("form[action$='/postbus/bericht']").count() == 1


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_case_from_first_sign_in_to_feedback(server, browser, contexts, a11y, shot, lang):
    number, code = file_report(server)

    # The administrator creates the new confidential counsellor.
    admin = new_page(browser, contexts)
    staff_sign_in(admin, server, demo_email("beheer"), DEMO_PASSWORD, lang)
    admin.click("header nav a[href$='/beheer/gebruikers']")
    look(admin, a11y, shot, "users")
    admin.click("main a[href$='/gebruikers/nieuw']")
    look(admin, a11y, shot, "new user form")
    admin.fill("#email", NEW_VP)
    admin.fill("#display_name", "Nina Nieuw")
    # Each unit is named with its kind (#17 defect 8).
    kind = {"nl": "organisatieonderdeel", "en": "ministry unit"}[lang]
    admin.select_option("#unit", label=f"Kerndepartement ({kind})")
    admin.check("input[name=roles][value=vertrouwenspersoon]")
    admin.click("main form button[type=submit]")
    temporary = admin.inner_text("#temporary-password").strip()
    look(admin, a11y, shot, "temporary password")

    # Her first sign-in: temporary password, second factor, recovery codes, own password.
    vp = new_page(browser, contexts)
    vp.goto(server.url + "/medewerkers/inloggen")
    use_language(vp, lang)
    look(vp, a11y, shot, "sign-in")
    vp.fill("#email", NEW_VP)
    vp.fill("#password", temporary)
    vp.click("main form button[type=submit]")
    secret = vp.inner_text("#totp-secret").replace(" ", "")
    look(vp, a11y, shot, "enrol second factor")
    vp.fill("#code", pyotp.TOTP(secret).now())
    vp.click("main form button[type=submit]")
    look(vp, a11y, shot, "recovery codes")
    vp.click("main a.button[href$='/inloggen/wachtwoord']")
    look(vp, a11y, shot, "choose password")
    vp.fill("#password", NEW_PASSWORD)
    if vp.locator("#confirm").count():
        vp.fill("#confirm", NEW_PASSWORD)
    vp.click("main form button[type=submit]")
    assert "/medewerkers/inloggen" not in vp.url, vp.inner_text("main")[:1000]
    look(vp, a11y, shot, "new vp signed in")

    # Her key is confirmed by a colleague of her role (issue #19): she reads
    # the code on her account page; Vera types it in. Until then no case can
    # be passed to her.
    vp.click("header nav a[href$='/medewerkers/account']")
    code_of_key = vp.inner_text(".key-code code").strip()
    look(vp, a11y, shot, "my key code")
    vera = new_page(browser, contexts)
    staff_sign_in(vera, server, demo_email("vp"), DEMO_PASSWORD, lang)
    vera.click("header nav a[href$='/medewerkers/sleutels/']")
    row = vera.locator("main tr", has_text=NEW_VP)
    row.locator("input[name=code]").fill(code_of_key)
    look(vera, a11y, shot, "confirm a colleague's key")
    row.locator("button[type=submit]").click()
    # The success message names her; she no longer waits in the list.
    assert "Nina Nieuw" in vera.inner_text("main")
    assert vera.locator("main tr", has_text=NEW_VP).count() == 0
    look(vera, a11y, shot, "key confirmed")

    # Intake acknowledges and routes to the new VP.
    intake = new_page(browser, contexts)
    staff_sign_in(intake, server, demo_email("intake"), DEMO_PASSWORD, lang)
    intake.click("header nav a[href$='/medewerkers/zaken/']")
    look(intake, a11y, shot, "intake queue")
    open_case(intake, server, number)
    act(intake, "acknowledge")
    act(intake, "route_to_vp", select_={"vp_id": "Nina Nieuw"})
    look(intake, a11y, shot, "intake routed")

    # The VP writes to the reporter; the reporter answers and gives consent.
    vp.click("header nav a[href$='/medewerkers/zaken/']")
    look(vp, a11y, shot, "vp queue")
    vp.click(f"main a[href$='/zaken/{number}']")
    vp.fill("form[action$='/berichten'] textarea", "Wilt u dat ik dit doorgeef aan de "
            "integriteitscoördinator? Geef dan toestemming in uw postbus.")
    vp.click("form[action$='/berichten'] button[type=submit]")
    look(vp, a11y, shot, "vp case with message")

    reporter = new_page(browser, contexts, phone=True, js=False)
    mailbox(reporter, server, code, lang)
    assert "integriteitscoördinator" in reporter.inner_text("main")
    reporter.click("form[action$='/postbus/toestemming'] button[type=submit]")
    reporter.wait_for_load_state()
    # First what it means (#21): only the confirmation gives the permission.
    assert reporter.locator("input[name=confirm][value=yes]").count() == 1
    look(reporter, a11y, shot, "consent confirmation")
    reporter.click("form[method=post][action$='/postbus/toestemming'] button[type=submit]")
    reporter.wait_for_load_state()
    assert reporter.locator("input[name=consent][value=withdraw]").count() == 1
    look(reporter, a11y, shot, "mailbox consent given")

    vp.reload()
    act(vp, "escalate_to_ic")
    look(vp, a11y, shot, "vp escalated")

    # The IC starts the inquiry and refers to the external bureau.
    ic = new_page(browser, contexts)
    staff_sign_in(ic, server, demo_email("ic"), DEMO_PASSWORD, lang)
    open_case(ic, server, number)
    look(ic, a11y, shot, "ic case")
    act(ic, "start_inquiry")
    act(ic, "refer_to_external")
    look(ic, a11y, shot, "ic referred")

    # The investigator of the bureau delivers the report.
    inv = new_page(browser, contexts)
    staff_sign_in(inv, server, demo_email("onderzoeker"), DEMO_PASSWORD, lang)
    open_case(inv, server, number)
    look(inv, a11y, shot, "investigator case")
    form = inv.locator("form[action$='/actie/deliver_external_report']")
    inv.locator("details", has=form).locator("summary").click()
    form.locator("[name=findings]").fill("De opmerkingen zijn door twee getuigen bevestigd.")
    form.locator("[name=report_file]").set_input_files(files=[{
        "name": "rapport.pdf", "mimeType": "application/pdf",
        "buffer": minimal_pdf()}])
    form.locator("button[type=submit]").click()
    inv.wait_for_load_state()
    look(inv, a11y, shot, "investigator delivered")

    # The IC records the decision with feedback and closes.
    ic.reload()
    assert "rapport.pdf" in ic.inner_text("main")
    # Dutch: a chosen measure; English: the preselected "No measure" (its
    # empty "None" option used to fail "founded" with "Choose a valid value").
    measure = {"measure": "warning"} if lang == "nl" else {}
    act(ic, "record_decision", select_={"outcome": "founded", **measure},
        fill={"feedback": "Uw melding is gegrond verklaard; er zijn maatregelen genomen."})
    act(ic, "close", select_={"close_reason": "handled"})
    look(ic, a11y, shot, "ic closed")

    # The reporter reads the feedback.
    reporter.goto(server.url + "/postbus")
    assert "gegrond verklaard" in reporter.inner_text("main")
    look(reporter, a11y, shot, "mailbox feedback")
