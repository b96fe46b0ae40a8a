"""Layout findings of #22 that need a browser: reflow at 320 CSS pixels
(WCAG 2.1 SC 1.4.10), the staff queue and header at 1280 px, and a focus
ring that keeps 3:1 against every background it sits on (SC 1.4.11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.conftest import Server
from tests.e2e.steps import staff_sign_in, use_language

NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 900}

# What sticks out on the right, for the failure message.
WIDER_THAN_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  return {scroll: document.documentElement.scrollWidth, width,
          culprits: [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5).map(el => el.tagName.toLowerCase()
                                   + (el.className ? '.' + el.className : '')
                                   + ' ' + Math.round(el.getBoundingClientRect().right))};
}"""


def page_at(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="nl-NL", viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def assert_reflows(page: Page, what: str) -> None:
    found = page.evaluate(WIDER_THAN_VIEWPORT)
    assert found["scroll"] <= NARROW["width"], f"{what} ({page.url}) scrolls sideways: {found}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_reporter_pages_reflow_at_320_px(server: Server, browser, contexts, lang):
    page = page_at(browser, contexts, NARROW)
    page.goto(server.url + "/")
    use_language(page, lang)
    for path in ("/", "/melden", "/postbus", "/keuzehulp", "/privacy", "/toegankelijkheid"):
        page.goto(server.url + path)
        assert_reflows(page, path)


def test_staff_pages_reflow_at_320_px(server: Server, browser, contexts):
    admin = page_at(browser, contexts, NARROW)
    staff_sign_in(admin, server, demo_email("beheer"), DEMO_PASSWORD, "nl")
    for path in ("/medewerkers/beheer/startpagina", "/medewerkers/bewaren/termijnen",
                 "/medewerkers/beheer/gebruikers"):
        admin.goto(server.url + path)
        assert_reflows(admin, path)
    coordinator = page_at(browser, contexts, NARROW)
    staff_sign_in(coordinator, server, demo_email("ic"), DEMO_PASSWORD, "nl")
    for path in ("/medewerkers/zaken/", "/medewerkers/statistiek/"):
        coordinator.goto(server.url + path)
        assert_reflows(coordinator, path)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_queue_shows_every_column_at_1280_px(server: Server, browser, contexts, lang):
    page = page_at(browser, contexts, WIDE)
    staff_sign_in(page, server, demo_email("ic"), DEMO_PASSWORD, lang)
    page.goto(server.url + "/medewerkers/zaken/?tab=all")
    box = page.evaluate("""() => {
      const wrap = document.querySelector('main .table-wrap');
      const last = wrap.querySelector('thead th:last-child').getBoundingClientRect();
      return {scroll: wrap.scrollWidth, client: wrap.clientWidth,
              lastRight: last.right, wrapRight: wrap.getBoundingClientRect().right};
    }""")
    assert box["scroll"] <= box["client"], f"the queue's table is cut off: {box}"
    assert box["lastRight"] <= box["wrapRight"] + 0.5, box


def test_the_admin_header_keeps_the_language_button_on_the_first_line(server: Server, browser,
                                                                       contexts):
    page = page_at(browser, contexts, WIDE)
    staff_sign_in(page, server, demo_email("beheer"), DEMO_PASSWORD, "nl")
    page.goto(server.url + "/medewerkers/beheer/gebruikers")
    layout = page.evaluate("""() => {
      const brand = document.querySelector('header.site .brand').getBoundingClientRect();
      const button = document.querySelector('header.site .lang-switch button');
      const box = button.getBoundingClientRect();
      const line = parseFloat(getComputedStyle(button).lineHeight) || 20;
      return {brandTop: brand.top, brandBottom: brand.bottom, buttonTop: box.top,
              buttonHeight: box.height, line, text: button.innerText};
    }""")
    assert layout["text"] == "English"
    # On the brand's line, and the word itself on one line.
    assert layout["buttonTop"] < layout["brandBottom"], f"the language button wrapped: {layout}"
    assert layout["buttonHeight"] < 2 * layout["line"], f"'English' breaks: {layout}"


# The focused element's ring colours and the background around it.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rgb = s => (s.match(/rgba?\\(([^)]+)\\)/) || [null, '0,0,0,0'])[1]
                      .split(',').map(Number);
  const shadow = style.boxShadow === 'none' ? null : rgb(style.boxShadow);
  let bg = null;
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c.slice(0, 3); break; }
  }
  return {what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' '
                + (el.innerText || el.value || '').slice(0, 30),
          outline: style.outlineStyle === 'none' ? null : rgb(style.outlineColor).slice(0, 3),
          outlineWidth: parseFloat(style.outlineWidth),
          outlineOffset: parseFloat(style.outlineOffset),
          shadow: shadow && shadow.slice(0, 3), shadowText: style.boxShadow,
          background: bg || [255, 255, 255]};
}"""


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_focus_ring_contrasts(page: Page, stops: int) -> list[str]:
    """Tab through `stops` elements; each ring's colours reach 3:1 against
    the background it sits on, and against each other 9:1 (WCAG technique
    C40: two colours that far apart leave one at 3:1 on any background)."""
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        seen.append(ring["what"])
        assert ring["outline"] is not None and ring["outlineWidth"] >= 2, ring
        colours = [ring["outline"]] + ([ring["shadow"]] if ring["shadow"] else [])
        best = max(contrast(c, ring["background"]) for c in colours)
        assert best >= 3, f"focus ring {best:.2f}:1 against its background: {ring}"
        assert ring["shadow"] is not None and contrast(ring["outline"], ring["shadow"]) >= 9, (
            f"the focus ring has no second colour: {ring}")
    return seen


def test_the_focus_ring_reaches_3_to_1_on_every_background(server: Server, browser, contexts):
    reporter = page_at(browser, contexts, WIDE)
    reporter.goto(server.url + "/melden")
    # Skip link, the header on dark blue, then the form on white.
    seen = assert_focus_ring_contrasts(reporter, 12)
    assert any("English" in s for s in seen), seen
    staff = page_at(browser, contexts, WIDE)
    staff_sign_in(staff, server, demo_email("ic"), DEMO_PASSWORD, "nl")
    staff.goto(server.url + "/medewerkers/zaken/")
    assert_focus_ring_contrasts(staff, 16)
