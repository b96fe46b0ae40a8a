"""#22: the ministry's colours are configuration (MELDPUNT_COLOUR_*): checked
at start-up (hex only, enough contrast for what is drawn with them) and
served as a small cached stylesheet the Content Security Policy allows."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.config import DEFAULT_COLOUR_LINK, DEFAULT_COLOUR_PRIMARY, ConfigError, Settings
from app.web.security import CSP

THEME_LINK = re.compile(r'<link rel="stylesheet" href="(/huisstijl\.css\?v=[0-9a-f]{12})">')


@pytest.mark.parametrize("variable,value", [
    ("MELDPUNT_COLOUR_PRIMARY", "#ffcc00"),   # white text on yellow: 1.6:1
    ("MELDPUNT_COLOUR_LINK", "#7fa7d0"),      # light blue links on white: 2.4:1
])
def test_a_colour_too_light_for_its_text_stops_start_up_and_says_what_to_set(variable, value):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({variable: value})
    message = str(refused.value)
    assert f"{variable}={value} is too light" in message
    assert "4.5:1" in message and "Set a darker colour" in message


@pytest.mark.parametrize("value", ["blue", "#15427", "154273", "#154273;} body{display:none"])
def test_a_colour_that_is_not_hex_stops_start_up(value):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"MELDPUNT_COLOUR_PRIMARY": value})
    assert "MELDPUNT_COLOUR_PRIMARY must be a colour written as # and six hex digits" \
        in str(refused.value)


def test_without_colour_settings_the_house_style_keeps_its_colours(client):
    page = client.get("/").get_data(as_text=True)
    link = THEME_LINK.search(page)
    assert link is not None, "the pages do not load the colours' stylesheet"
    css = client.get(link.group(1)).get_data(as_text=True)
    assert f"--band: {DEFAULT_COLOUR_PRIMARY};" in css
    assert f"--rhc-color-primary-500: {DEFAULT_COLOUR_PRIMARY};" in css
    assert f"--accent: {DEFAULT_COLOUR_LINK};" in css


def test_a_configured_colour_reaches_the_page_through_a_cached_stylesheet(settings: Settings,
                                                                          client):
    default_link = THEME_LINK.search(client.get("/").get_data(as_text=True))
    app = create_app(settings.with_changes(colour_primary="#3d0066", colour_link="#0b5a28"))
    client = app.test_client()
    page = client.get("/melden")
    assert page.headers["Content-Security-Policy"] == CSP   # no inline style needed
    link = THEME_LINK.search(page.get_data(as_text=True))
    assert link is not None and default_link is not None
    assert link.group(1) != default_link.group(1), "a changed colour must be a new address"
    css = client.get(link.group(1))
    assert css.status_code == 200 and css.content_type.startswith("text/css")
    assert "public" in css.headers["Cache-Control"] and "max-age" in css.headers["Cache-Control"]
    text = css.get_data(as_text=True)
    assert "--band: #3d0066;" in text and "--rhc-color-primary-500: #3d0066;" in text
    assert "--accent: #0b5a28;" in text
    app.extensions["meldpunt.engine"].dispose()
