"""First sign-in of an account an admin created: temporary password, second
factor with a QR code and the secret in text, recovery codes, the user's own
password, and a key pair protected by it."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.crypto.keys import fingerprint, public_key_bytes, unlock_private_key
from app.models import AuditEntry, RecoveryCode, StaffSession, User
from tests.accounts.helpers import browser, text_of
from tests.conftest import post_form, sign_in

NEW_PASSWORD = "a quiet river under seven bridges"  # noqa: S105


def _create_by_admin(app, client, make_staff, units, email="nieuw@example.test"):  # type: ignore[no-untyped-def]
    admin = make_staff("admin")
    sign_in(client, admin)
    response = post_form(client, "/medewerkers/beheer/gebruikers/nieuw", {
        "email": email, "display_name": "Nina Nieuw", "unit": units["cibg"].id,
        "roles": ["intake"], "active": "y",
    })
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return text_of(response.get_data(as_text=True), "temporary-password")


def test_first_sign_in_enrols_totp_recovery_codes_password_and_key_pair(
    app, client, session, make_staff, units
):
    temporary = _create_by_admin(app, client, make_staff, units)
    user = session.scalar(select(User).where(User.email == "nieuw@example.test"))
    assert user.must_change_password and user.public_key is None
    assert user.totp_enrolled_at is None

    newcomer = browser(app)
    response = post_form(newcomer, "/medewerkers/inloggen",
                         {"email": "nieuw@example.test", "password": temporary})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/medewerkers/inloggen/koppelen")
    # Not signed in yet.
    assert newcomer.get("/medewerkers/").status_code == 302

    page = newcomer.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    assert "<svg" in page  # the QR code, rendered server-side
    assert "http" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", page.split("<svg", 1)[1].split(
        "</svg>", 1)[0])
    secret = text_of(page, "totp-secret").replace(" ", "")
    assert len(secret) == 32
    # Reloading shows the same secret (it is kept with the sign-in, encrypted).
    again = newcomer.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    assert text_of(again, "totp-secret").replace(" ", "") == secret
    session.expire_all()
    pending = session.scalars(select(StaffSession.pending_totp_secret)).all()
    assert all(secret.encode() not in (blob or b"") for blob in pending)

    response = post_form(newcomer, "/medewerkers/inloggen/koppelen",
                         {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", html)
    assert len(codes) == 10
    assert "/medewerkers/inloggen/wachtwoord" in html
    # Still not signed in: the temporary password must be replaced first.
    assert newcomer.get("/medewerkers/").status_code == 302

    response = post_form(newcomer, "/medewerkers/inloggen/wachtwoord",
                         {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert newcomer.get("/medewerkers/").status_code == 200

    session.expire_all()
    user = session.get(User, user.id)
    assert not user.must_change_password
    assert user.totp_enrolled_at is not None
    assert user.public_key is not None and user.private_key_protected is not None
    assert user.key_fingerprint == fingerprint(user.public_key)
    # The private key opens with the user's own password, not the temporary one.
    private_key = unlock_private_key(user.private_key_protected, NEW_PASSWORD)
    assert public_key_bytes(private_key) == user.public_key
    assert session.scalar(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id)) is not None
    actions = session.scalars(select(AuditEntry.action)).all()
    for action in ("admin.user_created", "mfa.enrolled", "keys.created", "password.set",
                   "signin.success"):
        assert action in actions


def test_temporary_password_no_longer_works_after_enrolment(
    app, client, session, make_staff, units
):
    temporary = _create_by_admin(app, client, make_staff, units)
    newcomer = browser(app)
    post_form(newcomer, "/medewerkers/inloggen",
              {"email": "nieuw@example.test", "password": temporary})
    page = newcomer.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    secret = text_of(page, "totp-secret").replace(" ", "")
    post_form(newcomer, "/medewerkers/inloggen/koppelen", {"code": pyotp.TOTP(secret).now()})
    post_form(newcomer, "/medewerkers/inloggen/wachtwoord",
              {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    later = browser(app)
    response = post_form(later, "/medewerkers/inloggen",
                         {"email": "nieuw@example.test", "password": temporary})
    assert response.status_code == 401


def test_own_password_must_follow_the_policy_and_differ_from_the_temporary_one(
    app, client, session, make_staff, units
):
    temporary = _create_by_admin(app, client, make_staff, units)
    newcomer = browser(app)
    post_form(newcomer, "/medewerkers/inloggen",
              {"email": "nieuw@example.test", "password": temporary})
    page = newcomer.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    secret = text_of(page, "totp-secret").replace(" ", "")
    post_form(newcomer, "/medewerkers/inloggen/koppelen", {"code": pyotp.TOTP(secret).now()})
    for refused in ("short", "password1234", temporary):
        response = post_form(newcomer, "/medewerkers/inloggen/wachtwoord",
                             {"password": refused, "confirm": refused})
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
        assert newcomer.get("/medewerkers/").status_code == 302
    session.expire_all()
    assert session.scalar(select(User).where(User.email == "nieuw@example.test")).public_key is None


def test_wrong_enrolment_code_is_refused(app, client, session, make_staff, units):
    temporary = _create_by_admin(app, client, make_staff, units)
    newcomer = browser(app)
    post_form(newcomer, "/medewerkers/inloggen",
              {"email": "nieuw@example.test", "password": temporary})
    page = newcomer.get("/medewerkers/inloggen/koppelen").get_data(as_text=True)
    secret = text_of(page, "totp-secret").replace(" ", "")
    good = pyotp.TOTP(secret).now()
    response = post_form(newcomer, "/medewerkers/inloggen/koppelen",
                         {"code": f"{(int(good) + 1) % 1_000_000:06d}"})
    assert response.status_code == 200
    assert "totp-secret" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(
        select(User).where(User.email == "nieuw@example.test")).totp_enrolled_at is None
