"""#22, WCAG 2.1 SC 1.4.12 (text spacing): with line height 1.5, paragraph
spacing 2, letter spacing 0.12 and word spacing 0.16 times the font size
forced on every element (the W3C's test stylesheet), no text is cut off and
nothing sticks out sideways on the start page, the report form and the
staff queue, at a phone's and a desktop's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.conftest import PHONE, Server
from tests.e2e.steps import staff_sign_in

DESKTOP = {"width": 1280, "height": 900}
# Injected as a user's style would be: the context bypasses the app's CSP
# (which rightly refuses inline styles) for this stylesheet only.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# Elements whose text is cut off: an element that hides or clips its
# overflow while its content is larger than its box (visually hidden text,
# 1 px by design, and scrolling containers excepted), and anything that
# sticks out beyond the page's width.
CLIPPED = """() => {
  const found = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim()
       .split(/\\s+/).join('.') : '') + ' "' + (el.innerText || '').trim().slice(0, 40) + '"';
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('body *')) {
    if (['INPUT', 'TEXTAREA', 'SELECT', 'OPTION', 'svg', 'IMG'].includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || box.width <= 1) continue;
    const hides = v => v === 'hidden' || v === 'clip';
    if (!(el.innerText || '').trim()) continue;
    if ((hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      found.push('cut off: ' + name(el));
    }
    if (box.right > width + 1 && !el.closest('.table-scroll, .table-wrap')) {
      found.push('sticks out ' + Math.round(box.right - width) + ' px: ' + name(el));
    }
  }
  if (document.documentElement.scrollWidth > width) found.push('the page scrolls sideways');
  return found.slice(0, 10);
}"""


def spaced_page(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    phone = viewport["width"] < 500
    context = browser.new_context(locale="nl-NL", viewport=viewport, is_mobile=phone,
                                  has_touch=phone, device_scale_factor=1, bypass_csp=True)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def assert_text_fits(page: Page, what: str) -> None:
    page.add_style_tag(content=TEXT_SPACING)
    applied = page.evaluate("getComputedStyle(document.querySelector('main p')).letterSpacing")
    assert applied != "normal", "the text spacing stylesheet did not apply"
    found = page.evaluate(CLIPPED)
    assert not found, f"{what} with WCAG text spacing: {found}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_text_is_cut_off_with_wcag_text_spacing(server: Server, browser, contexts, viewport):
    reporter = spaced_page(browser, contexts, viewport)
    for path in ("/", "/melden"):
        reporter.goto(server.url + path)
        assert_text_fits(reporter, path)
    staff = spaced_page(browser, contexts, viewport)
    staff_sign_in(staff, server, demo_email("ic"), DEMO_PASSWORD, "nl")
    staff.goto(server.url + "/medewerkers/zaken/")
    assert_text_fits(staff, "the staff queue")


def test_the_text_spacing_check_finds_a_box_that_cuts_text_off(browser, contexts):
    page = spaced_page(browser, contexts, DESKTOP)
    page.set_content("""<!doctype html><html lang="nl"><title>Vak</title><main><p>Een vak:</p>
      <div class="fixed-box" style="height: 1.6em; overflow: hidden; width: 12em">
      Een tekst die met meer ruimte tussen de letters niet meer in dit vak past</div></main>""")
    with pytest.raises(AssertionError) as failure:
        assert_text_fits(page, "planted")
    assert "cut off: div.fixed-box" in str(failure.value)
