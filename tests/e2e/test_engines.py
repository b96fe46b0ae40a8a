"""#22: each of the three engines is seen failing on a small page with
faults that were on main before the accessibility fixes (an error summary
linking to an id that does not exist, a required select whose first option
has value="0", a repeated id, a picture without a text, and what the new
engines found on main: autocomplete="username" on an e-mail field), so that a silently
broken engine can not pass the journeys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import AVAILABLE, SKIP_REASON, VNU_SKIP, skip_unless_ci

if not AVAILABLE:
    skip_unless_ci(SKIP_REASON, module=True)

from tests.e2e.conftest import A11y, NuBatch, vnu_command  # noqa: E402
from tests.e2e.steps import new_page  # noqa: E402

# The planted pages are served by the browser itself (no app needed).
ORIGIN = "http://planted.invalid"
CLEAN_PAGE = ("<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Schoon</title>"
              "</head><body><main id='main'><h1>Schoon</h1><p>Niets mis.</p></main></body></html>")

BAD_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Melden - er ging iets mis</title></head>
<body><main>
<h1>Melden</h1>
<div class="error-summary" role="alert"><h2>Er ging iets mis</h2>
  <ul><li><a href="#track">Kies wat voor melding het is</a></li></ul></div>
<form method="post" action="/melden">
  <label for="unit">Onderdeel</label>
  <select id="unit" name="unit" required><option value="0">Kies</option>
    <option value="1">Kerndepartement</option></select>
  <label for="name">Naam</label><input type="text" id="name" name="name" autocomplete="name">
  <label for="name">E-mail</label><input type="email" id="name" name="email" autocomplete="email">
  <label for="login">Inlognaam</label>
  <input type="email" id="login" name="login" autocomplete="username">
  <img src="/static/favicon.svg">
  <button type="submit">Versturen</button>
</form></main></body></html>"""


def planted(browser, contexts, body: str):  # type: ignore[no-untyped-def]
    page = new_page(browser, contexts)
    page.route(ORIGIN + "/planted", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=body))
    page.goto(ORIGIN + "/planted")
    return page


@pytest.fixture()
def bad_page(browser, contexts):  # type: ignore[no-untyped-def]
    return planted(browser, contexts, BAD_PAGE)


def test_axe_and_html_codesniffer_report_the_planted_faults(browser, bad_page, tmp_path: Path):
    checker = A11y(browser, NuBatch(tmp_path))
    try:
        with pytest.raises(AssertionError) as failure:
            checker.check(bad_page, "planted faults")
    finally:
        checker.close()
    report = str(failure.value)
    axe, _, htmlcs = report.partition("HTML_CodeSniffer (WCAG2AA errors):")
    assert '"id": "image-alt"' in axe and "#name" in axe, report
    # The error summary's link to a missing id, the repeated id, the picture.
    assert "G1,G123,G124.NoSuchID" in htmlcs, report
    assert "4_1_1.F77" in htmlcs, report
    assert "1_1_1.H37" in htmlcs, report
    assert "1_3_5.H98" in htmlcs and "#login" in htmlcs, report


def test_the_nu_checker_reports_the_planted_faults_in_the_served_html(browser, bad_page,
                                                                      tmp_path: Path):
    if vnu_command() is None:
        skip_unless_ci(VNU_SKIP)
    batch = NuBatch(tmp_path)
    checker = A11y(browser, batch)
    try:
        with pytest.raises(AssertionError):
            checker.check(bad_page, "planted faults")
    finally:
        checker.close()
    errors = "\n".join(batch.validate())
    assert "Duplicate ID “name”" in errors, errors
    assert "first child “option” element of a “select” element with a “required”" in errors, errors
    assert "An “img” element must have an “alt” attribute" in errors, errors
    assert "Bad value “username” for attribute “autocomplete”" in errors, errors
    assert "planted faults" in errors, "the error does not name the page"


def test_the_nu_checker_reads_what_the_server_sent_not_the_dom(browser, contexts,
                                                               tmp_path: Path):
    """A fault a script adds after loading is axe's and HTML_CodeSniffer's to
    find; the Nu checker judges the HTML as served, which here is clean."""
    if vnu_command() is None:
        skip_unless_ci(VNU_SKIP)
    page = planted(browser, contexts, CLEAN_PAGE)
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                  " '<p id=\"main\">twice</p>')")
    batch = NuBatch(tmp_path)
    checker = A11y(browser, batch)
    try:
        with pytest.raises(AssertionError):
            checker.check(page, "script-added id")
    finally:
        checker.close()
    assert batch.validate() == []
