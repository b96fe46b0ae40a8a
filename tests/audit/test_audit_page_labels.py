"""The audit page names actions, results and origins in words (#17 defect 8);
the codes stay in the CSV export, which is for machines."""

from __future__ import annotations

import html as html_lib
import re

from tests.conftest import sign_in


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
