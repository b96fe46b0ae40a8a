"""Signing in to the mailbox: timing, throttling, forged codes, the
sealed reporter session and closing the mailbox."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cases import mailbox
from app.crypto.kdf import Argon2Params
from app.crypto.receipts import LOCATOR_BUCKETS, generate_receipt_code
from app.models import AuditEntry, MailboxThrottle, Message, ReporterSession
from tests.reporting.conftest import mailbox_post, open_mailbox, receipt_code, report_fields, send


def test_a_forged_receipt_code_is_refused(client, session, units):
    receipt_code(send(client, report_fields(units)))
    for forged in (generate_receipt_code(), "AAAA-BBBB-CCCC-DDDD-EEEE", "0000-1111", "' OR 1=1 --"):
        response = open_mailbox(client, forged)
        assert response.status_code == 401
        assert "does not open a mailbox" in response.get_data(as_text=True) or \
            "opent geen postbus" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ReporterSession)) == 0
    assert client.get("/postbus").get_data(as_text=True).count('name="code"') == 1


def test_the_code_is_accepted_in_any_case_and_spacing(client, units):
    code = receipt_code(send(client, report_fields(units)))
    sloppy = code.replace("-", " ").lower()
    assert open_mailbox(client, sloppy).status_code == 302


def test_mailbox_sign_in_is_post_only_and_the_code_never_in_a_url(client, units):
    code = receipt_code(send(client, report_fields(units)))
    assert client.get(f"/postbus?code={code}").get_data(as_text=True).count(
        'name="code"') == 1  # a GET with a code does not sign in
    response = open_mailbox(client, code)
    assert code not in response.headers.get("Location", "")


@pytest.mark.settings(receipt_derivation=Argon2Params(time_cost=2, memory_kib=16384,
                                                      parallelism=1))
def test_wrong_and_right_codes_take_similar_time(client, units):
    code = receipt_code(send(client, report_fields(units)))
    right, wrong = [], []
    for _ in range(6):
        started = time.perf_counter()
        assert open_mailbox(client, generate_receipt_code()).status_code == 401
        wrong.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert open_mailbox(client, code).status_code == 302
        right.append(time.perf_counter() - started)
        mailbox_post(client, "/postbus/sluiten")
    right_median, wrong_median = statistics.median(right), statistics.median(wrong)
    # Both pay for one Argon2id derivation; what differs is small in comparison.
    assert abs(right_median - wrong_median) < 0.5 * max(right_median, wrong_median), (
        right_median, wrong_median)


def _codes_in_bucket(rt, bucket: int, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Codes whose locator falls in `bucket`: only whoever holds the pepper
    (here: the test) can choose them."""
    found: list[str] = []
    while len(found) < count:
        code = generate_receipt_code()
        if mailbox.sign_in_bucket(rt, code) == bucket:
            found.append(code)
    return found


def test_a_flood_of_wrong_codes_does_not_stop_a_right_one(client, session, rt, units,
                                                          monkeypatch):
    code = receipt_code(send(client, report_fields(units)))
    frozen = mailbox.utcnow()
    monkeypatch.setattr(mailbox, "utcnow", lambda: frozen)
    # Three times what once locked every reporter out for the rest of the minute.
    flood = 3 * 30
    for _ in range(flood):
        assert open_mailbox(client, generate_receipt_code()).status_code == 401
    assert open_mailbox(client, code).status_code == 302

    failed = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mailbox.sign_in_failed")).all()
    assert len(failed) == flood
    assert all(e.actor == "reporter" and e.object_id == "" for e in failed)


def test_wrong_codes_throttle_only_their_own_bucket_without_storing_who(
        client, session, rt, units, monkeypatch):
    code = receipt_code(send(client, report_fields(units)))
    bucket = mailbox.sign_in_bucket(rt, code)
    frozen = mailbox.utcnow()
    monkeypatch.setattr(mailbox, "utcnow", lambda: frozen)
    # Someone who could aim (they would need the server's pepper) fills the bucket.
    for wrong in _codes_in_bucket(rt, bucket, mailbox.THROTTLE_LIMIT):
        assert open_mailbox(client, wrong).status_code == 401
    # Now that bucket waits, also for the right code: the throttle does not
    # reveal which codes exist ...
    assert open_mailbox(client, code).status_code == 429
    throttled = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mailbox.sign_in_throttled")).all()
    assert len(throttled) == 1 and throttled[0].actor == "reporter"
    # ... while a code of any other bucket is checked as usual.
    other = _codes_in_bucket(rt, (bucket + 1) % LOCATOR_BUCKETS, 1)[0]
    assert open_mailbox(client, other).status_code == 401

    # All that is stored is a count per minute and bucket.
    rows = session.scalars(select(MailboxThrottle).order_by(MailboxThrottle.failures)).all()
    assert [(r.window_start.second, r.failures) for r in rows] == [
        (0, 1), (0, mailbox.THROTTLE_LIMIT)]
    assert {c.name for c in MailboxThrottle.__table__.columns} == {
        "window_start", "bucket", "failures"}

    # A minute later it opens again, and the old counts are gone.
    monkeypatch.setattr(mailbox, "utcnow", lambda: frozen + timedelta(minutes=1))
    assert open_mailbox(client, "not a code").status_code == 401
    assert open_mailbox(client, code).status_code == 302
    rows = session.scalars(select(MailboxThrottle)).all()
    assert [(r.bucket, r.failures) for r in rows] == [(mailbox.MALFORMED_BUCKET, 1)]


def test_entries_that_can_not_be_codes_have_a_bucket_of_their_own(rt):
    assert mailbox.sign_in_bucket(rt, "' OR 1=1 --") == mailbox.MALFORMED_BUCKET
    buckets = {mailbox.sign_in_bucket(rt, generate_receipt_code()) for _ in range(200)}
    assert mailbox.MALFORMED_BUCKET not in buckets
    assert all(0 <= b < LOCATOR_BUCKETS for b in buckets) and len(buckets) > 100


def test_the_session_row_holds_the_reporters_key_only_sealed(client, session, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    row = session.scalars(select(ReporterSession)).one()
    # The cookie's secret is not in the database, and without it the key does not open.
    now = mailbox.utcnow()
    forged = mailbox.MailboxCookie(token="x" * 43, secret="A" * 43, opened_at=now, seen_at=now)
    assert mailbox.find_open_mailbox(session, forged) is None
    # nonce | the reporter's 96-byte private key | tag
    assert len(row.sealed_case_key) == 12 + 96 + 16


def test_close_mailbox_deletes_the_session(client, session, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    assert "Close mailbox" in client.get("/postbus").get_data(as_text=True) or \
        "Postbus sluiten" in client.get("/postbus").get_data(as_text=True)
    response = mailbox_post(client, "/postbus/sluiten")
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ReporterSession)) == 0
    assert 'name="code"' in client.get("/postbus").get_data(as_text=True)
    # Actions after closing go nowhere: nothing is sent. A message is not
    # lost either (#21, WCAG 2.2.1): the sign-in page keeps it in its form.
    messages = session.scalar(select(func.count()).select_from(Message))
    response = mailbox_post(client, "/postbus/bericht", {"body": "hallo"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and 'name="code"' in page
    assert 'name="pending_message"' in page and "hallo</textarea>" in page
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Message)) == messages
    assert mailbox_post(client, "/postbus/gesprek", {"note": "x"}).status_code == 302


def test_an_idle_mailbox_closes_itself(client, session, units, monkeypatch):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    later = mailbox.utcnow() + mailbox.IDLE_TIMEOUT + timedelta(seconds=1)
    monkeypatch.setattr(mailbox, "utcnow", lambda: later)
    assert 'name="code"' in client.get("/postbus").get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ReporterSession)) == 0


def test_a_closed_report_accepts_no_more_actions(client, session, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/intrekken", {"confirm": "yes"})
    html = client.get("/postbus").get_data(as_text=True)
    assert 'name="body"' not in html
    mailbox_post(client, "/postbus/bericht", {"body": "nog iets"})
    from app.models import Message

    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_withdrawal_needs_confirmation(client, session, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/intrekken", {})
    from app.models import Case

    session.expire_all()
    assert session.scalars(select(Case)).one().state == "received"
