"""Hypothesis-driven POSTs to every form: random unicode, control characters,
megabyte fields, missing and duplicated fields, wrong types, extra fields and
invalid UTF-8 in multipart bodies. Never a 500, never a stack trace in the
body, and a refused request leaves every table and the file store as they
were (no half-written data).

Stored content that looks like HTML or script is shown as text to handlers,
and no CSV export (audit log, statistics) has a cell that starts a formula.

The examples are derandomised (the same on every run) and few per form, so
this file runs in well under a minute.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.cases.intake import NewReport, Upload, submit_report
from app.models import Case, Unit
from tests.conftest import csrf_from, post_form, send_token_from, sign_in
from tests.reporting.conftest import receipt_code, report_fields, review, send

FUZZ = settings(
    max_examples=12, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# Tables whose rows a refused request must leave alone. (Audit entries,
# sign-in throttles and sessions may legitimately record a failed attempt.)
CONTENT_TABLES = ("case_file", "key_wrap", "receipt", "message", "attachment", "case_note",
                  "external_referral", "case_restriction", "user_account", "user_role",
                  "recovery_code", "retention_rule", "unit", "page_text")

MEGABYTE = "\u00e9" * (512 * 1024)  # 1 MiB of UTF-8
NASTY = [
    "", " ", "\x00", "\x00\x01\x02\x1b[31m", "\r\n\r\n", "\t", "\u202e\u2066", "\ufeff",
    "\ud7ff\ue000\uffff", "\U0001f4a9" * 50, "²", "٣", "-1", "0", "1e9", "1.5", "NaN",
    "99999999999999999999999999", "9223372036854775808", " 12 ", "0x10", "true", "null",
    "[]", "{}", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "'; DROP TABLE case_file; --", "../../../etc/passwd", "%00", "{{7*7}}", "${7*7}",
    "=HYPERLINK(\"http://x\")", "+1", "@SUM(1)", "a" * 5000, MEGABYTE,
]
# Names that a careless `**request.form` would pass on as keyword arguments.
EXTRA_NAMES = ["session", "rt", "case", "actor", "origin", "action", "private_key", "version",
               "unit_id", "vp_id", "bureau_id", "user_id", "attachment_ids", "fields", "step",
               "csrf_token", "include_identity", "report_file"]

scalar = st.one_of(st.text(max_size=60), st.sampled_from(NASTY),
                   st.integers(min_value=-(2**70), max_value=2**70).map(str))
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))  # a list: duplicated field


def form_data(fields: dict[str, str]) -> st.SearchStrategy[dict]:
    """Start from a valid filling and drop, keep, replace or duplicate each
    field; add a few extra fields."""
    choices = {
        name: st.one_of(st.just(valid), st.none(), value) for name, valid in fields.items()
    }
    extra = st.dictionaries(st.one_of(st.sampled_from(EXTRA_NAMES), st.text(max_size=10)),
                            value, max_size=3)

    def build(parts: tuple[dict, dict]) -> dict:
        chosen, added = parts
        data = {k: v for k, v in chosen.items() if v is not None}
        for k, v in added.items():
            data.setdefault(k, v)
        return data

    return st.tuples(st.fixed_dictionaries(choices), extra).map(build)


def row_counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    engine = app.extensions["meldpunt.engine"]
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()  # noqa: S608
                for t in CONTENT_TABLES}


def check_response(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, body[:500])
    assert "Traceback" not in body and 'File "/' not in body
    return body


@dataclass
class Form:
    name: str
    who: str                      # which client posts
    url: str                      # may hold {number}, {user_id}
    fields: dict[str, str]
    token_page: str = ""
    multipart: bool = False
    # URLs that may take the place of `url` (several actions of one kind).
    alternatives: list[str] = field(default_factory=list)


def _forms(scene: Scene) -> list[Form]:
    units = scene.units
    unit = str(units["kerndepartement"].id)
    return [
        Form("staff sign-in", "anon", "/medewerkers/inloggen",
             {"email": scene.staff["intake"].email, "password": "wrong password"},
             "/medewerkers/inloggen"),
        Form("second factor", "half", "/medewerkers/inloggen/code", {"code": "000000"},
             "/medewerkers/inloggen/code"),
        Form("report form", "anon", "/melden", {**report_fields(units), "step": "send"},
             "/melden", multipart=True),
        Form("mailbox sign-in", "anon", "/postbus", {"code": "ABCD-EFGH-JKMN-PQRS"}, "/postbus"),
        Form("mailbox actions", "reporter", "/postbus/bericht",
             {"body": "Een bericht", "note": "Graag", "channel": "confidential",
              "name": "Anna", "email": "anna@example.test", "phone": "0612345678",
              "contact": "", "consent": "give", "confirm": "no"},
             "/postbus", multipart=True,
             alternatives=["/postbus/gesprek", "/postbus/toestemming", "/postbus/identiteit",
                           "/postbus/intrekken", "/postbus/bestanden"]),
        Form("case actions", "intake", "/medewerkers/zaken/{number}/berichten",
             {"body": "Een bericht", "visibility": "handlers", "version": "1",
              "unit_id": unit, "category": "ongewenste_omgangsvormen", "track": "report",
              "text": "Ontvangen", "reason": "withdrawn", "user_id": "{user_id}",
              "vp_id": "{user_id}", "bureau_id": unit, "referred_to": "police",
              "outcome": "advice_given", "message": "Bericht"},
             "/medewerkers/", alternatives=[
                 "/medewerkers/zaken/{number}/notities",
                 "/medewerkers/zaken/{number}/uitsluiten",
                 "/medewerkers/zaken/{number}/actie/acknowledge",
                 "/medewerkers/zaken/{number}/actie/classify",
                 "/medewerkers/zaken/{number}/actie/route_to_vp",
                 "/medewerkers/zaken/{number}/actie/close_early",
                 "/medewerkers/zaken/{number}/actie/refer_elsewhere",
                 "/medewerkers/zaken/{number}/actie/refer_to_external",
                 "/medewerkers/zaken/{number}/actie/bestaat-niet",
                 "/medewerkers/bewaren/{number}/bewaarplicht",
             ]),
        Form("case registration", "intake", "/medewerkers/zaken/registreren",
             {"intake_channel": "phone", "unit_id": unit, "track": "report",
              "channel": "confidential", "category": "ongewenste_omgangsvormen",
              "what": "Telefonisch gemeld", "when": "", "where": "", "involved": "",
              "name": "", "email": "", "phone": "", "with_receipt": "y"},
             "/medewerkers/zaken/registreren"),
        Form("signal", "vp", "/medewerkers/zaken/signaal",
             {"kind": "pesten", "unit_id": unit, "on": "2026-01-15", "advice_given": "y",
              "referred_to": ""}, "/medewerkers/zaken/signaal"),
        Form("admin user form", "admin", "/medewerkers/beheer/gebruikers/nieuw",
             {"email": "nieuw@example.test", "display_name": "Nieuwe collega", "unit": unit,
              "roles": "intake", "active": "y"}, "/medewerkers/beheer/gebruikers/nieuw",
             alternatives=["/medewerkers/beheer/gebruikers/{user_id}"]),
        Form("retention periods", "admin", "/medewerkers/bewaren/termijnen",
             scene.retention_fields, "/medewerkers/bewaren/termijnen"),
        Form("start page text", "admin", "/medewerkers/beheer/startpagina/intro/nl",
             {"body": "Een eigen inleiding", "action": "save"},
             "/medewerkers/beheer/startpagina/intro/nl",
             alternatives=["/medewerkers/beheer/startpagina/elsewhere/en",
                           "/medewerkers/beheer/startpagina/intro/nl/standaardtekst"]),
        Form("password change", "intake", "/medewerkers/account/wachtwoord",
             {"current": "wrong", "password": "x", "confirm": "y"},
             "/medewerkers/account/wachtwoord"),
    ]


@dataclass
class Scene:
    app: object
    units: dict
    staff: dict
    clients: dict
    number: str
    retention_fields: dict[str, str]


@pytest.fixture()
def scene(app, client, session, rt, units, make_staff):  # type: ignore[no-untyped-def]
    staff = {role: make_staff(role) for role in
             ("intake", "vertrouwenspersoon", "admin", "integriteitscoordinator")}
    staff["half"] = make_staff("auditor")
    case, code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        report={"what": "Iets"}, identity={"name": "Anna"},
        uploads=[Upload("a.txt", "text/plain", [b"hallo"])],
    ))
    clients = {"anon": client}
    for who in ("intake", "vp", "admin", "reporter", "half"):
        clients[who] = app.test_client()
    sign_in(clients["intake"], staff["intake"])
    sign_in(clients["vp"], staff["vertrouwenspersoon"])
    sign_in(clients["admin"], staff["admin"])
    post_form(clients["half"], "/medewerkers/inloggen",
              {"email": staff["half"].email, "password": staff["half"].password})
    html = clients["reporter"].get("/postbus").get_data(as_text=True)
    clients["reporter"].post("/postbus", data={"csrf_token": csrf_from(html), "code": code})
    periods = clients["admin"].get("/medewerkers/bewaren/termijnen").get_data(as_text=True)
    retention = {name: "24" for name in re.findall(r'name="(months-[\w-]+)"', periods)}
    assert retention
    staff["vp"] = staff["vertrouwenspersoon"]
    return Scene(app, units, staff, clients, case.number, retention)


FORM_NAMES = ["staff sign-in", "second factor", "report form", "mailbox sign-in",
              "mailbox actions", "case actions", "case registration", "signal",
              "admin user form", "retention periods", "start page text", "password change"]


@pytest.mark.parametrize("form_name", FORM_NAMES)
@FUZZ
@given(data=st.data())
def test_fuzzed_posts_never_crash_nor_half_write(scene, form_name, data):
    form = next(f for f in _forms(scene) if f.name == form_name)
    values = {"number": scene.number, "user_id": str(scene.staff["vp"].user.id)}
    url = data.draw(st.sampled_from([form.url, *form.alternatives])).format(**values)
    fields = {k: v.format(**values) if v.startswith("{") else v for k, v in form.fields.items()}
    payload = data.draw(form_data(fields))
    client = scene.clients[form.who]
    page = client.get(form.token_page).get_data(as_text=True)
    token = csrf_from(page) if 'name="csrf_token"' in page else ""
    payload.setdefault("csrf_token", token)
    if 'name="send_token"' in page:  # the report form's own token, as a browser sends it
        payload.setdefault("send_token", send_token_from(page))
    multipart = form.multipart and data.draw(st.booleans())
    before = row_counts(scene.app)
    files_before = set(scene.app.extensions["meldpunt.runtime"].files.file_ids())
    response = client.post(url, data=payload,
                           content_type="multipart/form-data" if multipart else None)
    check_response(response)
    if response.status_code >= 400:
        assert row_counts(scene.app) == before, (url, response.status_code)
        assert set(scene.app.extensions["meldpunt.runtime"].files.file_ids()) == files_before


# --- invalid UTF-8 in multipart and form bodies --------------------------------------------

BOUNDARY = "----meldpuntfuzz"


def _multipart(parts: list[tuple[bytes, bytes, bytes | None]]) -> bytes:
    """(name, value, filename or None) -> a raw multipart body."""
    out = b""
    for name, content, filename in parts:
        out += b"--" + BOUNDARY.encode() + b"\r\n"
        disposition = b'Content-Disposition: form-data; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        out += disposition + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + b"--" + BOUNDARY.encode() + b"--\r\n"


BAD_BYTES = [b"\xff\xfe\xfd", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80abc",
             b"caf\xe9"]


@pytest.mark.parametrize("bad", BAD_BYTES)
def test_invalid_utf8_in_multipart_bodies_is_refused_cleanly(scene, units, bad):
    targets = [("anon", "/melden", "/melden"), ("anon", "/postbus", "/postbus"),
               ("reporter", "/postbus/bericht", "/postbus"),
               ("reporter", "/postbus/bestanden", "/postbus"),
               ("anon", "/medewerkers/inloggen", "/medewerkers/inloggen"),
               ("intake", f"/medewerkers/zaken/{scene.number}/notities", "/medewerkers/")]
    fields = {**report_fields(units), "step": "send"}
    for who, url, page in targets:
        client = scene.clients[who]
        token = csrf_from(client.get(page).get_data(as_text=True)).encode()
        before = row_counts(scene.app)
        parts = [(b"csrf_token", token, None)]
        parts += [(k.encode(), v.encode(), None) for k, v in fields.items()]
        parts += [(b"what", b"Iets " + bad, None), (b"body", bad + b" bericht", None),
                  (b"code", bad, None), (b"email", bad, None), (b"password", bad, None),
                  (b"attachments", b"tekst " + bad, b"naam" + bad + b".txt"),
                  (bad, b"x", None)]
        response = client.post(url, data=_multipart(parts),
                               content_type=f"multipart/form-data; boundary={BOUNDARY}")
        check_response(response)
        if response.status_code >= 400:
            assert row_counts(scene.app) == before, url
        # Form-encoded with percent-escaped invalid bytes.
        escaped = "".join(f"%{b:02X}" for b in bad)
        body = f"csrf_token={token.decode()}&what={escaped}&body={escaped}&code={escaped}" \
               f"&email={escaped}&password={escaped}&{escaped}=1"
        response = client.post(url, data=body,
                               content_type="application/x-www-form-urlencoded")
        check_response(response)


def test_malformed_multipart_is_a_400_not_a_500(scene):
    client = scene.clients["anon"]
    for body, ctype in [
        (b"--x\r\nno headers at all", "multipart/form-data; boundary=x"),
        (b"garbage", "multipart/form-data"),                      # no boundary
        (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb", "multipart/form-data; "
                                                                         "boundary=x"),
        (b"\x00" * 1000, "multipart/form-data; boundary=" + "b" * 300),
        (b"a=b", "application/json"),
        (b"%%%=%%%&&&==", "application/x-www-form-urlencoded"),
    ]:
        response = client.post("/melden", data=body, content_type=ctype)
        check_response(response)
        assert response.status_code in (400, 413)


# --- stored XSS and CSV formula injection ---------------------------------------------------

XSS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]


def test_a_report_with_script_is_shown_as_text_on_the_case_page(client, app, session, units,
                                                                make_staff):
    intake = make_staff("intake")
    fields = report_fields(units, what=XSS[0] + " en " + XSS[1], where=XSS[1], when=XSS[0],
                           involved=XSS[1], witnesses=XSS[0], identity="confidential",
                           name=XSS[1], contact=XSS[0])
    response = send(client, fields)
    assert response.status_code == 200
    receipt_code(response)
    number = session.scalars(select(Case.number)).one()
    staff = app.test_client()
    sign_in(staff, intake)
    html = staff.get(f"/medewerkers/zaken/{number}").get_data(as_text=True)
    for payload in XSS:
        assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html and "<script>alert" not in html
    # The review step, which shows the reporter what they typed, too.
    html = review(app.test_client(), fields).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _cells(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]


def _formula_cells(csv_text: str) -> list[str]:
    return [c for c in _cells(csv_text) if c[:1] in ("=", "+", "-", "@")]


def test_no_csv_export_cell_starts_a_formula(app, client, session, rt, units, make_staff):
    icc = make_staff("icc")
    auditor = make_staff("auditor")
    # Names an admin (or a compromised admin account) could give.
    unit = units["kerndepartement"]
    unit.name = "=HYPERLINK(\"http://evil.example\",\"klik\")"
    icc.user.display_name = "+cmd|' /C calc'!A0"
    session.commit()
    for what in ("=1+2", "@SUM(A1)", "-2+3", "+4"):
        submit_report(session, rt, NewReport(
            unit_id=unit.id, track="report", channel="anonymous",
            category="ongewenste_omgangsvormen", subcategory="pesten",
            report={"what": what}, identity={}))
    staff = app.test_client()
    sign_in(staff, icc)
    year = session.scalars(select(Case.received_at)).first().year
    for query in (f"?jaar={year}", f"?jaar={year}&eenheid={unit.id}"):
        response = staff.get("/medewerkers/statistiek/export.csv" + query)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "HYPERLINK" in body or query.endswith(f"{year}")
        assert not _formula_cells(body), _formula_cells(body)
    audit = app.test_client()
    sign_in(audit, auditor)
    response = audit.get("/medewerkers/audit/export.csv")
    assert response.status_code == 200
    assert not _formula_cells(response.get_data(as_text=True))
    assert session.get(Unit, unit.id) is not None


# --- query strings on every GET page -------------------------------------------------------

QUERY_NAMES = ["jaar", "eenheid", "pagina", "tab", "sorteer", "route", "seq", "actie", "van",
               "tot", "actor", "object", "q", "next", "lang", "stap", "antwoord"]


@pytest.mark.parametrize("who", ["anon", "intake", "admin", "icc", "auditor"])
@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_fuzzed_query_strings_on_every_get_page_never_crash(app, client, make_staff, who,
                                                            data):
    if _SIGNED_IN.get(who) is not client:  # once per test, not per example
        _SIGNED_IN[who] = client
        if who != "anon":
            sign_in(client, make_staff(who))
    pages = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments})
    path = data.draw(st.sampled_from(pages))
    query = data.draw(st.dictionaries(st.one_of(st.sampled_from(QUERY_NAMES),
                                                st.text(max_size=8)),
                                      st.one_of(scalar, st.lists(scalar, max_size=3)),
                                      max_size=4))
    if MEGABYTE in str(query):
        query = {k: v for k, v in query.items() if MEGABYTE not in str(v)}
    response = client.get(path, query_string=query)
    check_response(response)


_SIGNED_IN: dict[str, object] = {}


def test_the_known_hard_query_values_on_filter_pages(app, client, make_staff):
    """Values that once reached the database unchecked: a NUL (PostgreSQL
    refuses it), a 30-digit page number (overflows OFFSET)."""
    sign_in(client, make_staff("auditor"))
    icc = app.test_client()
    sign_in(icc, make_staff("icc"))
    for who, path in [(client, "/medewerkers/audit/"), (client, "/medewerkers/audit/export.csv"),
                      (icc, "/medewerkers/statistiek/"), (icc, "/medewerkers/zaken/")]:
        for query in ({"actor": "user:\x001"}, {"case": "MP\x00"}, {"action": "\x00"},
                      {"from": "2026-01-01\x00"}, {"pagina": "9" * 30}, {"eenheid": "9" * 30},
                      {"jaar": "9" * 30}, {"tab": "\x00"}, {"sorteer": "\x00"}):
            response = who.get(path, query_string=query)
            check_response(response)
            assert response.status_code in (200, 403, 404), (path, query)
