"""The case pages through the web: queue, case page, actions, conflicts."""

from __future__ import annotations

import re

from app.cases.workflow import perform
from app.models import utcnow
from tests.cases.conftest import case_actions, key_of
from tests.conftest import csrf_from, sign_in


def _case_page(client, number):  # type: ignore[no-untyped-def]
    response = client.get(f"/medewerkers/zaken/{number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_intake_acknowledges_from_the_case_page(client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    queue = client.get("/medewerkers/zaken/").get_data(as_text=True)
    assert case.number in queue
    html = _case_page(client, case.number)
    # Intake reads the report, not who made it (no key of the identity).
    assert "Mijn leidinggevende schreeuwt" in html and "Anna Melder" not in html
    assert f'action="/medewerkers/zaken/{case.number}/actie/acknowledge"' in html
    response = client.post(f"/medewerkers/zaken/{case.number}/actie/acknowledge", data={
        "csrf_token": csrf_from(html), "version": str(case.version), "text": "Ontvangen!",
    })
    assert response.status_code == 302
    session.expire_all()
    html = _case_page(client, case.number)
    assert "Ontvangen!" in html
    assert case.state == "acknowledged"
    # The success message says what happened, not "Gedaan: <button>" (#23).
    assert '<div class="flash success" role="status">Ontvangst bevestigd</div>' in html


def test_a_stale_form_gets_the_friendly_conflict_and_nothing_is_written(
        client, session, rt, make_staff, new_case):
    first, second = make_staff("intake"), make_staff("intake")
    case, _ = new_case()
    sign_in(client, second)
    html = _case_page(client, case.number)
    stale = re.search(r'name="version" value="(\d+)"', html).group(1)
    # The colleague acts first.
    perform(session, rt, case, first.user, key_of(first), "acknowledge", text="Ontvangen.")
    before = case_actions(session, case.number)
    response = client.post(f"/medewerkers/zaken/{case.number}/actie/classify", data={
        "csrf_token": csrf_from(html), "version": stale, "category": "x",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "changed since you opened it" in page.get_data(as_text=True)
    session.expire_all()
    assert case.category is None
    assert [a for a in case_actions(session, case.number) if a != "case.open"] == [
        a for a in before if a != "case.open"]


def test_an_excluded_person_can_not_open_the_case_until_lifted_with_reason(
        client, session, rt, make_staff, new_case):
    intake, named = make_staff("intake"), make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    html = _case_page(client, case.number)
    response = client.post(f"/medewerkers/zaken/{case.number}/uitsluiten",
                           data={"csrf_token": csrf_from(html), "user_id": str(named.user.id)})
    assert response.status_code == 302
    other = client.application.test_client()
    sign_in(other, named)
    assert other.get(f"/medewerkers/zaken/{case.number}").status_code == 404
    assert case.number not in other.get("/medewerkers/zaken/").get_data(as_text=True)

    html = _case_page(client, case.number)
    restriction_id = re.search(r"/beperkingen/(\d+)/opheffen", html).group(1)
    url = f"/medewerkers/zaken/{case.number}/beperkingen/{restriction_id}/opheffen"
    client.post(url, data={"csrf_token": csrf_from(html), "reason": ""})
    assert other.get(f"/medewerkers/zaken/{case.number}").status_code == 404
    client.post(url, data={"csrf_token": csrf_from(html), "reason": "Niet dezelfde persoon"})
    assert other.get(f"/medewerkers/zaken/{case.number}").status_code == 200
    assert "Niet dezelfde persoon" in _case_page(client, case.number)
    assert "case.restriction_lifted" in case_actions(session, case.number)


def test_the_last_holder_can_not_recuse(client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    html = _case_page(client, case.number)
    client.post(f"/medewerkers/zaken/{case.number}/terugtrekken",
                data={"csrf_token": csrf_from(html)})
    assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 200
    assert "case.recused" not in case_actions(session, case.number)


def test_a_handler_who_recuses_loses_the_case(client, session, rt, make_staff, new_case):
    intake, _colleague = make_staff("intake"), make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    html = _case_page(client, case.number)
    response = client.post(f"/medewerkers/zaken/{case.number}/terugtrekken",
                           data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert client.get(f"/medewerkers/zaken/{case.number}").status_code == 404
    assert "case.recused" in case_actions(session, case.number)


def test_the_external_investigator_sees_only_the_package(client, session, rt, make_staff,
                                                         new_case, units):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    case, _ = new_case(report={"what": "Fraude met declaraties", "where": "Utrecht"})
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    case.consent_given_at = utcnow()
    perform(session, rt, case, ic.user, key_of(ic), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["where"])
    sign_in(client, investigator)
    html = _case_page(client, case.number)
    assert "Utrecht" in html
    assert "Fraude met declaraties" not in html and "Anna Melder" not in html
    assert "/actie/deliver_external_report" in html


def test_the_case_page_offers_exactly_the_table_s_actions_along_the_way(
        app, client, session, rt, make_staff, new_case, units):
    from app.cases.workflow import available_actions

    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    clients = {}
    for staff in (intake, vp, ic, investigator):
        clients[staff.user.id] = app.test_client()
        sign_in(clients[staff.user.id], staff)
    case, _ = new_case(track="advice")
    steps = [
        (vp, "acknowledge", {"text": "Ontvangen."}),
        (vp, "route_to_vp", {"vp_id": str(vp.user.id)}),
        (vp, "escalate_to_ic", {}), (ic, "start_inquiry", {}),
        (ic, "refer_to_external", {"bureau_id": str(units["bureau-integriteit"].id)}),
        (investigator, "deliver_external_report", {"findings": "Gegrond"}),
        (ic, "record_decision", {"outcome": "founded", "measure": "warning"}),
        (ic, "close", {"close_reason": "handled"}), (ic, "reopen", {"reason": "Nieuw feit"}),
    ]
    for staff, action, params in steps:
        if action == "escalate_to_ic":
            case.consent_given_at = utcnow()
            session.commit()
        html = _case_page(clients[staff.user.id], case.number)
        offered = set(re.findall(rf"/medewerkers/zaken/{case.number}/actie/(\w+)", html))
        assert offered == {t.action for t in available_actions(case, staff.user)}
        assert action in offered
        perform(session, rt, case, staff.user, key_of(staff), action, **params)
    assert case.state == "with_ic"


def test_the_deadlines_show_their_basis_from_the_settings(client, session, rt, make_staff,
                                                          new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/{case.number}",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Basis: {rt.settings.acknowledge_days} days after receipt" in html
    assert (f"Basis: {rt.settings.feedback_months} months after day "
            f"{rt.settings.acknowledge_days}") in html
