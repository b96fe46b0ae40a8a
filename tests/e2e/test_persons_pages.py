"""Persons concerned in the browser (issue #24), on the demo organisation:
the integrity coordinator follows the start page to a deferred notice, sees
the repeat signal, makes a redacted extract for the access request; the ICC
reads the request to look. axe-core on every page, in Dutch and English."""

from __future__ import annotations

import pytest

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.steps import look, new_page, staff_sign_in


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_persons_concerned_extract_and_icc_review(server, browser, contexts, a11y, shot, lang):
    signal = {"nl": "Deze betrokkene komt in 1 ander dossier voor.",
              "en": "This person is concerned in 1 other case."}[lang]
    ic = new_page(browser, contexts)
    staff_sign_in(ic, server, demo_email("ic"), DEMO_PASSWORD, lang)
    ic.click("main section#agenda-notice_review a, main section[aria-labelledby="
             "'agenda-notice_review'] a")
    assert "/betrokkenen" in ic.url
    assert signal in ic.inner_text("main")
    look(ic, a11y, shot, "persons with a deferred notice", both=True)

    ic.goto(server.url + "/medewerkers/")
    ic.click("main section[aria-labelledby='agenda-subject_request'] a")
    look(ic, a11y, shot, "persons with a request", both=True)
    ic.click("main a[href$='/uittreksel']")
    look(ic, a11y, shot, "extract choices", both=True)
    ic.check("input[name=report_fields][value=what]")
    ic.check("#x-outcome")
    ic.click("main form button[type=submit]")
    ic.wait_for_load_state()
    text = ic.inner_text("main")
    assert "Zoë van den Berg" in text and "Jeroen Kok" not in text
    look(ic, a11y, shot, "extract")

    ic.goto(server.url + "/medewerkers/zaken/verzoeken")
    look(ic, a11y, shot, "request register", both=True)

    icc = new_page(browser, contexts)
    staff_sign_in(icc, server, demo_email("icc"), DEMO_PASSWORD, lang)
    icc.click("main a[href$='/zaken/herhaling']")
    look(icc, a11y, shot, "icc reviews", both=True)
    icc.click("main a[href*='/zaken/herhaling/']")
    assert "Zoë van den Berg" in icc.inner_text("main")
    look(icc, a11y, shot, "icc review", both=True)
