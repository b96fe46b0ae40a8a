"""Staff sign-in: password and second factor, replay, recovery codes,
lockout counted in the database, and messages that reveal nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app import create_app
from app.models import AuditEntry, RecoveryCode, User, utcnow
from tests.accounts.helpers import browser
from tests.conftest import post_form, sign_in

HOME = "/medewerkers/"
LOGIN = "/medewerkers/inloggen"
CODE = "/medewerkers/inloggen/code"


def _password_step(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return post_form(client, LOGIN, {"email": email, "password": password})


def _flash(html: str) -> str:
    found = re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return " ".join(m.strip() for m in found)


def _reload(session, user: User) -> User:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(User, user.id)


def test_password_alone_gives_no_access_to_staff_pages(client, make_staff):
    staff = make_staff("intake")
    response = _password_step(client, staff.email, staff.password)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(CODE)
    home = client.get(HOME)
    assert home.status_code == 302
    assert home.headers["Location"].endswith(LOGIN)
    assert client.get("/medewerkers/account").status_code == 302


def test_password_and_totp_sign_in(client, make_staff):
    staff = make_staff("intake")
    response = sign_in(client, staff)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(HOME)
    home = client.get(HOME)
    assert home.status_code == 200
    assert staff.user.display_name in home.get_data(as_text=True) or "Sign out" in home.get_data(
        as_text=True) or "Uitloggen" in home.get_data(as_text=True)


def test_wrong_totp_code_is_refused(client, make_staff):
    staff = make_staff("intake")
    assert _password_step(client, staff.email, staff.password).status_code == 302
    good = staff.code()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = post_form(client, CODE, {"code": wrong})
    assert response.status_code == 401
    assert client.get(HOME).status_code == 302


def test_replayed_totp_code_is_refused(app, client, make_staff):
    staff = make_staff("intake")
    code = staff.code()
    assert sign_in(client, staff, code=code).status_code == 302
    # The same code again, from another browser, within its validity window.
    other = browser(app)
    assert _password_step(other, staff.email, staff.password).status_code == 302
    response = post_form(other, CODE, {"code": code})
    assert response.status_code == 401
    assert other.get(HOME).status_code == 302
    # An older code (one step back, inside the drift window) is refused as well.
    response = post_form(other, CODE, {"code": staff.code(-1)})
    assert response.status_code == 401


def test_recovery_code_works_once(app, client, session, rt, make_staff):
    from app.accounts import service

    staff = make_staff("intake")
    codes = service.replace_recovery_codes(session, rt, staff.user)
    session.commit()
    assert len(codes) == 10
    assert _password_step(client, staff.email, staff.password).status_code == 302
    # Upper case and without the dash are accepted.
    response = post_form(client, CODE, {"code": codes[0].upper().replace("-", "")})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    used = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == staff.user.id,
                                   RecoveryCode.used_at.is_not(None))
    ).all()
    assert len(used) == 1

    other = browser(app)
    assert _password_step(other, staff.email, staff.password).status_code == 302
    assert post_form(other, CODE, {"code": codes[0]}).status_code == 401
    assert other.get(HOME).status_code == 302
    # Only the hash is stored.
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(code not in stored and code.replace("-", "") not in stored for code in codes)


def test_wrong_passwords_are_counted_in_the_database_and_only_slow_down(
    app, settings, session, make_staff
):
    staff = make_staff("intake")
    # Two app instances on one database stand for two worker processes.
    other_app = create_app(settings)
    clients = [browser(app), browser(other_app)]
    attempts = settings.login_lock_after + 3
    try:
        for attempt in range(attempts):
            response = _password_step(clients[attempt % 2], staff.email, "wrong password 123456")
            assert response.status_code == 401
            user = _reload(session, staff.user)
            assert user.failed_logins == attempt + 1
            # Pretend the slow-down wait has passed.
            user.locked_until = None
            session.commit()
        response = _password_step(clients[0], staff.email, "wrong password 123456")
    finally:
        other_app.extensions["meldpunt.engine"].dispose()

    user = _reload(session, staff.user)
    assert user.locked_until is not None
    assert user.locked_until - utcnow() <= timedelta(seconds=settings.login_max_wait_seconds)
    # Wrong passwords never lock: no "account.locked", the owner's codes uncounted.
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "account.locked" not in actions
    assert actions.count("signin.password") == attempts + 1
    assert user.failed_second_factors == 0


def test_a_strangers_wrong_passwords_keep_the_owner_out_no_longer_than_the_cap(
    client, app, settings, session, make_staff, monkeypatch
):
    """Issue #25: six wrong passwords from anyone used to lock the owner out
    for 15 minutes. Now every wait is at most login_max_wait_seconds, refused
    tries do not lengthen it, and the owner gets in once it has passed."""
    from app.accounts import service

    staff = make_staff("intake")
    clock = [utcnow()]
    monkeypatch.setattr(service, "utcnow", lambda: clock[0])
    cap = timedelta(seconds=settings.login_max_wait_seconds)
    stranger = browser(app)
    for _ in range(50):
        assert _password_step(stranger, staff.email, "wrong password 123456").status_code == 401
        user = _reload(session, staff.user)
        if user.locked_until is not None:
            assert user.locked_until - clock[0] <= cap
            # Tries during the wait are refused unchecked and change nothing.
            waits_until = user.locked_until
            for _ in range(3):
                assert _password_step(stranger, staff.email, "other guess 1234567").status_code \
                    == 401
            assert _reload(session, staff.user).locked_until == waits_until
            clock[0] = waits_until
    # The stranger's last wrong password; the owner comes at most the cap later.
    assert _password_step(stranger, staff.email, "wrong password 123456").status_code == 401
    clock[0] += cap
    assert sign_in(client, staff).status_code == 302
    assert client.get(HOME).status_code == 200
    user = _reload(session, staff.user)
    assert user.failed_logins == 0 and user.locked_until is None
    denied = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "signin.password", AuditEntry.result == "denied")).all()
    assert len(denied) >= 3 * 40


def test_a_strangers_wrong_password_does_not_stop_the_owner_at_the_code_step(
    app, client, session, make_staff
):
    staff = make_staff("intake")
    assert _password_step(client, staff.email, staff.password).status_code == 302
    stranger = browser(app)
    for _ in range(6):
        _password_step(stranger, staff.email, "wrong password 123456")
    assert _reload(session, staff.user).locked_until is not None
    assert post_form(client, CODE, {"code": staff.code()}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_failures_slow_down_before_the_lock(client, settings, session, make_staff):
    staff = make_staff("intake")
    for _ in range(settings.login_slowdown_after):
        assert _password_step(client, staff.email, "wrong password 123456").status_code == 401
    user = _reload(session, staff.user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert user.locked_until - utcnow() < timedelta(minutes=1)
    assert _password_step(client, staff.email, staff.password).status_code == 401


def _lock(session, user: User) -> None:  # type: ignore[no-untyped-def]
    user = _reload(session, user)
    user.failed_logins = 5
    user.locked_until = utcnow() + timedelta(minutes=15)
    session.commit()


def test_lock_expires(client, session, make_staff):
    staff = make_staff("intake")
    _lock(session, staff.user)
    assert _password_step(client, staff.email, staff.password).status_code == 401
    user = _reload(session, staff.user)
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert sign_in(client, staff).status_code == 302
    assert client.get(HOME).status_code == 200
    user = _reload(session, staff.user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_admin_can_lift_a_lock(app, client, session, make_staff):
    staff = make_staff("intake")
    admin = make_staff("admin")
    _lock(session, staff.user)
    admin_client = browser(app)
    sign_in(admin_client, admin)
    page = f"/medewerkers/beheer/gebruikers/{staff.user.id}"
    response = post_form(admin_client, f"{page}/deblokkeren", {}, page=page)
    assert response.status_code == 302
    user = _reload(session, staff.user)
    assert user.locked_until is None and user.failed_logins == 0
    assert sign_in(client, staff).status_code == 302
    assert client.get(HOME).status_code == 200
    assert "admin.user_unlocked" in session.scalars(select(AuditEntry.action)).all()


def test_messages_do_not_reveal_whether_an_account_exists(app, session, make_staff):
    staff = make_staff("intake")
    disabled = make_staff("intake")
    user = _reload(session, disabled.user)
    user.active = False
    session.commit()
    locked = make_staff("intake")
    _lock(session, locked.user)

    responses = [
        _password_step(browser(app), "nobody@example.test", "some password 12345"),
        _password_step(browser(app), staff.email, "some password 12345"),
        _password_step(browser(app), disabled.email, disabled.password),
        _password_step(browser(app), locked.email, locked.password),
    ]
    statuses = {r.status_code for r in responses}
    messages = {_flash(r.get_data(as_text=True)) for r in responses}
    assert statuses == {401}
    assert len(messages) == 1 and messages != {""}
    # The pages differ only in the echoed e-mail address and the CSRF token.
    def scrub(r, email):  # type: ignore[no-untyped-def]
        html = r.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'value="[^"]*"', 'value=""', html)

    emails = ["nobody@example.test", staff.email, disabled.email, locked.email]
    assert len({scrub(r, e) for r, e in zip(responses, emails, strict=True)}) == 1


def test_a_disabled_account_can_not_sign_in(client, session, make_staff):
    staff = make_staff("intake")
    user = _reload(session, staff.user)
    user.active = False
    session.commit()
    assert _password_step(client, staff.email, staff.password).status_code == 401


def test_guessing_the_second_factor_locks_the_account(client, session, settings, make_staff):
    staff = make_staff("intake")
    assert _password_step(client, staff.email, staff.password).status_code == 302
    good = staff.code()
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    for _ in range(settings.login_lock_after):
        post_form(client, CODE, {"code": wrong})
        user = _reload(session, staff.user)
        if user.failed_second_factors < settings.login_lock_after:
            user.locked_until = None  # pretend the slow-down wait has passed
            session.commit()
    user = _reload(session, staff.user)
    # Wrong codes are counted apart from wrong passwords: only these lock.
    assert user.failed_second_factors == settings.login_lock_after
    assert user.locked_until - utcnow() > timedelta(minutes=settings.login_lock_minutes - 1)
    assert "account.locked" in session.scalars(select(AuditEntry.action)).all()
    assert user.locked_until is not None and user.locked_until > utcnow()
    # Now not even the right code gets in.
    assert post_form(client, CODE, {"code": good}).status_code == 401
    assert client.get(HOME).status_code == 302
