"""Issue #25: reporter-driven times no finer than the day, in the database and
in the audit log (DESIGN.md, key custody 7): a second-precise moment of a
reporter's visit can be joined with the employer's proxy logs.

The journey test looks at every datetime column of every table before and
after each thing the reporter does, and fails on any value a reporter's
action wrote that is not the start of a local day."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import mailbox, minutes
from app.cases.workflow import perform
from app.config import FILE_STORES
from app.localtime import end_of_day, is_day_start, local_date, start_of_day
from app.models import AuditEntry, Base, Case, ReporterSession
from app.models.base import EXACT, UTCDateTime
from tests.cases.conftest import key_of
from tests.conftest import sign_in
from tests.reporting.conftest import (
    PDF,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    send,
)

Snapshot = dict[tuple[str, tuple[Any, ...], str], datetime]


def _times(session: Session) -> Snapshot:
    """Every datetime in the database, by table, primary key and column."""
    session.expire_all()
    found: Snapshot = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        for row in session.execute(select(*keys, *columns)):
            for column, value in zip(columns, row[len(keys):], strict=True):
                if value is not None:
                    found[(table.name, tuple(row[:len(keys)]), column.name)] = value
    return found


def _exact(table: str, column: str) -> bool:
    return EXACT.items() <= Base.metadata.tables[table].c[column].info.items()


class Watch:
    """Runs a reporter's step and collects what it wrote finer than the day."""

    def __init__(self, session: Session, zone: Any) -> None:
        self.session, self.zone = session, zone
        self.finer: list[str] = []
        self.written = 0

    def reporter(self, step: str, run: Callable[[], Any]) -> Any:
        before = _times(self.session)
        result = run()
        for (table, key, column), value in _times(self.session).items():
            if before.get((table, key, column)) == value or _exact(table, column):
                continue
            self.written += 1
            if not is_day_start(value, self.zone):
                self.finer.append(f"{step}: {table}.{column} {key} = {value.isoformat()}")
        return result


# The database file store keeps a time per file too (app/storage/database.py).
@pytest.mark.parametrize("file_store_kind", FILE_STORES)
def test_nothing_a_reporter_does_leaves_a_time_finer_than_the_day(
        client, app, session, rt, units, make_staff):
    intake = make_staff("intake")
    make_staff("vertrouwenspersoon")
    auditor = make_staff("auditor")
    watch = Watch(session, rt.settings.zone)

    # A confidential formal report with a file, and an anonymous request
    # for a counsellor.
    code = receipt_code(watch.reporter("send a report", lambda: send(
        client, report_fields(units, identity="confidential", name="Anna Melder",
                                     email="anna@example.test"),
        files=[(PDF, "brief.pdf")])))
    formal = session.scalars(select(Case).where(Case.track == "report")).one()
    advice_client = app.test_client()
    advice_code = receipt_code(watch.reporter("ask a counsellor", lambda: send(
        advice_client, report_fields(units, track="advice"))))

    # Staff: acknowledge, send minutes of a meeting, route to the integrity
    # coordinator.
    make_staff("integriteitscoordinator")
    perform(session, rt, formal, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    made = minutes.record_minutes(session, rt, formal, _intake_keys(session, formal, intake),
                                  intake.user, meeting_on=local_date(mailbox.utcnow(),
                                                                     rt.settings.zone),
                                  text="Gesprek over de melding.")
    minutes.send_minutes(session, rt, formal, intake.user, made.id)
    perform(session, rt, formal, intake.user, key_of(intake), "route_to_ic", text="Door.")

    watch.reporter("a wrong code", lambda: open_mailbox(client, "AAAA-BBBB-CCCC-DDDD-EEEE"))
    watch.reporter("open the mailbox", lambda: open_mailbox(client, code))
    watch.reporter("read it", lambda: client.get("/postbus"))
    watch.reporter("write", lambda: mailbox_post(client, "/postbus/bericht",
                                                 {"body": "Het begon in maart."}))
    watch.reporter("ask for a meeting", lambda: mailbox_post(client, "/postbus/gesprek",
                                                             {"note": "Liefst dinsdag."}))
    watch.reporter("add a file", lambda: mailbox_post(
        client, "/postbus/bestanden", {"attachments": [(io.BytesIO(PDF), "nog.pdf")]},
        content_type="multipart/form-data"))
    watch.reporter("approve the minutes", lambda: mailbox_post(
        client, f"/postbus/verslag/{made.id}/akkoord", {"version": "1"}))
    for give in ("withdraw", "give"):
        watch.reporter(f"name consent: {give}", lambda give=give: mailbox_post(
            client, "/postbus/naam", {"recipient": "ic", "consent": give}))
    watch.reporter("keep the mailbox open", lambda: mailbox_post(client, "/postbus/openhouden"))
    watch.reporter("withdraw", lambda: mailbox_post(client, "/postbus/intrekken",
                                                    {"confirm": "yes"}))
    watch.reporter("close the mailbox", lambda: mailbox_post(client, "/postbus/sluiten"))

    watch.reporter("open the other mailbox", lambda: open_mailbox(advice_client, advice_code))
    for give in ("give", "withdraw"):
        watch.reporter(f"consent to pass on: {give}", lambda give=give: mailbox_post(
            advice_client, "/postbus/toestemming", {"consent": give}))
    watch.reporter("make yourself known", lambda: mailbox_post(
        advice_client, "/postbus/identiteit", {"channel": "confidential", "name": "Piet"}))

    assert watch.finer == []
    assert watch.written > 40  # the steps did write (rows, wraps, consents, entries)

    # Every audit entry of the reporter keeps the day; the order is in seq.
    entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == "reporter")
                              .order_by(AuditEntry.seq)).all()
    assert len(entries) > 15
    assert all(is_day_start(e.at, rt.settings.zone) for e in entries)
    # And the chain still verifies.
    rt.audit.seal(session)
    assert rt.audit.verify(session).ok

    # The auditor's export of the reporter's actions: a day, never a time.
    staff = app.test_client()
    sign_in(staff, auditor)
    exported = staff.get("/medewerkers/audit/export.csv?actor=reporter").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert len(rows) == len(entries)
    today = local_date(mailbox.utcnow(), rt.settings.zone).isoformat()
    assert {row[1] for row in rows} == {today}
    page = staff.get("/medewerkers/audit/?actor=reporter").get_data(as_text=True)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", page.split("<tbody>")[1].split("</tbody>")[0])


def _intake_keys(session: Session, case: Case, staff: Any) -> Any:
    from app.cases.custody import open_case_key

    return open_case_key(session, case, staff.user, key_of(staff))


def test_deadlines_still_count_from_the_local_day_of_receipt(client, session, rt, units):
    send(client, report_fields(units))
    case = session.scalars(select(Case)).one()
    zone = rt.settings.zone
    day = local_date(mailbox.utcnow(), zone)
    assert case.received_at == start_of_day(day, zone)
    assert case.acknowledge_due_at == end_of_day(day + timedelta(days=7), zone)


def test_an_audit_entry_of_the_reporter_from_before_is_shown_by_its_day(
        client, app, session, rt, make_staff, monkeypatch):
    """Entries written before times were cut keep their hashed time in the
    table; the page and the export show their day only."""
    import app.audit.log as audit_log

    auditor = make_staff("auditor")
    # As the code before migration 0024 wrote it: to the microsecond.
    monkeypatch.setattr(audit_log, "day_start", lambda moment, _zone: moment)
    rt.audit.record(session, actor="reporter", action="mailbox.read", object_type="case",
                    object_id="MP-OUDE-REGL")
    session.commit()
    monkeypatch.undo()
    old = session.scalars(select(AuditEntry).where(AuditEntry.object_id == "MP-OUDE-REGL")).one()
    assert not is_day_start(old.at, rt.settings.zone)
    staff = app.test_client()
    sign_in(staff, auditor)
    exported = staff.get("/medewerkers/audit/export.csv?case=MP-OUDE").get_data(as_text=True)
    times = [row[1] for row in list(csv.reader(io.StringIO(exported)))[1:]]
    assert times == [local_date(old.at, rt.settings.zone).isoformat()]
    page = staff.get("/medewerkers/audit/?case=MP-OUDE").get_data(as_text=True)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", page.split("<tbody>")[1].split("</tbody>")[0])


# --- the mailbox still closes: its limits count from the cookie -------------------


def _clock(monkeypatch: pytest.MonkeyPatch, start: datetime) -> Callable[[timedelta], None]:
    now = [start]
    monkeypatch.setattr(mailbox, "utcnow", lambda: now[0])

    def advance(by: timedelta) -> None:
        now[0] += by
    return advance


def test_the_mailbox_row_keeps_the_day_it_was_opened_only(client, session, rt, units):
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    row = session.scalars(select(ReporterSession)).one()
    assert is_day_start(row.created_at, rt.settings.zone)
    assert {c.name for c in ReporterSession.__table__.columns} == {
        "id", "case_id", "sealed_case_key", "created_at", "new_code_pending"}


def test_a_mailbox_kept_busy_still_closes_after_two_hours(client, session, units, monkeypatch):
    code = receipt_code(send(client, report_fields(units)))
    advance = _clock(monkeypatch, mailbox.utcnow())
    open_mailbox(client, code)
    for _ in range(8):  # 8 x 14 minutes of use: under the idle limit each time
        advance(timedelta(minutes=14))
        assert 'name="body"' in client.get("/postbus").get_data(as_text=True)
    advance(timedelta(minutes=9))  # 2 h 1 min after opening
    assert 'name="code"' in client.get("/postbus").get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(ReporterSession)).all() == []


def test_a_cookie_that_moves_its_opening_time_opens_nothing(client, session, units,
                                                            monkeypatch):
    """Even with the cookie signing key, the moment of opening is bound into
    the seal of the row's key: stretching the absolute limit opens nothing."""
    code = receipt_code(send(client, report_fields(units)))
    advance = _clock(monkeypatch, mailbox.utcnow())
    open_mailbox(client, code)
    advance(timedelta(hours=2, minutes=10))
    with client.session_transaction() as cookie:
        cookie["mbo"] = cookie["mbo"] + 3600
        cookie["mbs"] = cookie["mbo"] + 7000
    assert 'name="code"' in client.get("/postbus").get_data(as_text=True)


def test_rows_of_mailboxes_left_open_go_after_their_day_and_the_next(
        client, app, session, rt, units, monkeypatch):
    code = receipt_code(send(client, report_fields(units)))
    advance = _clock(monkeypatch, mailbox.utcnow())
    open_mailbox(client, code)  # left open: the cookie never comes back
    later = app.test_client()
    advance(timedelta(days=1))
    open_mailbox(later, code)
    session.expire_all()
    assert len(session.scalars(select(ReporterSession)).all()) == 2  # yesterday's may live
    advance(timedelta(days=1))
    open_mailbox(app.test_client(), code)
    session.expire_all()
    days = sorted(local_date(r.created_at, rt.settings.zone)
                  for r in session.scalars(select(ReporterSession)))
    today = local_date(mailbox.utcnow(), rt.settings.zone)
    assert days == [today - timedelta(days=1), today]
    assert all(isinstance(d, date) for d in days)
