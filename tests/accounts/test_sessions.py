"""Staff sessions: a new id at sign-in, idle and absolute timeouts, sign-out
that ends the server-side session, and a password change that ends the
other sessions and re-protects the private key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.crypto.errors import WrongPassphrase
from app.crypto.keys import public_key_bytes, unlock_private_key
from app.models import StaffSession, User, utcnow
from tests.accounts.helpers import browser, let_totp_step_pass, staff_cookie, with_cookie
from tests.conftest import post_form, sign_in

HOME = "/medewerkers/"
NEW_PASSWORD = "another long sentence about tulips"  # noqa: S105


def _rows(session, user: User) -> list[StaffSession]:  # type: ignore[no-untyped-def]
    session.commit()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    return list(session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)))


def test_session_id_changes_at_sign_in(app, client, session, make_staff):
    staff = make_staff("intake")
    post_form(client, "/medewerkers/inloggen", {"email": staff.email, "password": staff.password})
    before_cookie = staff_cookie(client)
    [before] = _rows(session, staff.user)
    assert before.stage == "totp"
    before_id = before.id

    post_form(client, "/medewerkers/inloggen/code", {"code": staff.code()})
    assert client.get(HOME).status_code == 200
    [after] = _rows(session, staff.user)
    assert after.stage == "active"
    assert after.id != before_id
    assert staff_cookie(client) != before_cookie
    # A cookie planted before sign-in (fixation) does not ride along.
    assert with_cookie(app, before_cookie).get(HOME).status_code == 302


def test_the_database_holds_only_a_hash_of_the_session_token(client, session, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    [row] = _rows(session, staff.user)
    cookie = staff_cookie(client)
    assert row.id not in cookie
    assert row.sealed_private_key is not None


def test_idle_timeout(app, client, session, settings, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    assert client.get(HOME).status_code == 200
    [row] = _rows(session, staff.user)
    row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes - 1)
    session.commit()
    assert client.get(HOME).status_code == 200
    [row] = _rows(session, staff.user)
    row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    session.commit()
    response = client.get(HOME)
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    assert _rows(session, staff.user) == []  # the sealed key went with the row


def test_absolute_timeout(client, session, settings, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    [row] = _rows(session, staff.user)
    row.created_at = utcnow() - timedelta(hours=settings.session_absolute_hours, minutes=1)
    row.last_seen_at = utcnow()
    session.commit()
    assert client.get(HOME).status_code == 302
    assert _rows(session, staff.user) == []


def test_unfinished_sign_in_expires(client, session, settings, make_staff):
    staff = make_staff("intake")
    post_form(client, "/medewerkers/inloggen", {"email": staff.email, "password": staff.password})
    [row] = _rows(session, staff.user)
    row.created_at = utcnow() - timedelta(minutes=settings.sign_in_step_minutes + 1)
    session.commit()
    response = client.get("/medewerkers/inloggen/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")


def test_sign_out_ends_the_server_side_session(app, client, session, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    cookie = staff_cookie(client)
    assert with_cookie(app, cookie).get(HOME).status_code == 200
    response = post_form(client, "/medewerkers/uitloggen", {}, page=HOME)
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302
    assert _rows(session, staff.user) == []
    # The old cookie, replayed, is not signed in.
    assert with_cookie(app, cookie).get(HOME).status_code == 302


def _held_case(session, rt, units):  # type: ignore[no-untyped-def]
    case, _code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="advice", channel="anonymous",
        report={"what": "something happened"},
    ))
    return case


def test_password_change_ends_other_sessions_and_reprotects_the_key(
    app, client, session, rt, units, make_staff
):
    staff = make_staff("intake")
    case = _held_case(session, rt, units)
    sign_in(client, staff)
    other = browser(app)
    sign_in(other, staff, code=staff.code(1))
    assert other.get(HOME).status_code == 200
    public_before = staff.user.public_key

    response = post_form(client, "/medewerkers/account/wachtwoord", {
        "current": staff.password, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    # This browser goes on (with a fresh session), the other one is signed out.
    assert client.get(HOME).status_code == 200
    assert other.get(HOME).status_code == 302
    assert len(_rows(session, staff.user)) == 1

    user = session.get(User, staff.user.id)
    assert user.public_key == public_before  # same key pair, re-protected
    try:
        unlock_private_key(user.private_key_protected, staff.password)
        raise AssertionError("the old password still opens the private key")
    except WrongPassphrase:
        pass
    assert public_key_bytes(unlock_private_key(user.private_key_protected, NEW_PASSWORD)) == (
        public_before)
    # The case this user holds still opens, in this session and after a new sign-in.
    assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 200
    staff.password = NEW_PASSWORD
    let_totp_step_pass(session, staff.user)
    fresh = browser(app)
    sign_in(fresh, staff)
    assert fresh.get(f"/medewerkers/zaken/{case.number}").status_code == 200


def test_password_change_needs_the_current_password(client, session, make_staff):
    staff = make_staff("intake")
    sign_in(client, staff)
    response = post_form(client, "/medewerkers/account/wachtwoord", {
        "current": "not my password at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    user = session.get(User, staff.user.id)
    session.refresh(user)
    assert public_key_bytes(unlock_private_key(user.private_key_protected, staff.password))
    assert user.failed_logins == 1


def test_expired_sessions_of_others_are_purged_at_sign_in(app, client, session, settings,
                                                          make_staff):
    gone = make_staff("intake")
    halfway = make_staff("intake")
    sign_in(browser(app), gone)
    post_form(browser(app), "/medewerkers/inloggen",
              {"email": halfway.email, "password": halfway.password})
    [row] = _rows(session, gone.user)
    row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    [step] = _rows(session, halfway.user)
    step.created_at = utcnow() - timedelta(minutes=settings.sign_in_step_minutes + 1)
    session.commit()
    # Someone else signs in; the abandoned rows (with their sealed keys) go.
    sign_in(client, make_staff("intake"))
    assert _rows(session, gone.user) == []
    assert _rows(session, halfway.user) == []


def test_the_session_and_its_key_work_across_worker_processes(app, client, session, rt, units,
                                                              settings, make_staff):
    from app import create_app

    staff = make_staff("intake")
    case = _held_case(session, rt, units)
    sign_in(client, staff)
    # Another app instance on the same database and keys stands for another worker.
    other_worker = create_app(settings)
    try:
        replay = with_cookie(other_worker, staff_cookie(client))
        assert replay.get(HOME).status_code == 200
        assert replay.get(f"/medewerkers/zaken/{case.number}").status_code == 200
    finally:
        other_worker.extensions["meldpunt.engine"].dispose()


def test_neither_the_row_nor_the_cookie_alone_yields_the_key(app, client, session, make_staff):
    from app.accounts.sessions import SessionCookie, unlocked_private_key

    staff = make_staff("intake")
    sign_in(client, staff)
    [row] = _rows(session, staff.user)
    with app.test_request_context("/medewerkers/"):
        serializer = app.session_interface.get_signing_serializer(app)
        data = serializer.loads(staff_cookie(client))
    cookie = SessionCookie(token=data["sid"], secret=data["sk"])
    assert unlocked_private_key(row, cookie) is not None
    # The row with another secret (a guess) gives nothing.
    assert unlocked_private_key(row, SessionCookie(token=data["sid"], secret="A" * 43)) is None
    # The database holds neither the token nor the secret.
    assert row.id != data["sid"] and data["sk"].encode() not in (row.sealed_private_key or b"")
