"""Statistics count hearings and deferred notices, never names (issue #24):
per year, the hearings held (approved or declined) and the notices deferred
(per legal ground), of live cases and, once retention or a shred deleted the
persons concerned, from their tallies — hand-counted, with small numbers
hidden, on the page and in the CSV/JSON exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.cases import custody
from app.models import Hearing, PersonConcerned, PersonEventTally
from app.retention.sweep import run_sweep
from app.stats.report import build_report
from app.web.stats_export import to_csv, to_json
from tests.conftest import sign_in
from tests.stats.test_report import AMSTERDAM, NOW, add_case

NAME = b"sealed-name-Henk-Bakker"


def _person(session, case, *, status="pending", ground=None, decided=None):  # type: ignore[no-untyped-def]
    person = PersonConcerned(case_id=case.id, details_ciphertext=NAME, notice_status=status,
                             deferral_ground=ground, notice_decided_at=decided,
                             review_on=date(2027, 1, 1) if ground else None)
    session.add(person)
    session.flush()
    return person


def _hearing(session, case, held_on, status):  # type: ignore[no-untyped-def]
    person = _person(session, case)
    session.add(Hearing(case_id=case.id, person_id=person.id, held_on=held_on, status=status))


@pytest.fixture()
def events(session, units):  # type: ignore[no-untyped-def]
    """By hand, closed formal reports unless said otherwise:
    - kerndepartement: 6 hearings approved in 2025, 1 approved in 2024, 1
      still with the person in 2025 (not held yet);
    - rivm: 2 hearings declined in 2025;
    - kerndepartement: 7 notices deferred to protect the inquiry in 2025, 3 to
      protect the reporter in 2025, 1 on proceedings at 23:30 on 31 December
      2025 (Amsterdam), 1 on proceedings at 00:30 on 1 January 2026 (in 2026),
      1 person informed (no deferral);
    - an open case (never swept) with 1 notice deferred to protect the
      inquiry in 2025."""
    kd, rivm = units["kerndepartement"], units["rivm"]

    def closed(unit):  # type: ignore[no-untyped-def]
        case = add_case(session, unit, track="report", category="financiele_schendingen",
                        close_days=120, outcome="founded", feedback_days=60)
        session.flush()
        return case

    for _ in range(6):
        _hearing(session, closed(kd), date(2025, 4, 1), "approved")
    _hearing(session, closed(kd), date(2024, 12, 31), "approved")
    _hearing(session, closed(kd), date(2025, 4, 2), "awaiting_person")
    for _ in range(2):
        _hearing(session, closed(rivm), date(2025, 5, 1), "declined")
    deferred_case = closed(kd)
    for _ in range(7):
        _person(session, deferred_case, status="deferred", ground="inquiry",
                decided=datetime(2025, 4, 1, 10, tzinfo=UTC))
    for _ in range(3):
        _person(session, deferred_case, status="deferred", ground="reporter_protection",
                decided=datetime(2025, 4, 1, 10, tzinfo=UTC))
    _person(session, deferred_case, status="deferred", ground="proceedings",
            decided=datetime(2025, 12, 31, 22, 30, tzinfo=UTC))
    _person(session, deferred_case, status="deferred", ground="proceedings",
            decided=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    _person(session, deferred_case, status="informed")
    open_case = add_case(session, kd, track="report", category="financiele_schendingen")
    session.flush()
    _person(session, open_case, status="deferred", ground="inquiry",
            decided=datetime(2025, 6, 1, 10, tzinfo=UTC))
    session.commit()
    return units


def _column(report, key):  # type: ignore[no-untyped-def]
    """{row code: (true count, what is shown)}, the total last."""
    table = report.tables[key]
    codes = [*table.row_labels, "total"]
    return {code: (table.grid[i][0], table.display(i, 0)) for i, code in enumerate(codes)}


def test_hearings_held_and_notices_deferred_match_the_hand_count_with_small_numbers_hidden(
        session, events):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    assert _column(report, "hearings_held") == {
        "hearing_approved": (6, "x"), "hearing_declined": (2, "< 5"), "total": (8, "8")}
    assert _column(report, "notices_deferred") == {
        "inquiry": (8, "8"), "reporter_protection": (3, "< 5"), "rights_of_others": (0, "0"),
        "proceedings": (1, "< 5"), "total": (12, "12")}
    earlier = build_report(session, 2024, 3, now=NOW, zone=AMSTERDAM)
    assert _column(earlier, "hearings_held")["hearing_approved"] == (1, "< 3")
    later = build_report(session, 2026, 3, now=NOW, zone=AMSTERDAM)
    assert _column(later, "notices_deferred")["proceedings"] == (1, "< 3")
    # A unit sees its own: RIVM's two declined hearings only.
    rivm = build_report(session, 2025, 3, unit_id=events["rivm"].id, now=NOW, zone=AMSTERDAM)
    assert {code: n for code, (n, _shown) in _column(rivm, "hearings_held").items()} == {
        "hearing_approved": 0, "hearing_declined": 2, "total": 2}
    assert _column(rivm, "notices_deferred")["total"] == (0, "0")


def test_the_figures_stay_the_same_after_retention_and_come_from_tallies_without_names(
        session, rt, events):
    years = (2024, 2025, 2026)
    before = {y: json.loads(to_json(build_report(session, y, 5, now=NOW, zone=AMSTERDAM)))
              for y in years}
    swept = run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert len(swept.deleted) == 11  # every closed case; the open one stays
    session.expire_all()
    # The closed cases' persons and hearings are gone; the open case keeps its one.
    assert session.scalar(select(func.count()).select_from(Hearing)) == 0
    assert session.scalar(select(func.count()).select_from(PersonConcerned)) == 1
    tallies = session.scalars(select(PersonEventTally)).all()
    # 6 + 1 + 2 hearings held, 7 + 3 + 2 notices deferred: 21 events, one row each.
    assert len(tallies) == 21
    assert sorted({(t.kind, t.code) for t in tallies}) == [
        ("hearing", "approved"), ("hearing", "declined"), ("notice_deferred", "inquiry"),
        ("notice_deferred", "proceedings"), ("notice_deferred", "reporter_protection")]
    after = {y: json.loads(to_json(build_report(session, y, 5, now=NOW, zone=AMSTERDAM)))
             for y in years}
    for year in years:
        before[year].pop("generated_at"), after[year].pop("generated_at")
        assert before[year] == after[year], year
    assert after[2025]["tables"]["notices_deferred"]["rows"][-1]["cells"]["count"] == {
        "value": 12, "suppressed": None}
    # Running the sweep again tallies nothing twice.
    run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC))
    assert session.scalar(select(func.count()).select_from(PersonEventTally)) == 21


def test_a_shred_that_keeps_the_case_row_tallies_its_hearings_and_notices_first(
        session, rt, events):
    before = json.loads(to_json(build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)))
    hearing_cases = session.scalars(select(Hearing.case_id).distinct()).all()
    for case_id in hearing_cases:
        case = session.get(custody.Case, case_id)
        custody.delete_files(rt, custody.shred_case(session, rt, case))
    session.commit()
    assert session.scalar(select(func.count()).select_from(PersonEventTally)) == 9
    after = json.loads(to_json(build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)))
    before.pop("generated_at"), after.pop("generated_at")
    assert before == after


def test_the_page_and_the_exports_show_the_new_tables_in_the_user_s_language(
        client, session, make_staff, events):
    report = build_report(session, 2025, 5, now=NOW, zone=AMSTERDAM)
    with force_locale("nl"):
        dutch = to_csv(report)
    assert "Gehouden hoorzittingen (hoor en wederhoor), naar afloop" in dutch
    assert "Ter bescherming van het onderzoek" in dutch
    with force_locale("en"):
        english = to_csv(report)
    assert "Informing a person concerned deferred, by legal ground" in english
    assert "To protect the reporter" in english and "< 5" in english
    sign_in(client, make_staff("icc"))
    page = client.get("/medewerkers/statistiek/?jaar=2025").get_data(as_text=True)
    assert "Gehouden hoorzittingen (hoor en wederhoor), naar afloop" in page
    assert "Uitstel van het informeren van een betrokkene, naar wettelijke grond" in page
    assert NAME.decode() not in page and NAME.decode() not in dutch
