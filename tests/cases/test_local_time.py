"""Issue #17 defect 3, "Everything is UTC": dates and times are those of the
organisation's time zone (Europe/Amsterdam by default, daylight saving
included). A report at 14:24 Dutch time shows 14:24; deadlines are days on
the local calendar, also across New Year, month ends and the changes of
daylight saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from app.cases import minutes, queues, registration
from app.cases.custody import open_case_key
from app.cases.deadlines import acknowledge_due, feedback_due
from app.cases.registration import Signal, register_signal
from app.cases.workflow import perform
from app.config import ConfigError, Settings
from app.models import Message
from tests.cases.conftest import key_of
from tests.conftest import post_form, sign_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SETTINGS = Settings()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def stored(*args: int) -> datetime:
    """A local time as the database hands it back: in UTC."""
    return local(*args).astimezone(UTC)


def end_of(day: date) -> datetime:
    """The last moment of a day in Amsterdam."""
    return local(day.year, day.month, day.day, 23, 59, 59, 999999)


def test_the_organisation_time_zone_is_europe_amsterdam_unless_set():
    assert Settings().timezone == "Europe/Amsterdam"
    assert Settings.from_env({}).zone == AMSTERDAM
    assert Settings.from_env({"MELDPUNT_TIMEZONE": "America/Curacao"}).zone == ZoneInfo(
        "America/Curacao")


@pytest.mark.parametrize("name", ["Europe/Amsterdm", "CET+1", "../../etc/passwd", "Europe"])
def test_an_unknown_time_zone_is_refused_with_what_to_set(name):
    with pytest.raises(ConfigError, match="MELDPUNT_TIMEZONE"):
        Settings.from_env({"MELDPUNT_TIMEZONE": name})


def test_a_report_at_half_past_midnight_on_new_years_day_is_due_by_the_end_of_8_january():
    received = stored(2026, 1, 1, 0, 30)  # 23:30 UTC on New Year's Eve
    assert acknowledge_due(received, SETTINGS) == end_of(date(2026, 1, 8))
    # No acknowledgement: 3 months after day 7.
    assert feedback_due(received, None, SETTINGS) == end_of(date(2026, 4, 8))


def test_a_report_at_half_past_eleven_on_new_years_eve_is_due_by_the_end_of_7_january():
    received = stored(2025, 12, 31, 23, 30)
    assert acknowledge_due(received, SETTINGS) == end_of(date(2026, 1, 7))


def test_a_deadline_keeps_its_local_day_when_the_clocks_go_forward():
    """The last Sunday of March 2026 is the 29th: a report on Saturday night
    is due by the end of the next Saturday, in summer time."""
    received = stored(2026, 3, 28, 23, 30)
    due = acknowledge_due(received, SETTINGS)
    assert due == end_of(date(2026, 4, 4))
    assert due.astimezone(UTC) == datetime(2026, 4, 4, 21, 59, 59, 999999, tzinfo=UTC)


def test_a_deadline_keeps_its_local_day_when_the_clocks_go_back():
    """The last Sunday of October 2026 is the 25th: an acknowledgement at
    23:00 on the due day, in winter time, is in time."""
    received = stored(2026, 10, 24, 23, 30)  # 21:30 UTC, summer time
    due = acknowledge_due(received, SETTINGS)
    assert due == end_of(date(2026, 10, 31))
    assert local(2026, 10, 31, 23, 0) <= due < local(2026, 11, 1, 0, 0)


def test_three_months_after_31_january_is_30_april():
    acknowledged = stored(2026, 1, 31, 10, 0)
    assert feedback_due(stored(2026, 1, 27, 9, 0), acknowledged, SETTINGS) == end_of(
        date(2026, 4, 30))


def test_feedback_counts_from_the_local_day_of_the_acknowledgement():
    """Acknowledged at 00:30 on 30 November (23:30 UTC on the 29th): the
    feedback is due by the end of 28 February, the last day of the month."""
    acknowledged = stored(2025, 11, 30, 0, 30)
    assert feedback_due(stored(2025, 11, 25, 9, 0), acknowledged, SETTINGS) == end_of(
        date(2026, 2, 28))


def test_the_queue_says_overdue_from_local_midnight_after_the_due_day(
        session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    case.received_at = stored(2026, 3, 28, 23, 30)
    case.acknowledge_due_at = acknowledge_due(case.received_at, rt.settings)
    case.feedback_due_at = feedback_due(case.received_at, None, rt.settings)
    session.commit()

    def row(now: datetime) -> queues.QueueRow:
        page = queues.queue(session, intake.user, now=now)
        return next(r for r in page.rows if r.case.id == case.id)

    assert not row(local(2026, 4, 4, 23, 59)).overdue
    assert row(local(2026, 4, 4, 23, 59)).due_soon
    assert row(local(2026, 4, 5, 0, 1)).overdue


def test_a_report_received_at_14_24_dutch_time_shows_14_24_to_staff_and_reporter(
        app, client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge",
            text="TZ-MARKER We hebben je melding ontvangen.")
    at = datetime(2026, 1, 15, 13, 24, tzinfo=UTC)  # 14:24 in Amsterdam (winter)
    case.received_at = at
    session.execute(update(Message).where(Message.case_id == case.id).values(created_at=at))
    session.commit()

    sign_in(client, intake)
    staff_page = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    assert "15 jan 2026 14:24" in staff_page or "15 Jan 2026 14:24" in staff_page
    assert "13:24" not in staff_page

    reporter = app.test_client()
    post_form(reporter, "/postbus", {"code": code})
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert "TZ-MARKER" in mailbox
    assert "14:24" in mailbox and "13:24" not in mailbox


def test_a_signal_is_dated_by_the_local_day_and_today_is_not_the_future(
        session, rt, make_staff, units, monkeypatch):
    """At 00:30 on New Year's Day in Amsterdam it is still 31 December in UTC:
    a counsellor registering today's conversation is not refused."""
    vp = make_staff("vertrouwenspersoon")
    monkeypatch.setattr(registration, "utcnow",
                        lambda: local(2026, 1, 1, 0, 30).astimezone(UTC))
    case = register_signal(session, rt, vp.user, Signal(
        unit_id=units["kerndepartement"].id, category="ongewenste_omgangsvormen",
        subcategory="pesten", on=date(2026, 1, 1), advice_given=True, referred_to=None))
    session.commit()
    session.refresh(case)
    assert case.received_at.astimezone(AMSTERDAM).date() == date(2026, 1, 1)
    with pytest.raises(registration.RegistrationError):
        register_signal(session, rt, vp.user, Signal(
            unit_id=units["kerndepartement"].id, category="ongewenste_omgangsvormen",
            subcategory="pesten", on=date(2026, 1, 2), advice_given=True, referred_to=None))


def test_minutes_of_a_meeting_tomorrow_on_the_local_calendar_are_refused(
        session, rt, make_staff, new_case, monkeypatch):
    intake = make_staff("intake")
    case, _ = new_case()
    key = open_case_key(session, case, intake.user, key_of(intake))
    # 23:30 on 31 December in Amsterdam: 1 January is tomorrow.
    monkeypatch.setattr(minutes, "utcnow", lambda: local(2025, 12, 31, 23, 30).astimezone(UTC))
    with pytest.raises(minutes.MinutesError):
        minutes.record_minutes(session, rt, case, key, intake.user,
                               meeting_on=date(2026, 1, 1), text="Gesprek")
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2025, 12, 31), text="Gesprek")
    assert made.meeting_on == date(2025, 12, 31)
