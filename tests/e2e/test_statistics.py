"""Journey 3: the ICC opens this year's statistics and downloads the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from app.cli.demo import DEMO_PASSWORD, demo_email
from tests.e2e.steps import look, new_page, staff_sign_in


def test_icc_opens_the_year_figures_and_downloads_csv(server, browser, contexts, a11y, shot):
    page = new_page(browser, contexts)
    staff_sign_in(page, server, demo_email("icc"), DEMO_PASSWORD, "nl", a11y, shot)
    look(page, a11y, shot, "staff home", both=True)
    page.click("header nav a[href$='/medewerkers/statistiek/']")
    year = str(date.today().year)
    assert year in page.inner_text("h1")
    look(page, a11y, shot, "annual figures", both=True)

    with page.expect_download() as info:
        page.click("main a[href*='export.csv']")
    download = info.value
    assert download.suggested_filename == f"meldpunt-statistiek-{year}.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    # Dutch, separated by ";" as Excel with Dutch settings expects (#17 defect 8).
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Meldpunt", f"Jaarcijfers {year}"] and len(rows) > 5, text[:500]
    assert ["Jaar", year] in rows
    assert year in text
