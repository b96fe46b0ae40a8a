"""The statistics speak the user's language (#17 defect 8): every header,
label and definition of the page and the CSV/JSON exports in Dutch or in
English, numbers as that language writes them; JSON numbers stay numbers.
The units listed are the ministry's own, not the pool of external
counsellors or an external bureau."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app.stats.report import build_report
from tests.conftest import sign_in
from tests.stats.test_report import (
    NOW,
    add_case,
    data,  # noqa: F401 - the year's fixed data set
)

# English words the old exports wrote whatever the language.
ENGLISH = re.compile(r"\b(total|all units|threshold|year|timeliness|percent|base|median|"
                     r"percentile|count|number|none|unclassified|cells|reports?|definitions?)\b",
                     re.IGNORECASE)


def _get(client, path, lang):  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response


@pytest.fixture()
def icc_client(client, make_staff, data):  # noqa: F811
    sign_in(client, make_staff("icc"))
    return client


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a byte order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_the_dutch_csv_is_dutch_with_semicolons_and_decimal_commas(icc_client):
    text = _get(icc_client, "/medewerkers/statistiek/export.csv?jaar=2025", "nl"
                ).get_data(as_text=True)
    rows = _csv_rows(text, ";")
    cells = [cell for row in rows for cell in row]
    assert ["Jaar", "2025"] in rows
    assert ["Organisatieonderdeel", "Alle organisatieonderdelen"] in rows
    assert "Totaal" in cells
    # 8 of 15 formal reports acknowledged in time, 6 of 15 with feedback in time.
    assert "53,3%" in cells and "40,0%" in cells
    assert not any("53.3" in c or "40.0" in c for c in cells)
    english = sorted({m.group(0) for c in cells for m in ENGLISH.finditer(c)})
    assert english == []


def test_the_english_csv_is_english_with_commas_and_decimal_points(icc_client):
    text = _get(icc_client, "/medewerkers/statistiek/export.csv?jaar=2025", "en"
                ).get_data(as_text=True)
    rows = _csv_rows(text, ",")
    cells = [cell for row in rows for cell in row]
    assert ["Year", "2025"] in rows and ["Unit", "All units"] in rows
    assert "53.3%" in cells and "40.0%" in cells and "Total" in cells


def test_the_dutch_json_has_dutch_labels_and_numbers_as_numbers(icc_client):
    data_json = json.loads(_get(icc_client, "/medewerkers/statistiek/export.json?jaar=2025",
                                "nl").get_data(as_text=True))
    assert data_json["language"] == "nl"
    assert data_json["year"] == 2025 and data_json["unit"] is None
    assert data_json["unit_label"] == "Alle organisatieonderdelen"
    shares = data_json["timeliness"]
    assert shares["acknowledged_in_time"]["percent"] == 53.3
    assert shares["acknowledged_in_time"]["base"] == 15
    assert not ENGLISH.search(shares["acknowledged_in_time"]["label"])
    table = data_json["tables"]["closed_by_outcome"]
    assert {c["code"]: c["label"] for c in table["columns"]}["total"] == "Totaal"
    no_outcome = next(r for r in table["rows"] if r["row"] == "no_outcome")
    assert no_outcome["label"] == "Geen uitkomst vastgelegd"
    # "none" in the measures is the measure "none", not a missing outcome.
    no_measure = next(r for r in data_json["tables"]["measures"]["rows"] if r["row"] == "none")
    assert no_measure["label"] == "Geen maatregel"
    founded = next(r for r in table["rows"] if r["row"] == "founded")
    assert founded["cells"]["report"] == {"value": 7, "suppressed": None}
    words = [data_json["unit_label"], data_json["method"], *data_json["definitions"],
             *data_json["labels"].values(),
             *(t["title"] for t in data_json["tables"].values()),
             *(r["label"] for t in data_json["tables"].values() for r in t["rows"]),
             *(c["label"] for t in data_json["tables"].values() for c in t["columns"])]
    english = sorted({m.group(0) for w in words for m in ENGLISH.finditer(w)})
    assert english == []


def test_the_page_writes_percentages_as_the_language_does(icc_client):
    dutch = _get(icc_client, "/medewerkers/statistiek/?jaar=2025", "nl").get_data(as_text=True)
    assert "53,3%" in dutch and "53.3" not in dutch
    english = _get(icc_client, "/medewerkers/statistiek/?jaar=2025", "en").get_data(as_text=True)
    assert "53.3%" in english


def test_the_tables_by_unit_list_the_ministry_s_units_only(session, rt, units, data):  # noqa: F811
    report = build_report(session, 2025, 5, now=NOW, zone=rt.settings.zone)
    for key in ("received_by_unit_channel", "vp_signals_by_unit"):
        rows = report.tables[key].row_labels
        assert "Kerndepartement" in rows and "RIVM" in rows and "CIBG" in rows
        assert units["extern"].name not in rows and units["bureau-integriteit"].name not in rows


def test_cases_counted_under_another_kind_of_unit_keep_their_row(session, rt, units, data):  # noqa: F811
    # Before #17 the report form offered the pool of external counsellors as
    # a unit; such cases are still counted, in a row of their own.
    add_case(session, units["extern"], track="advice", category="financiele_schendingen")
    session.commit()
    report = build_report(session, 2025, 5, now=NOW, zone=rt.settings.zone)
    table = report.tables["received_by_unit_channel"]
    assert units["extern"].name in table.row_labels
    assert units["bureau-integriteit"].name not in table.row_labels
    assert table.grid[table.rows][table.cols] == 27


def test_the_icc_chooses_among_the_ministry_s_units_only(icc_client, units):
    html = _get(icc_client, "/medewerkers/statistiek/?jaar=2025", "nl").get_data(as_text=True)
    select_html = html[html.index('id="s-unit"'):html.index("</select>", html.index('id="s-unit"'))]
    assert f'value="{units["rivm"].id}"' in select_html
    for code in ("extern", "bureau-integriteit"):
        assert f'value="{units[code].id}"' not in select_html
