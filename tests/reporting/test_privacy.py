"""The reporter leaves no trace: no IP address or user agent in any log
record, no script, no external URL, only the necessary cookie."""

from __future__ import annotations

import logging
import re

from tests.reporting.conftest import (
    PDF,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    review,
    send,
)

USER_AGENT = "Mozilla/5.0 (X11; Linux) UniqueTestBrowser/7.3"
HEADERS = {"User-Agent": USER_AGENT, "Referer": "http://intranet.example.test/links"}
ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}


def test_no_ip_address_or_user_agent_in_any_log_record(client, session, units, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    kwargs = {"headers": HEADERS, "environ_base": ENVIRON}
    for page in ("/", "/keuzehulp", "/keuzehulp?about=behaviour&want=talk", "/privacy",
                 "/toegankelijkheid", "/melden"):
        assert client.get(page, **kwargs).status_code == 200
    response = send(client, report_fields(units), files=[(PDF, "a.pdf")], **kwargs)
    code = receipt_code(response)
    client.get("/postbus", **kwargs)
    open_mailbox(client, "WRONG-CODE")
    open_mailbox(client, code)
    client.get("/postbus", **kwargs)
    mailbox_post(client, "/postbus/bericht", {"body": "Aanvulling"}, **kwargs)
    mailbox_post(client, "/postbus/sluiten", **kwargs)

    assert caplog.records, "logging was captured"
    for record in caplog.records:
        text = record.getMessage() + " " + repr(record.args)
        assert "127.0.0.1" not in text
        assert "UniqueTestBrowser" not in text
        assert "intranet.example.test" not in text
        assert code not in text
    # Nor anywhere in the database.
    from tests.reporting.test_journey import _all_row_bytes

    raw = _all_row_bytes(session)
    assert b"127.0.0.1" not in raw and b"UniqueTestBrowser" not in raw
    assert b"intranet.example.test" not in raw


def _reporter_pages(client, units) -> dict[str, str]:  # type: ignore[no-untyped-def]
    pages = {}
    for url in ("/", "/keuzehulp", "/keuzehulp?about=integrity", "/keuzehulp?about=wrongdoing&"
                "want=investigate", "/keuzehulp?about=work", "/privacy", "/toegankelijkheid",
                "/melden", "/postbus"):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    pages["review"] = review(client, report_fields(units)).get_data(as_text=True)
    sent = send(client, report_fields(units))
    pages["receipt"] = sent.get_data(as_text=True)
    open_mailbox(client, receipt_code(sent))
    pages["mailbox"] = client.get("/postbus").get_data(as_text=True)
    return pages


def test_reporter_pages_have_no_script_and_no_external_url(client, units):
    for name, html in _reporter_pages(client, units).items():
        assert "<script" not in html.lower(), name
        assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", html), name
        assert "http://" not in html and "https://" not in html, name
        assert " style=" not in html, name  # the CSP forbids inline styles
        assert 'name="robots" content="noindex' in html, name


def test_only_the_session_cookie_is_set_and_it_is_strict(client, units):
    responses = [client.get("/"), client.get("/melden"), send(client, report_fields(units))]
    for response in responses:
        for header in response.headers.getlist("Set-Cookie"):
            assert header.startswith("meldpunt="), header
            assert "HttpOnly" in header and "SameSite=Strict" in header
            assert "Expires" not in header  # gone when the browser closes


def test_receipt_page_is_not_cached_and_the_code_not_in_title(client, units):
    sent = send(client, report_fields(units))
    code = receipt_code(sent)
    html = sent.get_data(as_text=True)
    title = html.split("<title>")[1].split("</title>")[0]
    assert code not in title
    assert sent.headers["Cache-Control"] == "no-store"
    assert sent.request.path == "/melden"


def test_start_page_tells_what_the_issue_asks(client):
    html = client.get("/").get_data(as_text=True)
    for needle in ("7", "3", "Huis voor Klokkenluiders", "bedrijfsmaatschappelijk werk",
                   "personeelsraadgever", 'href="/melden?route=advice"',
                   'href="/melden?route=report"', 'href="/postbus"', 'href="/keuzehulp"'):
        assert needle in html


def test_decision_aid_ends_with_a_button_to_the_matching_report(client):
    html = client.get("/keuzehulp?about=behaviour&want=talk").get_data(as_text=True)
    assert 'href="/melden?route=advice"' in html
    html = client.get("/keuzehulp?about=integrity&want=investigate").get_data(as_text=True)
    assert 'href="/melden?route=report"' in html
    first = client.get("/keuzehulp").get_data(as_text=True)
    assert 'method="get"' in first and 'name="about"' in first


def test_reporter_pages_are_dutch_by_default(app):
    fresh = app.test_client()
    for url in ("/", "/melden", "/postbus", "/keuzehulp", "/privacy", "/toegankelijkheid"):
        assert 'lang="nl"' in fresh.get(url).get_data(as_text=True), url


def test_decision_aid_leads_to_the_right_desk(client):
    work = client.get("/keuzehulp?about=work").get_data(as_text=True)
    assert "bedrijfsmaatschappelijk werk" in work and "personeelsraadgever" in work
    assert 'href="/melden?route=advice"' in work
    wrongdoing = client.get("/keuzehulp?about=wrongdoing&want=unsure").get_data(as_text=True)
    assert 'href="/melden?route=report"' in wrongdoing
    assert "Huis voor Klokkenluiders" in wrongdoing
    second = client.get("/keuzehulp?about=behaviour").get_data(as_text=True)
    assert 'name="want"' in second and 'type="hidden" name="about" value="behaviour"' in second
    # Nonsense answers just start over.
    assert 'name="about"' in client.get("/keuzehulp?about=<x>").get_data(as_text=True)


def test_the_cookie_never_holds_the_receipt_code_or_the_case_key(client, units):
    import base64
    import zlib

    code = receipt_code(send(client, report_fields(units)))
    opened = open_mailbox(client, code)
    cookie = next(h for h in opened.headers.getlist("Set-Cookie") if h.startswith("meldpunt="))
    value = cookie.split(";")[0].split("=", 1)[1]
    # itsdangerous: [.]payload.timestamp.signature, a leading dot meaning zlib.
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if compressed:
        raw = zlib.decompress(raw)
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw
    assert b'"mb"' in raw and b'"mbk"' in raw  # the mailbox token and secret only
