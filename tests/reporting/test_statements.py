"""Issue #21, defect 9: the privacy statement names the controller, the data
protection officer, the legal basis, the retention per kind of data (the
periods in force), the rights and their limits for reports, and the right to
complain to the Autoriteit Persoonsgegevens; the accessibility statement
follows the model (status, date, evaluation, known problems with what is done
about them, a contact that works without a name, the Nationale ombudsman)."""

from __future__ import annotations

import re

import pytest

from app.config import OrganisationDetails
from app.retention.policy import set_rule

CUSTOM = OrganisationDetails(
    controller=("De minister van Zorgzaken", "Postbus 20350, 2500 EJ Den Haag"),
    data_protection_officer=("FG Zorgzaken", "fg@zorgzaken.example"),
    accessibility_status="C", accessibility_date="2027-03-05",
    accessibility_audit="Stichting Toegankelijk, rapport van 1 maart 2027",
    accessibility_contact=("Servicedesk", "070 340 60 00"),
    accessibility_response_days=10,
)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_privacy_statement_is_complete(client):
    page = text_of(client.get("/privacy"))
    for needle in (
            # controller and data protection officer (demo defaults)
            "Who is responsible", "De minister van Voorbeeldzaken", "data protection officer",
            "fg@voorbeeldzaken.example",
            # legal basis
            "article 6(1)(c) GDPR", "Wet bescherming klokkenluiders", "article 6(1)(e) GDPR",
            "articles 9 and 10 GDPR",
            # retention per kind of data, the defaults
            "A signal to a confidential counsellor (advice), whatever came of it 2 years",
            "A formal report that was founded 10 years",
            "unfounded, or could not be established 5 years",
            "not admissible, referred elsewhere or withdrawn 2 years",
            "closes 6 months after the report is closed",
            "never its content, never your name) 15 years",
            # rights, their limits for reports
            "access", "article 41 UAVG", "never given to the person the report is about",
            "send your request as a message in your mailbox",
            # complaint
            "Autoriteit Persoonsgegevens", "088 - 1805 250"):
        assert needle in page, needle


def test_the_privacy_statement_shows_the_retention_in_force(client, session, rt):
    set_rule(session, rt, "admin", "advice", "*", 36)
    set_rule(session, rt, "admin", "report", "founded", 150)
    session.commit()
    page = text_of(client.get("/privacy"))
    assert "whatever came of it 3 years" in page
    assert "founded 150 months" in page


@pytest.mark.settings(organisation=CUSTOM)
def test_the_statements_show_the_organisations_details(client):
    privacy = text_of(client.get("/privacy"))
    assert "De minister van Zorgzaken" in privacy and "fg@zorgzaken.example" in privacy
    assert "Voorbeeldzaken" not in privacy
    html = client.get("/toegankelijkheid").get_data(as_text=True)
    page = text_of(client.get("/toegankelijkheid"))
    assert "C: first measures taken" in page
    assert "Mar 5, 2027" in page or "5 Mar 2027" in page
    assert "Stichting Toegankelijk, rapport van 1 maart 2027" in page
    assert "Servicedesk" in page and '<a href="tel:0703406000">070 340 60 00</a>' in html
    assert "within 10 working days" in page


def test_the_accessibility_statement_follows_the_model(client):
    page = text_of(client.get("/toegankelijkheid"))
    for needle in ("Accessibility statement", "WCAG 2.1 level AA", "EN 301 549",
                   "Compliance status", "B: complies partially",
                   "Date of this statement", "1 Dec 2026",
                   "How it was checked", "Not yet by an independent expert", "axe-core",
                   "Known problems and what we do about them", "Planned:",
                   "Something not working?", "You do not have to give your name",
                   "toegankelijkheid@voorbeeldzaken.example",
                   "write it as a message in your mailbox", "within 5 working days",
                   "Nationale ombudsman", "0800 33 55 555"):
        assert needle in page, needle
    # The only way to reach us is no longer through your manager.
    assert "through your manager" not in page


def test_the_statements_in_dutch(client):
    privacy = text_of(client.get("/privacy", headers={"Accept-Language": "nl"}))
    for needle in ("Wie is verantwoordelijk", "functionaris gegevensbescherming",
                   "Autoriteit Persoonsgegevens", "2 jaar", "10 jaar"):
        assert needle in privacy, needle
    accessibility = text_of(client.get("/toegankelijkheid", headers={"Accept-Language": "nl"}))
    for needle in ("Toegankelijkheidsverklaring", "B: voldoet gedeeltelijk",
                   "Je hoeft je naam niet te geven", "Nationale ombudsman"):
        assert needle in accessibility, needle
