"""Issue #21, defect 8: the decision aid knows every place to go (the
complaints committee, the central confidential counsellor, the external
integrity committee for top management, immediate help in a crisis, the
Huis voor Klokkenluiders with its address), with the organisation's contact
details from the settings, and every reporter page says where to get help now."""

from __future__ import annotations

import re

import pytest

from app.config import ConfigError, OrganisationDetails, Settings
from tests.reporting.conftest import open_mailbox, receipt_code, report_fields, review, send

CUSTOM = OrganisationDetails(
    complaints_committee=("Klachtencommissie Zorg", "Postbus 4242, 2500 GK Den Haag",
                          "070 340 79 11"),
    central_counsellor=("Mr. C. Entraal", "06 1234 5678"),
    integrity_committee=("Commissie Integriteit Top", "integriteit-top@ministerie.example"),
    crisis_line=("0800-1234", "hulplijn.example"),
    emergency_number="911",
)


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_crisis_leads_to_immediate_help(client):
    first = client.get("/keuzehulp").get_data(as_text=True)
    assert 'value="crisis"' in first
    html = main_of(client.get("/keuzehulp?about=crisis").get_data(as_text=True))
    assert "Help right now" in html and "113 Zelfmoordpreventie" in html
    # Straight to the numbers, as links a phone can call; no second question.
    assert '<a href="tel:113">113</a>' in html
    assert '<a href="tel:08000113">0800-0113</a>' in html
    assert '<a href="tel:112">112</a>' in html
    assert 'name="want"' not in html
    assert html.index("113 Zelfmoordpreventie") < html.index("/melden?route=advice")


def test_unwanted_behaviour_can_go_to_the_complaints_committee(client):
    question = client.get("/keuzehulp?about=behaviour").get_data(as_text=True)
    assert 'value="complaint"' in question
    # The complaint is offered only for how someone is treated.
    assert 'value="complaint"' not in client.get("/keuzehulp?about=integrity").get_data(
        as_text=True)
    html = main_of(client.get("/keuzehulp?about=behaviour&want=complaint").get_data(
        as_text=True))
    assert "klachtencommissie ongewenste omgangsvormen" in html
    assert "klachtencommissie@voorbeeldzaken.example" in html
    assert 'href="/melden?route=advice"' in html
    # A made-up answer to the second question asks it again.
    assert 'name="want"' in client.get("/keuzehulp?about=integrity&want=complaint").get_data(
        as_text=True)


def test_advice_names_the_central_confidential_counsellor(client):
    html = main_of(client.get("/keuzehulp?about=behaviour&want=talk").get_data(as_text=True))
    assert "centrale vertrouwenspersoon" in html
    assert "centrale.vertrouwenspersoon@voorbeeldzaken.example" in html
    assert "klachtencommissie ongewenste omgangsvormen" in html


def test_a_report_names_the_external_integrity_committee_for_top_management(client):
    html = main_of(client.get("/keuzehulp?about=integrity&want=investigate").get_data(
        as_text=True))
    assert "externe integriteitscommissie" in html and "top management" in html
    assert "integriteitscommissie@voorbeeldzaken.example" in html


def test_the_huis_voor_klokkenluiders_comes_with_its_address(client):
    html = main_of(client.get("/keuzehulp?about=wrongdoing&want=unsure").get_data(
        as_text=True))
    assert "Huis voor Klokkenluiders" in html
    assert "Postbus 85860, 2508 CJ Den Haag" in html
    assert '<a href="tel:0881331000">088 – 133 10 00</a>' in html


@pytest.mark.settings(organisation=CUSTOM)
def test_the_contacts_are_the_organisations_own(client):
    complaint = client.get("/keuzehulp?about=behaviour&want=complaint").get_data(as_text=True)
    assert "Klachtencommissie Zorg" in complaint and "Postbus 4242, 2500 GK Den Haag" in complaint
    assert '<a href="tel:0703407911">070 340 79 11</a>' in complaint
    assert "voorbeeldzaken.example" not in main_of(complaint)
    talk = client.get("/keuzehulp?about=behaviour&want=talk").get_data(as_text=True)
    assert "Mr. C. Entraal" in talk and '<a href="tel:0612345678">' in talk
    report = client.get("/keuzehulp?about=integrity&want=investigate").get_data(as_text=True)
    assert "integriteit-top@ministerie.example" in report
    crisis = client.get("/keuzehulp?about=crisis").get_data(as_text=True)
    assert '<a href="tel:08001234">0800-1234</a>' in crisis and 'href="tel:911"' in crisis
    assert 'href="tel:113"' not in crisis


def test_the_contacts_are_read_from_the_environment():
    settings = Settings.from_env({
        "MELDPUNT_CONTACT_COMPLAINTS_COMMITTEE": "Klachtencommissie | Postbus 1, 1000 AA Stad",
        "MELDPUNT_CONTACT_CRISIS_LINE": "113 | 0800-0113",
        "MELDPUNT_EMERGENCY_NUMBER": "911",
        "MELDPUNT_PRIVACY_DPO": "FG | fg@org.example",
        "MELDPUNT_ACCESSIBILITY_STATUS": "A",
        "MELDPUNT_ACCESSIBILITY_DATE": "2027-01-15",
        "MELDPUNT_ACCESSIBILITY_RESPONSE_DAYS": "10",
    })
    org = settings.organisation
    assert org.complaints_committee == ("Klachtencommissie", "Postbus 1, 1000 AA Stad")
    assert org.crisis_line == ("113", "0800-0113") and org.emergency_number == "911"
    assert org.data_protection_officer == ("FG", "fg@org.example")
    assert org.accessibility_status == "A" and org.statement_date.year == 2027
    assert org.accessibility_response_days == 10
    # Unset: the demo's defaults, the national desks with their real details.
    assert org.whistleblowers_house[0] == "Postbus 85860, 2508 CJ Den Haag"


@pytest.mark.parametrize("variable,value", [("MELDPUNT_ACCESSIBILITY_STATUS", "F"),
                                            ("MELDPUNT_ACCESSIBILITY_DATE", "1 december"),
                                            ("MELDPUNT_ACCESSIBILITY_RESPONSE_DAYS", "vijf")])
def test_a_wrong_statement_setting_stops_the_app_with_what_to_set(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value})


def _help_line(html: str) -> str:
    match = re.search(r'<aside class="help-now"[^>]*>(.*?)</aside>', html, re.S)
    assert match, html[:1500]
    return match.group(1)


def test_every_reporter_page_says_where_to_get_help_now(client, units):
    pages = {url: client.get(url) for url in (
        "/", "/melden", "/postbus", "/keuzehulp", "/keuzehulp?about=work", "/privacy",
        "/toegankelijkheid", "/bestaat-niet")}
    pages["review"] = review(client, report_fields(units))
    sent = send(client, report_fields(units))
    pages["receipt"] = sent
    open_mailbox(client, receipt_code(sent))
    pages["mailbox"] = client.get("/postbus")
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        line = _help_line(html)
        assert "Need help now?" in line, name
        assert 'href="tel:113"' in line and 'href="tel:08000113"' in line, name
        assert 'href="tel:112"' in line, name
        assert 'href="/keuzehulp?about=crisis"' in line, name
        # Before the page's own content, so it is seen first.
        assert html.index('class="help-now"') < html.index("<main"), name


def test_the_help_line_is_in_dutch_on_dutch_pages(client):
    line = _help_line(client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True))
    assert "Direct hulp nodig?" in line and "Denk je aan zelfdoding?" in line


def test_staff_pages_have_no_reporter_help_line(client):
    assert 'class="help-now"' not in client.get("/medewerkers/inloggen").get_data(as_text=True)
