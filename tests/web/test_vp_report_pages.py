"""Issue #17, defect 4, on the staff side: every vertrouwenspersoon sees,
prints and exports their own annual report and writes their account of the
year; the ICC sees every VP's report and the integrated one. Nobody else
does. Every view, export and save is in the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from app.models import AuditEntry, CounsellorNarrative
from tests.conftest import post_form, sign_in

BASE = "/medewerkers/vp-jaarverslag"


def actions_of(session, staff) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor == f"user:{staff.user.id}").order_by(AuditEntry.seq)))


def test_an_external_vp_sees_their_own_report_with_the_units_they_served(client, session,
                                                                           year):
    external = year["external"]
    sign_in(client, external)
    page = client.get(f"{BASE}/mijn?jaar=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Per unit: the signals registered for RIVM and the cases at CIBG, not zeros.
    assert "RIVM" in html and "CIBG" in html
    assert external.user.display_name in html
    assert "<svg" in html and "<script" not in html
    assert "vp_report.viewed" in actions_of(session, external)


def test_a_vp_can_not_see_another_vps_report_or_the_integrated_one(client, session, year):
    internal, external = year["internal"], year["external"]
    sign_in(client, internal)
    assert client.get(f"{BASE}/vp/{external.user.id}?jaar=2025").status_code == 403
    assert client.get(f"{BASE}/vp/{external.user.id}/export.csv?jaar=2025").status_code == 403
    assert client.get(f"{BASE}/?jaar=2025").status_code == 403
    assert client.get(f"{BASE}/export.json?jaar=2025").status_code == 403
    # Their own page shows their own cases only (not the external VP's RIVM).
    html = client.get(f"{BASE}/mijn?jaar=2025").get_data(as_text=True)
    assert "Kerndepartement" in html and "RIVM" not in html
    assert actions_of(session, internal).count("access.denied") == 4


def test_the_icc_sees_every_vp_and_the_integrated_report(client, session, make_staff, year):
    icc = make_staff("icc")
    sign_in(client, icc)
    html = client.get(f"{BASE}/?jaar=2025").get_data(as_text=True)
    for staff in year.values():
        assert staff.user.display_name in html
    assert "RIVM" in html and "CIBG" in html and "Kerndepartement" in html
    one = client.get(f"{BASE}/vp/{year['central'].user.id}?jaar=2025")
    assert one.status_code == 200 and year["central"].user.display_name in one.get_data(
        as_text=True)
    assert client.get(f"{BASE}/vp/{icc.user.id}?jaar=2025").status_code == 404
    export = client.get(f"{BASE}/export.json?jaar=2025")
    assert export.status_code == 200
    assert "vp-jaarverslag-2025.json" in export.headers["Content-Disposition"]
    data = json.loads(export.get_data(as_text=True))
    assert data["year"] == 2025 and data["threshold"] == 5 and data["definitions"]
    assert "vp_by_unit_kind" in data["tables"]
    assert client.get(f"{BASE}/vp/{year['internal'].user.id}/export.csv?jaar=2025"
                      ).status_code == 200
    actions = actions_of(session, icc)
    assert actions.count("vp_report.viewed") == 2 and actions.count("vp_report.exported") == 2


@pytest.mark.parametrize("role", ["integriteitscoordinator", "intake", "admin", "auditor"])
def test_no_other_role_sees_the_vp_report(client, make_staff, year, role):
    sign_in(client, make_staff(role))
    for url in (f"{BASE}/mijn?jaar=2025", f"{BASE}/?jaar=2025",
                f"{BASE}/vp/{year['internal'].user.id}?jaar=2025", f"{BASE}/export.csv",
                f"{BASE}/mijn/export.json"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Geen toegang" in response.get_data(as_text=True)  # the one error page


def test_a_vp_writes_their_account_and_sees_it_on_their_report(client, session, year,
                                                                make_staff):
    vp = year["external"]
    sign_in(client, vp)
    page = client.get(f"{BASE}/mijn?jaar=2025").get_data(as_text=True)
    # Dutch by default; the form says not to write names (in the English text
    # here: its Dutch comes with the catalog, see translations-vpreport.po).
    assert 'lang="nl"' in page and "Opslaan" in page
    english = client.get(f"{BASE}/mijn?jaar=2025", headers={"Accept-Language": "en"})
    assert "No names" in english.get_data(as_text=True) or "Geen namen" in page
    response = post_form(client, f"{BASE}/mijn/verslag",
                         {"jaar": "2025", "body": "Veel vragen over grensoverschrijdend gedrag."},
                         page=f"{BASE}/mijn?jaar=2025")
    assert response.status_code == 302
    html = client.get(f"{BASE}/mijn?jaar=2025").get_data(as_text=True)
    assert "Veel vragen over grensoverschrijdend gedrag." in html
    saved = session.scalar(select(CounsellorNarrative))
    assert (saved.counsellor_id, saved.year) == (vp.user.id, 2025)
    assert "vp_report.narrative_saved" in actions_of(session, vp)
    # Without the CSRF token nothing is saved.
    refused = client.post(f"{BASE}/mijn/verslag", data={"jaar": "2025", "body": "Anders."})
    assert refused.status_code == 400
    # An empty account is refused with a message, the old one kept.
    post_form(client, f"{BASE}/mijn/verslag", {"jaar": "2025", "body": "  "},
              page=f"{BASE}/mijn?jaar=2025")
    session.expire_all()
    assert session.scalar(select(CounsellorNarrative.body)).startswith("Veel vragen")
    # The ICC reads it in the integrated report and in the VP's report.
    client.post("/medewerkers/uitloggen", data={})
    icc = make_staff("icc")
    client2 = client.application.test_client()
    sign_in(client2, icc)
    assert "Veel vragen over" in client2.get(f"{BASE}/?jaar=2025").get_data(as_text=True)
    assert "Veel vragen over" in client2.get(
        f"{BASE}/vp/{vp.user.id}?jaar=2025").get_data(as_text=True)


def test_the_vps_csv_export_in_dutch_and_in_english(client, session, year):
    vp = year["external"]
    sign_in(client, vp)
    dutch = client.get(f"{BASE}/mijn/export.csv?jaar=2025")
    assert dutch.headers["Content-Type"].startswith("text/csv")
    assert "vp-jaarverslag-2025" in dutch.headers["Content-Disposition"]
    text = dutch.get_data(as_text=True)
    # As the annual figures: ";" for Dutch Excel, a byte order mark first.
    assert text.startswith("\ufeffMeldpunt;")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any("Elders naartoe verwezen" in cell for row in rows for cell in row)
    assert any(row and row[0] == "RIVM" for row in rows)
    assert "Totaal" in text and "Begrippen" in text
    post_form(client, "/medewerkers/taal/en", {"next": f"{BASE}/mijn"}, page=f"{BASE}/mijn")
    english = client.get(f"{BASE}/mijn/export.csv?jaar=2025").get_data(as_text=True)
    assert "Referred elsewhere" in english and "Definitions" in english
    data = json.loads(client.get(f"{BASE}/mijn/export.json?jaar=2025").get_data(as_text=True))
    assert data["counsellor"]["kind"] == "external"
    assert any("signal" in d.lower() for d in data["definitions"])
    assert actions_of(session, vp).count("vp_report.exported") == 3


def test_the_annual_figures_send_an_external_or_central_vp_to_their_own_report(client, year):
    """Defect 4: an external VP who registered signals for RIVM saw only the
    zeros of their own pool on the annual figures. A counsellor outside the
    ministry's units has no unit of their own to count: their figures are
    their VP annual report."""
    for who in ("external", "central"):
        sign_in(client, year[who])
        page = client.get("/medewerkers/statistiek/?jaar=2025")
        assert page.status_code == 302
        assert page.headers["Location"].endswith(f"{BASE}/mijn?jaar=2025")
        export = client.get("/medewerkers/statistiek/export.csv?jaar=2025")
        assert export.status_code == 302
        assert export.headers["Location"].endswith(f"{BASE}/mijn/export.csv?jaar=2025")
        post_form(client, "/medewerkers/uitloggen", {})
    # An internal VP keeps the annual figures of their own unit.
    sign_in(client, year["internal"])
    assert client.get("/medewerkers/statistiek/?jaar=2025").status_code == 200
