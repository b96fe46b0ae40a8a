"""The persons-concerned pages (issue #24), through the Flask test client:
recording a person (a refused form keeps what was typed), the repeat signal
for the handlers of both cases and a 404 for everybody else, the start page
item, the hearing before the decision, the redacted extract as rendered,
and the ICC's view."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.cases import mailbox
from app.cases.workflow import perform
from app.localtime import local_date
from app.models import PersonConcerned, utcnow
from tests.cases.conftest import key_of
from tests.cases.persons_support import (
    concerned,
    formal_report_with_ic,
    two_cases_naming_one_person,
)
from tests.conftest import IsolatedClient, post_form, sign_in


def _client(app, staff, lang: str = "en"):  # type: ignore[no-untyped-def]
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    sign_in(client, staff)
    return client


def _persons_url(case) -> str:  # type: ignore[no-untyped-def]
    return f"/medewerkers/zaken/{case.number}/betrokkenen"


def _today(rt):  # type: ignore[no-untyped-def]
    return local_date(utcnow(), rt.settings.zone)


def _add(client, case, **fields):  # type: ignore[no-untyped-def]
    data = {"newperson-name": "", "newperson-function": "", "newperson-unit": "",
            "newperson-role": "accused"}
    data.update({f"newperson-{k}": v for k, v in fields.items()})
    return post_form(client, _persons_url(case), data)


def test_a_handler_records_a_person_and_a_refused_form_keeps_what_was_typed(
        app, session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    client = _client(app, ic, lang="nl")
    refused = _add(client, case, name="   ", function="Teamleider Inkoop-4471",
                   unit="Directie Bedrijfsvoering-9920")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Teamleider Inkoop-4471" in page and "Directie Bedrijfsvoering-9920" in page
    assert "Vul de naam van de betrokkene in." in page
    assert session.scalars(select(PersonConcerned)).all() == []

    done = _add(client, case, name="Henk Bakker", function="Teamleider Inkoop-4471")
    assert done.status_code == 302
    page = client.get(_persons_url(case)).get_data(as_text=True)
    assert "Henk Bakker" in page and "Teamleider Inkoop-4471" in page
    assert "Henk Bakker" in client.get(f"/medewerkers/zaken/{case.number}").get_data(
        as_text=True)


def test_the_repeat_signal_shows_for_the_handlers_of_both_cases_and_is_not_found_for_others(
        app, session, rt, make_staff, new_case):
    (case_a, ic_a, _a), (case_b, ic_b, _b) = two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    signal = "This person is concerned in 1 other case."
    for case, ic in ((case_a, ic_a), (case_b, ic_b)):
        client = _client(app, ic)
        assert signal in client.get(_persons_url(case)).get_data(as_text=True)
        assert signal in client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    for other in (make_staff("integriteitscoordinator", unit="igj"), make_staff("icc"),
                  make_staff("vertrouwenspersoon")):
        client = _client(app, other)
        for case in (case_a, case_b):
            assert client.get(_persons_url(case)).status_code == 404
            assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 404
    admin = _client(app, make_staff("admin"))
    assert admin.get(_persons_url(case_a)).status_code == 403


def test_a_deferred_notice_shows_on_the_start_page_when_its_review_is_near(
        app, session, rt, make_staff, new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    person = concerned(session, rt, case, ic, "Henk Bakker")
    client = _client(app, ic)
    review_on = _today(rt) + timedelta(days=4)
    response = post_form(client, f"{_persons_url(case)}/{person.id}/uitgesteld",
                         {f"defer{person.id}-ground": "inquiry",
                          f"defer{person.id}-review_on": review_on.isoformat(),
                          f"defer{person.id}-note": "Vooronderzoek loopt."},
                         page=_persons_url(case))
    assert response.status_code == 302
    home = client.get("/medewerkers/").get_data(as_text=True)
    assert "Review whether a person concerned can be informed now" in home
    assert f'href="/medewerkers/zaken/{case.number}/betrokkenen"' in home
    # A review date that is not ahead is refused, and the date typed is kept.
    refused = post_form(client, f"{_persons_url(case)}/{person.id}/uitgesteld",
                        {f"defer{person.id}-ground": "inquiry",
                         f"defer{person.id}-review_on": _today(rt).isoformat(),
                         f"defer{person.id}-note": "NOTE-KEPT-5521"},
                        page=_persons_url(case))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Choose a review date after today." in page and "NOTE-KEPT-5521" in page


def test_the_decision_is_refused_on_the_page_until_the_hearing(app, session, rt, make_staff,
                                                               new_case):
    case, ic = formal_report_with_ic(session, rt, make_staff, new_case)
    accused = concerned(session, rt, case, ic, "Henk Bakker")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    client = _client(app, ic)
    case_url = f"/medewerkers/zaken/{case.number}"
    page = client.get(case_url).get_data(as_text=True)
    assert "Record a hearing (hoor en wederhoor)" in page
    assert f'<option value="{accused.id}">Henk Bakker (Accused' in page
    refused = post_form(client, f"{case_url}/actie/record_decision",
                        {"outcome": "founded", "measure": "warning"}, page=case_url,
                        follow_redirects=True)
    assert "First hear Henk Bakker (hoor en wederhoor)" in refused.get_data(as_text=True)
    session.refresh(case)
    assert case.outcome is None

    heard = post_form(client, f"{case_url}/actie/record_hearing",
                      {"person_id": str(accused.id), "held_on": _today(rt).isoformat(),
                       "minutes": "HEARD-3391 Betrokkene gehoord.", "present": "IC"},
                      page=case_url)
    assert heard.status_code == 302
    page = client.get(_persons_url(case)).get_data(as_text=True)
    assert "HEARD-3391" in page
    hearing_id = re.search(r"/hoorzittingen/(\d+)/gegeven", page).group(1)  # type: ignore[union-attr]
    for step in ("gegeven", "akkoord"):
        assert post_form(client, f"{case_url}/hoorzittingen/{hearing_id}/{step}",
                         {"version": "1"}, page=_persons_url(case)).status_code == 302
    assert "approved by the person heard" in client.get(_persons_url(case)).get_data(
        as_text=True)
    decided = post_form(client, f"{case_url}/actie/record_decision",
                        {"outcome": "founded", "measure": "warning"}, page=case_url)
    assert decided.status_code == 302
    session.refresh(case)
    assert case.outcome == "founded"


REPORTER = {"name": "Anna Melder", "email": "anna.melder@voorbeeld.invalid",
            "phone": "06-55501234"}
REPORT = {"what": "Henk Bakker splitste opdrachten. Anna Melder zag het, en Marieke Smit ook. "
                  "Bel 06-55501234. Het gebeurde in kamer 4.12.",
          "where": "Kamer 4.12"}


def test_the_redacted_extract_contains_no_reporter_identity_and_no_blacked_out_text(
        app, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case, code = new_case(report=REPORT, identity=REPORTER)
    formal_report_with_ic(session, rt, make_staff, lambda **_: (case, code), ic=ic,
                          intake=intake)
    opened, _cookie = mailbox.sign_in(session, rt, str(code))  # the IC gets the name now
    mailbox.close_mailbox(session, rt, opened)
    accused = concerned(session, rt, case, ic, "Henk Bakker", function="inkoper")
    concerned(session, rt, case, ic, "Marieke Smit", role="witness")  # type: ignore[arg-type]
    client = _client(app, ic)
    assert post_form(client, f"/medewerkers/zaken/{case.number}/verzoeken", {
        "request-kind": "access", "request-received_on": _today(rt).isoformat(),
        "request-person_id": str(accused.id), "request-requester": "",
        "request-contact": "", "request-details": "Inzage in mijn gegevens."},
        page=_persons_url(case)).status_code == 302
    page = client.get(_persons_url(case)).get_data(as_text=True)
    extract_url = re.search(r'href="(/medewerkers/zaken/[^"]+/uittreksel)"', page).group(1)  # type: ignore[union-attr]
    choose = client.get(extract_url).get_data(as_text=True)
    assert 'value="what"' in choose and 'value="name"' not in choose
    assert 'value="email"' not in choose and 'value="phone"' not in choose

    response = post_form(client, extract_url, {
        "person_ids": str(accused.id), "report_fields": ["what", "where", "name", "email"],
        "outcome": "1", "black_out": "kamer 4.12\n"}, page=extract_url)
    assert response.status_code == 200
    extract = response.get_data(as_text=True)
    assert "Henk Bakker splitste opdrachten." in extract and "inkoper" in extract
    assert "[blacked out]" in extract
    for hidden in ("Anna", "Melder", "anna.melder@voorbeeld.invalid", "06-55501234",
                   "Marieke", "Smit", "4.12"):
        assert hidden not in extract, hidden
    # Nothing of the reporter's identity, in any form, and no channel.
    assert "Confidential" not in extract and "Reporter" not in extract


def test_the_icc_sees_the_linked_numbers_it_may_open(app, session, rt, make_staff, new_case):
    icc = make_staff("icc")
    (case_a, ic_a, a), (case_b, _ic_b, _b) = two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    client = _client(app, ic_a)
    assert post_form(client, f"{_persons_url(case_a)}/{a.id}/icc", {},
                     page=_persons_url(case_a)).status_code == 302
    assert "The ICC was asked to look on" in client.get(_persons_url(case_a)).get_data(
        as_text=True)

    icc_client = _client(app, icc)
    listing = icc_client.get("/medewerkers/zaken/herhaling").get_data(as_text=True)
    review_url = re.search(r'href="(/medewerkers/zaken/herhaling/\d+)"', listing).group(1)  # type: ignore[union-attr]
    review = icc_client.get(review_url).get_data(as_text=True)
    assert "Zoë van den Berg" in review and case_a.number in review
    assert case_b.number not in review
    assert "1 more case names this person; you may not open it." in review
    # The ICC now opens the shared case, without the reporter's identity.
    assert icc_client.get(f"/medewerkers/zaken/{case_a.number}").status_code == 200
    # Not for anyone but the ICC.
    assert client.get(review_url).status_code == 403


def test_the_persons_pages_are_well_formed_in_both_languages(app, session, rt, make_staff,
                                                              new_case):
    from tests.web import html_checks as check

    icc = make_staff("icc")
    (case_a, ic_a, a), _b = two_cases_naming_one_person(session, rt, make_staff, new_case)
    concerned(session, rt, case_a, ic_a, "Marieke Smit", role="witness")  # type: ignore[arg-type]
    perform(session, rt, case_a, ic_a.user, key_of(ic_a), "start_inquiry")
    perform(session, rt, case_a, ic_a.user, key_of(ic_a), "record_hearing",
            person_id=str(a.id), held_on=_today(rt).isoformat(), minutes="Gehoord.")
    from app.cases import persons, subject_requests
    from tests.cases.persons_support import keys

    request = subject_requests.register_request(
        session, rt, case_a, keys(session, case_a, ic_a), ic_a.user, kind="access",
        received_on=_today(rt), person_id=a.id)
    review = persons.ask_icc(session, rt, case_a, keys(session, case_a, ic_a), ic_a.user, a.id)
    pages = {}
    client, icc_client = _client(app, ic_a), _client(app, icc)
    base = f"/medewerkers/zaken/{case_a.number}"
    extract_url = f"{base}/verzoeken/{request.id}/uittreksel"
    for lang in ("nl", "en"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        icc_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        for name, url in (("case", base), ("persons", _persons_url(case_a)),
                          ("choose", extract_url), ("register", "/medewerkers/zaken/verzoeken"),
                          ("home", "/medewerkers/")):
            response = client.get(url)
            assert response.status_code == 200, name
            pages[f"{lang} {name}"] = response.get_data(as_text=True)
        pages[f"{lang} extract"] = post_form(client, extract_url, {
            "person_ids": str(a.id), "report_fields": ["what"], "outcome": "1"},
            page=extract_url).get_data(as_text=True)
        pages[f"{lang} refused"] = _add(client, case_a, name="").get_data(as_text=True)
        pages[f"{lang} reviews"] = icc_client.get("/medewerkers/zaken/herhaling").get_data(
            as_text=True)
        pages[f"{lang} review"] = icc_client.get(
            f"/medewerkers/zaken/herhaling/{review.id}").get_data(as_text=True)
    problems = {}
    for name, html in pages.items():
        page = check.parse(html)
        found = (check.duplicate_ids(page) + check.broken_fragment_links(page)
                 + check.required_selects_with_a_value_first(page)
                 + check.names_on_plain_elements(page) + check.unnamed_headers(page)
                 + check.stray_less_than(html))
        if found:
            problems[name] = found
    assert problems == {}
    assert "Deze betrokkene komt in 1 ander dossier voor." in pages["nl persons"]
