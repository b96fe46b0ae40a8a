"""The functional administrator rewords the start page, per section and
language; the shipped text is the default and comes back on reset. Typed
text is never rendered as HTML, and every change is logged without the text."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, PageText
from app.web.start_page import (
    MAX_CHARS,
    SECTION_KEYS,
    PageTextRefused,
    blocks,
    clean_text,
    default_text,
)
from tests.accounts.helpers import browser
from tests.conftest import csrf_from, post_form, sign_in

TEXTS = "/medewerkers/beheer/startpagina"
MARKER = "Bel ook gerust de Integriteitslijn van ons ministerie"
XSS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]


def _admin(app, make_staff):  # type: ignore[no-untyped-def]
    admin = make_staff("admin")
    client = browser(app)
    sign_in(client, admin)
    return client, admin


def _save(client, section: str, lang: str, body: str, action: str = "save"):  # type: ignore[no-untyped-def]
    return post_form(client, f"{TEXTS}/{section}/{lang}", {"body": body, "action": action})


def _start(app, lang: str) -> str:  # type: ignore[no-untyped-def]
    """The start page's main part (the header holds a per-visitor CSRF token)."""
    html = browser(app).get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _audit(session, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_admin_edits_a_section_and_the_start_page_shows_it_in_that_language_only(
        app, session, make_staff):
    client, admin = _admin(app, make_staff)
    english_before = _start(app, "en")
    response = _save(client, "elsewhere", "nl", f"{MARKER}.\n\n- Intranet: zoek op 'integriteit'")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{TEXTS}?taal=nl")
    dutch = _start(app, "nl")
    assert MARKER in dutch
    assert "<li>Intranet: zoek op &#39;integriteit&#39;</li>" in dutch
    # The shipped Dutch text of that section is gone; the other sections stay.
    assert "bedrijfsmaatschappelijk werk" not in dutch.split("<h2>")[-1]
    assert default_text("vp_duty", "nl")[:40] in dutch
    # English is untouched.
    english = _start(app, "en")
    assert MARKER not in english and english == english_before
    row = session.scalar(select(PageText))
    assert (row.section, row.lang, row.updated_by_id) == ("elsewhere", "nl", admin.user.id)
    # The overview names who changed it.
    overview = client.get(f"{TEXTS}?taal=nl").get_data(as_text=True)
    assert admin.user.display_name in overview and MARKER in overview  # in the preview


def test_reset_brings_the_default_back(app, session, make_staff):
    client, _admin_staff = _admin(app, make_staff)
    default = _start(app, "nl")
    assert _save(client, "intro", "nl", MARKER).status_code == 302
    assert MARKER in _start(app, "nl")
    page = client.get(f"{TEXTS}/intro/nl").get_data(as_text=True)
    assert "/standaardtekst" in page
    response = client.post(f"{TEXTS}/intro/nl/standaardtekst", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert _start(app, "nl") == default
    assert session.scalar(select(func.count()).select_from(PageText)) == 0
    [entry] = _audit(session, "admin.page_text_reset")
    assert (entry.object_type, entry.object_id) == ("page_text", "intro/nl")
    # Resetting again changes nothing and logs nothing.
    again = client.post(f"{TEXTS}/intro/nl/standaardtekst", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 302
    assert len(_audit(session, "admin.page_text_reset")) == 1


def test_every_change_writes_one_audit_entry_without_the_text(app, session, make_staff):
    client, admin = _admin(app, make_staff)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    assert _save(client, "protection", "en", MARKER).status_code == 302
    session.expire_all()
    new = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq).offset(before)))
    assert [e.action for e in new] == ["admin.page_text_changed"]
    entry = new[0]
    assert (entry.actor, entry.object_type, entry.object_id, entry.result) == (
        f"user:{admin.user.id}", "page_text", "protection/en", "ok")
    columns = [str(getattr(entry, c.key)) for c in AuditEntry.__table__.columns]
    assert not any("Integriteitslijn" in value for value in columns)
    # Saving the same text again is no change: no entry.
    assert _save(client, "protection", "en", MARKER).status_code == 302
    assert len(_audit(session, "admin.page_text_changed")) == 1
    # A preview saves and logs nothing.
    response = _save(client, "what", "en", "Preview only", action="preview")
    assert response.status_code == 200 and "Preview only" in response.get_data(as_text=True)
    assert len(_audit(session, "admin.page_text_changed")) == 1
    assert session.scalar(select(func.count()).select_from(PageText)) == 1


@pytest.mark.parametrize("role", ["intake", "vertrouwenspersoon", "icc", "auditor"])
def test_other_roles_are_refused(app, session, make_staff, role):
    other = browser(app)
    sign_in(other, make_staff(role))
    token = csrf_from(other.get("/medewerkers/").get_data(as_text=True))
    assert other.get(TEXTS).status_code == 403
    assert other.get(f"{TEXTS}/intro/nl").status_code == 403
    assert other.post(f"{TEXTS}/intro/nl", data={"csrf_token": token, "body": MARKER,
                                                  "action": "save"}).status_code == 403
    assert other.post(f"{TEXTS}/intro/nl/standaardtekst",
                      data={"csrf_token": token}).status_code == 403
    assert session.scalar(select(func.count()).select_from(PageText)) == 0
    assert MARKER not in _start(app, "nl")


def test_signed_out_visitors_go_to_the_sign_in_page(app):
    visitor = browser(app)
    for response in (visitor.get(TEXTS), visitor.get(f"{TEXTS}/intro/nl"),
                     visitor.post(f"{TEXTS}/intro/nl", data={"body": MARKER}),
                     visitor.post(f"{TEXTS}/intro/nl/standaardtekst")):
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/medewerkers/inloggen")


def test_script_and_html_are_shown_as_text_everywhere(app, session, make_staff):
    client, _staff = _admin(app, make_staff)
    body = f"{XSS[0]} en {XSS[1]}\n\n- {XSS[1]}\n- https://evil.example/phish\n\n" \
           "<a href=\"https://evil.example\">klik</a>"
    assert _save(client, "what", "nl", body).status_code == 302
    pages = [_start(app, "nl"), client.get(f"{TEXTS}?taal=nl").get_data(as_text=True),
             client.get(f"{TEXTS}/what/nl").get_data(as_text=True),
             _save(client, "what", "nl", body, action="preview").get_data(as_text=True)]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        # A typed address stays text: no link, nothing loaded from outside.
        assert 'href="https://evil' not in html and "<a href=\"https" not in html
    start = pages[0]
    assert "https://evil.example/phish" in start
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;klik&lt;/a&gt;" in start


def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(app, session, make_staff):
    client, _staff = _admin(app, make_staff)
    cases = {
        "": "Vul een tekst in",
        "   \n\n  ": "Vul een tekst in",
        "x" * (MAX_CHARS + 1): str(MAX_CHARS),
        "a" * 1_000_000: str(MAX_CHARS),
        "Tekst met \x00 nul": "onzichtbare",
        "Omgekeerd \u202e tekst": "onzichtbare",
    }
    for body, message in cases.items():
        response = _save(client, "intro", "nl", body)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, repr(body[:20])
        assert message in html, (repr(body[:20]), html[-2000:])
        assert 'aria-invalid="true"' in html
    assert session.scalar(select(func.count()).select_from(PageText)) == 0
    assert _audit(session, "admin.page_text_changed") == []
    # Without the CSRF token: refused.
    response = client.post(f"{TEXTS}/intro/nl", data={"body": MARKER, "action": "save"})
    assert response.status_code == 400
    response = client.post(f"{TEXTS}/intro/nl/standaardtekst")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(PageText)) == 0


def test_unknown_sections_and_languages_do_not_exist(app, make_staff):
    client, _staff = _admin(app, make_staff)
    for path in ("/bestaat-niet/nl", "/intro/de", "/intro/NL", "/intro/nl%00"):
        assert client.get(TEXTS + path).status_code == 404, path
    assert post_form(client, TEXTS + "/intro/de", {"body": "x"},
                     page=f"{TEXTS}/intro/nl").status_code == 404


def test_defaults_are_translated_and_valid(app):
    for key in SECTION_KEYS:
        dutch, english = default_text(key, "nl"), default_text(key, "en")
        assert dutch and english and dutch != english, key
        assert clean_text(dutch) == dutch and clean_text(english) == english, key


def test_plain_text_becomes_paragraphs_and_bullets():
    assert blocks("Eerste regel\ntweede regel\n\n- een\n- twee\nDaarna\n\n  \n- drie") == [
        ("p", ["Eerste regel", "tweede regel"]),
        ("ul", ["een", "twee"]),
        ("p", ["Daarna"]),
        ("ul", ["drie"]),
    ]
    assert blocks("-\n- \n-x") == [("p", ["-x"])]
    with pytest.raises(PageTextRefused):
        clean_text("\x1b[31m rood")
    assert clean_text("a\r\nb  \r\n\r\n\tc\n\n") == "a\nb\n\n c"
