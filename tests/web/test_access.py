"""Every staff page needs a full sign-in: anonymous visitors and someone who
only knows the password are sent to the sign-in page, on every route."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from, post_form

OPEN_STAFF_ENDPOINTS = {
    "accounts.login", "accounts.second_factor", "accounts.enrol", "accounts.set_password",
    "accounts.logout", "i18n.switch_language_staff",
}


def staff_urls(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/medewerkers") or rule.endpoint in OPEN_STAFF_ENDPOINTS:
            continue
        path = rule.rule
        for arg in rule.arguments:
            converter = type(rule._converters[arg]).__name__  # noqa: SLF001
            value = "1" if converter == "IntegerConverter" else "MP-AAAA-BBBB"
            path = re.sub(rf"<(?:\w+:)?{arg}>", value, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, path))
    return urls


def _assert_sent_to_sign_in(client, urls, token: str) -> None:  # type: ignore[no-untyped-def]
    for endpoint, method, path in urls:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (endpoint, method, path, response.status_code)
        assert response.headers["Location"].endswith("/medewerkers/inloggen"), endpoint


def test_anonymous_visitors_are_sent_to_sign_in_on_every_staff_route(app, client):
    urls = staff_urls(app)
    assert len(urls) >= 20
    token = csrf_from(client.get("/medewerkers/inloggen").get_data(as_text=True))
    _assert_sent_to_sign_in(client, urls, token)


@pytest.mark.parametrize("role", ["intake", "admin", "auditor", "icc"])
def test_the_password_alone_opens_no_staff_route(app, client, make_staff, role):
    staff = make_staff(role)
    response = post_form(client, "/medewerkers/inloggen",
                         {"email": staff.email, "password": staff.password})
    assert response.headers["Location"].endswith("/medewerkers/inloggen/code")
    token = csrf_from(client.get("/medewerkers/inloggen/code").get_data(as_text=True))
    _assert_sent_to_sign_in(client, staff_urls(app), token)
