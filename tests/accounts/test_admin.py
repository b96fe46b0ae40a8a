"""The functional administrator's user management, and `meldpunt user create`."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.models import AuditEntry, RecoveryCode, StaffSession, User
from app.vocabulary import UnitKind
from tests.accounts.helpers import browser, let_totp_step_pass, text_of
from tests.conftest import post_form, sign_in

USERS = "/medewerkers/beheer/gebruikers"


def _admin_client(app, client, make_staff):  # type: ignore[no-untyped-def]
    admin = make_staff("admin")
    sign_in(client, admin)
    return admin


def _user(session, user_id: int) -> User:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(User, user_id)


def _actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEntry.action)))


def test_only_admins_reach_the_user_pages(app, client, make_staff):
    for role in ("intake", "auditor", "icc"):
        other = browser(app)
        sign_in(other, make_staff(role))
        assert other.get(USERS).status_code == 403
        assert other.get(f"{USERS}/nieuw").status_code == 403
    anonymous = browser(app)
    assert anonymous.get(USERS).status_code == 302


def test_admin_creates_a_user(app, client, session, make_staff, units):
    _admin_client(app, client, make_staff)
    assert client.get(USERS).status_code == 200
    response = post_form(client, f"{USERS}/nieuw", {
        "email": "Nieuwe.Collega@Example.test", "display_name": "Nieuwe Collega",
        "unit": units["igj"].id, "roles": ["vertrouwenspersoon", "integriteitscoordinator"],
        "active": "y",
    })
    assert response.status_code == 200
    temporary = text_of(response.get_data(as_text=True), "temporary-password")
    user = session.scalar(select(User).where(User.email == "nieuwe.collega@example.test"))
    assert user is not None and user.unit_id == units["igj"].id
    assert user.roles == {"vertrouwenspersoon", "integriteitscoordinator"}
    assert user.must_change_password and temporary not in user.password_hash
    assert "admin.user_created" in _actions(session)


def test_admin_can_not_combine_admin_or_auditor_with_handler_roles(
    app, client, session, make_staff, units
):
    _admin_client(app, client, make_staff)
    for roles in (["admin", "intake"], ["auditor", "vertrouwenspersoon"]):
        response = post_form(client, f"{USERS}/nieuw", {
            "email": "dubbel@example.test", "display_name": "Dubbel",
            "unit": units["cibg"].id, "roles": roles, "active": "y",
        })
        assert response.status_code == 200
        assert "temporary-password" not in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == "dubbel@example.test")) is None


def test_admin_can_not_create_a_second_account_for_an_address(
    app, client, session, make_staff, units
):
    _admin_client(app, client, make_staff)
    existing = make_staff("intake")
    response = post_form(client, f"{USERS}/nieuw", {
        "email": existing.email.upper(), "display_name": "Twee",
        "unit": units["cibg"].id, "roles": ["intake"], "active": "y",
    })
    assert "temporary-password" not in response.get_data(as_text=True)


def test_admin_edits_roles_and_unit(app, client, session, make_staff, units):
    _admin_client(app, client, make_staff)
    staff = make_staff("intake")
    page = f"{USERS}/{staff.user.id}"
    response = post_form(client, page, {
        "email": staff.email, "display_name": "Renamed", "unit": units["rivm"].id,
        "roles": ["vertrouwenspersoon"], "active": "y",
    })
    assert response.status_code == 302
    user = _user(session, staff.user.id)
    assert user.display_name == "Renamed" and user.unit_id == units["rivm"].id
    assert user.roles == {"vertrouwenspersoon"}
    assert "admin.user_updated" in _actions(session)


def test_disabling_a_user_ends_their_sessions(app, client, session, make_staff, units):
    _admin_client(app, client, make_staff)
    staff = make_staff("intake")
    theirs = browser(app)
    sign_in(theirs, staff)
    assert theirs.get("/medewerkers/").status_code == 200
    response = post_form(client, f"{USERS}/{staff.user.id}", {
        "email": staff.email, "display_name": "Gone", "unit": units["kerndepartement"].id,
        "roles": ["intake"],  # "active" unchecked
    })
    assert response.status_code == 302
    assert not _user(session, staff.user.id).active
    assert theirs.get("/medewerkers/").status_code == 302
    assert session.scalar(select(StaffSession).where(StaffSession.user_id == staff.user.id)) is None
    let_totp_step_pass(session, staff.user)
    again = browser(app)
    assert post_form(again, "/medewerkers/inloggen",
                     {"email": staff.email, "password": staff.password}).status_code == 401


def test_admin_can_not_disable_or_demote_themselves(app, client, session, make_staff, units):
    admin = _admin_client(app, client, make_staff)
    post_form(client, f"{USERS}/{admin.user.id}", {
        "email": admin.email, "display_name": "Me", "unit": units["kerndepartement"].id,
        "roles": ["admin"],
    })
    post_form(client, f"{USERS}/{admin.user.id}", {
        "email": admin.email, "display_name": "Me", "unit": units["kerndepartement"].id,
        "roles": ["auditor"], "active": "y",
    })
    user = _user(session, admin.user.id)
    assert user.active and user.roles == {"admin"}


def test_admin_resets_a_password(app, client, session, rt, make_staff, units):
    _admin_client(app, client, make_staff)
    staff = make_staff("intake")
    theirs = browser(app)
    sign_in(theirs, staff)
    old_fingerprint = staff.user.key_fingerprint
    page = f"{USERS}/{staff.user.id}"
    response = post_form(client, f"{page}/wachtwoord-herstellen", {}, page=page)
    assert response.status_code == 200
    temporary = text_of(response.get_data(as_text=True), "temporary-password")
    user = _user(session, staff.user.id)
    assert user.must_change_password and user.private_key_protected is None
    assert user.public_key is None
    # Signed out everywhere; the old password no longer works.
    assert theirs.get("/medewerkers/").status_code == 302
    let_totp_step_pass(session, staff.user)
    assert post_form(browser(app), "/medewerkers/inloggen",
                     {"email": staff.email, "password": staff.password}).status_code == 401
    # The temporary password, the second factor, then an own password and a new key pair.
    let_totp_step_pass(session, staff.user)
    fresh = browser(app)
    assert post_form(fresh, "/medewerkers/inloggen",
                     {"email": staff.email, "password": temporary}).status_code == 302
    response = post_form(fresh, "/medewerkers/inloggen/code", {"code": staff.code()})
    assert response.headers["Location"].endswith("/medewerkers/inloggen/wachtwoord")
    assert fresh.get("/medewerkers/").status_code == 302
    new_password = "a brand new sentence for the key"  # noqa: S105
    response = post_form(fresh, "/medewerkers/inloggen/wachtwoord",
                         {"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert fresh.get("/medewerkers/").status_code == 200
    user = _user(session, staff.user.id)
    assert user.key_fingerprint is not None and user.key_fingerprint != old_fingerprint
    assert "admin.password_reset" in _actions(session)


def test_admin_resets_the_second_factor(app, client, session, rt, make_staff, units):
    _admin_client(app, client, make_staff)
    staff = make_staff("intake")
    case, _code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="advice", channel="anonymous",
        report={"what": "x"}))
    page = f"{USERS}/{staff.user.id}"
    response = post_form(client, f"{page}/tweede-factor-herstellen", {}, page=page)
    assert response.status_code == 302
    user = _user(session, staff.user.id)
    assert user.totp_secret_encrypted is None and user.totp_enrolled_at is None
    assert session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id)) is None
    assert "admin.second_factor_reset" in _actions(session)

    theirs = browser(app)
    response = post_form(theirs, "/medewerkers/inloggen",
                         {"email": staff.email, "password": staff.password})
    assert response.headers["Location"].endswith("/medewerkers/inloggen/koppelen")
    html = theirs.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    secret = text_of(html, "totp-secret").replace(" ", "")
    assert secret != staff.totp_secret
    response = post_form(theirs, "/medewerkers/inloggen/koppelen",
                         {"code": pyotp.TOTP(secret).now()})
    html = response.get_data(as_text=True)
    assert len(re.findall(r"<li>[a-z0-9]{5}-[a-z0-9]{5}</li>", html)) == 10
    # The password (and so the key) is unchanged: cases stay open to them.
    assert theirs.get("/medewerkers/").status_code == 200
    assert theirs.get(f"/medewerkers/zaken/{case.number}").status_code == 200


# --- meldpunt user create -------------------------------------------------------


def test_cli_user_create_shows_a_generated_password_once(app, session, units):
    result = app.test_cli_runner().invoke(args=[
        "user", "create", "--email", "cli@example.test", "--role", "intake",
        "--role", "vertrouwenspersoon", "--unit", "cibg",
    ])
    assert result.exit_code == 0, result.output
    match = re.search(r"Initial password.*: (\S+)", result.output)
    assert match
    user = session.scalar(select(User).where(User.email == "cli@example.test"))
    assert user.roles == {"intake", "vertrouwenspersoon"} and user.must_change_password
    from app.accounts.passwords import verify_password

    assert verify_password(user.password_hash, match.group(1), app.extensions[
        "meldpunt.settings"].password_hash)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.user_created"))
    assert entry.origin == "cli"


def test_cli_user_create_reads_the_password_from_stdin(app, session, units):
    result = app.test_cli_runner().invoke(args=[
        "user", "create", "--email", "lezer@example.test", "--role", "auditor",
        "--unit", "kerndepartement", "--password-stdin",
    ], input="a long enough stdin password\n")
    assert result.exit_code == 0, result.output
    assert "Initial password" not in result.output
    user = session.scalar(select(User).where(User.email == "lezer@example.test"))
    from app.accounts.passwords import verify_password

    assert verify_password(user.password_hash, "a long enough stdin password",
                           app.extensions["meldpunt.settings"].password_hash)


def test_cli_user_create_refuses_bad_input(app, session, units):
    runner = app.test_cli_runner()
    cases = [
        ["--email", "a@example.test", "--role", "wizard", "--unit", "cibg"],
        ["--email", "b@example.test", "--role", "intake", "--unit", "nowhere"],
        ["--email", "c@example.test", "--role", "admin", "--role", "intake", "--unit", "cibg"],
        ["--email", "not-an-address", "--role", "intake", "--unit", "cibg"],
    ]
    for args in cases:
        result = runner.invoke(args=["user", "create", *args])
        assert result.exit_code != 0, args
    result = runner.invoke(args=["user", "create", "--email", "d@example.test", "--role",
                                 "intake", "--unit", "cibg", "--password-stdin"],
                           input="short\n")
    assert result.exit_code != 0
    assert session.scalars(select(User.email)).all() == []


def test_the_unit_choice_tells_the_pools_of_external_and_central_counsellors_apart(
        client, session, make_staff, units):
    """A VP is external or central by the kind of their unit (issue #17,
    defect 4): the admin sees which unit is which when choosing it."""
    assert units["centraal"].kind == UnitKind.CENTRAL
    sign_in(client, make_staff("admin"))
    html = client.get(f"{USERS}/nieuw", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"{units['centraal'].name} (central confidential counsellors)" in html
    assert "Externe vertrouwenspersonen (external confidential counsellors)" in html
    assert "Kerndepartement (ministry unit)" in html
