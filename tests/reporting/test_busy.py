"""When key derivation is saturated (issue #26): a request that needs Argon2id
and can not get a turn in time gets a calm 503 page with Retry-After that
keeps what was typed — for the report form the review page with every field,
ready to send again; never a lost report, never a half-stored one. Requests
that need no key derivation are served meanwhile."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Case, Receipt
from app.runtime import Runtime
from tests.conftest import PASSWORD, csrf_from, post_form, send_token_from
from tests.reporting.conftest import receipt_code, report_fields, review, send

pytestmark = pytest.mark.settings(kdf_max_concurrent=1, kdf_wait_seconds=0.1)

BUSY = "Many people are using Meldpunt at this moment"


def _stored(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(select(func.count()).select_from(Receipt)) or 0)


def _hidden(html: str, name: str) -> str | None:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else None


def test_a_report_sent_while_key_derivation_is_saturated_keeps_everything_typed(
        client: FlaskClient, session: Session, rt: Runtime, units):
    fields = report_fields(units, what="Mijn teamleider & ik: al maanden <gedoe> in het overleg.")
    with rt.kdf_gate.admit(rt.settings.receipt_derivation.memory_kib):
        # Checking the report needs no key derivation: it is not held up.
        assert review(client, fields).status_code == 200
        busy = send(client, fields)
    html = busy.get_data(as_text=True)
    assert busy.status_code == 503
    assert int(busy.headers["Retry-After"]) >= 1
    assert BUSY in html
    assert "Your report has not been sent yet" in html
    # Every field is shown and carried, escaped, ready to send again.
    typed = "Mijn teamleider &amp; ik: al maanden &lt;gedoe&gt; in het overleg."
    assert typed in html
    for name in ("what", "when", "where", "involved", "witnesses", "track", "unit",
                 "category", "subcategory", "identity"):
        assert _hidden(html, name) is not None, name
    assert _hidden(html, "what") == typed
    assert _stored(session) == (0, 0)

    # Sent again from that page once there is room: the report is stored.
    data = {name: _hidden(html, name) for name in fields}
    data = {k: v.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            for k, v in data.items() if v is not None}
    again = client.post("/melden", data={"csrf_token": csrf_from(html),
                                         "send_token": send_token_from(html),
                                         "step": "send", **data},
                        content_type="multipart/form-data")
    assert again.status_code == 200, again.get_data(as_text=True)[:2000]
    assert receipt_code(again)
    assert _stored(session) == (1, 1)


def test_a_mailbox_sign_in_while_saturated_gets_the_busy_page_without_its_code(
        client: FlaskClient, rt: Runtime, units):
    code = receipt_code(send(client, report_fields(units)))
    html = client.get("/postbus").get_data(as_text=True)
    with rt.kdf_gate.admit(rt.settings.receipt_derivation.memory_kib):
        busy = client.post("/postbus", data={"csrf_token": csrf_from(html), "code": code})
    page = busy.get_data(as_text=True)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"]
    assert BUSY in page
    # The code is never written into a page; the reporter types it again.
    assert code not in page and code.replace("-", "") not in page
    assert 'action="/postbus"' in page


def test_a_staff_sign_in_while_saturated_keeps_the_address_not_the_password(
        client: FlaskClient, rt: Runtime, make_staff):
    staff = make_staff("intake")
    with rt.kdf_gate.admit(rt.settings.password_hash.memory_kib):
        busy = post_form(client, "/medewerkers/inloggen",
                         {"email": staff.email, "password": staff.password})
    page = busy.get_data(as_text=True)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"]
    assert BUSY in page
    assert PASSWORD not in page
    assert _hidden(page, "email") == staff.email
    assert _hidden(page, "password") is None


def test_pages_without_key_derivation_are_served_while_it_is_saturated(
        client: FlaskClient, rt: Runtime, units):
    with rt.kdf_gate.admit(rt.settings.receipt_derivation.memory_kib):
        for url in ("/", "/melden", "/postbus", "/medewerkers/inloggen"):
            assert client.get(url).status_code == 200, url
