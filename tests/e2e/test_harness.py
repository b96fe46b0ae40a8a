"""The axe check itself: it must find planted violations, so that zero
violations elsewhere means something."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AVAILABLE, SKIP_REASON, skip_unless_ci

if not AVAILABLE:
    skip_unless_ci(SKIP_REASON, module=True)

from tests.e2e.steps import new_page  # noqa: E402


def test_axe_finds_planted_violations(server, browser, contexts, a11y):
    page = new_page(browser, contexts)
    page.goto(server.url + "/")
    page.evaluate("""() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML('beforeend',
        '<img src="/static/nope.png"><p class="x1">faint</p><input id="nolabel">'
        + '<span id="main"></span>');
      const s = document.createElement('style');
      s.textContent = '.x1 { color: #ddd; background: #fff; }';
      document.head.append(s);
    }""")
    with pytest.raises(AssertionError) as failure:
        a11y.check(page, "planted")
    for rule in ("image-alt", "color-contrast", "label"):
        assert f'"id": "{rule}"' in str(failure.value)
    assert "duplicate-id" in str(failure.value) and "#main" in str(failure.value)


def test_reflow_check_finds_sideways_scrolling_on_a_phone(server, browser, contexts, a11y):
    page = new_page(browser, contexts, phone=True)
    page.goto(server.url + "/")
    page.evaluate("""() => {
      const wide = document.createElement('div');
      wide.className = 'too-wide';
      wide.style.width = '2000px';
      wide.textContent = 'wide';
      document.querySelector('main').append(wide);
    }""")
    with pytest.raises(AssertionError) as failure:
        a11y.check(page, "planted wide block")
    assert "reflow" in str(failure.value) and "div.too-wide" in str(failure.value)
