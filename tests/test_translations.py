"""The Dutch catalog is complete, current and compiled; the UI speaks Dutch by default.

A string added to the code or a template without a Dutch translation makes
these tests fail: run `make translations`, translate the new entries in
app/translations/nl/LC_MESSAGES/messages.po and commit the .po and the .mo.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import url_for
from flask_babel import refresh

from tests.conftest import post_form

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _read_po() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale="nl")


def _msgid(message_id: str | tuple[str, ...]) -> str:
    """The key of an entry: the singular msgid (also for plural entries)."""
    return message_id[0] if isinstance(message_id, tuple | list) else message_id


def _strings(string: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def _extracted_msgids() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = _msgid(message)
        if key:
            found.add(key)
    return found


def test_every_msgid_has_a_dutch_translation_that_is_not_fuzzy():
    catalog = _read_po()
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = _strings(message.string)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            untranslated.append(_msgid(message.id))
    assert untranslated == [], f"untranslated or fuzzy: {untranslated}"


def test_placeholders_survive_translation():
    catalog = _read_po()
    for message in catalog:
        if not message.id or not message.python_format:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        strings = _strings(message.string)
        wanted = {p for msgid in ids for p in _placeholders(msgid)}
        for translated in strings:
            assert _placeholders(translated) == wanted, message.id


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_catalog_is_not_stale_every_string_in_the_sources_is_in_the_catalog():
    in_catalog = {_msgid(m.id) for m in _read_po() if m.id}
    missing = sorted(_extracted_msgids() - in_catalog)
    assert missing == [], f"run `make translations` and translate: {missing}"


def test_extraction_reads_python_and_templates():
    # Guards the staleness test against a babel.cfg that silently matches nothing.
    found = _extracted_msgids()
    assert "Skip to main content" in found  # templates/base.html
    assert "Page not found" in found  # app/web/errors.py


def test_compiled_catalog_matches_the_po_file():
    assert MO.exists(), "app/translations/nl/LC_MESSAGES/messages.mo is missing"
    with MO.open("rb") as fh:
        compiled = read_mo(fh)
    expected = {_msgid(m.id): _strings(m.string) for m in _read_po() if m.id and not m.fuzzy}
    actual = {_msgid(m.id): _strings(m.string) for m in compiled if m.id}
    assert actual == expected, "run `make translations` (pybabel compile) and commit the .mo"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "Inloggen voor medewerkers"), ("en", "Sign in for staff")],
)
def test_staff_sign_in_page_is_dutch_by_default_and_english_on_request(
    app, client, language, expected
):
    with app.test_request_context():
        login = url_for("accounts.login")
        switch = url_for("i18n.switch_language_staff", lang=language)
    if language == "en":
        post_form(client, switch, {"next": login}, page=login)
        # The app fixture keeps one app context for the whole test, and Flask-Babel
        # caches the locale on it; a real server gets a fresh context per request.
        refresh()
    html = client.get(login).get_data(as_text=True)
    assert expected in html
    assert f'lang="{language}"' in html
