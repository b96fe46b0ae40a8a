"""The reporter names people in the report form (issue #24): structured
rows (name, function, unit, role), optional, shown on the review page,
sealed in the case file as persons concerned through the domain function
handlers use — so the blind index, the repeat signal and the exclusion of a
named handler apply — and marked for handlers as named by the reporter."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import event, select

from app.cases import conflicts, custody
from app.cases.persons import read_persons
from app.crypto.keys import unlock_private_key
from app.models import (
    AuditEntry,
    Case,
    CaseRestriction,
    CompartmentWrap,
    KeyWrap,
    PersonConcerned,
)
from app.vocabulary import PersonRole
from tests.conftest import PASSWORD, IsolatedClient, csrf_from, sign_in
from tests.reporting.conftest import receipt_code, report_fields, review, send


def _people(*rows: tuple[str, str, str, str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for i, (name, function, unit, role) in enumerate(rows):
        data.update({f"persons-{i}-name": name, f"persons-{i}-function": function,
                     f"persons-{i}-unit": unit, f"persons-{i}-role": role})
    return data


def _staff_client(app, staff):  # type: ignore[no-untyped-def]
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, staff)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html_lib.unescape(response.get_data(as_text=True))


def _cases(session) -> list[Case]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(Case).order_by(Case.id)))


def test_two_people_named_by_an_anonymous_reporter_reach_the_intake_officer_and_a_named_handler_is_excluded(  # noqa: E501
        app, client, session, rt, units, make_staff):
    intake = make_staff("intake")
    named = make_staff("intake")  # display name "Test intake 2"
    people = _people(("Zoë van den Berg", "teamleider", "Directie Inkoop", "accused"),
                     ("test  INTAKE 2", "", "", "witness"))

    # The form tells that naming people is optional, also when anonymous,
    # and who sees it.
    form = _text(client.get("/melden"))
    assert "People you want to name" in form
    assert "Not required, also not if you stay anonymous." in form
    assert "Only the people who handle your report see these names." in form

    checked = _text(review(client, report_fields(units, **people)))
    assert "Zoë van den Berg – teamleider, Directie Inkoop (The report is about this person)" in (
        checked)
    assert "test INTAKE 2 (Saw or heard it (witness))" in checked
    assert "You stay anonymous: naming people is not required." in checked
    # The rows travel on to "Send report" in the review form's hidden fields.
    assert '<input type="hidden" name="persons-0-name" value="Zoë van den Berg">' in checked
    assert '<input type="hidden" name="persons-1-role" value="witness">' in checked

    sent = send(client, report_fields(units, **people))
    assert receipt_code(sent)
    [case] = _cases(session)
    assert case.channel == "anonymous"

    # Sealed in the case file, never in clear.
    rows = session.scalars(select(PersonConcerned).where(PersonConcerned.case_id == case.id)).all()
    assert len(rows) == 2 and all(b"Berg" not in r.details_ciphertext for r in rows)
    assert all(r.created_by_id is None for r in rows)

    # The intake officer sees both, marked as named by the reporter.
    officer = _staff_client(app, intake)
    page = _text(officer.get(f"/medewerkers/zaken/{case.number}/betrokkenen"))
    assert "Zoë van den Berg" in page and "teamleider" in page and "Directie Inkoop" in page
    assert page.count("named by the reporter") == 2
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    views = read_persons(session, case, key)
    assert [(v.name, v.role, v.named_by_reporter) for v in views] == [
        ("Zoë van den Berg", PersonRole.ACCUSED, True), ("test INTAKE 2", PersonRole.WITNESS, True)]

    # The intake officer the reporter named never held the case: excluded
    # before it was committed, and their pages do not find it.
    assert session.scalar(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                KeyWrap.user_id == named.user.id)) is None
    restriction = session.scalar(select(CaseRestriction).where(
        CaseRestriction.case_id == case.id, CaseRestriction.user_id == named.user.id))
    assert restriction is not None and restriction.kind == "excluded"
    assert restriction.lifted_at is None
    excluded = _staff_client(app, named)
    assert excluded.get(f"/medewerkers/zaken/{case.number}").status_code == 404
    assert excluded.get(f"/medewerkers/zaken/{case.number}/betrokkenen").status_code == 404
    actions = [(e.actor, e.action) for e in session.scalars(
        select(AuditEntry).where(AuditEntry.object_id == case.number).order_by(AuditEntry.seq))]
    assert actions.count(("reporter", "person.added")) == 2
    assert ("system", "person.excluded_as_named") in actions
    assert ("system", "case.excluded") in actions

    # A second report names the same person, written differently: the
    # repeat signal shows for the handler of each case.
    again = _people(("zoe VAN DEN  berg", "", "", "accused"))
    assert receipt_code(send(client, report_fields(units, **again)))
    first, second = _cases(session)
    signal = "This person is concerned in 1 other case."
    for number in (first.number, second.number):
        assert signal in _text(officer.get(f"/medewerkers/zaken/{number}/betrokkenen"))


def test_no_wrap_is_ever_written_for_a_named_handler_and_lifting_for_a_namesake_gives_it(
        app, client, session, rt, units, make_staff):
    """An insider with the database and keys/ reads every row version still
    in PostgreSQL's heap, the WAL or a backup. Had the named intake officer
    been wrapped first and excluded after (in the same transaction), their
    wrap would sit there as a dead row version until vacuum. So no wrap row
    may be inserted for them at all, and no re-key is then needed."""
    officer = make_staff("intake")
    named = make_staff("intake")
    inserted: list[int | None] = []

    def spy(mapper, connection, target):  # type: ignore[no-untyped-def]
        inserted.append(target.user_id)

    event.listen(KeyWrap, "after_insert", spy)
    try:
        sent = send(client, report_fields(units, **_people(
            ("Test Intake 2", "", "", "accused"))))
    finally:
        event.remove(KeyWrap, "after_insert", spy)
    assert receipt_code(sent)
    [case] = _cases(session)
    assert officer.user.id in inserted and named.user.id not in inserted
    # Nothing was re-keyed away from them: every compartment key is still
    # the first generation.
    generations = set(session.scalars(
        select(CompartmentWrap.generation).where(CompartmentWrap.case_id == case.id)))
    assert generations == {1}
    restriction = session.scalar(select(CaseRestriction).where(
        CaseRestriction.case_id == case.id, CaseRestriction.user_id == named.user.id))
    assert restriction is not None and restriction.kind == "excluded"
    assert restriction.had_wrap  # they would have been a first holder

    # A namesake: the officer lifts the exclusion with a reason, and the
    # named colleague then holds the case as a first holder would have.
    private = unlock_private_key(officer.user.private_key_protected, PASSWORD)
    key = custody.open_case_key(session, case, officer.user, private)
    conflicts.lift(session, rt, case, key, officer.user, restriction,
                   "Een andere collega met dezelfde naam.")
    session.expire_all()
    theirs = custody.open_case_key(session, case, named.user,
                                   unlock_private_key(named.user.private_key_protected,
                                                      PASSWORD))
    assert theirs.has("report")


def test_a_person_row_without_a_name_is_refused_with_a_clear_message_and_keeps_what_was_typed(
        client, session, units, make_staff):
    make_staff("intake")
    people = _people(("", "Teamleider Inkoop-4471", "Directie-9920", "accused"),
                     ("Henk Bakker", "", "", ""))
    refused = review(client, report_fields(units, what="Wat er gebeurde-3381", **people))
    page = _text(refused)
    assert refused.status_code == 400
    assert "Person 1: fill in the name, or leave this person's boxes empty." in page
    assert "Person 2: choose what this person has to do with it." in page
    assert 'id="persons" open>' in page
    # Everything typed is still in the form.
    for typed in ("Teamleider Inkoop-4471", "Directie-9920", "Henk Bakker",
                  "Wat er gebeurde-3381"):
        assert typed in page
    assert re.search(r'<option selected value="accused">|<option value="accused" selected', page)
    assert _cases(session) == []


def test_empty_person_rows_are_no_persons_and_the_form_works_without_naming_anyone(
        client, session, units, make_staff):
    make_staff("intake")
    sent = send(client, report_fields(units, **_people(("", "", "", ""), (" ", "", "", ""))))
    assert receipt_code(sent)
    assert session.scalars(select(PersonConcerned)).all() == []


def test_add_another_person_shows_one_more_row_and_keeps_everything_typed(client, units):
    html = client.get("/melden").get_data(as_text=True)
    assert 'name="persons-1-name"' in html and 'name="persons-2-name"' not in html
    # Folded at first: the form stays short for whoever names nobody.
    assert '<details class="section persons-named" id="persons">' in html
    people = _people(("Anna Jansen", "adviseur", "HR", "witness"),
                     ("Piet de Vries", "", "", "accused"))
    more = client.post("/melden", data={"csrf_token": csrf_from(html), "step": "add_person",
                                        **report_fields(units, what="Wat er gebeurde-7120"),
                                        **people})
    page = _text(more)
    assert more.status_code == 200
    assert 'name="persons-2-name"' in page and 'name="persons-3-name"' not in page
    assert 'id="persons" open>' in page
    for typed in ("Anna Jansen", "adviseur", "Piet de Vries", "Wat er gebeurde-7120"):
        assert typed in page
    assert "Please check the following" not in page

    # At most five people: the button goes once there are five rows.
    rows = _people(*[(f"Persoon {i}", "", "", "other") for i in range(5)])
    full = _text(client.post("/melden", data={"csrf_token": csrf_from(html),
                                              "step": "add_person", **report_fields(units),
                                              **rows}))
    assert 'name="persons-4-name"' in full and 'name="persons-5-name"' not in full
    assert "Add another person" not in full


def test_switching_language_keeps_the_people_typed(client, units):
    html = client.get("/melden").get_data(as_text=True)
    switched = client.post("/melden", data={
        "csrf_token": csrf_from(html), "switch_lang": "nl", "shown": "form",
        **report_fields(units), **_people(("Anna Jansen-5521", "", "", "witness"))})
    page = _text(switched)
    assert "Anna Jansen-5521" in page and "Mensen die je wilt noemen" in page
