"""#22: a configured house-style colour (MELDPUNT_COLOUR_PRIMARY) reaches
the rendered page - the header bar, the footer and the buttons - through the
generated stylesheet, under the app's own Content Security Policy."""

from __future__ import annotations

import pytest

from app.config import Settings
from tests.e2e.conftest import Server
from tests.e2e.steps import new_page

AUBERGINE = "#3d0066"


@pytest.fixture()
def settings(settings: Settings) -> Settings:
    """This module's instance wears another primary colour."""
    return settings.with_changes(colour_primary=AUBERGINE)


def test_a_configured_primary_colour_reaches_bar_footer_and_buttons(server: Server, browser,
                                                                    contexts):
    page = new_page(browser, contexts)
    page.goto(server.url + "/melden")
    colours = page.evaluate("""() => {
      const bg = sel => getComputedStyle(document.querySelector(sel)).backgroundColor;
      return {bar: bg('header.site .bar-band'), footer: bg('footer.site'),
              button: bg('main button[type=submit]'),
              heading: getComputedStyle(document.querySelector('h1')).color};
    }""")
    assert colours == {"bar": "rgb(61, 0, 102)", "footer": "rgb(61, 0, 102)",
                       "button": "rgb(61, 0, 102)", "heading": "rgb(61, 0, 102)"}, colours
