"""Issue #21, defect 7: the report form in plain Dutch (B1), a "for example"
line under every category, follow-up questions inside the answer they follow
(revealed by CSS when it is chosen, no JavaScript), and error lines that are
sentences."""

from __future__ import annotations

import re
from pathlib import Path

from app.cases import typology
from tests.conftest import csrf_from
from tests.reporting.conftest import report_fields, review

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "meldpunt.css"


def dutch(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/melden", headers={"Accept-Language": "nl"}).get_data(as_text=True)


def option_item(html: str, name: str, value: str) -> str:
    """The <li> of one radio option, with everything nested in it."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*type="radio" value="{value}"', html)
    assert found, (name, value)
    start = html.rindex("<li", 0, found.start())
    depth, pos = 0, start
    for match in re.finditer(r"<(/?)li\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            pos = start + match.end()
            break
    return html[start:pos]


def test_every_category_has_a_for_example_line(client):
    for html, word in ((client.get("/melden").get_data(as_text=True), "For example"),
                       (dutch(client), "Bijvoorbeeld")):
        codes = [kind.code for kind in typology.CATEGORIES]
        codes += [kind.code for kind in typology.subtypes(typology.UNWANTED_BEHAVIOUR)]
        for code in codes:
            name = "subcategory" if code in dict(
                (k.code, k) for k in typology.subtypes(typology.UNWANTED_BEHAVIOUR)) \
                else "category"
            item = option_item(html, name, code)
            hint = re.search(rf'id="{name}-\d+-x">(.*?)</span>', item, re.S)
            assert hint and hint.group(1).strip().startswith(word), (code, item[:600])


def test_categories_have_plain_names_for_the_reporter(client):
    html = dutch(client)
    # The official names of the typology stay for staff and statistics;
    # the reporter reads what they mean.
    for official in ("Misbruik van geweldsbevoegdheid",
                     "Oneigenlijk gebruik van dienstmiddelen / overschrijding van interne regels",
                     "Misdragingen in de privésfeer"):
        assert official not in html, official
    for plain in ("Meer geweld gebruiken dan mag",
                  "Spullen of geld van het werk misbruiken, of interne regels overtreden",
                  "Wangedrag buiten het werk"):
        assert plain in html, plain


def test_staff_keep_the_official_names_of_the_typology(app):
    from app.web.typology_labels import label_for

    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert label_for("misbruik_geweldsbevoegdheid") == "Misbruik van geweldsbevoegdheid"


def test_follow_up_questions_sit_inside_the_answer_they_follow(client):
    html = client.get("/melden").get_data(as_text=True)
    behaviour = option_item(html, "category", typology.UNWANTED_BEHAVIOUR)
    assert 'class="conditional"' in behaviour and 'name="subcategory"' in behaviour
    discrimination = option_item(behaviour, "subcategory", typology.DISCRIMINATION)
    assert 'class="conditional"' in discrimination and 'name="ground"' in discrimination
    # No other category carries them.
    other = option_item(html, "category", "financiele_schendingen")
    assert 'name="subcategory"' not in other and 'name="ground"' not in other
    # Name and contact details only when the reporter is not anonymous.
    identity = html[html.index('name="identity"'):]
    assert re.search(r'<div class="conditional if-known">.*?name="name"', identity, re.S)
    assert 'class="reveals"' in option_item(html, "identity", "confidential")
    assert 'class="reveals"' not in option_item(html, "identity", "anonymous")


def test_the_stylesheet_hides_follow_up_questions_until_they_apply_without_javascript():
    css = CSS.read_text(encoding="utf-8")
    # Hidden only where the browser understands :has(); elsewhere every
    # question shows, as before.
    assert re.search(r"li:has\(> input:not\(:checked\)\) > \.conditional\s*\{\s*display: none",
                     css)
    assert re.search(r"fieldset:not\(:has\(input\.reveals:checked\)\) \.conditional\.if-known"
                     r"\s*\{\s*display: none", css)


def test_error_lines_read_as_sentences(client):
    for lang, expected in (
            ("en", ["Choose whether you want to talk in confidence or make a formal report.",
                    "Choose which part of the organisation it is about.",
                    "Choose what it is about. Not sure? Then choose “I do not know”.",
                    "Write down what happened.",
                    "Choose who may know that you made this report."]),
            ("nl", ["Kies of je in vertrouwen wilt praten of een melding wilt doen.",
                    "Kies over welk deel van de organisatie het gaat.",
                    "Kies waar het over gaat. Weet je het niet zeker? Kies dan “Dat weet ik "
                    "niet”.",
                    "Schrijf op wat er is gebeurd.",
                    "Kies wie mag weten dat jij deze melding doet."])):
        headers = {"Accept-Language": lang}
        form = client.get("/melden", headers=headers).get_data(as_text=True)
        html = client.post("/melden", data={"csrf_token": csrf_from(form), "step": "review"},
                           headers=headers).get_data(as_text=True)
        summary = html.split('class="flash error"', 1)[1].split("</div>", 1)[0]
        lines = [re.sub(r"<[^>]+>", "", line).strip()
                 for line in re.findall(r"<li>(.*?)</li>", summary, re.S)]
        assert lines == expected, lines
        # The same sentence by the field, never "Question?: Choose one."
        assert "?:" not in html
        for line in expected:
            assert html.count(line) >= 2, line


def test_a_follow_up_answer_that_no_longer_applies_is_not_kept(client, session, units):
    """The sub-type and ground of a category the reporter left are hidden on
    the page but still posted: they are not sent along."""
    html = review(client, report_fields(units, category="financiele_schendingen",
                                        subcategory="discriminatie_racisme",
                                        ground="godsdienst")).get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert "Discrimination" not in main and "Religion" not in main


def test_the_contact_details_and_sub_type_errors_are_sentences(client, units):
    html = review(client, report_fields(units, subcategory="", identity="confidential",
                                        email="geen-adres")).get_data(as_text=True)
    for sentence in ("Choose what kind of unwanted behaviour it is.",
                     "Fill in your name, or choose anonymous.",
                     "Write your e-mail address in full, for example name@example.nl."):
        assert sentence in html, sentence
