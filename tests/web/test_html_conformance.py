"""#22: what engines other than axe-core found on the rendered pages, checked
with the standard library's HTML parser (tests/web/html_checks.py) on every
page of the demo organisation, reporter and staff side, Dutch and English."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from app.cli.demo import DEMO_PASSWORD, UNITS, demo_email, seed_demo
from app.runtime import Runtime
from tests.conftest import csrf_from, post_form
from tests.web import html_checks as check

LANGS = ("nl", "en")
CASE_LINK = re.compile(r'href="(/medewerkers/zaken/MP-[A-Z0-9]{4}-[A-Z0-9]{4})"')
# The pages each demo account opens, besides its queue's first case.
STAFF_PAGES = {
    "intake": ["/medewerkers/", "/medewerkers/zaken/", "/medewerkers/zaken/registreren"],
    "vp": ["/medewerkers/zaken/", "/medewerkers/zaken/signaal", "/medewerkers/vp-jaarverslag/mijn"],
    "ic": ["/medewerkers/zaken/", "/medewerkers/statistiek/"],
    "icc": ["/medewerkers/", "/medewerkers/zaken/", "/medewerkers/statistiek/",
            "/medewerkers/vp-jaarverslag/", "/medewerkers/audit/", "/medewerkers/account"],
    "beheer": ["/medewerkers/beheer/gebruikers", "/medewerkers/beheer/gebruikers/nieuw",
               "/medewerkers/beheer/startpagina", "/medewerkers/bewaren/termijnen"],
}

# The demo's pages, rendered once per test process: the checks below only
# read this HTML (seeding the demo takes seconds; the pages do not change).
_RENDERED: dict[str, str] = {}


def _render_all(app: Flask, session: Session, rt: Runtime) -> dict[str, str]:
    seeded = seed_demo(session, rt)
    session.commit()
    assert seeded.year is not None
    secrets = {email: secret for email, _roles, secret in seeded.accounts}
    pages: dict[str, str] = {}
    for lang in LANGS:
        headers = {"Accept-Language": lang}
        reporter = app.test_client()

        def keep(client: FlaskClient, name: str, url: str, lang: str = lang) -> str:
            html = client.get(url, headers={"Accept-Language": lang}).get_data(as_text=True)
            pages[f"{lang} {name}"] = html
            return html

        for path in ("/", "/melden", "/postbus", "/keuzehulp", "/privacy", "/toegankelijkheid",
                     "/bestaat-niet", "/medewerkers/inloggen"):
            keep(reporter, path, path)
        form = reporter.get("/melden", headers=headers).get_data(as_text=True)
        pages[f"{lang} /melden (errors)"] = reporter.post(
            "/melden", data={"csrf_token": csrf_from(form), "step": "review"},
            headers=headers).get_data(as_text=True)
        # A mailbox of an anonymous report: it shows the 'make yourself known' form.
        for _number, code, _what in seeded.year.codes:
            mailbox = app.test_client()
            form = mailbox.get("/postbus", headers=headers).get_data(as_text=True)
            html = mailbox.post("/postbus", data={"csrf_token": csrf_from(form), "code": code},
                                headers=headers, follow_redirects=True).get_data(as_text=True)
            if "/postbus/identiteit" in html:
                pages[f"{lang} mailbox"] = html
                break
    # Each account signs in once (a TOTP code is good for one sign-in) and
    # reads its pages in both languages.
    for local, paths in STAFF_PAGES.items():
        staff = app.test_client()
        email = demo_email(local)
        post_form(staff, "/medewerkers/inloggen", {"email": email, "password": DEMO_PASSWORD})
        for lang in LANGS:
            pages[f"{lang} second factor"] = staff.get(
                "/medewerkers/inloggen/code",
                headers={"Accept-Language": lang}).get_data(as_text=True)
        post_form(staff, "/medewerkers/inloggen/code", {"code": pyotp.TOTP(secrets[email]).now()})
        for path in paths:
            for lang in LANGS:
                html = staff.get(path, headers={"Accept-Language": lang}).get_data(as_text=True)
                pages[f"{lang} {local} {path}"] = html
                case = CASE_LINK.search(html)
                if case and path == "/medewerkers/zaken/":
                    pages[f"{lang} {local} case page"] = staff.get(
                        case.group(1), headers={"Accept-Language": lang}).get_data(as_text=True)
    for lang in LANGS:
        assert 'class="lang-switch"' in pages[f"{lang} intake case page"]
        assert f'<html lang="{lang}"' in pages[f"{lang} icc /medewerkers/statistiek/"]
    return pages


@pytest.fixture()
def rendered(app: Flask, client: FlaskClient, session: Session, rt: Runtime) -> dict[str, str]:
    if not _RENDERED:
        _RENDERED.update(_render_all(app, session, rt))
    return _RENDERED


def problems_on_every_page(rendered: dict[str, str],
                           find: Callable[[check.Page], list[str]]) -> dict[str, list[str]]:
    found = {name: find(check.parse(html)) for name, html in rendered.items()}
    return {name: problems for name, problems in found.items() if problems}


def test_the_pages_were_rendered(rendered):
    assert len(rendered) >= 2 * 30
    assert all("<html" in html for html in rendered.values())


@pytest.mark.parametrize("lang", LANGS)
def test_every_link_of_the_error_summary_reaches_its_field(client, lang):
    headers = {"Accept-Language": lang}
    form = client.get("/melden", headers=headers).get_data(as_text=True)
    html = client.post("/melden", data={"csrf_token": csrf_from(form), "step": "review"},
                       headers=headers).get_data(as_text=True)
    page = check.parse(html)
    summary = [a.attrs["href"] for a in page.all("a")
               if a.attrs.get("href", "").startswith("#") and a.attrs["href"] != "#main"]
    assert {"#track-0", "#category-0", "#identity-0", "#what"} <= set(summary), summary
    assert check.broken_fragment_links(page) == []
    # The target is the field itself, so the keyboard lands on it.
    assert all(page.by_id(href[1:]).tag in ("input", "select", "textarea")  # type: ignore[union-attr]
               for href in summary)


def test_no_link_points_at_an_id_that_is_not_on_its_page(rendered):
    assert problems_on_every_page(rendered, check.broken_fragment_links) == {}


def test_no_id_appears_twice_on_a_page_csrf_tokens_included(rendered):
    assert problems_on_every_page(rendered, check.duplicate_ids) == {}


def test_a_required_select_starts_with_an_empty_option(rendered):
    assert problems_on_every_page(rendered, check.required_selects_with_a_value_first) == {}


def test_no_aria_label_sits_on_an_element_without_a_role(rendered):
    assert problems_on_every_page(rendered, check.names_on_plain_elements) == {}


def test_no_navigation_landmark_is_empty(rendered):
    assert problems_on_every_page(rendered, check.empty_navigation) == {}


def test_every_table_header_has_a_name(rendered):
    assert problems_on_every_page(rendered, check.unnamed_headers) == {}


def test_every_figure_has_a_caption(rendered):
    assert problems_on_every_page(rendered, check.unlabelled_figures) == {}


def test_no_page_holds_an_unescaped_less_than_sign(rendered):
    found = {name: check.stray_less_than(html) for name, html in rendered.items()}
    assert {name: lt for name, lt in found.items() if lt} == {}
    # The statistics still say how small numbers are shown.
    assert "&lt; 5" in rendered["en icc /medewerkers/statistiek/"]


def test_the_reporter_s_own_contact_fields_say_what_they_are_for(rendered):
    """WCAG 1.3.5: the mailbox's 'make yourself known' form and the report
    form ask for the reporter's own name, e-mail and phone."""
    for name in ("nl mailbox", "en mailbox", "nl /melden", "en /melden"):
        page = check.parse(rendered[name])
        assert page.all("input"), name
        assert check.inputs_without_autocomplete(page, {"name", "email", "phone"}) == [], name
    mailbox = check.parse(rendered["en mailbox"])
    disclose = next(f for f in mailbox.all("form")
                    if f.attrs.get("action", "").endswith("/postbus/identiteit"))
    kinds = {n.attrs.get("name"): n.attrs.get("autocomplete") for n in disclose.iter()
             if n.tag == "input"}
    assert kinds["name"] == "name" and kinds["email"] == "email" and kinds["phone"] == "tel"


def test_the_favicon_is_served(client):
    """Lighthouse: /favicon.ico was a 404. Pages link the SVG icon; the old
    address answers with it too."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and response.data.startswith(b"<svg")
    assert len(response.data) < 1024
    assert client.get("/static/favicon.svg").status_code == 200
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)


def test_english_pages_mark_dutch_names_with_their_language(rendered, session):
    """WCAG 3.1.2: on an English page, a unit's Dutch name shown as text and
    the Dutch terms and office names in English sentences are inside an
    element with lang="nl". (Proper names in a select's options and in
    sentences the tests pin elsewhere - the Huis voor Klokkenluiders - stay
    as they are: 3.1.2 exempts proper names.)"""
    # The demo's unit names (the pages were rendered from the demo, perhaps
    # in an earlier test's database: not this test's session).
    units = {name for _code, name, _kind in UNITS}
    dutch = re.compile(r"Bureau Integriteit &|bedrijfsmaatschappelijk|personeelsraadgever")
    unmarked: dict[str, list[str]] = {}
    for name, html in rendered.items():
        # The start page's texts are plain text an administrator may reword
        # (no markup to carry a language).
        if not name.startswith("en ") or name == "en /":
            continue
        for node in check.parse(html).all():
            if node.tag == "option":
                continue
            for text in (c.strip() for c in node.children if isinstance(c, str)):
                if (text in units or dutch.search(text)) and node.lang() != "nl":
                    unmarked.setdefault(name, []).append(text[:60])
    assert unmarked == {}
    assert '<span lang="nl">Kerndepartement</span>' in rendered["en ic /medewerkers/zaken/"]


def _form_classes(base: type) -> list[type]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_form_classes(cls)]
    return found


def test_no_form_gives_its_csrf_token_an_id(app):
    """Several forms on one page (the mailbox, the case page, the new-code
    page) each carry a CSRF token: the form mechanism renders it without an
    id, so no page repeats one, whatever a template writes."""
    for module in ("app.web.forms", "app.web.reporter.forms", "app.web.staff.case_forms",
                   "app.web.staff.vp_report"):
        importlib.import_module(module)  # every form class loaded
    classes = [cls for cls in _form_classes(FlaskForm) if cls.__module__.startswith("app.")]
    assert len(classes) >= 15
    with app.test_request_context("/"):
        for cls in classes:
            token = str(cls().csrf_token)
            assert 'name="csrf_token"' in token and " id=" not in token, cls.__name__
