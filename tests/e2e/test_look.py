"""#22, the look in a browser: the vendored Rijkshuisstijl tokens and
components reach the rendered page (logo band, lint-blue bar and footer,
buttons, fields), and the start page, the report form and the staff queue
pass the three engines at a phone's and a desktop's width. The screenshots
in docs/screenshots/ are taken by docs/screenshots/take_screenshots.py on a
scratch demo instance; this test writes the same views to test-output/e2e/look/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from app.cli.demo import DEMO_PASSWORD, demo_email
from app.config import DEFAULT_ORGANISATION_NAME
from tests.e2e.conftest import PHONE, SHOTS, A11y, Server
from tests.e2e.steps import staff_sign_in

LINT_BLUE = "rgb(21, 66, 115)"   # #154273, the tokens' --rhc-color-lintblauw-500
WHITE = "rgb(255, 255, 255)"
DESKTOP = {"width": 1280, "height": 900}

STYLES = """() => {
  const style = sel => getComputedStyle(document.querySelector(sel));
  const logo = document.querySelector('header.site .rhc-logo');
  return {
    token: getComputedStyle(document.body).getPropertyValue('--rhc-color-lintblauw-500').trim(),
    font: getComputedStyle(document.body).fontFamily,
    logoDisplay: getComputedStyle(logo).display,
    logoImage: document.querySelector('header.site .rhc-logo__image img').naturalWidth,
    name: document.querySelector('header.site .rhc-logo__title').innerText,
    bar: style('header.site .bar-band').backgroundColor,
    footer: style('footer.site').backgroundColor,
    footerInk: style('footer.site a').color,
    button: style('main button[type=submit], main .button').backgroundColor,
    buttonHeight: document.querySelector('main button[type=submit], main .button')
                    .getBoundingClientRect().height,
  };
}"""


def page_at(browser: Browser, contexts: list[BrowserContext], viewport: dict[str, int]) -> Page:
    phone = viewport["width"] < 500
    context = browser.new_context(locale="nl-NL", viewport=viewport, is_mobile=phone,
                                  has_touch=phone, device_scale_factor=1)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


@pytest.mark.parametrize("path", ["/", "/melden"])
def test_the_reporter_pages_wear_the_rijkshuisstijl(server: Server, browser, contexts, path):
    page = page_at(browser, contexts, DESKTOP)
    page.goto(server.url + path)
    found = page.evaluate(STYLES)
    assert found["token"] == "#154273", f"the design tokens did not load: {found}"
    assert found["font"].startswith('"RO Sans"'), found
    assert found["logoDisplay"] == "grid", f"the logo component's CSS did not load: {found}"
    assert found["logoImage"] > 0, "the logo did not load"
    assert found["name"] == DEFAULT_ORGANISATION_NAME
    assert found["bar"] == LINT_BLUE and found["footer"] == LINT_BLUE, found
    assert found["footerInk"] == WHITE, found
    assert found["button"] == LINT_BLUE, found
    assert found["buttonHeight"] >= 44, found


SCREENSHOTS = [("phone", PHONE), ("desktop", DESKTOP)]


@pytest.mark.parametrize("size,viewport", SCREENSHOTS)
def test_start_form_and_queue_pass_axe_and_are_photographed(server: Server, browser, contexts,
                                                             a11y: A11y, request, size, viewport):
    """Writes test-output/e2e/look/<size>-nl-1-start.png, -2-report-form.png
    and -staff-queue.png (docs/screenshots/ has the same views)."""
    folder = SHOTS / "look"
    folder.mkdir(parents=True, exist_ok=True)
    reporter = page_at(browser, contexts, viewport)
    for path, name in (("/", "1-start"), ("/melden", "2-report-form")):
        reporter.goto(server.url + path)
        a11y.check(reporter, f"{name} {size}")
        reporter.screenshot(path=str(folder / f"{size}-nl-{name}.png"), full_page=True)
    staff = page_at(browser, contexts, viewport)
    staff_sign_in(staff, server, demo_email("ic"), DEMO_PASSWORD, "nl")
    staff.goto(server.url + "/medewerkers/zaken/")
    a11y.check(staff, f"staff queue {size}")
    staff.screenshot(path=str(folder / f"{size}-nl-staff-queue.png"), full_page=True)
