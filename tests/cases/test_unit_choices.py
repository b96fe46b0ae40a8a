"""Each kind of unit only where it belongs (#17 defect 8): a reporter, a
registration or a classification names one of the ministry's units (kind
UNIT); the pool of external counsellors appears only where a reporter
chooses a counsellor; an external bureau only where an IC refers a case."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.cases import registration, workflow
from app.models import Case, Unit
from app.vocabulary import UnitKind
from tests.cases.conftest import key_of
from tests.conftest import sign_in
from tests.reporting.conftest import report_fields, review


@pytest.fixture()
def central(session, units):  # type: ignore[no-untyped-def]
    """The home of central counsellors who serve every unit."""
    unit = Unit(code="test-centraal", name="Centrale vertrouwenspersonen", kind=UnitKind.CENTRAL)
    session.add(unit)
    session.commit()
    units["test-centraal"] = unit  # make_staff(unit="test-centraal") finds it here
    return unit


def _options(html: str, name: str) -> set[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, name
    return set(re.findall(r'<option value="([^"]*)"', select_html.group(1)))


def _not_units(units, central) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(units["extern"].id), str(units["bureau-integriteit"].id), str(central.id)}


def test_the_reporter_chooses_a_ministry_unit_and_any_counsellor(client, units, central,
                                                                 make_staff):
    external_vp = make_staff("vertrouwenspersoon", unit="extern")
    central_vp = make_staff("vertrouwenspersoon", unit="test-centraal")
    html = client.get("/melden", headers={"Accept-Language": "en"}).get_data(as_text=True)
    offered = _options(html, "unit")
    assert str(units["kerndepartement"].id) in offered and str(units["rivm"].id) in offered
    assert not offered & _not_units(units, central)
    # The external and central counsellors are offered where a counsellor is chosen.
    assert {str(external_vp.user.id), str(central_vp.user.id)} <= _options(
        html, "preferred_counsellor")
    assert f"{external_vp.user.display_name} – Externe vertrouwenspersonen (external)" in html
    assert f"{central_vp.user.display_name} – Centrale vertrouwenspersonen (central)" in html


def test_a_report_about_the_pool_of_external_counsellors_is_refused(client, session, units):
    response = review(client, report_fields(units, unit=str(units["extern"].id)))
    assert response.status_code == 400
    assert session.scalar(select(Case)) is None


@pytest.mark.parametrize("path,role", [("/medewerkers/zaken/registreren", "intake"),
                                       ("/medewerkers/zaken/signaal", "vertrouwenspersoon")])
def test_staff_register_for_a_ministry_unit_only(client, units, central, make_staff, path,
                                                 role):
    sign_in(client, make_staff(role))
    offered = _options(client.get(path).get_data(as_text=True), "unit_id")
    assert str(units["cibg"].id) in offered
    assert not offered & _not_units(units, central)


def test_a_central_counsellor_s_signal_form_does_not_preselect_their_home(
        client, central, make_staff):
    sign_in(client, make_staff("vertrouwenspersoon", unit="test-centraal"))
    html = client.get("/medewerkers/zaken/signaal").get_data(as_text=True)
    assert f'<option selected value="{central.id}"' not in html
    assert f'value="{central.id}" selected' not in html


def test_classification_offers_ministry_units_and_referral_offers_bureaus(
        client, session, rt, units, central, make_staff, new_case):
    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    case, _ = new_case()
    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    offered = _options(html, "unit_id")
    assert str(units["rivm"].id) in offered and not offered & _not_units(units, central)
    for action, params in (("acknowledge", {"text": "Ontvangen."}), ("route_to_ic", {}),
                           ("start_inquiry", {})):
        actor = intake if action != "start_inquiry" else ic
        workflow.perform(session, rt, case, actor.user, key_of(actor), action, **params)
    client.get("/medewerkers/uitloggen")
    sign_in(client, ic)
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    assert _options(html, "bureau_id") - {""} == {str(units["bureau-integriteit"].id)}


@pytest.mark.parametrize("code", ["extern", "bureau-integriteit", "test-centraal"])
def test_the_domain_refuses_a_case_under_another_kind_of_unit(session, rt, units, central,
                                                               make_staff, new_case, code):
    unit_id = central.id if code == "test-centraal" else units[code].id
    intake = make_staff("intake")
    with pytest.raises(registration.RegistrationError):
        registration.register_report(session, rt, intake.user, registration.Registration(
            unit_id=unit_id, track="report", channel="anonymous", intake_channel="phone",
            report={"what": "Iets"}))
    case, _ = new_case()
    with pytest.raises(workflow.RequirementMissing):
        workflow.perform(session, rt, case, intake.user, key_of(intake), "classify",
                         unit_id=str(unit_id))
    assert case.unit_id == units["kerndepartement"].id


def test_the_admin_s_user_form_names_each_unit_s_kind(client, units, central, make_staff):
    sign_in(client, make_staff("admin"))
    html = client.get("/medewerkers/beheer/gebruikers/nieuw",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "RIVM (ministry unit)" in html
    assert "Externe vertrouwenspersonen (external confidential counsellors)" in html
    assert "Centrale vertrouwenspersonen (central confidential counsellors)" in html
    assert "Bureau Integriteit (extern onderzoeksbureau) (external investigation bureau)" in html
