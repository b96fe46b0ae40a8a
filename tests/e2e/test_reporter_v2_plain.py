"""The reporter's side, v2 (issue #21), the remaining defects, on a phone
with JavaScript off, in Dutch and in English:

- 5: consent is explained where it matters and takes effect only after a
  confirmation page;
- 7: the form in plain words, follow-up questions shown only when they
  apply, error lines that are sentences, and much shorter on a 360 px phone;
- 8: every reporter page says where to get help now, and the decision aid
  leads to every place to go with its contact details.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import A11y, Server, Shots
from tests.e2e.steps import look, use_language
from tests.e2e.test_reporter_v2 import fill_report, open_mailbox, phone_at

PHONE_360 = {"width": 360, "height": 740}
# The form's height on a 360 px phone (Dutch, nothing chosen yet) was 6247 px
# before #21; with the follow-up questions folded away it must stay well below.
MAX_FORM_HEIGHT = 4800
PASS_ON = "#permissions form[action$='/postbus/toestemming']"


def phone_in(server: Server, browser: Browser, contexts: list[BrowserContext],
             lang: str) -> Page:
    """A 360 px phone, JavaScript off, on the start page in `lang`."""
    page = phone_at(browser, contexts, PHONE_360)
    page.goto(server.url + "/")
    use_language(page, lang)
    return page


def height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def submit_form(page: Page) -> None:
    page.click("#report-form .actions button[type=submit]")
    page.wait_for_load_state()


# --- defect 7 ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_form_shows_follow_up_questions_only_when_they_apply(
        server: Server, browser, contexts, a11y: A11y, shot: Shots, lang: str) -> None:
    page = phone_in(server, browser, contexts, lang)
    page.goto(server.url + "/melden")
    folded = height(page)
    print(f"\nform height on a 360 px phone ({lang}), nothing chosen: {folded} px")
    assert folded <= MAX_FORM_HEIGHT, folded
    look(page, a11y, shot, "form, nothing chosen")

    subtype = page.locator("input[name=subcategory]").first
    ground, name = page.locator("#ground"), page.locator("#name")
    assert subtype.is_hidden() and ground.is_hidden() and name.is_hidden()
    # Every category has its "for example" line.
    examples = page.locator("input[name=category] ~ .hint")
    word = "Bijvoorbeeld" if lang == "nl" else "For example"
    assert examples.count() == 9
    assert all(text.startswith(word) for text in examples.all_inner_texts())

    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    assert subtype.is_visible() and ground.is_hidden()
    page.check("input[name=subcategory][value=discriminatie_racisme]")
    assert ground.is_visible()
    page.check("input[name=category][value=financiele_schendingen]")
    assert subtype.is_hidden() and ground.is_hidden()
    page.check("input[name=identity][value=confidential]")
    assert name.is_visible() and page.locator("#email").is_visible()
    page.check("input[name=identity][value=anonymous]")
    assert name.is_hidden()
    page.check("input[name=category][value=ongewenste_omgangsvormen]")
    page.check("input[name=identity][value=open]")
    unfolded = height(page)
    print(f"form height ({lang}), every follow-up question shown: {unfolded} px")
    shot(page, "form, every follow-up question shown")

    # Errors as sentences, at the top and by each field.
    page.fill("#name", "Sam de Vries")
    page.fill("#email", "sam@example.org")
    submit_form(page)
    summary = page.locator(".flash.error[role=alert] li")
    lines = summary.all_inner_texts()
    assert lines and all(line.endswith(".") and "?:" not in line for line in lines), lines
    assert (("Schrijf op wat er is gebeurd." if lang == "nl"
             else "Write down what happened.") in lines), lines
    assert page.locator("#what-error").is_visible()
    # The answers came back from the server: what they reveal shows again.
    assert page.is_checked("input[name=subcategory][value=discriminatie_racisme]")
    assert ground.is_visible() and name.is_visible()
    look(page, a11y, shot, "form with errors")

    page.check("input[name=subcategory][value=pesten]")
    page.select_option("#unit", label="Kerndepartement")
    page.fill("#what", "Mijn teamleider scheldt mij al weken uit in het werkoverleg.")
    page.check("input[name=track][value=report]")
    submit_form(page)
    assert page.locator("#attachments").count() == 1, page.inner_text("main")[:800]
    look(page, a11y, shot, "review")
    page.click("button[name=step][value=send]")
    page.wait_for_load_state()
    assert page.locator("p.receipt").count() == 1


# --- defect 5 ------------------------------------------------------------------

def send_advice_report(page: Page, server: Server) -> str:
    """A confidential request for advice through the form; the receipt code."""
    page.goto(server.url + "/melden")
    fill_report(page)  # confidential, as Sam de Vries
    page.check("input[name=track][value=advice]")
    submit_form(page)
    page.click("button[name=step][value=send]")
    page.wait_for_load_state()
    return page.inner_text("p.receipt").strip()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_consent_is_explained_and_confirmed_before_it_takes_effect(
        server: Server, browser, contexts, a11y: A11y, shot: Shots, lang: str) -> None:
    page = phone_in(server, browser, contexts, lang)
    code = send_advice_report(page, server)
    open_mailbox(page, server, code)

    # Where it matters: right after the status, before the messages.
    before = page.evaluate("""() => {
      const messages = [...document.querySelectorAll('main h2')]
        .find(h => /^(Messages|Berichten)$/.test(h.textContent.trim()));
      return Boolean(document.querySelector('#permissions')
                     .compareDocumentPosition(messages) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    assert before
    permissions = page.locator("#permissions")
    assert "Kerndepartement" in permissions.inner_text()
    look(page, a11y, shot, "mailbox with the permissions")

    # Giving permission: first what it means; going back changes nothing.
    page.click(PASS_ON + " button")
    page.wait_for_load_state()
    text = page.inner_text("main")
    for needle in (("Wat wordt doorgegeven", "Aan wie", "Wat er nu gebeurt",
                    "Zo trek je het in", "Kerndepartement", "Niet je naam en contactgegevens.")
                   if lang == "nl" else
                   ("What is passed on", "To whom", "What happens next", "How to withdraw",
                    "Kerndepartement", "Not your name and contact details.")):
        assert needle in text, needle
    look(page, a11y, shot, "confirm giving permission")
    page.click("main a[href$='/postbus#permissions']")
    page.wait_for_load_state()
    assert page.locator(PASS_ON + " input[name=consent][value=give]").count() == 1

    page.click(PASS_ON + " button")
    page.wait_for_load_state()
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1, page.inner_text("main")[:800]
    assert page.locator(PASS_ON + " input[name=consent][value=withdraw]").count() == 1

    # Who may see the name: exactly what they would see, then confirmed.
    page.click("#permissions form[action$='/postbus/naam'] button")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Sam de Vries" in text and "sam@example.org" in text
    look(page, a11y, shot, "confirm showing the name")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1
    assert page.locator("#permissions input[name=recipient][value=ic] ~ "
                        "input[name=consent][value=withdraw]").count() == 1

    # Withdrawing the permission: its own page and confirmation.
    page.click(PASS_ON + " button")
    page.wait_for_load_state()
    look(page, a11y, shot, "confirm withdrawing permission")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(PASS_ON + " input[name=consent][value=give]").count() == 1


# --- defect 8 ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_help_now_on_every_page_and_every_place_to_go(
        server: Server, browser, contexts, a11y: A11y, shot: Shots, lang: str) -> None:
    page = phone_in(server, browser, contexts, lang)
    for path in ("/", "/melden", "/postbus", "/keuzehulp", "/privacy", "/toegankelijkheid"):
        page.goto(server.url + path)
        line = page.locator("aside.help-now")
        assert line.is_visible(), path
        box = line.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE_360["height"], path
        assert line.locator("a[href='tel:113']").is_visible(), path
    look(page, a11y, shot, "accessibility statement")
    page.goto(server.url + "/privacy")
    look(page, a11y, shot, "privacy statement")

    # One tap from any page to immediate help.
    page.click("aside.help-now a[href$='about=crisis']")
    page.wait_for_load_state()
    crisis = page.inner_text("main")
    assert "113 Zelfmoordpreventie" in crisis and "0800-0113" in crisis
    look(page, a11y, shot, "help right now")

    journeys = {
        ("behaviour", "complaint"): "klachtencommissie ongewenste omgangsvormen",
        ("behaviour", "talk"): "centrale vertrouwenspersoon",
        ("integrity", "investigate"): "externe integriteitscommissie",
        ("wrongdoing", "investigate"): "Postbus 85860, 2508 CJ Den Haag",
    }
    for (about, want), place in journeys.items():
        page.goto(server.url + "/keuzehulp")
        page.check(f"input[name=about][value={about}]")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.check(f"input[name=want][value={want}]")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        text = page.inner_text("main")
        assert place in text, (about, want, text[:1500])
        assert re.search(r"@voorbeeldzaken\.example|088 – 133 10 00", text), (about, want)
        look(page, a11y, shot, f"keuzehulp {about} {want}")
