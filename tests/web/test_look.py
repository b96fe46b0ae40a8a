"""#22, the look: the Rijkshuisstijl through the NL Design System community's
CSS, vendored into the app (never a CDN), and the ministry's name and logo
from configuration."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from app import create_app
from app.config import Settings

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
VENDOR = STATIC / "vendor"
VENDORED = ("rijkshuisstijl-community/design-tokens", "rijkshuisstijl-community/components-css")


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_every_page_loads_the_vendored_tokens_and_components_before_its_own_css(client):
    html = client.get("/").get_data(as_text=True)
    sheets = stylesheets(html)
    assert sheets[:-1] == [f"/static/vendor/{name}/index.css" for name in VENDORED] + [
        "/static/meldpunt.css"]
    # Last, the configured colours (app/web/theme.py) over Meldpunt's own rules.
    assert re.fullmatch(r"/huisstijl\.css\?v=[0-9a-f]{12}", sheets[-1]), sheets
    for href in stylesheets(html):
        assert client.get(href).status_code == 200, href
    # The tokens apply inside .rhc-theme.
    assert re.search(r'<body class="[^"]*\brhc-theme\b', html)


def test_nothing_is_loaded_from_another_site():
    """The vendored CSS names no font file, image or stylesheet elsewhere: the
    CSP would block it and a reporter's browser must not call out."""
    for name in VENDORED:
        css = (VENDOR / name / "index.css").read_text(encoding="utf-8")
        assert "@import" not in css, name
        assert "@font-face" not in css, name
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
            assert url.startswith("data:"), (name, url[:80])


def test_the_vendored_files_carry_their_licence_and_version():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for name in VENDORED:
        assert (VENDOR / name / "LICENSE.md").is_file(), name
        assert re.search(rf"^- @{re.escape(name)} \d+\.\d+\.\d+:", readme, re.M), name


def test_the_header_shows_the_ministry_name_and_logo_from_configuration(settings: Settings):
    app: Flask = create_app(settings.with_changes(
        organisation_name="Ministerie van Testzaken", logo="test-logo.svg"))
    try:
        html = app.test_client().get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    finally:
        app.extensions["meldpunt.engine"].dispose()
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Ministerie van Testzaken" in header
    assert 'src="/static/test-logo.svg"' in header


def test_an_english_page_marks_the_dutch_ministry_name_or_shows_the_english_one(
        settings: Settings):
    """WCAG 3.1.2: on an English page the Dutch name is marked lang="nl",
    unless an English name is configured."""
    for english, expected in (("", '<p class="rhc-logo__title" lang="nl">Ministerie van Testzaken'),
                              ("Ministry of Test Affairs",
                               '<p class="rhc-logo__title">Ministry of Test Affairs')):
        app = create_app(settings.with_changes(organisation_name="Ministerie van Testzaken",
                                               organisation_name_en=english))
        try:
            html = app.test_client().get("/", headers={"Accept-Language": "en"}).get_data(
                as_text=True)
        finally:
            app.extensions["meldpunt.engine"].dispose()
        assert '<html lang="en">' in html
        assert expected in html


def test_the_demo_logo_is_a_neutral_placeholder_that_exists():
    settings = Settings()
    assert settings.logo == "logo-placeholder.svg"
    assert (STATIC / settings.logo).is_file()


def test_name_and_logo_are_read_from_the_environment():
    settings = Settings.from_env({"MELDPUNT_ORGANISATION_NAME": "Ministerie van Testzaken",
                                  "MELDPUNT_ORGANISATION_NAME_EN": "Ministry of Test Affairs",
                                  "MELDPUNT_LOGO": "rijkslogo.svg"})
    assert settings.organisation_name == "Ministerie van Testzaken"
    assert settings.organisation_name_en == "Ministry of Test Affairs"
    assert settings.logo == "rijkslogo.svg"
