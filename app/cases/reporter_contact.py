"""The reporter's opt-in "there is news in your mailbox" e-mail.

A reporter may leave an e-mail address in the mailbox. When a handler
writes to them (a message, the acknowledgement, a decision, minutes to
approve) the address gets one e-mail that says only that there is news in
the Meldpunt mailbox — no case number, no name, no word of the case — at
most one a day, sent by `meldpunt notify send` through the outbox like the
handlers' notifications. The address is deleted when the case is closed
(after the last notice, when the closing itself was news), and whenever the
reporter removes it.

How the address is kept: sealed with AES-256-GCM under a fresh random key
(associated data: the case number), and that key wrapped with HPKE
(ML-KEM-768 + X25519, app/crypto/envelope.py) to the server's notifier key
pair (keys/notify.pub, keys/notify.key; app/keyring.py). The web app holds
only the public half: it can store an address but never read one back. Only
the sender, holding keys/notify.key, opens it, at send time, in memory. It
is deliberately *not* in a case compartment: no handler's key opens it, so
an anonymous reporter's address is not shown to the people handling the
report; and the sender needs it without anybody's password.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.crypto import secretbox
from app.crypto.envelope import KEY_LEN, SUITE_ID, CaseKey, unwrap_case_key, wrap_case_key
from app.crypto.errors import CryptoError
from app.crypto.keys import PrivateKey, fingerprint, load_public_key
from app.errors import Invalid
from app.localtime import local_date
from app.models import Case, ReporterContact, utcnow
from app.runtime import Runtime
from app.vocabulary import AuditAction, State

log = logging.getLogger("meldpunt.reporter_news")

# The HPKE recipient name bound into the wrap (with the case number).
RECIPIENT = "reporter-news"
MAX_ADDRESS = 254
# One @, something before it, a domain with a dot after it; no spaces,
# quotes, angle brackets or control characters (it goes into a header).
_ADDRESS = re.compile(r"[^@\s<>\"'(),;:\\\[\]\x00-\x1f\x7f]{1,64}@"
                      r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")

Sender = Callable[[EmailMessage], None]
# Builds the e-mail to one address (its text: app/cli/notifications.py).
Compose = Callable[[str], EmailMessage]


class AddressRefused(Invalid):
    """Not an e-mail address we can write to, or no notifier key here."""

    area = "news_address"
    default_code = "invalid"


def clean_address(typed: str) -> str:
    address = typed.strip()
    if len(address) > MAX_ADDRESS or not _ADDRESS.fullmatch(address):
        raise AddressRefused("invalid")
    return address


def _aad(case: Case) -> bytes:
    return b"meldpunt-reporter-news-v1\0" + case.number.encode()


def available(rt: Runtime) -> bool:
    return rt.keyring.notify_public is not None


def has_address(session: Session, case: Case) -> bool:
    return session.get(ReporterContact, case.id) is not None


def set_address(session: Session, rt: Runtime, case: Case, typed: str) -> None:
    """Store (or replace) the address, sealed and wrapped to the notifier
    key. In the caller's transaction; the mailbox audit-logs and commits."""
    public = rt.keyring.notify_public
    if public is None:
        raise AddressRefused("unavailable")
    if case.state == State.CLOSED or case.shredded_at is not None:
        raise AddressRefused("closed")
    address = clean_address(typed)
    key = CaseKey(os.urandom(KEY_LEN))
    row = session.get(ReporterContact, case.id)
    if row is None:
        row = ReporterContact(case_id=case.id, news_pending=False)
        session.add(row)
    row.key_fingerprint = fingerprint(public)
    row.wrapped_key = wrap_case_key(key, load_public_key(public), case_id=case.number,
                                    recipient=RECIPIENT, suite_id=SUITE_ID)
    row.address_ciphertext = secretbox.seal(key.raw, address.encode(), _aad(case))


def remove_address(session: Session, case: Case) -> bool:
    """Delete the address (the caller's transaction). True if there was one."""
    result = session.execute(delete(ReporterContact).where(ReporterContact.case_id == case.id))
    return bool(getattr(result, "rowcount", 0))


def open_address(row: ReporterContact, case: Case, private: PrivateKey) -> str:
    """The address in clear, for the sender only (raises CryptoError)."""
    key = unwrap_case_key(row.wrapped_key, private, case_id=case.number, recipient=RECIPIENT,
                          suite_id=SUITE_ID)
    return secretbox.open_sealed(key.raw, row.address_ciphertext, _aad(case)).decode()


def news(session: Session, case: Case) -> None:
    """A handler wrote to the reporter: one e-mail is due (caller's
    transaction). A plain UPDATE: nothing happens without an address."""
    session.execute(update(ReporterContact).where(ReporterContact.case_id == case.id)
                    .values(news_pending=True))


def at_closure(session: Session, case: Case) -> None:
    """The case is closed: its address goes now — unless the closing put
    news in the mailbox, in which case the next send run sends that last
    e-mail and deletes the address (whether or not the mail went out)."""
    session.execute(delete(ReporterContact).where(ReporterContact.case_id == case.id,
                                                  ReporterContact.news_pending.is_(False)))


def send_reporter_news(session: Session, rt: Runtime, send: Sender, compose: Compose,
                       private: PrivateKey, *, now: datetime | None = None,
                       origin: str = "cli") -> int:
    """Send the reporters' news e-mails: one per address with news, at most
    one a day; then delete the addresses of closed cases. Each address is
    decrypted here, in memory, and never logged. A failing mail server
    leaves the news for the next run (an open case) or loses it (a closed
    case: its address is deleted all the same). Returns how many were sent."""
    now = now or utcnow()
    today = local_date(now, rt.settings.zone)
    rows = session.execute(
        select(ReporterContact, Case).join(Case, Case.id == ReporterContact.case_id)
        .where(or_(ReporterContact.news_pending.is_(True), Case.state == State.CLOSED,
                   Case.shredded_at.is_not(None)))
        .order_by(ReporterContact.case_id)).all()
    sent = 0
    for row, case in rows:
        finished = case.state == State.CLOSED or case.shredded_at is not None
        due = (row.news_pending and row.last_sent_on != today and case.shredded_at is None)
        if due:
            try:
                send(compose(open_address(row, case, private)))
            except CryptoError:
                log.warning("a news address does not open with this notifier key")
            except (OSError, smtplib.SMTPException) as error:
                log.warning("news e-mail not sent, kept for the next run: %s",
                            type(error).__name__)
            else:
                row.news_pending = False
                row.last_sent_on = today
                sent += 1
        if finished:
            session.delete(row)
        session.commit()
    rt.audit.record(session, actor="system", action=AuditAction.REPORTER_NEWS_SENT,
                    object_type="notifications", object_id=str(sent), origin=origin)
    session.commit()
    return sent
