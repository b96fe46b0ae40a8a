"""Small helpers shared by the account tests."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import IsolatedClient

STAFF_COOKIE = "meldpunt_staff"
STAFF_PATH = "/medewerkers"


def browser(app: Flask) -> IsolatedClient:
    """Another browser: its own cookies, each request in a fresh context."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


def staff_cookie(client) -> str | None:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie(STAFF_COOKIE, path=STAFF_PATH)
    return cookie.value if cookie is not None else None


def with_cookie(app: Flask, value: str) -> IsolatedClient:
    """A fresh browser that presents a (copied) staff cookie."""
    other = browser(app)
    other.set_cookie(STAFF_COOKIE, value, path=STAFF_PATH)
    return other


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element #{element_id}"
    return match.group(1).strip()


def let_totp_step_pass(session, user) -> None:  # type: ignore[no-untyped-def]
    """Pretend the 30-second step of the last code has passed, so a test can
    sign the same user in again without waiting (replay protection stays)."""
    from app.models import User

    session.expire_all()
    session.get(User, user.id).totp_last_step = None
    session.commit()
