"""CSRF on every form, security headers on every response, split cookies,
and separation of duties on the case routes."""

from __future__ import annotations

import re

import pytest
from flask import session as flask_session
from sqlalchemy import select

from app import create_app
from app.cases import custody
from app.cases.intake import NewReport, submit_report
from app.crypto.envelope import new_case_key
from app.models import AuditEntry, KeyWrap
from tests.conftest import IsolatedClient, csrf_from, post_form, sign_in


def browser(app):  # type: ignore[no-untyped-def]
    return IsolatedClient(app, app.response_class, use_cookies=True)


# --- CSRF ---------------------------------------------------------------------


def test_a_form_without_a_csrf_token_is_refused(client, make_staff):
    staff = make_staff("intake")
    response = client.post("/medewerkers/inloggen",
                           data={"email": staff.email, "password": staff.password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<h1>' in html and "Traceback" not in html
    assert "Dit formulier is verlopen" in html  # the friendly Dutch text
    assert client.get("/medewerkers/").status_code == 302


def test_a_form_with_a_forged_csrf_token_is_refused(app, client, make_staff):
    staff = make_staff("intake")
    client.get("/medewerkers/inloggen")
    other = browser(app)
    stolen = csrf_from(other.get("/medewerkers/inloggen").get_data(as_text=True))
    for token in ("forged", stolen, stolen[:-2] + "xx"):
        response = client.post("/medewerkers/inloggen", data={
            "csrf_token": token, "email": staff.email, "password": staff.password})
        assert response.status_code == 400, token


def test_signed_in_forms_need_the_token_too(client, session, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    response = client.post("/medewerkers/uitloggen")
    assert response.status_code == 400
    assert client.get("/medewerkers/").status_code == 200  # still signed in
    response = client.post("/medewerkers/account/wachtwoord", data={
        "current": staff.password, "password": "x" * 20, "confirm": "x" * 20})
    assert response.status_code == 400


def test_reporter_forms_need_the_token(client):
    assert client.post("/taal/en", data={"next": "/"}).status_code == 400
    assert client.post("/postbus", data={"code": "AAAA-BBBB"}).status_code == 400


# --- headers ------------------------------------------------------------------


def _check_common_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives.get("default-src") == "'none'" or "sandbox" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/", "/melden", "/postbus", "/privacy", "/medewerkers/inloggen", "/bestaat-niet",
    "/medewerkers/bestaat-niet", "/static/meldpunt.css",
])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    _check_common_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # not in development/testing
    if not path.startswith("/static/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_staff_pages_are_not_cached(client, make_staff):
    sign_in(client, make_staff("intake"))
    for path in ("/medewerkers/", "/medewerkers/account", "/medewerkers/zaken/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        _check_common_headers(response)


def test_templates_have_no_inline_script_or_style(client, make_staff):
    pages = [client.get(p).get_data(as_text=True)
             for p in ("/", "/melden", "/postbus", "/medewerkers/inloggen")]
    sign_in(client, make_staff("admin"))
    pages.append(client.get("/medewerkers/beheer/gebruikers").get_data(as_text=True))
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


def test_hsts_and_secure_cookies_only_in_production(settings):
    production = settings.with_changes(
        env="production",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        secret_key="a-production-secret-that-is-long-enough-0123456789",
        password_hash=type(settings.password_hash)(),
        key_derivation=type(settings.key_derivation)(),
        receipt_derivation=type(settings.receipt_derivation)(),
    )
    app = create_app(production)
    try:
        response = app.test_client().get("/static/meldpunt.css")
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        app.extensions["meldpunt.engine"].dispose()


# --- split cookies --------------------------------------------------------------


@pytest.fixture()
def peek_app(app):  # type: ignore[no-untyped-def]
    """Test-only routes that show which session keys a request sees."""

    @app.route("/_test/session")
    def _reporter_session() -> dict:
        return {"keys": sorted(flask_session.keys())}

    @app.route("/medewerkers/_test/session")
    def _staff_session() -> dict:
        return {"keys": sorted(flask_session.keys())}

    return app


def test_cookie_names_paths_and_flags(peek_app, client, make_staff):
    post_form(client, "/taal/en", {"next": "/"}, page="/")
    reporter = client.get_cookie("meldpunt", path="/")
    assert reporter is not None and reporter.http_only and reporter.same_site == "Strict"
    sign_in(client, make_staff("intake"))
    staff = client.get_cookie("meldpunt_staff", path="/medewerkers")
    assert staff is not None and staff.http_only and staff.same_site == "Strict"
    assert staff.path == "/medewerkers"
    # The staff session holds nothing of the reporter side, and the other way round.
    assert "sid" not in client.get("/_test/session").json["keys"]
    assert "sid" in client.get("/medewerkers/_test/session").json["keys"]


def test_staff_cookie_is_not_accepted_on_reporter_pages(peek_app, client, make_staff):
    sign_in(client, make_staff("intake"))
    value = client.get_cookie("meldpunt_staff", path="/medewerkers").value
    other = browser(peek_app)
    other.set_cookie("meldpunt", value, path="/")
    assert other.get("/_test/session").json["keys"] == []


def test_reporter_cookie_is_not_accepted_on_staff_pages(peek_app, client, make_staff):
    post_form(client, "/taal/en", {"next": "/"}, page="/")
    value = client.get_cookie("meldpunt", path="/").value
    assert "lang" in client.get("/_test/session").json["keys"]
    other = browser(peek_app)
    other.set_cookie("meldpunt_staff", value, path="/medewerkers")
    assert other.get("/medewerkers/_test/session").json["keys"] == []


# --- separation of duties -------------------------------------------------------


def _case(session, rt, units):  # type: ignore[no-untyped-def]
    case, _code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        report={"what": "x"}, identity={"name": "Someone"},
    ))
    return case


def _case_urls(app, number: str) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/medewerkers/zaken"):
            continue
        values = {}
        for arg in rule.arguments:
            converter = rule._converters[arg].__class__.__name__  # noqa: SLF001
            values[arg] = 1 if converter == "IntegerConverter" else (
                number if arg == "number" else "x")
        path = rule.rule
        for arg, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admin_and_auditor_get_403_on_every_case_route(app, client, session, rt, units,
                                                        make_staff, role):
    case = _case(session, rt, units)
    sign_in(client, make_staff(role))
    token = csrf_from(client.get("/medewerkers/").get_data(as_text=True))
    urls = _case_urls(app, case.number)
    assert len(urls) >= 5
    for method, path in urls:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, path, response.status_code)
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).all()
    assert len(denied) == len(urls)


def test_a_refused_case_page_is_logged_under_the_case(client, session, rt, units, make_staff):
    """Issue #17, defect 7: filtering the audit log by a case shows every
    refused attempt on it, also the admin's (before: only the route name)."""
    case = _case(session, rt, units)
    admin = make_staff("admin")
    sign_in(client, admin)
    assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 403
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")).one()
    assert (denied.object_type, denied.object_id, denied.actor, denied.result) == (
        "case", case.number, f"user:{admin.user.id}", "denied")
    # A refused page that is not about a case still names its route.
    assert client.get("/medewerkers/zaken/").status_code == 403
    route = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied")
                            .order_by(AuditEntry.seq.desc())).first()
    assert route is not None and (route.object_type, route.object_id) == ("route", "cases.my_cases")


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admin_and_auditor_can_never_hold_a_wrap(session, rt, units, make_staff, role):
    case = _case(session, rt, units)
    outsider = make_staff(role)
    assert outsider.user.public_key is not None  # they have a key pair, but no case key
    with pytest.raises(custody.CustodyError):
        custody.wrap_for_user(session, rt, case, new_case_key(), outsider.user)
    wraps = session.scalars(select(KeyWrap.user_id).where(KeyWrap.case_id == case.id)).all()
    assert outsider.user.id not in wraps
    # Even a handed-over wrap would not open: open_case_key refuses non-handlers.
    with pytest.raises(custody.NoAccess):
        custody.open_case_key(session, case, outsider.user, None)


def test_a_new_case_is_wrapped_to_intake_officers_only(session, rt, units, make_staff):
    intake = make_staff("intake")
    admin = make_staff("admin")
    auditor = make_staff("auditor")
    vp = make_staff("vertrouwenspersoon")
    case = _case(session, rt, units)
    holders = set(session.scalars(select(KeyWrap.recipient).where(KeyWrap.case_id == case.id)))
    # And the reporter, through the key pair under the receipt code.
    assert holders == {f"user:{intake.user.id}", "recovery", "reporter"}
    assert f"user:{admin.user.id}" not in holders and f"user:{auditor.user.id}" not in holders
    assert f"user:{vp.user.id}" not in holders
