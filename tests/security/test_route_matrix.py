"""Every rule in the URL map (all blueprints, GET and POST) x every kind of
visitor has an expected outcome class in EXPECTED below; a route that is
missing from the table fails the suite. Case numbers and attachment ids of
other cases can not be reached by guessing or incrementing (IDOR).

The fine-grained case matrix (holder / non-holder / recused / excluded) lives
in tests/cases/test_authorisation_matrix.py; this file covers the whole map
with one visitor per role, plus a reporter with an open mailbox.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, Upload, submit_report
from app.models import Attachment, Case
from tests.conftest import csrf_from, sign_in

STAFF_ROLES = ("intake", "vertrouwenspersoon", "integriteitscoordinator", "icc",
               "external_investigator", "admin", "auditor")
VISITORS = ("anon", "reporter", *STAFF_ROLES)
HANDLERS = {"intake", "vertrouwenspersoon", "integriteitscoordinator", "icc",
            "external_investigator"}

# Outcome sets. A signed-out (or reporter-only) visitor on a staff page is
# always sent to the sign-in page: 302, never 200.
OK, REDIRECT, BAD, FORBIDDEN, MISSING, NOT_ALLOWED, THROTTLED = 200, 302, 400, 403, 404, 405, 429
SIGN_IN = 401  # the mailbox sign-in form itself, keeping a message that was not sent
TO_SIGN_IN = {REDIRECT}


def _staff_page(allowed_roles: set[str], ok: set[int], other: set[int] | None = None
                ) -> dict[str, set[int]]:
    """Anonymous and reporter: to the sign-in page; allowed roles: `ok`;
    the other staff roles: `other` (403 unless told)."""
    table = {"anon": TO_SIGN_IN, "reporter": TO_SIGN_IN}
    for role in STAFF_ROLES:
        table[role] = ok if role in allowed_roles else (other or {FORBIDDEN})
    return table


def _everyone(ok: set[int]) -> dict[str, set[int]]:
    return {visitor: ok for visitor in VISITORS}


def _signed_in_staff(ok: set[int]) -> dict[str, set[int]]:
    return _staff_page(set(STAFF_ROLES), ok)


def _holder_only(allowed_roles: set[str], ok: set[int]) -> dict[str, set[int]]:
    """The case is held by intake officers only: other roles that may handle
    cases get 404 (a case they do not hold does not exist for them)."""
    table = _staff_page(allowed_roles, {MISSING})
    table["intake"] = ok if "intake" in allowed_roles else {FORBIDDEN}
    return table


def _mailbox(ok: set[int]) -> dict[str, set[int]]:
    """Mailbox actions: only the reporter with an open mailbox gets `ok`;
    anybody else is sent to the mailbox sign-in page (a staff cookie does not
    open a mailbox)."""
    table = {visitor: {REDIRECT} for visitor in VISITORS}
    table["reporter"] = ok
    return table


ALL_HANDLERS = HANDLERS
REGISTRARS = {"intake", "vertrouwenspersoon"}
ADMIN = {"admin"}
AUDIT = {"auditor", "icc"}
STATS = {"icc", "integriteitscoordinator", "vertrouwenspersoon"}  # VP annual reports
HOLD = {"integriteitscoordinator", "icc"}

# (endpoint, method) -> visitor -> allowed statuses. Explicit, not derived
# from the code under test.
EXPECTED: dict[tuple[str, str], dict[str, set[int]]] = {
    # --- public and reporter pages --------------------------------------------------
    ("pages.start", "GET"): _everyone({OK}),
    ("reporting.accessibility", "GET"): _everyone({OK}),
    ("reporting.decision_aid", "GET"): _everyone({OK}),
    ("reporting.privacy", "GET"): _everyone({OK}),
    ("reporting.new_report", "GET"): _everyone({OK}),
    # An empty report is refused with the form again (400), for everybody.
    ("reporting.new_report", "POST"): _everyone({BAD}),
    ("static", "GET"): _everyone({OK}),
    ("pages.favicon", "GET"): _everyone({OK}),
    ("health.health", "GET"): _everyone({OK}),
    ("theme.stylesheet", "GET"): _everyone({OK}),
    ("i18n.switch_language", "POST"): _everyone({REDIRECT}),
    ("i18n.switch_language_staff", "POST"): _everyone({REDIRECT}),
    # GET /postbus: the sign-in form, or the open mailbox.
    ("reporting.mailbox_page", "GET"): _everyone({OK}),
    # An empty code: refused (400), or throttled.
    ("reporting.mailbox_page", "POST"): _everyone({BAD, THROTTLED}),
    # Empty message: 400. Without an open mailbox the sign-in form answers
    # (not a redirect), keeping what was typed (#21, WCAG 2.2.1).
    ("reporting.mailbox_message", "POST"): {
        **{visitor: {SIGN_IN} for visitor in VISITORS}, "reporter": {BAD}},
    ("reporting.mailbox_keep_open", "POST"): _mailbox({REDIRECT}),
    ("reporting.receipt_written_down", "POST"): _everyone({REDIRECT}),
    ("reporting.mailbox_files", "POST"): _mailbox({BAD}),          # no files
    ("reporting.mailbox_meeting", "POST"): _mailbox({REDIRECT}),   # note is optional
    # Consent: GET shows what it means (here refused: a formal report has no
    # pass-on consent, and no recipient is named); POST without confirm=yes
    # changes nothing (#21).
    ("reporting.mailbox_consent", "GET"): _mailbox({REDIRECT}),
    ("reporting.mailbox_consent", "POST"): _mailbox({REDIRECT}),
    ("reporting.mailbox_name_consent", "GET"): _mailbox({REDIRECT}),
    ("reporting.mailbox_name_consent", "POST"): _mailbox({REDIRECT}),
    ("reporting.mailbox_disclose", "POST"): _mailbox({BAD}),       # no name
    ("reporting.mailbox_withdraw", "POST"): _mailbox({REDIRECT}),  # no confirm: refused
    # Minutes id 999999 is not this report's: not found; no corrections text: 400.
    ("reporting.mailbox_minutes_approve", "POST"): _mailbox({MISSING}),
    ("reporting.mailbox_minutes_correct", "POST"): _mailbox({BAD}),
    ("reporting.mailbox_close", "POST"): _everyone({REDIRECT}),
    # The reporter's code was not handed over by staff: nothing to replace.
    ("reporting.mailbox_new_code", "POST"): _mailbox({REDIRECT}),
    ("reporting.mailbox_confirm_code", "POST"): _mailbox({REDIRECT}),
    # Issue #23: the news e-mail (no address posted: the form again; no
    # confirmation: refused with a message).
    ("reporting.mailbox_news_address", "POST"): _mailbox({BAD}),
    ("reporting.mailbox_news_address_remove", "POST"): _mailbox({REDIRECT}),
    # --- staff sign-in steps (open to everybody) ----------------------------------
    ("accounts.login", "GET"): {**_everyone({OK}), **{r: {OK, REDIRECT} for r in STAFF_ROLES}},
    ("accounts.login", "POST"): _everyone({OK, BAD}),
    ("accounts.second_factor", "GET"): _everyone({OK, REDIRECT}),
    ("accounts.second_factor", "POST"): _everyone({OK, BAD, REDIRECT}),
    ("accounts.enrol", "GET"): _everyone({OK, REDIRECT}),
    ("accounts.enrol", "POST"): _everyone({OK, BAD, REDIRECT}),
    ("accounts.set_password", "GET"): _everyone({OK, REDIRECT}),
    ("accounts.set_password", "POST"): _everyone({OK, BAD, REDIRECT}),
    ("accounts.logout", "POST"): _everyone({REDIRECT}),
    # --- any signed-in staff member -----------------------------------------------
    ("pages.staff_home", "GET"): _signed_in_staff({OK}),
    ("accounts.account", "GET"): _signed_in_staff({OK}),
    ("accounts.change_password", "GET"): _signed_in_staff({OK}),
    ("accounts.change_password", "POST"): _signed_in_staff({OK, BAD}),
    ("accounts.new_recovery_codes", "POST"): _signed_in_staff({OK}),
    ("accounts.notification_choice", "POST"): _signed_in_staff({REDIRECT}),
    # --- admin --------------------------------------------------------------------
    ("admin.users", "GET"): _staff_page(ADMIN, {OK}),
    ("admin.new_user", "GET"): _staff_page(ADMIN, {OK}),
    ("admin.new_user", "POST"): _staff_page(ADMIN, {OK, BAD}),
    ("admin.edit_user", "GET"): _staff_page(ADMIN, {OK}),
    ("admin.edit_user", "POST"): _staff_page(ADMIN, {OK, BAD}),
    ("admin.reset_password", "POST"): _staff_page(ADMIN, {OK, REDIRECT}),
    ("admin.reset_second_factor", "POST"): _staff_page(ADMIN, {OK, REDIRECT}),
    ("admin.unlock", "POST"): _staff_page(ADMIN, {REDIRECT}),
    # Start page texts: an empty text is refused (400); reset without an override redirects.
    ("admin.start_page_texts", "GET"): _staff_page(ADMIN, {OK}),
    ("admin.edit_page_text", "GET"): _staff_page(ADMIN, {OK}),
    ("admin.edit_page_text", "POST"): _staff_page(ADMIN, {BAD}),
    ("admin.reset_page_text", "POST"): _staff_page(ADMIN, {REDIRECT}),
    ("retention.periods", "GET"): _staff_page(ADMIN, {OK}),
    ("retention.periods", "POST"): _staff_page(ADMIN, {OK, BAD, REDIRECT}),
    # Shorter periods wait for a second person: the ICC or another admin.
    ("retention.changes", "GET"): _staff_page(ADMIN | {"icc"}, {OK}),
    ("retention.decide", "POST"): _staff_page(ADMIN | {"icc"}, {REDIRECT}),
    # --- audit and statistics -----------------------------------------------------
    ("audit.index", "GET"): _staff_page(AUDIT, {OK}),
    ("audit.export", "GET"): _staff_page(AUDIT, {OK}),
    ("stats.page", "GET"): _staff_page(STATS, {OK}),
    ("stats.export", "GET"): _staff_page(STATS, {OK}),
    # The VP annual report: a VP their own, the ICC every VP's and the
    # integrated one; the user in the URL is not a VP (404). Saving without
    # a year is a bad request.
    ("vp_report.own", "GET"): _staff_page({"vertrouwenspersoon"}, {OK}),
    ("vp_report.own_export", "GET"): _staff_page({"vertrouwenspersoon"}, {OK}),
    ("vp_report.save", "POST"): _staff_page({"vertrouwenspersoon"}, {BAD}),
    ("vp_report.integrated", "GET"): _staff_page({"icc"}, {OK}),
    ("vp_report.integrated_export", "GET"): _staff_page({"icc"}, {OK}),
    ("vp_report.of_counsellor", "GET"): _staff_page({"icc"}, {MISSING}),
    ("vp_report.of_counsellor_export", "GET"): _staff_page({"icc"}, {MISSING}),
    # --- cases (held by the intake officers only) ---------------------------------
    ("cases.my_cases", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    ("cases.search", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    ("cases.access", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    # --- confirming colleagues' keys (issue #19) -----------------------------------
    ("keys.index", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    # An empty code is refused with a message on the page it came from.
    ("keys.endorse", "POST"): _staff_page(ALL_HANDLERS, {REDIRECT}),
    ("cases.register", "GET"): _staff_page(REGISTRARS, {OK}),
    ("cases.register", "POST"): _staff_page(REGISTRARS, {OK, BAD}),
    ("cases.signal", "GET"): _staff_page({"vertrouwenspersoon"}, {OK}),
    ("cases.signal", "POST"): _staff_page({"vertrouwenspersoon"}, {OK, BAD}),
    ("cases.show", "GET"): _holder_only(ALL_HANDLERS, {OK}),
    ("cases.download", "GET"): _holder_only(ALL_HANDLERS, {OK}),
    ("cases.act", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    ("cases.send_message", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    ("cases.note", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    # Minutes: an empty form goes back to the case page; minutes id 999999
    # does not exist in this case (404).
    ("cases.minutes_record", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    ("cases.minutes_revise", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    ("cases.minutes_send", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.minutes_paper", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.recuse", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    ("cases.exclude", "POST"): _holder_only({"intake", "integriteitscoordinator"}, {REDIRECT}),
    ("cases.lift_restriction", "POST"): _holder_only({"intake", "integriteitscoordinator"},
                                                     {MISSING}),
    # The target (an intake officer) holds the case: the holder may re-grant it.
    ("cases.regrant", "POST"): _holder_only(ALL_HANDLERS, {REDIRECT}),
    # Issue #23: the case file; a handover without a colleague (the holder:
    # the form again); handing over several without one; the ICC's stranded
    # cases and a request without a colleague (refused with a message).
    ("cases.case_file", "GET"): _holder_only(ALL_HANDLERS, {OK}),
    ("cases.hand_over", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.hand_over_several", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    ("cases.hand_over_several", "POST"): _staff_page(ALL_HANDLERS, {BAD}),
    ("cases.stranded", "GET"): _staff_page({"icc"}, {OK}),
    ("cases.request_regrant", "POST"): _staff_page({"icc"}, {REDIRECT}),
    ("retention.legal_hold", "POST"): _holder_only(HOLD, {REDIRECT}),
    # Persons concerned (#24): an empty form is shown again (400); a person,
    # hearing or request id 999999 is not this case's (404).
    ("cases.persons_page", "GET"): _holder_only(ALL_HANDLERS, {OK}),
    ("cases.person_add", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.person_change", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.person_remove", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.person_informed", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.person_deferred", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.person_ask_icc", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.hearing_revise", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.hearing_comments", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.hearing_step", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.request_add", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.request_decide", "POST"): _holder_only(ALL_HANDLERS, {BAD}),
    ("cases.extract_choose", "GET"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.extract_make", "POST"): _holder_only(ALL_HANDLERS, {MISSING}),
    ("cases.request_register", "GET"): _staff_page(ALL_HANDLERS, {OK}),
    # The ICC's requests to look: review id 999999 does not exist (404).
    ("cases.reviews", "GET"): _staff_page({"icc"}, {OK}),
    ("cases.review", "GET"): _staff_page({"icc"}, {MISSING}),
    ("cases.review_done", "POST"): _staff_page({"icc"}, {MISSING}),
}

# Routes that end the visitor's session (or, recusing, their access to the
# case) run last, so they do not shut the visitor out before the other routes
# are tried.
SESSION_ENDERS = ("cases.recuse", "reporting.mailbox_withdraw", "reporting.mailbox_close",
                  "accounts.logout")


def url_map_routes(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    routes.sort(key=lambda r: (r[0] in SESSION_ENDERS, SESSION_ENDERS.index(r[0])
                               if r[0] in SESSION_ENDERS else 0, r[0], r[1]))
    return routes


def test_every_route_in_the_url_map_has_an_expectation(app):
    routes = {(endpoint, method) for endpoint, method, _ in url_map_routes(app)}
    missing = routes - set(EXPECTED)
    assert not missing, f"add these routes to EXPECTED: {sorted(missing)}"
    stale = set(EXPECTED) - routes
    assert not stale, f"EXPECTED names routes that no longer exist: {sorted(stale)}"
    for key, table in EXPECTED.items():
        assert set(table) == set(VISITORS), key


def test_a_route_missing_from_the_table_fails(app):
    """The check above really fails for an unknown route."""
    app.add_url_rule("/medewerkers/nieuw-en-vergeten", "forgotten.page", lambda: "x")
    routes = {(endpoint, method) for endpoint, method, _ in url_map_routes(app)}
    assert ("forgotten.page", "GET") in routes - set(EXPECTED)


def _reporter_case(session, rt, units):  # type: ignore[no-untyped-def]
    return submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        report={"what": "Vertrouwelijke melding"}, identity={"name": "Anna Melder"},
        uploads=[Upload("a.txt", "text/plain", [b"hallo"])],
    ))


def _open_mailbox(client, code: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/postbus").get_data(as_text=True))
    response = client.post("/postbus", data={"csrf_token": token, "code": code})
    assert response.status_code == 302, response.status_code
    assert "postbus/bericht" in client.get("/postbus").get_data(as_text=True)


def _token(client, staff_side: bool) -> str:  # type: ignore[no-untyped-def]
    for page in (("/medewerkers/", "/medewerkers/inloggen") if staff_side
                 else ("/postbus", "/melden")):
        html = client.get(page).get_data(as_text=True)
        if 'name="csrf_token"' in html:
            return csrf_from(html)
    raise AssertionError("no page with a CSRF token")


def _fill(rule: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]
    return re.sub(r"<(?:[\w]+:)?(\w+)>", value, rule)


@pytest.fixture()
def visitors(app, client, session, rt, units, make_staff):  # type: ignore[no-untyped-def]
    """A signed-in client per staff role, a reporter with an open mailbox, and
    an anonymous visitor; plus the case (held by the intake officers) and the
    values for the URL arguments."""
    staff = {role: make_staff(role) for role in STAFF_ROLES}
    target = make_staff("intake")  # the user the admin routes act on
    # Submitted after the intake officers exist: wrapped to them at submission.
    case, _ = _reporter_case(session, rt, units)
    reporter_case, code = _reporter_case(session, rt, units)
    clients = {"anon": client}
    for visitor in VISITORS[1:]:
        clients[visitor] = app.test_client()
    _open_mailbox(clients["reporter"], code)
    for role in STAFF_ROLES:
        sign_in(clients[role], staff[role])
    attachment = session.scalar(select(Attachment.id).where(Attachment.case_id == case.id))
    values = {"number": case.number, "attachment_id": str(attachment), "action": "classify",
              "restriction_id": "999999", "minutes_id": "999999",
              "person_id": "999999", "hearing_id": "999999", "request_id": "999999",
              "review_id": "999999", "step": "akkoord",
              "user_id": str(target.user.id), "lang": "en",
              "fmt": "csv", "filename": "meldpunt.css", "section": "what",
              "role": "intake", "change_id": "999999"}
    return clients, values, case, reporter_case


def test_every_route_for_every_kind_of_visitor(app, visitors):
    clients, values, _case, _reporter_case = visitors
    results: dict[tuple[str, str, str], int] = {}
    for visitor, client in clients.items():
        for endpoint, method, rule in url_map_routes(app):
            url = _fill(rule, values)
            if method == "GET":
                response = client.get(url)
            else:
                token = _token(client, url.startswith("/medewerkers"))
                response = client.post(url, data={"csrf_token": token})
            body = response.get_data(as_text=True)
            assert response.status_code != 500 and "Traceback" not in body, (endpoint, visitor)
            results[(endpoint, method, visitor)] = response.status_code
            if (response.status_code == REDIRECT and url.startswith("/medewerkers")
                    and visitor in ("anon", "reporter")
                    and endpoint not in EXPECTED_OPEN_STAFF):
                assert response.headers["Location"].endswith("/medewerkers/inloggen"), endpoint
    wrong = {k: (v, sorted(EXPECTED[k[:2]][k[2]])) for k, v in results.items()
             if v not in EXPECTED[k[:2]][k[2]]}
    assert not wrong, "(got, allowed): " + "\n".join(f"{k}: {v}" for k, v in sorted(wrong.items()))
    assert len(results) >= 60 * len(VISITORS)


EXPECTED_OPEN_STAFF = {"accounts.login", "accounts.second_factor", "accounts.enrol",
                       "accounts.set_password", "accounts.logout",
                       "i18n.switch_language_staff"}


# --- IDOR -------------------------------------------------------------------------------


def _held_by(session, rt, units, intake):  # type: ignore[no-untyped-def]
    case, _ = _reporter_case(session, rt, units)
    return case


def test_an_attachment_of_case_a_under_case_b_is_not_found(app, client, session, rt, units,
                                                           make_staff):
    intake = make_staff("intake")
    case_a = _held_by(session, rt, units, intake)
    case_b = _held_by(session, rt, units, intake)
    sign_in(client, intake)
    attachment_a = session.scalar(select(Attachment.id).where(Attachment.case_id == case_a.id))
    attachment_b = session.scalar(select(Attachment.id).where(Attachment.case_id == case_b.id))
    base = "/medewerkers/zaken"
    assert client.get(f"{base}/{case_a.number}/bijlagen/{attachment_a}").status_code == 200
    assert client.get(f"{base}/{case_b.number}/bijlagen/{attachment_b}").status_code == 200
    # The holder of both cases still can not mix them up.
    assert client.get(f"{base}/{case_b.number}/bijlagen/{attachment_a}").status_code == 404
    assert client.get(f"{base}/{case_a.number}/bijlagen/{attachment_b}").status_code == 404


def test_incrementing_ids_and_guessing_numbers_reach_nothing(app, client, session, rt, units,
                                                             make_staff):
    """A handler who holds one case walks the ids and case numbers around it:
    every other case and attachment is 404, indistinguishable from ids that do
    not exist."""
    holder = make_staff("intake")
    own = _held_by(session, rt, units, holder)
    outsider = make_staff("intake")
    others = [_held_by(session, rt, units, holder) for _ in range(3)]
    # The outsider gets an own case later: only it is wrapped to them.
    from sqlalchemy import delete

    from app.models import KeyWrap
    for case in (own, *others):
        session.execute(delete(KeyWrap).where(KeyWrap.case_id == case.id,
                                              KeyWrap.user_id == outsider.user.id))
    session.commit()
    mine = _held_by(session, rt, units, outsider)
    session.execute(delete(KeyWrap).where(KeyWrap.case_id == mine.id,
                                          KeyWrap.user_id == holder.user.id))
    session.commit()
    sign_in(client, outsider)
    base = "/medewerkers/zaken"
    ids = sorted(session.scalars(select(Attachment.id)))
    own_attachment = session.scalar(select(Attachment.id).where(Attachment.case_id == mine.id))
    assert client.get(f"{base}/{mine.number}/bijlagen/{own_attachment}").status_code == 200
    statuses = []
    for attachment_id in range(0, max(ids) + 20):
        if attachment_id == own_attachment:
            continue
        statuses.append(client.get(f"{base}/{mine.number}/bijlagen/{attachment_id}").status_code)
        for case in others:
            statuses.append(
                client.get(f"{base}/{case.number}/bijlagen/{attachment_id}").status_code)
    assert set(statuses) == {404}, sorted(set(statuses))
    numbers = [c.number for c in session.scalars(select(Case)) if c.id != mine.id]
    guesses = numbers + [_neighbour(n) for n in numbers] + ["MP-0000-0000", "1", "../1", "%00",
                                                             "MP%00", "%1b[31m", "%7f"]
    for number in guesses:
        for path in (f"{base}/{number}", f"{base}/{number}/bijlagen/{own_attachment}"):
            assert client.get(path).status_code == 404, path
        token = _token(client, True)
        for action in ("actie/classify", "berichten", "notities", "terugtrekken"):
            response = client.post(f"{base}/{number}/{action}",
                                   data={"csrf_token": token, "body": "x"})
            assert response.status_code == 404, (number, action, response.status_code)


def _neighbour(number: str) -> str:
    """The case number with its last character changed, as a guesser would."""
    last = number[-1]
    replacement = "0" if last != "0" else "1"
    return number[:-1] + replacement


def test_ids_beyond_the_database_range_are_not_found(app, client, session, rt, units,
                                                     make_staff):
    """A 30-digit id is a 404, not a database overflow (500)."""
    holder = make_staff("intake")
    admin = make_staff("admin")
    icc = make_staff("icc")
    case = _held_by(session, rt, units, holder)
    big = "9" * 30
    sign_in(client, holder)
    assert client.get(f"/medewerkers/zaken/{case.number}/bijlagen/{big}").status_code == 404
    assert client.get(f"/medewerkers/zaken/?pagina={big}").status_code == 200
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    assert admin_client.get(f"/medewerkers/beheer/gebruikers/{big}").status_code == 404
    icc_client = app.test_client()
    sign_in(icc_client, icc)
    for path in (f"/medewerkers/statistiek/?eenheid={big}",
                 f"/medewerkers/statistiek/export.csv?eenheid={big}"):
        assert icc_client.get(path).status_code == 404, path
    # The largest id that fits is an ordinary "not found".
    assert admin_client.get(f"/medewerkers/beheer/gebruikers/{2**31 - 1}").status_code == 404
    assert admin_client.get(f"/medewerkers/beheer/gebruikers/{2**31}").status_code == 404
