"""The reporter's side, v2 (issue #21): on a phone, JavaScript off, in Dutch
and in English.

- Switching language on the form and the review page keeps what was typed;
  so does every round of error lines (defect 2).
- The mailbox says when it closes, can be kept open without JavaScript, and
  a message sent after it closed is kept and sent once the code is entered
  again on the same page (defect 3, WCAG 2.2.1).
- The receipt code fits one line on a 320 px phone, prints alone with its
  dates, asks "have you written it down?", and the sign-in field can show
  what is typed (defect 4).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import Server
from tests.e2e.steps import language, look, new_page, use_language

WHAT = "Mijn teamleider scheldt mij al weken uit in het werkoverleg.\nIk durf niets te zeggen."
NARROW = {"width": 320, "height": 700}


def other_language(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


def switch_language(page: Page) -> None:
    """Press the language button the reporter sees (whichever it is)."""
    before = language(page)
    page.locator("button[lang]:visible").first.click()
    page.wait_for_load_state()
    assert language(page) == other_language(before)


def phone_at(browser: Browser, contexts: list[BrowserContext], viewport: dict) -> Page:
    context = browser.new_context(locale="nl-NL", java_script_enabled=False, viewport=viewport,
                                  is_mobile=True, has_touch=True, device_scale_factor=1)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def fill_report(page: Page) -> None:
    page.check("input[name=track][value=report]")
    page.select_option("#unit", label="Kerndepartement")
    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    page.check("input[name=subcategory][value=pesten]")
    page.fill("#what", WHAT)
    page.fill("#when", "sinds september")
    page.check("input[name=identity][value=confidential]")
    page.fill("#name", "Sam de Vries")
    page.fill("#email", "sam@example.org")


def assert_report_kept(page: Page) -> None:
    assert page.is_checked("input[name=track][value=report]")
    assert page.locator("#unit option:checked").inner_text() == "Kerndepartement"
    assert page.is_checked("input[name=category][value=ongewenste_omgangsvormen]")
    assert page.is_checked("input[name=subcategory][value=pesten]")
    assert page.input_value("#what") == WHAT
    assert page.input_value("#when") == "sinds september"
    assert page.is_checked("input[name=identity][value=confidential]")
    assert page.input_value("#name") == "Sam de Vries"
    assert page.input_value("#email") == "sam@example.org"


def send_anonymous_report(page: Page, server: Server) -> str:
    """A short anonymous report through the form; the receipt code."""
    page.goto(server.url + "/melden")
    page.check("input[name=track][value=report]")
    page.select_option("#unit", label="Kerndepartement")
    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    page.check("input[name=subcategory][value=pesten]")
    page.fill("#what", WHAT)
    page.check("input[name=identity][value=anonymous]")
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    page.click("button[name=step][value=send]")
    page.wait_for_load_state()
    code = page.inner_text("p.receipt").strip()
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", code), code
    return code


# --- defect 2 ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_switching_language_keeps_what_was_typed(server, browser, contexts, a11y, shot, lang):
    page = new_page(browser, contexts, phone=True, js=False)
    page.goto(server.url + "/")
    use_language(page, lang)
    page.goto(server.url + "/melden")
    fill_report(page)

    switch_language(page)  # on the form
    assert page.url.endswith("/melden")
    assert_report_kept(page)
    assert page.locator(".error-text").count() == 0  # a switch is no validation round
    look(page, a11y, shot, "form after switching language")

    # A validation round keeps everything else typed.
    page.fill("#what", "")
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    assert page.locator(".flash.error a[href='#what']").count() == 1
    assert page.input_value("#when") == "sinds september"
    assert page.input_value("#name") == "Sam de Vries"
    assert page.is_checked("input[name=subcategory][value=pesten]")
    page.fill("#what", WHAT)
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    assert page.locator("#attachments").count() == 1, page.inner_text("main")[:800]

    switch_language(page)  # on the review page: still the review, all kept
    assert language(page) == lang
    assert page.locator("#attachments").count() == 1, page.inner_text("main")[:800]
    main = page.inner_text("main")
    assert "sinds september" in main and "Sam de Vries" in main and "werkoverleg" in main
    # The files: a clear line that chosen files must be chosen again.
    again = page.locator("#attachments-again")
    assert again.is_visible()
    assert ("opnieuw" if lang == "nl" else "again") in again.inner_text()
    look(page, a11y, shot, "review after switching language")

    page.click("button[name=step][value=edit]")
    page.wait_for_load_state()
    assert_report_kept(page)
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    page.click("button[name=step][value=send]")
    page.wait_for_load_state()
    assert page.locator("p.receipt").count() == 1


# --- defect 3 ------------------------------------------------------------------

class MailboxClock:
    """The server's clock for the mailbox, moved on by hand (as if the
    reporter left): its limits count from the times in the reporter's
    cookie, which the database does not keep (issue #25)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from app.cases import mailbox
        from app.models import utcnow

        self.offset = timedelta(0)
        monkeypatch.setattr(mailbox, "utcnow", lambda: utcnow() + self.offset)

    def age(self, minutes: int) -> None:
        self.offset += timedelta(minutes=minutes)


def open_mailbox(page: Page, server: Server, code: str) -> None:
    page.goto(server.url + "/postbus")
    page.fill("#code", code)
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    assert page.locator("#body").count() == 1, page.inner_text("main")[:800]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_mailbox_says_when_it_closes_and_keeps_a_late_message(server, browser, contexts,
                                                              a11y, shot, lang, monkeypatch):
    clock = MailboxClock(monkeypatch)
    page = new_page(browser, contexts, phone=True, js=False)
    page.goto(server.url + "/")
    use_language(page, lang)
    code = send_anonymous_report(page, server)
    open_mailbox(page, server, code)

    closing = page.locator("#mailbox-closing")
    text = closing.inner_text()
    if lang == "nl":
        assert "15 minuten" in text and "2 uur" in text, text
    else:
        assert "15 minutes" in text and "2 hours" in text, text
    assert re.search(r"\b\d{2}:\d{2}\b", text), text  # the times it closes
    look(page, a11y, shot, "mailbox with its closing times")

    # Kept open without JavaScript: 14 idle minutes, then the button; it
    # restarts the idle limit (14 minutes later it is still open).
    clock.age(14)
    page.click("form[action$='/postbus/openhouden'] button")
    page.wait_for_load_state()
    assert page.locator("#body").count() == 1
    clock.age(14)
    page.goto(server.url + "/postbus")
    assert page.locator("#body").count() == 1

    # Closed while the reporter was typing: the message is kept.
    clock.age(16)
    message = "Ik wil graag een gesprek.\nLiefst op dinsdag."
    page.fill("#body", message)
    page.click("form[action$='/postbus/bericht'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#code").count() == 1  # the sign-in page
    kept = page.locator("textarea[name=pending_message]")
    assert kept.input_value() == message
    look(page, a11y, shot, "mailbox closed, message kept")
    page.fill("#code", code)
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1, page.inner_text("main")[:800]
    sent = page.locator(".message.reporter .pre")
    assert sent.count() == 1 and sent.inner_text() == message
    look(page, a11y, shot, "mailbox, late message sent")


# --- defect 4 ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_receipt_code_on_a_small_phone(server, browser, contexts, a11y, shot, lang):
    page = phone_at(browser, contexts, NARROW)
    page.goto(server.url + "/")
    use_language(page, lang)
    code = send_anonymous_report(page, server)

    tops = page.evaluate("""() => [...document.querySelectorAll('p.receipt .code-group')]
                             .map(e => Math.round(e.getBoundingClientRect().top))""")
    assert len(tops) == len(code.split("-")) and len(set(tops)) == 1, tops
    look(page, a11y, shot, "receipt at 320 px")

    # Printed: only the code and the dates.
    page.emulate_media(media="print")
    assert page.locator("p.receipt").is_visible()
    assert page.locator("#receipt-dates").is_visible()
    for hidden in ("header.site", "footer.site", "main h1", "#receipt-warning",
                   "#written-down-form", "main > p.lead"):
        assert page.locator(hidden).first.is_hidden(), hidden
    shot(page, "receipt printed")
    page.emulate_media(media="screen")

    # Leaving the page asks first: not without the tick.
    leave = page.locator("#written-down-form button[type=submit]")
    leave.click()
    assert page.locator("p.receipt").count() == 1  # still here (the box is required)
    page.check("#written-down")
    leave.click()
    page.wait_for_load_state()
    assert page.url.endswith("/postbus"), page.url
    look(page, a11y, shot, "sign-in after the receipt")

    # The code field: visible on request without JavaScript, nothing remembered.
    field = page.locator("#code")
    assert field.get_attribute("autocomplete") == "off"
    assert field.get_attribute("spellcheck") == "false"
    assert field.get_attribute("type") == "text"
    masked = "() => getComputedStyle(document.querySelector('#code')).webkitTextSecurity"
    assert page.evaluate(masked) == "disc"
    page.check("#show-code")
    assert page.evaluate(masked) == "none"
    # Grouping does not matter: no dashes at all, small letters.
    field.fill(code.replace("-", "").lower())
    assert page.input_value("#code") == code.replace("-", "").lower()
    page.click("main form button[type=submit]:visible >> nth=-1")
    page.wait_for_load_state()
    assert page.locator("#body").count() == 1, page.inner_text("main")[:800]
