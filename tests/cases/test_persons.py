"""Persons concerned (issue #24; GDPR art. 14, UAVG art. 41): recorded in
the case file, informed or deferred on a ground with a review day that shows
as due, recognised in other cases by a blind index only by the handlers of
those cases, excluding a handler who is named, and shredded with the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cases import persons
from app.cases.access import CaseNotFound, open_case
from app.cases.agenda import AgendaItem, agenda
from app.cases.intake import open_mailbox
from app.cases.persons import (
    LookupRefused,
    PersonDetails,
    PersonError,
    add_person,
    defer_notice,
    lookup_repeats,
    read_persons,
    record_informed,
)
from app.cases.workflow import RequirementMissing, perform
from app.crypto.blind_index import blind_index, normalise_name
from app.crypto.compartments import CASEFILE, CONVERSATION, IDENTITY, REPORT
from app.localtime import local_date
from app.models import (
    AuditEntry,
    Case,
    CaseRestriction,
    CompartmentWrap,
    KeyWrap,
    PersonConcerned,
    PersonIndexEntry,
    RepeatReview,
    utcnow,
)
from app.vocabulary import NoticeStatus, PersonRole, RestrictionGround
from tests.cases.conftest import case_actions, key_of
from tests.cases.persons_support import (
    concerned,
    formal_report_with_ic,
    keys,
    two_cases_naming_one_person,
)


def _today(rt):  # type: ignore[no-untyped-def]
    return local_date(utcnow(), rt.settings.zone)


# --- recording ----------------------------------------------------------------------


def test_a_person_concerned_is_sealed_in_the_case_file_and_indexed_by_a_digest(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    row = concerned(session, rt, case, ic, "Pieter-Jan Öztürk", function="afdelingshoofd",
                    unit="Directie Financiën")
    assert b"Pieter" not in row.details_ciphertext and b"afdelingshoofd" not in (
        row.details_ciphertext)
    entry = session.scalar(select(PersonIndexEntry).where(PersonIndexEntry.person_id == row.id))
    assert entry is not None and len(entry.digest) == 32
    assert entry.digest == blind_index(rt.keyring.person_index_key, "pieter-jan  OZTURK")
    [view] = read_persons(session, case, keys(session, case, ic))
    assert (view.name, view.function, view.unit, view.role) == (
        "Pieter-Jan Öztürk", "afdelingshoofd", "Directie Financiën", PersonRole.ACCUSED)
    assert view.notice_status is NoticeStatus.PENDING
    # The reporter holds no case file: their keys read no persons.
    assert "person.added" in case_actions(session, case.number)


def test_the_reporter_never_reads_the_persons_concerned(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    make_staff("integriteitscoordinator")
    case, code = new_case()
    concerned(session, rt, case, intake, "Karin de Boer")
    mailbox = open_mailbox(session, rt, code)
    assert mailbox is not None and not mailbox.key.has(CASEFILE)
    assert read_persons(session, mailbox.case, mailbox.key) == []


def test_a_name_is_needed_and_a_role_from_the_list(session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    key = keys(session, case, ic)
    with pytest.raises(PersonError, match="empty_name"):
        add_person(session, rt, case, key, ic.user, PersonDetails(name="   "))
    with pytest.raises(PersonError, match="unknown_role"):
        add_person(session, rt, case, key, ic.user,
                   PersonDetails(name="Jan", role="boss"))  # type: ignore[arg-type]
    with pytest.raises(PersonError, match="too_long"):
        add_person(session, rt, case, key, ic.user, PersonDetails(name="x" * 201))
    assert session.scalar(select(func.count()).select_from(PersonConcerned)) == 0


@pytest.mark.parametrize(("one", "other"), [
    ("Zoë van den Berg", "zoe van den berg"),
    ("Zoë van den Berg", "  ZOË   van  den\tBERG "),
    ("José Müller-Lüdenscheidt", "jose muller-ludenscheidt"),
    ("Ångström", "angstrom"),
])
def test_spellings_of_one_name_normalise_alike(one, other):
    assert normalise_name(one) == normalise_name(other)
    assert blind_index(b"k" * 32, one) == blind_index(b"k" * 32, other)
    assert blind_index(b"k" * 32, one) != blind_index(b"l" * 32, one)


def test_different_names_do_not_match():
    assert normalise_name("Jan de Vries") != normalise_name("Jan de Vriesen")
    assert blind_index(b"k" * 32, "   ") is None


# --- informing --------------------------------------------------------------------------


def test_a_person_is_informed_or_deferred_with_a_ground_and_the_review_date_shows_as_due(
        session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    told = concerned(session, rt, case, ic, "Marieke Smit", role=PersonRole.WITNESS)
    deferred = concerned(session, rt, case, ic, "Henk Bakker")
    later = concerned(session, rt, case, ic, "Sven Dijkstra")
    key = keys(session, case, ic)
    today = _today(rt)

    record_informed(session, rt, case, key, ic.user, told.id, on=today, means="letter",
                    note="Brief verstuurd met uitleg over de melding.")
    review_on = today + timedelta(days=3)
    defer_notice(session, rt, case, key, ic.user, deferred.id,
                 ground=RestrictionGround.INQUIRY, review_on=review_on,
                 note="Informeren zou het vooronderzoek schaden.")
    defer_notice(session, rt, case, key, ic.user, later.id,
                 ground=RestrictionGround.REPORTER_PROTECTION,
                 review_on=today + timedelta(days=60))

    views = {v.id: v for v in read_persons(session, case, key)}
    assert views[told.id].notice_status is NoticeStatus.INFORMED
    assert (views[told.id].informed_on, views[told.id].informed_by) == (today, "letter")
    assert views[deferred.id].deferral_ground is RestrictionGround.INQUIRY
    assert views[deferred.id].notice_note == "Informeren zou het vooronderzoek schaden."
    # The ground and the review day are clear metadata; the note is not.
    row = session.get(PersonConcerned, deferred.id)
    assert row is not None and b"vooronderzoek" not in (row.notice_note_ciphertext or b"")

    today_list = agenda(session, ic.user, zone=rt.settings.zone)
    assert today_list.numbers(AgendaItem.NOTICE_REVIEW) == [case.number]
    section = next(s for s in today_list.sections if s.item is AgendaItem.NOTICE_REVIEW)
    assert section.cases[0].when == review_on
    # Two weeks later the second deferral is due too; the list still names the case once.
    assert agenda(session, ic.user, now=utcnow() + timedelta(days=58),
                  zone=rt.settings.zone).total(AgendaItem.NOTICE_REVIEW) == 1

    # Informing the person ends the review.
    record_informed(session, rt, case, key, ic.user, deferred.id, on=today, means="conversation")
    assert agenda(session, ic.user, zone=rt.settings.zone).total(AgendaItem.NOTICE_REVIEW) == 0
    actions = case_actions(session, case.number)
    assert actions.count("person.informed") == 2
    assert actions.count("person.notice_deferred") == 2


def test_a_deferral_needs_a_known_ground_and_a_review_day_ahead(session, rt, make_staff,
                                                                 new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    person = concerned(session, rt, case, ic, "Henk Bakker")
    key = keys(session, case, ic)
    today = _today(rt)
    with pytest.raises(PersonError, match="unknown_ground"):
        defer_notice(session, rt, case, key, ic.user, person.id, ground="because",
                     review_on=today + timedelta(days=5))
    with pytest.raises(PersonError, match="review_date"):
        defer_notice(session, rt, case, key, ic.user, person.id,
                     ground=RestrictionGround.INQUIRY, review_on=today)
    with pytest.raises(PersonError, match="future_date"):
        record_informed(session, rt, case, key, ic.user, person.id,
                        on=today + timedelta(days=1), means="letter")
    session.refresh(person)
    assert person.notice_status is NoticeStatus.PENDING


def test_the_review_day_of_a_closed_case_still_shows_as_due(session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    person = concerned(session, rt, case, ic, "Henk Bakker")
    defer_notice(session, rt, case, keys(session, case, ic), ic.user, person.id,
                 ground=RestrictionGround.PROCEEDINGS,
                 review_on=_today(rt) + timedelta(days=2))
    perform(session, rt, case, ic.user, key_of(ic), "close_early", reason="not_admissible")
    assert case.state == "closed"
    assert agenda(session, ic.user, zone=rt.settings.zone).numbers(
        AgendaItem.NOTICE_REVIEW) == [case.number]


# --- the repeat signal -------------------------------------------------------------------


def _two_cases_naming_one_person(session, rt, make_staff, new_case):  # type: ignore[no-untyped-def]
    first, (case_b, ic_b, b) = two_cases_naming_one_person(session, rt, make_staff, new_case)
    concerned(session, rt, case_b, ic_b, "Anna Jansen", role=PersonRole.WITNESS)
    return first, (case_b, ic_b, b)


def test_the_repeat_signal_appears_for_the_handlers_of_both_cases_and_nobody_else(
        session, rt, make_staff, new_case):
    (case_a, ic_a, a), (case_b, ic_b, b) = _two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    _persons, counts = lookup_repeats(session, rt, ic_a.user, case_a, keys(session, case_a, ic_a))
    assert counts == {a.id: 1}
    found_b, counts_b = lookup_repeats(session, rt, ic_b.user, case_b,
                                       keys(session, case_b, ic_b))
    assert counts_b[b.id] == 1
    assert counts_b[next(p.id for p in found_b if p.name == "Anna Jansen")] == 0
    assert case_actions(session, case_a.number).count("person.repeat_lookup") == 1

    # Nobody else: another coordinator, a counsellor and the ICC hold neither case,
    # and a look-up starts only from a case the asker's keys open.
    for other in (make_staff("integriteitscoordinator", unit="igj"),
                  make_staff("vertrouwenspersoon"), make_staff("icc")):
        for case in (case_a, case_b):
            with pytest.raises(CaseNotFound):
                open_case(session, rt, other.user, key_of(other), case.number)
    assert persons.reviews(session) == []
    with pytest.raises(LookupRefused):
        persons.review_lookup(session, rt, make_staff("icc").user, None, 1)
    refused = session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "repeat_review")).all()
    assert [(e.action, e.object_id, e.result) for e in refused] == [
        ("person.review_lookup", "1", "denied")]


def test_a_shredded_case_no_longer_counts(session, rt, make_staff, new_case):
    (case_a, ic_a, a), (case_b, _ic_b, _b) = _two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    case_b.shredded_at = utcnow()
    session.commit()
    assert lookup_repeats(session, rt, ic_a.user, case_a,
                          keys(session, case_a, ic_a))[1] == {a.id: 0}


def test_the_icc_asked_to_look_sees_the_numbers_only_of_the_cases_it_may_open(
        session, rt, make_staff, new_case):
    icc = make_staff("icc")
    (case_a, ic_a, a), (case_b, ic_b, b) = _two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    review = persons.ask_icc(session, rt, case_a, keys(session, case_a, ic_a), ic_a.user, a.id)
    # The ICC holds the report and the case file, never the identity or the conversation.
    held = set(session.scalars(select(CompartmentWrap.compartment).join(KeyWrap).where(
        KeyWrap.case_id == case_a.id, KeyWrap.user_id == icc.user.id)))
    assert held == {REPORT, CASEFILE}
    assert IDENTITY not in held and CONVERSATION not in held
    with pytest.raises(PersonError, match="already_asked"):
        persons.ask_icc(session, rt, case_a, keys(session, case_a, ic_a), ic_a.user, a.id)

    assert [r.number for r in persons.reviews(session)] == [case_a.number]
    result = persons.review_lookup(session, rt, icc.user, key_of(icc), review.id)
    assert result.person.name == "Zoë van den Berg"
    assert (result.numbers, result.hidden) == ([case_a.number], 1)

    second = persons.ask_icc(session, rt, case_b, keys(session, case_b, ic_b), ic_b.user, b.id)
    result = persons.review_lookup(session, rt, icc.user, key_of(icc), second.id)
    assert (result.numbers, result.hidden) == ([case_b.number, case_a.number], 0)
    actions = case_actions(session, case_a.number)
    assert "person.review_requested" in actions and "person.review_lookup" in actions

    # An ICC who holds none of the cases gets nothing, and the refusal is logged.
    stranger = make_staff("icc")
    with pytest.raises(LookupRefused):
        persons.review_lookup(session, rt, stranger.user, key_of(stranger), review.id)
    assert ("person.review_lookup", "denied") in [
        (e.action, e.result) for e in _entries(session, case_a.number)]
    persons.finish_review(session, rt, icc.user, review.id)
    assert [r.number for r in persons.reviews(session)] == [case_b.number]


def _entries(session, number):  # type: ignore[no-untyped-def]
    return session.scalars(select(AuditEntry).where(AuditEntry.object_id == number)).all()


def test_only_a_formal_report_with_a_repeat_goes_to_the_icc(session, rt, make_staff, new_case):
    make_staff("icc")
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    person = concerned(session, rt, case, ic, "Nienke Visser")
    with pytest.raises(PersonError, match="no_other_cases"):
        persons.ask_icc(session, rt, case, keys(session, case, ic), ic.user, person.id)
    vp = make_staff("vertrouwenspersoon")
    advice, _code = new_case(track="advice")
    concerned(session, rt, advice, vp, "Nienke Visser")
    with pytest.raises(PersonError, match="not_a_report"):
        persons.ask_icc(session, rt, advice, keys(session, advice, vp), vp.user,
                        read_persons(session, advice, keys(session, advice, vp))[0].id)
    assert session.scalar(select(func.count()).select_from(RepeatReview)) == 0


# --- conflict of interest -----------------------------------------------------------------


def test_a_handler_named_in_a_case_can_not_open_it(session, rt, make_staff, new_case):
    colleague = make_staff("integriteitscoordinator")
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    assert open_case(session, rt, colleague.user, key_of(colleague), case.number)
    # Named (written differently) by the coordinator handling the case.
    name = colleague.user.display_name.upper().replace(" ", "  ")
    _row, exclusions = add_person(session, rt, case, keys(session, case, ic), ic.user,
                                  PersonDetails(name=name))
    assert exclusions.excluded == [colleague.user.display_name]
    with pytest.raises(CaseNotFound):
        open_case(session, rt, colleague.user, key_of(colleague), case.number)
    restriction = session.scalar(select(CaseRestriction).where(
        CaseRestriction.case_id == case.id, CaseRestriction.user_id == colleague.user.id))
    assert restriction is not None and restriction.kind == "excluded"
    assert not session.scalar(select(KeyWrap.id).where(KeyWrap.case_id == case.id,
                                                       KeyWrap.user_id == colleague.user.id))
    assert "person.excluded_as_named" in case_actions(session, case.number)


def test_a_named_coordinator_is_never_routed_the_case(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    named = make_staff("integriteitscoordinator")
    other = make_staff("integriteitscoordinator")
    case, _code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    concerned(session, rt, case, intake, named.user.display_name)
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    holders = set(session.scalars(select(KeyWrap.user_id).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None))))
    assert holders == {other.user.id}
    with pytest.raises(CaseNotFound):
        open_case(session, rt, named.user, key_of(named), case.number)


def test_a_named_coordinator_created_later_is_not_routed_the_case(session, rt, make_staff,
                                                                   new_case):
    intake = make_staff("intake")
    case, _code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    concerned(session, rt, case, intake, "Test integriteitscoordinator 2")
    named = make_staff("integriteitscoordinator")
    assert named.user.display_name == "Test integriteitscoordinator 2"
    with pytest.raises(RequirementMissing, match="no_ic_for_unit"):
        perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")


def test_a_handler_who_names_themselves_steps_aside(session, rt, make_staff, new_case):
    alone, ic = formal_report_with_ic(session, rt, make_staff, new_case, unit="rivm")
    with pytest.raises(PersonError, match="named_yourself"):
        add_person(session, rt, alone, keys(session, alone, ic), ic.user,
                   PersonDetails(name=ic.user.display_name))
    assert session.scalar(select(func.count()).select_from(PersonConcerned)) == 0
    colleague = make_staff("integriteitscoordinator")
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    _row, exclusions = add_person(session, rt, case, keys(session, case, ic), ic.user,
                                  PersonDetails(name=ic.user.display_name))
    assert exclusions.recused
    with pytest.raises(CaseNotFound):
        open_case(session, rt, ic.user, key_of(ic), case.number)
    assert open_case(session, rt, colleague.user, key_of(colleague), case.number)


# --- shredding -----------------------------------------------------------------------------


def test_shredding_removes_persons_index_entries_and_requests(session, rt, make_staff,
                                                             new_case):
    from app.cases import hearings, subject_requests
    from app.models import Hearing, HearingVersion, SubjectRequest
    from app.retention.sweep import run_sweep

    make_staff("icc")
    (case_a, ic_a, a), (case_b, _ic_b, b) = _two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    key = keys(session, case_a, ic_a)
    subject_requests.register_request(session, rt, case_a, key, ic_a.user, kind="access",
                                      received_on=_today(rt), person_id=a.id)
    hearing = hearings.record_hearing(session, rt, case_a, key, ic_a.user, person_id=a.id,
                                      held_on=_today(rt), text="Gehoord over de melding.")
    session.commit()
    assert hearing.id
    persons.ask_icc(session, rt, case_a, key, ic_a.user, a.id)
    perform(session, rt, case_a, ic_a.user, key_of(ic_a), "close_early", reason="withdrawn")
    case_a.closed_at = utcnow() - timedelta(days=3 * 366)
    session.commit()

    report = run_sweep(session, rt)
    assert case_a.number in report.deleted
    session.expire_all()
    assert session.get(Case, case_a.id) is None
    for model in (PersonConcerned, PersonIndexEntry, SubjectRequest, Hearing, HearingVersion,
                  RepeatReview):
        assert session.scalar(select(func.count()).select_from(model).where(
            model.case_id == case_a.id)) == 0, model
    # The other case keeps its person, who is no longer named anywhere else.
    assert session.scalar(select(func.count()).select_from(PersonIndexEntry)) == 2
    assert lookup_repeats(session, rt, _ic_b.user, case_b,
                          keys(session, case_b, _ic_b))[1][b.id] == 0


def test_shredding_a_case_that_keeps_its_row_removes_its_persons_index_hearings_and_requests(
        session, rt, make_staff, new_case):
    """custody.shred_case (a shred that keeps the clear row for statistics)
    leaves nothing of the persons concerned either."""
    from app.cases import custody, hearings, subject_requests
    from app.models import Hearing, HearingVersion, SubjectRequest

    make_staff("icc")
    (case_a, ic_a, a), (case_b, ic_b, b) = _two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    key = keys(session, case_a, ic_a)
    subject_requests.register_request(session, rt, case_a, key, ic_a.user, kind="access",
                                      received_on=_today(rt), person_id=a.id)
    hearings.record_hearing(session, rt, case_a, key, ic_a.user, person_id=a.id,
                            held_on=_today(rt), text="Gehoord over de melding.")
    session.commit()
    persons.ask_icc(session, rt, case_a, key, ic_a.user, a.id)

    custody.delete_files(rt, custody.shred_case(session, rt, case_a))
    session.commit()
    session.expire_all()
    assert session.get(Case, case_a.id) is not None  # the clear row stays
    for model in (PersonConcerned, PersonIndexEntry, SubjectRequest, Hearing, HearingVersion,
                  RepeatReview):
        assert session.scalar(select(func.count()).select_from(model).where(
            model.case_id == case_a.id)) == 0, model
    assert session.scalar(select(func.count()).select_from(PersonConcerned)) == 2
    assert lookup_repeats(session, rt, ic_b.user, case_b,
                          keys(session, case_b, ic_b))[1][b.id] == 0
