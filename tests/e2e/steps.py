"""Small helpers the journeys share: contexts, language, staff sign-in."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from tests.e2e.conftest import PHONE, A11y, Server, Shots


def new_page(browser: Browser, contexts: list[BrowserContext], *, phone: bool = False,
             js: bool = True) -> Page:
    context = browser.new_context(
        locale="nl-NL", java_script_enabled=js,
        viewport=PHONE if phone else {"width": 1280, "height": 900},
        is_mobile=phone, has_touch=phone, device_scale_factor=1)
    context.set_default_timeout(10_000)
    contexts.append(context)
    return context.new_page()


def language(page: Page) -> str:
    return page.get_attribute("html", "lang") or ""


def use_language(page: Page, lang: str) -> None:
    """Switch with the language button in the header, if needed."""
    if language(page) != lang:
        page.click("form.lang-switch button")
        page.wait_for_load_state()
    assert language(page) == lang


def look(page: Page, a11y: A11y, shot: Shots, step: str, *, both: bool = False) -> None:
    """Screenshot and axe on the current page; `both` also checks the page in
    the other language (language button, then back) - only for pages that a
    GET can show again."""
    shot(page, step)
    a11y.check(page, step)
    if both:
        first = language(page)
        other = "en" if first == "nl" else "nl"
        use_language(page, other)
        shot(page, f"{step} {other}")
        a11y.check(page, f"{step} {other}")
        use_language(page, first)


def fresh_code(secret: str, used: set[str] | None = None) -> str:
    """The current TOTP code; waits for the next step if this one was used."""
    used = used if used is not None else set()
    totp = pyotp.TOTP(secret)
    code = totp.now()
    while code in used:
        time.sleep(1)
        code = totp.now()
    used.add(code)
    return code


def staff_sign_in(page: Page, server: Server, email: str, password: str, lang: str,
                  a11y: A11y | None = None, shot: Shots | None = None) -> None:
    """Password, then the TOTP code; with `a11y` and `shot` both pages are
    checked in both languages."""
    page.goto(server.url + "/medewerkers/inloggen")
    use_language(page, lang)
    if a11y and shot:
        look(page, a11y, shot, "staff sign-in", both=True)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    if a11y and shot:
        look(page, a11y, shot, "second factor", both=True)
    page.fill("#code", fresh_code(server.totp[email]))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/medewerkers/inloggen" not in page.url, page.content()[:2000]


def newest_case_number(server: Server) -> str:
    from app.models import Case
    from app.web.extensions import db

    with server.app.app_context():
        return db.session.scalar(select(Case.number).order_by(Case.id.desc()).limit(1))


def act(page: Page, action: str, fill: dict[str, str] | None = None,
        select_: dict[str, str] | None = None) -> None:
    """Open an action's <details> on the case page, fill it, press its button.
    A select not named in `select_` keeps its first option."""
    form = page.locator(f"form[action$='/actie/{action}']")
    details = page.locator("details", has=form)
    details.locator("summary").click()
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in (select_ or {}).items():
        select = form.locator(f"select[name={name}]")
        if select.locator(f"option[value='{value}']").count() == 0:  # by (part of) its text
            value = select.locator("option", has_text=value).first.get_attribute("value") or ""
        select.select_option(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash.error, .error-text[role=alert]").count() == 0, (
        f"{action} failed: " + page.inner_text("main")[:800])
