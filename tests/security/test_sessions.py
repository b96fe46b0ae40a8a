"""Sessions and CSRF beyond tests/accounts and tests/web: a CSRF token
replayed after sign-out, session fixation on both sides (staff sign-in and
mailbox sign-in), and a signed-in staff cookie or an open-mailbox cookie used
on the other side opens nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Message
from tests.conftest import IsolatedClient, csrf_from, post_form, sign_in
from tests.reporting.conftest import open_mailbox, receipt_code, report_fields, send

HOME = "/medewerkers/"


def browser(app):  # type: ignore[no-untyped-def]
    return IsolatedClient(app, app.response_class, use_cookies=True)


def _cookie(client, name: str, path: str) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(name, path=path)
    assert cookie is not None, name
    return cookie.value


def _messages(session) -> int:  # type: ignore[no-untyped-def]
    session.commit()
    return session.scalar(select(func.count()).select_from(Message))


def test_a_csrf_token_replayed_after_sign_out_is_refused(app, client, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    token = csrf_from(client.get("/medewerkers/account/wachtwoord").get_data(as_text=True))
    cookie = _cookie(client, "meldpunt_staff", "/medewerkers")
    assert post_form(client, "/medewerkers/uitloggen", {}, page=HOME).status_code == 302
    # The same browser, the old token: the form is refused, nothing changes.
    for url, data in [("/medewerkers/account/wachtwoord",
                       {"current": staff.password, "password": "x" * 30, "confirm": "x" * 30}),
                      ("/medewerkers/account/herstelcodes", {}),
                      ("/medewerkers/uitloggen", {})]:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/medewerkers/inloggen")
    # The old cookie and the old token together, from another browser: signed out too.
    thief = browser(app)
    thief.set_cookie("meldpunt_staff", cookie, path="/medewerkers")
    response = thief.post("/medewerkers/account/herstelcodes", data={"csrf_token": token})
    assert response.status_code in (302, 400)
    assert thief.get(HOME).status_code == 302
    # And the password is still the old one.
    sign_in(browser(app), staff)


def test_a_mailbox_token_replayed_after_closing_the_mailbox_sends_nothing(client, session,
                                                                          units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    token = csrf_from(client.get("/postbus").get_data(as_text=True))
    cookie = _cookie(client, "meldpunt", "/")
    before = _messages(session)
    html = client.get("/postbus").get_data(as_text=True)
    client.post("/postbus/sluiten", data={"csrf_token": csrf_from(html)})
    response = client.post("/postbus/bericht", data={"csrf_token": token, "body": "Na sluiten"})
    assert response.status_code in (302, 400, 401)
    other = browser(client.application)
    other.set_cookie("meldpunt", cookie, path="/")
    response = other.post("/postbus/bericht", data={"csrf_token": token, "body": "Gestolen"})
    assert response.status_code in (302, 400, 401)
    assert _messages(session) == before
    assert 'name="code"' in other.get("/postbus").get_data(as_text=True)  # the sign-in form


def test_staff_session_fixation_a_planted_cookie_is_not_the_session_after_sign_in(app,
                                                                                  make_staff):
    """The attacker gets a cookie from the sign-in page and plants it in the
    victim's browser; after the victim signs in, the attacker's copy is not
    signed in."""
    staff = make_staff("intake")
    attacker = browser(app)
    attacker.get("/medewerkers/inloggen")
    planted = attacker.get_cookie("meldpunt_staff", path="/medewerkers")
    victim = browser(app)
    if planted is not None:
        victim.set_cookie("meldpunt_staff", planted.value, path="/medewerkers")
    sign_in(victim, staff)
    assert victim.get(HOME).status_code == 200
    assert attacker.get(HOME).status_code == 302
    assert _cookie(victim, "meldpunt_staff", "/medewerkers") != (planted.value if planted else "")


def test_mailbox_session_fixation_a_planted_cookie_opens_no_mailbox(app, client, units):
    code = receipt_code(send(client, report_fields(units)))
    attacker = browser(app)
    attacker.get("/postbus")
    planted = _cookie(attacker, "meldpunt", "/")
    victim = browser(app)
    victim.set_cookie("meldpunt", planted, path="/")
    open_mailbox(victim, code)
    assert "postbus/bericht" in victim.get("/postbus").get_data(as_text=True)
    assert _cookie(victim, "meldpunt", "/") != planted
    html = attacker.get("/postbus").get_data(as_text=True)
    assert 'name="code"' in html and "postbus/bericht" not in html


def test_a_signed_in_staff_cookie_opens_no_mailbox(app, client, make_staff, units):
    sign_in(client, make_staff("intake"))
    staff_value = _cookie(client, "meldpunt_staff", "/medewerkers")
    other = browser(app)
    other.set_cookie("meldpunt", staff_value, path="/")
    html = other.get("/postbus").get_data(as_text=True)
    assert 'name="code"' in html and "postbus/bericht" not in html
    token = csrf_from(html)
    response = other.post("/postbus/bericht", data={"csrf_token": token, "body": "x"})
    # The sign-in form (keeping the unsent text, #21), never the mailbox.
    html = response.get_data(as_text=True)
    assert response.status_code == 401 and 'name="code"' in html
    assert 'action="/postbus/bericht"' not in html


def test_an_open_mailbox_cookie_opens_no_staff_page(app, client, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    mailbox_value = _cookie(client, "meldpunt", "/")
    other = browser(app)
    other.set_cookie("meldpunt_staff", mailbox_value, path="/medewerkers")
    for path in (HOME, "/medewerkers/zaken/", "/medewerkers/account"):
        response = other.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/medewerkers/inloggen")
    # Under its own name on a staff path it is not even sent by a browser
    # (path "/" cookie is, but the staff side reads only meldpunt_staff).
    assert client.get(HOME).status_code == 302
