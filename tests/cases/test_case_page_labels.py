"""The case page speaks the user's language: a report's answers, the chosen
counsellor and the timeline in words, never the codes they are stored as."""

from __future__ import annotations

import html as html_lib

import pytest
from flask_babel import force_locale

from app.models import Case
from app.web.report_view import report_items
from tests.conftest import sign_in
from tests.reporting.conftest import open_mailbox, receipt_code, report_fields, send

RAW = (">ground<", "preferred_counsellor_id", ">preferred_counsellor<", "mailbox.opened", ">ras<",
       "(internal)")


def _reported_case(client, session, units, vp):  # type: ignore[no-untyped-def]
    """A formal report of racism through the form, with a chosen counsellor,
    after which the reporter opened the mailbox."""
    fields = report_fields(units, subcategory="discriminatie_racisme", ground="ras",
                           preferred_counsellor=str(vp.user.id))
    code = receipt_code(send(client, fields, headers={"Accept-Language": "en"}))
    open_mailbox(client, code)
    return session.query(Case).one()


@pytest.mark.parametrize("lang,ground,counsellor_label,opened", [
    ("en", ("Ground of discrimination", "Race or origin"), "Preferred confidential counsellor",
     "Mailbox opened by the reporter"),
    ("nl", ("Discriminatiegrond", "Ras of afkomst"), "Voorkeur voor vertrouwenspersoon",
     "Postbus geopend door de melder"),
])
def test_the_case_page_shows_the_ground_the_counsellor_and_the_timeline_in_words(
        app, client, session, units, make_staff, lang, ground, counsellor_label, opened):
    vp, intake = make_staff("vertrouwenspersoon"), make_staff("intake")
    case = _reported_case(app.test_client(), session, units, vp)
    sign_in(client, intake)
    page = client.get(f"/medewerkers/zaken/{case.number}", headers={"Accept-Language": lang})
    text = html_lib.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert f"<h3>{ground[0]}</h3>" in text and ground[1] in text
    assert counsellor_label in text and vp.user.display_name in text
    assert opened in text
    for raw in RAW:
        assert raw not in text, raw



def test_the_chosen_counsellor_is_named_to_handlers_and_described_to_a_bureau(
        session, make_staff):
    vp = make_staff("vertrouwenspersoon", unit="rivm")
    external_vp = make_staff("vertrouwenspersoon", unit="extern")
    report = {"what": "...", "preferred_counsellor": "Old label (internal)",
              "preferred_counsellor_id": vp.user.id}
    with force_locale("en"):
        assert report_items(session, report) == [
            ("What happened", "..."), ("Preferred confidential counsellor", vp.user.display_name)]
        assert report_items(session, report, names_visible=False)[1] == (
            "Preferred confidential counsellor", "a confidential counsellor of RIVM")
        report["preferred_counsellor_id"] = external_vp.user.id
        assert report_items(session, report, names_visible=False)[1][1] == (
            "an external confidential counsellor")
        # An account that no longer exists: the name the reporter saw, or nothing.
        report["preferred_counsellor_id"] = 10**9
        assert report_items(session, report)[1][1] == "Old label (internal)"
        assert report_items(session, report, names_visible=False)[1][1] == (
            "a confidential counsellor")
