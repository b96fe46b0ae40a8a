"""Journey 1: an employee on a phone, JavaScript off, uses the decision aid,
files an anonymous report with an attachment, notes the receipt code, and
later reads the acknowledgement and replies in the mailbox."""

from __future__ import annotations

import re

import pytest

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.steps import act, look, new_page, newest_case_number, staff_sign_in, use_language


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_reporter_on_a_phone_without_javascript(server, browser, contexts, a11y, shot, lang):
    page = new_page(browser, contexts, phone=True, js=False)
    page.goto(server.url + "/")
    use_language(page, lang)
    look(page, a11y, shot, "start")
    for footer_link in ("privacy", "toegankelijkheid"):  # what we store; accessibility
        page.click(f"footer a[href$='/{footer_link}']")
        look(page, a11y, shot, footer_link)
        page.go_back()

    # The decision aid: two GET questions, then the advice.
    page.click("main a[href$='/keuzehulp']")
    look(page, a11y, shot, "keuzehulp question 1")
    page.check("input[name=about][value=behaviour]")
    page.click("main form button[type=submit]")
    look(page, a11y, shot, "keuzehulp question 2")
    page.check("input[name=want][value=talk]")
    page.click("main form button[type=submit]")
    look(page, a11y, shot, "keuzehulp advice")
    page.click("main a.button[href*='route=advice']")

    # The report form, preset to the advice route.
    assert page.is_checked("input[name=track][value=advice]")
    look(page, a11y, shot, "report form")
    page.click("main form .actions button[type=submit]")  # nothing filled in yet
    page.wait_for_load_state()
    assert page.locator(".flash.error[role=alert] a[href='#what']").count() == 1
    assert "what-error" in (page.get_attribute("#what", "aria-describedby") or "")
    look(page, a11y, shot, "report form with errors")
    page.select_option("#unit", label="Kerndepartement")
    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    page.check("input[name=subcategory][value=pesten]")
    page.fill("#what", "Mijn teamleider scheldt mij al weken uit in het werkoverleg.")
    page.fill("#when", "sinds september")
    page.check("input[name=identity][value=anonymous]")
    page.click("main form .actions button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#attachments").count() == 1, page.content()[:1500]
    look(page, a11y, shot, "review")

    page.set_input_files("#attachments", files=[{
        "name": "aantekeningen.txt", "mimeType": "text/plain",
        "buffer": b"Data en tijden van de voorvallen.\n"}])
    page.click("button[name=step][value=send]")
    code = page.inner_text("p.receipt").strip()
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", code), code
    look(page, a11y, shot, "receipt")
    page.context.close()

    # A request for a VP goes straight to the VPs (issue #18): the unit's VP
    # acknowledges through the case page.
    staff = new_page(browser, contexts)
    staff_sign_in(staff, server, demo_email("vp"), DEMO_PASSWORD, lang)
    staff.goto(f"{server.url}/medewerkers/zaken/{newest_case_number(server)}")
    # Stored under a neutral name: the box is ticked by default (issue #25).
    assert "bijlage-1.txt" in staff.inner_text("main")
    assert "aantekeningen.txt" not in staff.inner_text("main")
    look(staff, a11y, shot, "vp case page")
    act(staff, "acknowledge")
    look(staff, a11y, shot, "vp acknowledged")

    # Days later, a new browser session on the phone: the mailbox.
    page = new_page(browser, contexts, phone=True, js=False)
    page.goto(server.url + "/postbus")
    use_language(page, lang)
    look(page, a11y, shot, "mailbox sign-in")
    page.fill("#code", "AAAA-BBBB-CCCC-DDDD-EEEE")  # a typo first
    page.click("main form button[type=submit]")
    assert "code-error" in (page.get_attribute("#code", "aria-describedby") or "")
    look(page, a11y, shot, "mailbox wrong code")
    page.fill("#code", code.lower().replace("-", " "))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#body").count() == 1, page.content()[:1500]
    assert page.locator(".message.handler").count() == 1  # the acknowledgement
    look(page, a11y, shot, "mailbox with acknowledgement")
    page.fill("#body", "Dank u. Ik wil graag een gesprek met een vertrouwenspersoon.")
    page.click("form[action$='/postbus/bericht'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1
    assert "gesprek met een vertrouwenspersoon" in page.inner_text("main")
    look(page, a11y, shot, "mailbox reply sent")
