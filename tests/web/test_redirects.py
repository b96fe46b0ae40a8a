"""Redirects go only to paths on this site (#25): one function checks every
target that comes with the request, and a nasty one goes to the start page,
never elsewhere and never to an error page."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.web.redirects import safe_local_path
from tests.conftest import post_form

NASTY = [
    "//evil", "/\t/evil", "/\n/x", "\\evil", "/\\evil", "https://evil", "/%2F/evil",
    "/%2f/evil", "/%5C/evil", " /x", "/x ", "javascript:alert(1)", "JavaScript:alert(1)",
    "/\r/evil", "/\x00/x", "/\x0b/evil", "/\u2028/evil", "/\u00a0/evil", "http:/evil",
    "///evil", "/%09/evil", "/%0a/x", "%2F%2Fevil", "evil", "data:text/html,x", "",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", NASTY)
def test_a_nasty_target_goes_to_the_start_page(target):
    assert safe_local_path(target, "/") == "/"


@pytest.mark.parametrize("target", ["/", "/postbus", "/medewerkers/zaken/MP-2025-0001?tab=all",
                                    "/melden#stap-2", "/pagina/%C3%A9t"])
def test_a_path_on_this_site_is_kept(target):
    assert safe_local_path(target, "/fallback") == target


@pytest.mark.parametrize("target", NASTY)
@pytest.mark.parametrize(("switch", "page"), [("/taal/en", "/"),
                                              ("/medewerkers/taal/nl", "/medewerkers/inloggen")])
def test_the_language_switch_goes_nowhere_else_and_never_fails(client, switch, page, target):
    response = post_form(client, switch, {"next": target}, page=page)
    assert response.status_code == 302, (target, response.status_code)
    assert response.headers["Location"] == "/", (target, response.headers["Location"])


def test_the_language_switch_returns_to_the_page_it_was_on(client):
    response = post_form(client, "/taal/en", {"next": "/postbus"}, page="/postbus")
    assert response.headers["Location"] == "/postbus"


def _redirect_targets() -> list[tuple[str, int, str]]:
    """Every redirect(...) in app/web whose target is not a url_for(...) or
    a safe_local_path(...) call."""
    loose = []
    for path in Path("app/web").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "redirect"):
                continue
            target = node.args[0] if node.args else None
            if isinstance(target, ast.Call) and getattr(target.func, "id", "") in (
                    "url_for", "safe_local_path"):
                continue
            loose.append((str(path), node.lineno, ast.unparse(node)))
    return loose


def test_every_redirect_goes_to_a_url_for_or_through_the_one_check():
    assert _redirect_targets() == []
