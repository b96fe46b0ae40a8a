"""Queues per role: who sees which cases, tabs, counts and pagination."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases import conflicts, queues
from app.cases.workflow import perform
from app.models import Case, utcnow
from tests.cases.conftest import key_of
from tests.conftest import sign_in


def _numbers(session, user, **kwargs) -> set[str]:  # type: ignore[no-untyped-def]
    page = queues.queue(session, user, **kwargs)
    return {row.case.number for row in page.rows}


def test_each_role_sees_its_own_queue(session, rt, make_staff, new_case, units):
    intake = make_staff("intake")
    vp, other_vp = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    ic_rivm = make_staff("integriteitscoordinator", unit="rivm")
    icc = make_staff("icc")
    investigator = make_staff("external_investigator")

    new = new_case()
    advice = new_case(track="advice")[0]
    formal = new_case()[0]
    formal_rivm = new_case(unit="rivm")[0]
    for case in (formal, formal_rivm):
        perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    # A request for a VP goes to the VPs; one of them takes it on.
    perform(session, rt, advice, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, advice, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    perform(session, rt, formal, intake.user, key_of(intake), "route_to_ic")
    perform(session, rt, formal_rivm, intake.user, key_of(intake), "route_to_ic")
    perform(session, rt, formal, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, formal, ic.user, key_of(ic), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["what"])

    assert _numbers(session, intake.user) == {new[0].number}
    assert _numbers(session, vp.user) == {advice.number}
    assert _numbers(session, other_vp.user) == set()
    # The IC sees the unit's formal reports, also the new one not yet routed.
    assert _numbers(session, ic.user) == {new[0].number, formal.number}
    assert _numbers(session, ic_rivm.user) == {formal_rivm.number}
    # The ICC: all formal reports' metadata, holding no key to any of them.
    icc_page = queues.queue(session, icc.user)
    assert {r.case.number for r in icc_page.rows} == {new[0].number, formal.number,
                                                      formal_rivm.number}
    assert not any(r.holder for r in icc_page.rows)
    assert _numbers(session, investigator.user) == {formal.number}


def test_an_excluded_person_does_not_even_see_the_case_listed(session, rt, make_staff, new_case):
    intake, named = make_staff("intake"), make_staff("intake")
    case, _ = new_case()
    assert case.number in _numbers(session, named.user)
    conflicts.exclude(session, rt, case, intake.user, named.user)
    assert case.number not in _numbers(session, named.user)


def test_tabs_count_new_due_overdue_mine_and_waiting(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    overdue, _ = new_case()
    overdue.received_at = utcnow() - timedelta(days=10)
    overdue.acknowledge_due_at = utcnow() - timedelta(days=3)
    session.commit()
    waiting, _ = new_case()
    perform(session, rt, waiting, intake.user, key_of(intake), "acknowledge",
            text="Ontvangen.")
    counts = queues.counts(session, intake.user, utcnow())
    assert counts["all"] == 2
    assert counts["new"] == 1
    assert counts["overdue"] == 1
    assert counts["due_soon"] == 0  # the acknowledged one is due in three months
    assert counts["mine"] == 2
    assert counts["waiting"] == 1  # the acknowledgement is the last word
    assert _numbers(session, intake.user, tab="overdue") == {overdue.number}
    assert _numbers(session, intake.user, tab="waiting") == {waiting.number}


def _received(session, units, prefix: str, count: int, *, overdue: int = 0) -> None:  # type: ignore[no-untyped-def]
    """`count` new cases, an hour apart (the first the newest); the first
    `overdue` of them past their acknowledgement deadline."""
    now = utcnow()
    for i in range(count):
        session.add(Case(
            number=f"MP-{prefix}-{i:04d}", unit_id=units["kerndepartement"].id, track="report",
            channel="anonymous", state="received", received_at=now - timedelta(hours=i),
            acknowledge_due_at=now + timedelta(days=-1 if i < overdue else 7),
            feedback_due_at=now + timedelta(days=90),
        ))
    session.commit()


def test_the_queue_is_paginated_by_25_in_sql(client, session, rt, make_staff, units):
    intake = make_staff("intake")
    _received(session, units, "TEST", 60)
    first = queues.queue(session, intake.user)
    assert (first.total, first.pages, len(first.rows)) == (60, 3, 25)
    assert first.rows[0].case.number == "MP-TEST-0000"
    last = queues.queue(session, intake.user, page=3)
    assert len(last.rows) == 10 and last.rows[-1].case.number == "MP-TEST-0059"
    oldest = queues.queue(session, intake.user, sort="oldest")
    assert oldest.rows[0].case.number == "MP-TEST-0059"

    sign_in(client, intake)
    html = client.get("/medewerkers/zaken/?pagina=2").get_data(as_text=True)
    assert "MP-TEST-0025" in html and "MP-TEST-0024" not in html and "MP-TEST-0050" not in html
    assert client.get("/medewerkers/zaken/?pagina=99&tab=onzin&sorteer=x").status_code == 200


def test_the_queue_filters_by_unit_and_track(client, session, rt, make_staff, new_case, units):
    intake = make_staff("intake")
    in_rivm = new_case(unit="rivm")[0]
    advice = new_case(track="advice")[0]
    formal = new_case()[0]
    assert _numbers(session, intake.user, unit_id=units["rivm"].id) == {in_rivm.number}
    assert _numbers(session, intake.user, track="advice") == {advice.number}
    page = queues.queue(session, intake.user, track="report", unit_id=units["kerndepartement"].id)
    assert {r.case.number for r in page.rows} == {formal.number} and page.counts["all"] == 1

    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/?eenheid={units['rivm'].id}").get_data(as_text=True)
    assert in_rivm.number in html and formal.number not in html
    assert f"eenheid={units['rivm'].id}" in html  # the tabs keep the filter


def test_waiting_follows_the_newest_message_without_changing_the_case(session, rt, make_staff,
                                                                       new_case):
    """"Waiting for reporter" reads Case.last_author_kind, which every message
    sets (a reporter's answer takes the case out of the tab, a handler's puts
    it back) without bumping the case's version (no false edit conflicts)."""
    from app.cases import content, custody

    intake = make_staff("intake")
    case, _ = new_case()
    assert case.last_author_kind is None
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    session.commit()
    assert _numbers(session, intake.user, tab="waiting") == {case.number}
    key = custody.open_case_key(session, case, intake.user, key_of(intake))

    version = session.get(Case, case.id).version
    content.add_message(session, case, key, "Ik heb nog een vraag.", author_kind="reporter")
    session.commit()
    session.expire_all()
    stored = session.get(Case, case.id)
    assert (stored.last_author_kind, stored.version) == ("reporter", version)
    assert queues.counts(session, intake.user, utcnow())["waiting"] == 0
    assert _numbers(session, intake.user, tab="waiting") == set()

    content.add_message(session, stored, key, "Hier is het antwoord.", author_kind="staff",
                        author=intake.user)
    session.commit()
    assert queues.counts(session, intake.user, utcnow())["waiting"] == 1
    assert _numbers(session, intake.user, tab="waiting") == {case.number}


def test_the_tab_counts_are_one_query_and_the_list_loads_no_ciphertext(session, rt, make_staff,
                                                                       new_case, app):
    """The queue's cost does not grow per case: a fixed number of statements
    (counts, rows, held) and no encrypted column in the list query."""
    from sqlalchemy import event

    intake = make_staff("intake")
    for _ in range(3):
        new_case()
    statements: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("SET"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        session.expire_all()
        page = queues.queue(session, intake.user)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(page.rows) == 3
    case_queries = [s for s in statements if "FROM case_file" in s]
    assert len(case_queries) == 2, statements  # the counts, the rows
    assert "message" not in case_queries[0]  # no probe of each case's messages
    assert "ciphertext" not in case_queries[1]


def test_search_finds_a_case_by_number_among_those_the_user_may_see(
        client, session, rt, make_staff, new_case):
    """Issue #23: a handler types a case number (as the reporter or a
    colleague spells it: lower case, with spaces or without the dashes) and
    lands on the case; a number they may not see is 'not found', exactly as
    a number that does not exist, so the search tells nothing."""
    intake, vp = make_staff("intake"), make_staff("vertrouwenspersoon")
    case, _ = new_case()
    other = new_case(track="advice")[0]
    perform(session, rt, other, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, other, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    spelled = case.number.lower().replace("-", " ")
    assert queues.find(session, intake.user, spelled) == case
    assert queues.find(session, intake.user, case.number[3:].replace("-", "")) == case
    assert queues.find(session, intake.user, other.number) is None  # the VP's now
    assert queues.find(session, intake.user, "MP-0000-0000") is None
    assert queues.find(session, intake.user, "x" * 500) is None

    sign_in(client, intake)
    found = client.get("/medewerkers/zaken/zoek", query_string={"nummer": spelled})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/medewerkers/zaken/{case.number}")
    for number in (other.number, "MP-0000-0000", ""):
        missed = client.get("/medewerkers/zaken/zoek", query_string={"nummer": number})
        assert missed.status_code == 200
        assert "Geen dossier gevonden" in missed.get_data(as_text=True)
    page = client.get("/medewerkers/zaken/").get_data(as_text=True)
    assert 'name="nummer"' in page


def test_the_queue_filters_by_state_category_and_deadline(session, rt, make_staff, new_case):
    intake = make_staff("intake")
    bullying, _ = new_case(category="ongewenste_omgangsvormen")
    fraud, _ = new_case(category="financiele_schendingen")
    late, _ = new_case()
    late.acknowledge_due_at = utcnow() - timedelta(days=1)
    session.commit()
    perform(session, rt, fraud, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")

    def numbers(**chosen: str) -> set[str]:
        return _numbers(session, intake.user, filters=queues.QueueFilter(**chosen))

    assert numbers(category="financiele_schendingen") == {fraud.number}
    assert numbers(in_state="acknowledged") == {fraud.number}
    assert numbers(in_state="received") == {bullying.number, late.number}
    assert numbers(deadline="overdue") == {late.number}
    assert numbers(in_state="received", category="ongewenste_omgangsvormen") == {bullying.number}
    # Unknown values are ignored rather than matching nothing.
    assert len(numbers(in_state="x", category="y", deadline="z")) == 3
    counted = queues.counts(session, intake.user, utcnow(),
                            filters=queues.QueueFilter(in_state="received"))
    assert counted["all"] == 2


def test_a_queue_row_has_category_state_last_activity_and_next_deadline_in_words(
        client, session, rt, make_staff, new_case):
    from app.cases import mailbox

    intake = make_staff("intake")
    case, code = new_case(category="ongewenste_omgangsvormen")
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    opened, _cookie = mailbox.sign_in(session, rt, str(code))
    mailbox.send_message(session, rt, opened, "Nog een vraag.")

    row = queues.queue(session, intake.user).rows[0]
    assert (row.next_deadline, row.next_due_at) == ("feedback", case.feedback_due_at)
    assert row.last_activity_by == "reporter" and row.reporter_waits
    assert row.last_activity_at is not None

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, intake)
    html = client.get("/medewerkers/zaken/").get_data(as_text=True)
    for shown in ("Unwanted behaviour", "Acknowledged", "Reporter replied", "Feedback",
                  "Last activity", "Next deadline"):
        assert shown in html, shown
    html = client.get("/medewerkers/zaken/?status=received").get_data(as_text=True)
    assert case.number not in html
    html = client.get("/medewerkers/zaken/?status=acknowledged&categorie=ongewenste_omgangsvormen"
                      "&termijn=&tab=mine").get_data(as_text=True)
    assert case.number in html
    assert 'name="status"' in html and 'name="categorie"' in html and 'name="termijn"' in html


def test_tabs_count_exactly_up_to_the_cap_and_then_say_more(client, session, rt, make_staff,
                                                           units, monkeypatch):
    """At a hundred thousand cases an exact count of every tab took longer
    than the rest of the page: above COUNT_CAP a tab says "more than", and
    the open tab still pages to the very end."""
    monkeypatch.setattr(queues, "COUNT_CAP", 5)
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    intake = make_staff("intake")
    now = utcnow()
    _received(session, units, "CAPP", 8, overdue=3)

    counted = queues.counts(session, intake.user, now)
    assert counted["all"] == 6 and counted["new"] == 6  # more than 5
    assert counted["overdue"] == 3  # under the cap: exact
    first = queues.queue(session, intake.user, now=now)
    assert (first.exact, first.total, first.pages, first.has_next) == (False, 5, 3, True)
    # A page past the cap counts as far as it needs, and the last one knows it is last.
    last = queues.queue(session, intake.user, now=now, page=4)
    assert (last.exact, last.total, last.pages, last.has_next) == (True, 8, 4, False)
    assert [r.case.number for r in last.rows] == ["MP-CAPP-0006", "MP-CAPP-0007"]
    assert queues.queue(session, intake.user, now=now, page=10**9).page == 4

    sign_in(client, intake)
    html = client.get("/medewerkers/zaken/").get_data(as_text=True)
    assert "5+</span>" in html and "Pagina 1 van meer dan 3" in html and 'rel="next"' in html
    html = client.get("/medewerkers/zaken/?pagina=4").get_data(as_text=True)
    assert "Pagina 4 van 4" in html and 'rel="next"' not in html


def test_a_handler_who_lists_only_what_they_hold_gets_exact_counts(
        client, session, rt, make_staff, new_case, monkeypatch):
    """Their own cases are few enough to count exactly, also above the cap."""
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    vp = make_staff("vertrouwenspersoon")
    for _ in range(3):
        case, _code = new_case(track="advice")
        perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    assert not queues.counts_are_capped(vp.user)
    assert queues.counts(session, vp.user, utcnow())["all"] == 3
    page = queues.queue(session, vp.user)
    assert (page.capped, page.exact, page.total, len(page.rows)) == (False, True, 3, 3)
    sign_in(client, vp)
    html = client.get("/medewerkers/zaken/").get_data(as_text=True)
    assert "2+</span>" not in html and ">3</span>" in html


def test_a_case_someone_is_excluded_from_is_not_counted_for_them_either(
        session, rt, make_staff, new_case, units):
    """An excluded person does not even learn that the case exists from a
    tab count: not on the exact path (a VP who lists what they hold) nor on
    the capped one (intake, which lists a whole group)."""
    intake = make_staff("intake")
    vp, colleague = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    advice, _ = new_case(track="advice")
    report, _ = new_case()
    now = utcnow()
    before = queues.counts(session, colleague.user, now)["all"]
    assert before >= 1 and not queues.counts_are_capped(colleague.user)
    named_intake = make_staff("intake")
    assert queues.counts(session, named_intake.user, now)["all"] == 2
    conflicts.exclude(session, rt, advice, vp.user, colleague.user)
    conflicts.exclude(session, rt, report, intake.user, named_intake.user)
    session.expire_all()
    assert queues.counts(session, colleague.user, now)["all"] == before - 1
    after = queues.counts(session, named_intake.user, now)
    assert after["all"] == 1 and after["new"] == 1
    assert queues.queue(session, named_intake.user).total == 1


def test_a_group_role_counts_the_cases_it_holds_outside_its_group_once(
        session, rt, make_staff, new_case, monkeypatch):
    """Intake lists every case at intake (its group) and also the cases it
    holds elsewhere, such as one it closed: the counts read those in a
    second part, only where the group leaves room under the cap, and a case
    that is both in the group and held is counted once."""
    intake = make_staff("intake")
    closed, _ = new_case()
    held_at_intake, _ = new_case()
    new_case()
    for case in (closed, held_at_intake):
        perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, closed, intake.user, key_of(intake), "close_early",
            reason="withdrawn", text="Ingetrokken.")
    now = utcnow()
    counted = queues.counts(session, intake.user, now)
    # mine: the two at intake (intake holds every case there), not the closed one
    assert (counted["all"], counted["new"], counted["mine"]) == (3, 1, 2)
    assert queues.queue(session, intake.user).total == 3
    # The group alone fills a cap of one: the count says "more than one".
    monkeypatch.setattr(queues, "COUNT_CAP", 1)
    assert queues.counts(session, intake.user, now)["all"] == 2
    # A cap the group leaves room under is filled from the cases held outside it.
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    assert queues.counts(session, intake.user, now)["all"] == 3


def test_the_own_cases_page_lists_what_the_tab_holds_in_every_sort(
        session, rt, make_staff, new_case, monkeypatch):
    """A handler who lists only their own cases gets counts and page in one
    statement that reads their cases once: it must list exactly what the
    tab's condition selects, in the sort's order, page by page (checked
    against the plain query over the case table), and a page past the end
    shows the last one."""
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    vp = make_staff("vertrouwenspersoon")
    now = utcnow()
    for i in range(5):
        case, _code = new_case(track="advice")
        case.received_at = now - timedelta(days=i * 3)
        case.acknowledge_due_at = now + timedelta(days=5 - 3 * i)
        session.commit()
        if i % 2:
            perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    assert not queues.counts_are_capped(vp.user)
    for tab in queues.TABS:
        for sort in queues.SORTS:
            query = select(Case.number).where(queues.visible_to(vp.user))
            condition = queues.tab_filter(tab, vp.user, now)
            if condition is not None:
                query = query.where(condition)
            expected = list(session.scalars(query.order_by(*queues.sort_keys(sort))))
            pages = queues.queue(session, vp.user, tab=tab, sort=sort, now=now).pages
            listed = [row.case.number
                      for page in range(1, pages + 1)
                      for row in queues.queue(session, vp.user, tab=tab, sort=sort, now=now,
                                              page=page).rows]
            assert listed == expected, (tab, sort)
            assert queues.counts(session, vp.user, now)[tab] == len(expected), tab
    # 5 cases by 2: the last page is the third, also when page 9 is asked for.
    past = queues.queue(session, vp.user, now=now, page=9)
    assert (past.page, past.pages, len(past.rows)) == (3, 3, 1)


def test_a_bureau_lists_what_it_holds_and_what_was_referred_to_it_once(
        session, rt, make_staff, new_case, units):
    """An investigator lists the cases referred to their bureau: those they
    hold a wrap for, and those referred before they joined (listed, not
    held); a case that is both is listed and counted once; a case they are
    excluded from is in neither."""
    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    case, _ = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["what"])
    newcomer = make_staff("external_investigator")
    now = utcnow()
    for staff, holds in ((investigator, True), (newcomer, False)):
        assert not queues.counts_are_capped(staff.user)
        page = queues.queue(session, staff.user, now=now)
        assert [(row.case.number, row.holder) for row in page.rows] == [(case.number, holds)]
        counted = queues.counts(session, staff.user, now)
        assert (counted["all"], counted["mine"]) == (1, 1 if holds else 0)
    # Excluded, neither of them learns from the list or a count that the
    # case exists: not from their wrap, not from the bureau's referral.
    for staff in (investigator, newcomer):
        conflicts.exclude(session, rt, case, ic.user, staff.user)
        session.expire_all()
        assert queues.queue(session, staff.user, now=now).rows == []
        assert queues.counts(session, staff.user, now)["all"] == 0
