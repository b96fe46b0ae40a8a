"""The audit page names actions, results and origins in words (#17 defect 8);
the codes stay in the CSV export, which is for machines."""

from __future__ import annotations

import html as html_lib
import re

from tests.conftest import post_form, sign_in


def test_the_audit_page_shows_actions_results_and_origins_in_words(client, make_staff):
    auditor = make_staff("auditor")
    sign_in(client, auditor)
    client.get("/medewerkers/audit/")  # logs audit.viewed
    text = html_lib.unescape(client.get("/medewerkers/audit/", headers={
        "Accept-Language": "en"}).get_data(as_text=True))
    table = text[text.index("<tbody>"):text.index("</tbody>")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", table)]
    assert "Audit log viewed" in cells and "Signed in" in cells
    assert "Done" in cells and "Web" in cells
    for raw in ("audit.viewed", "signin.success", "ok", "web"):
        assert raw not in cells, raw
    # The filter offers the actions by name, with their codes as values.
    assert '<option value="audit.viewed">Audit log viewed</option>' in text


def test_the_audit_page_names_people_and_objects_and_filters_by_person(client, make_staff):
    """Issue #23: the auditor reads "Ada Auditor (auditor)", not "user:4";
    objects in words ("case MP-..." as a case); the time column says its
    zone; the actor filter lists people by name, the codes as values."""
    auditor = make_staff("auditor")
    vp = make_staff("vertrouwenspersoon")
    sign_in(client, vp)
    post_form(client, "/medewerkers/uitloggen", {})
    sign_in(client, auditor)
    client.get("/medewerkers/audit/")
    text = html_lib.unescape(client.get("/medewerkers/audit/", headers={
        "Accept-Language": "en"}).get_data(as_text=True))
    table = text[text.index("<tbody>"):text.index("</tbody>")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", table)]
    vp_name = f"{vp.user.display_name}, Confidential counsellor (vertrouwenspersoon)"
    assert f"{auditor.user.display_name}, Auditor" in cells
    assert vp_name in cells
    assert not [c for c in cells if re.search(r"user:\d+", c)]
    assert "Audit log page 1" in cells
    assert "Time (UTC)" not in text
    assert f'<option value="user:{vp.user.id}">{vp_name}</option>' in text
    # Filtering by that person shows only their entries.
    only = html_lib.unescape(client.get(f"/medewerkers/audit/?actor=user:{vp.user.id}",
                                        headers={"Accept-Language": "en"}).get_data(as_text=True))
    body = only[only.index("<tbody>"):only.index("</tbody>")]
    assert vp.user.display_name in body and auditor.user.display_name not in body
