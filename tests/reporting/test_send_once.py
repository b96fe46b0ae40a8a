"""A report form is sent once (issue #21, defect 1): reloading the receipt
page, pull-to-refresh or a double click sends the same form again, and that
creates nothing — no second case, no second code — and says in plain words
that the report was already sent and its code was shown once."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases import intake
from app.cases.intake import AlreadySent, NewReport, purge_send_tokens, submit_report
from app.models import Case, Receipt, SendToken, utcnow
from app.retention.sweep import run_sweep
from app.web.extensions import db
from tests.conftest import csrf_from, send_token_from
from tests.reporting.conftest import receipt_code, report_fields, review

CODE_RE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def _send_data(client: FlaskClient, fields: dict) -> dict:
    """The body the browser posts from the review page: what a reload repeats."""
    html = review(client, fields).get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "send_token": send_token_from(html),
            "step": "send", **fields}


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(select(func.count()).select_from(Receipt)) or 0)


def test_sending_the_same_form_twice_makes_one_case_and_one_receipt(client, session, units):
    data = _send_data(client, report_fields(units))
    first = client.post("/melden", data=data, content_type="multipart/form-data")
    assert first.status_code == 200
    code = receipt_code(first)

    again = client.post("/melden", data=data, content_type="multipart/form-data")
    assert _counts(session) == (1, 1)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "This report was already sent" in html
    assert "shown once" in html
    # No code at all: not the first one, not a new one; not in the page,
    # its title, a redirect (history) or a cookie.
    assert code not in html and not CODE_RE.search(html)
    assert again.headers.get("Location") is None
    assert all(code not in c for c in again.headers.getlist("Set-Cookie"))
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and not CODE_RE.search(title.group(1))


def test_the_second_send_answers_in_plain_dutch(app, session, units):
    dutch = app.test_client()  # no Accept-Language: Dutch, the default
    data = _send_data(dutch, report_fields(units))
    dutch.post("/melden", data=data, content_type="multipart/form-data")
    again = dutch.post("/melden", data=data, content_type="multipart/form-data")
    html = again.get_data(as_text=True)
    assert "Deze melding is al verstuurd" in html
    assert "één keer getoond" in html
    assert not CODE_RE.search(html)
    assert _counts(session) == (1, 1)


def test_every_form_gets_its_own_unguessable_token_and_keeps_it_to_the_end(client, units):
    first = send_token_from(client.get("/melden").get_data(as_text=True))
    second = send_token_from(client.get("/melden").get_data(as_text=True))
    assert first != second and len(first) >= 43  # 256 random bits, url-safe
    fields = report_fields(units)
    html = client.get("/melden").get_data(as_text=True)
    token = send_token_from(html)
    reviewed = client.post("/melden", data={"csrf_token": csrf_from(html), "send_token": token,
                                            "step": "review", **fields})
    assert send_token_from(reviewed.get_data(as_text=True)) == token
    edited = client.post("/melden", data={"csrf_token": csrf_from(html), "send_token": token,
                                          "step": "edit", **fields})
    assert send_token_from(edited.get_data(as_text=True)) == token
    # The token travels in the form body only: never in a URL or a cookie.
    assert token not in (reviewed.headers.get("Location") or "")
    assert all(token not in c for c in reviewed.headers.getlist("Set-Cookie"))


def test_a_changed_and_sent_again_form_is_still_the_same_report(client, session, units):
    data = _send_data(client, report_fields(units))
    assert client.post("/melden", data=data, content_type="multipart/form-data").status_code == 200
    # Back to the form, change the text, send again: the same form instance.
    changed = {**data, "what": "Nog een keer, iets anders verteld."}
    again = client.post("/melden", data=changed, content_type="multipart/form-data")
    assert again.status_code == 409
    assert _counts(session) == (1, 1)


def test_a_send_without_a_valid_token_creates_nothing_and_offers_a_fresh_one(client, session,
                                                                             units):
    data = _send_data(client, report_fields(units))
    for bad in ("", "kort", "x" * 43 + "!", "a" * 200):
        response = client.post("/melden", data={**data, "send_token": bad},
                               content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Check your report and press" in html
        fresh = send_token_from(html)
        assert fresh not in ("", bad) and fresh != data["send_token"]
    assert _counts(session) == (0, 0)
    # The fresh token sends it.
    sent = client.post("/melden", data={**data, "send_token": fresh},
                       content_type="multipart/form-data")
    assert sent.status_code == 200 and receipt_code(sent)
    assert _counts(session) == (1, 1)


def test_the_token_is_kept_only_as_a_keyed_hash_by_day_without_a_link_to_the_case(
        client, session, units):
    data = _send_data(client, report_fields(units))
    client.post("/melden", data=data, content_type="multipart/form-data")
    rows = session.scalars(select(SendToken)).all()
    assert len(rows) == 1
    row = rows[0]
    token = data["send_token"]
    assert token.encode() not in row.digest and len(row.digest) == 32
    assert row.digest != hashlib.sha256(token.encode()).digest()  # keyed, not a bare hash
    assert row.sent_on == utcnow().date()  # a day, never a time
    assert set(SendToken.__table__.columns.keys()) == {"digest", "sent_on"}  # no case link


def _new_report(units) -> NewReport:  # type: ignore[no-untyped-def]
    return NewReport(unit_id=units["kerndepartement"].id, track="report", channel="anonymous",
                     report={"what": "Het gebeurde weer."})


def test_a_used_token_creates_nothing_in_the_domain(session, rt, units):
    token = intake.new_send_token()
    submit_report(session, rt, _new_report(units), send_token=token)
    with pytest.raises(AlreadySent):
        submit_report(session, rt, _new_report(units), send_token=token)
    assert _counts(session) == (1, 1)


def test_the_database_refuses_a_second_use_when_the_check_before_was_passed(session, rt, units,
                                                                            monkeypatch):
    """The double-click race: both requests pass the look-up before either
    commits. The unique key on the digest, not the look-up, stops the second."""
    token = intake.new_send_token()
    submit_report(session, rt, _new_report(units), send_token=token)
    monkeypatch.setattr(intake, "_token_used", lambda *_args: False)
    with pytest.raises(AlreadySent):
        submit_report(session, rt, _new_report(units), send_token=token)
    assert _counts(session) == (1, 1)


def test_two_simultaneous_sends_of_one_form_make_one_case(app, session, rt, units):
    token = intake.new_send_token()
    unit_id = units["kerndepartement"].id
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run() -> None:
        with app.app_context():
            own = Session(bind=db.engine)
            try:
                barrier.wait()
                submit_report(own, rt, NewReport(unit_id=unit_id, track="report",
                                                 channel="anonymous",
                                                 report={"what": "Tegelijk."}),
                              send_token=token)
                results.append("sent")
            except AlreadySent:
                results.append("already")
            finally:
                own.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["already", "sent"]
    assert _counts(session) == (1, 1)


def test_tokens_are_forgotten_after_a_day(session, rt, units):
    old, recent = intake.new_send_token(), intake.new_send_token()
    submit_report(session, rt, _new_report(units), send_token=old)
    submit_report(session, rt, _new_report(units), send_token=recent)
    session.execute(SendToken.__table__.update()
                    .where(SendToken.digest == intake.send_token_digest(rt, old))
                    .values(sent_on=utcnow().date() - timedelta(days=2)))
    session.commit()
    assert purge_send_tokens(session, utcnow().date()) == 1
    session.commit()
    assert session.scalars(select(SendToken.digest)).all() == [
        intake.send_token_digest(rt, recent)]


def test_the_daily_sweep_forgets_old_tokens_also_when_nobody_reports(session, rt, units):
    token = intake.new_send_token()
    submit_report(session, rt, _new_report(units), send_token=token)
    session.execute(SendToken.__table__.update().values(
        sent_on=utcnow().date() - timedelta(days=2)))
    session.commit()
    run_sweep(session, rt)
    assert session.scalars(select(SendToken)).all() == []
