"""Issue #18: staff who register a report for someone keep no way into that
reporter's mailbox. The receipt code they hand over is marked as such, and
the reporter replaces it at the first sign-in: the reporter's wrap is made
again under a fresh code and the old one opens nothing any more."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.cases import custody, mailbox
from app.cases.intake import NewReport, open_mailbox, submit_report
from app.cases.registration import Registration, register_report
from app.crypto.errors import CryptoError
from app.crypto.kdf import Argon2Params
from app.crypto.keys import fingerprint
from app.crypto.receipts import (
    derive_receipt_secrets,
    normalise_receipt_code,
)
from app.models import AuditEntry, Case, KeyWrap, Receipt, ReporterSession
from tests.conftest import IsolatedClient, csrf_from, sign_in
from tests.reporting.conftest import (
    mailbox_post,
    receipt_code,
    report_fields,
    send,
)
from tests.reporting.conftest import open_mailbox as sign_in_to_mailbox

NEW_CODE_URL = "/postbus/nieuwe-code"
CONFIRM_URL = "/postbus/nieuwe-code/bevestigen"


def _register(session, rt, staff, units, **changes):
    reg = Registration(unit_id=units["cibg"].id, track="report", channel="confidential",
                       intake_channel="phone", report={"what": "Fraude met declaraties"},
                       identity={"name": "Bram Beller"}, with_receipt=True)
    for name, value in changes.items():
        setattr(reg, name, value)
    case, code = register_report(session, rt, staff.user, reg)
    assert code is not None
    return case, code


def _receipt(session, case) -> Receipt:
    session.expire_all()
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    assert receipt is not None
    return receipt


# --- the domain ------------------------------------------------------------------

def test_a_receipt_that_staff_register_is_marked_as_handed_over(session, rt, make_staff, units):
    for role in ("intake", "vertrouwenspersoon"):
        case, _code = _register(session, rt, make_staff(role), units)
        assert _receipt(session, case).handed_over is True


def test_a_receipt_the_reporter_gets_from_the_web_form_is_not_handed_over(session, rt, units):
    case, code = submit_report(session, rt, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous",
        report={"what": "Via het formulier"}))
    assert code is not None and _receipt(session, case).handed_over is False
    opened, _cookie = mailbox.sign_in(session, rt, code)
    assert opened.must_replace_code is False
    assert mailbox.view_mailbox(session, rt, opened).report["what"] == "Via het formulier"
    with pytest.raises(mailbox.NotAllowed):
        mailbox.replace_code(session, rt, opened)
    assert _receipt(session, case).handed_over is False
    assert open_mailbox(session, rt, code) is not None


def test_nothing_of_the_mailbox_opens_until_the_handed_over_code_is_replaced(
        session, rt, make_staff, units):
    case, code = _register(session, rt, make_staff("intake"), units)
    opened, _cookie = mailbox.sign_in(session, rt, code)
    assert opened.must_replace_code is True
    for attempt in (lambda: mailbox.view_mailbox(session, rt, opened),
                    lambda: mailbox.send_message(session, rt, opened, "Hallo"),
                    lambda: mailbox.withdraw(session, rt, opened)):
        with pytest.raises(mailbox.NewCodeFirst):
            attempt()
    session.expire_all()
    assert session.get(Case, case.id).state == "received"


def test_the_handed_over_code_is_replaced_and_opens_nothing_afterwards(
        session, rt, make_staff, units):
    case, old_code = _register(session, rt, make_staff("intake"), units)
    old = _receipt(session, case)
    old_row = (old.locator, old.salt, old.kdf_params, old.verifier,
               old.private_key_ciphertext)
    opened, cookie = mailbox.sign_in(session, rt, old_code)

    new_code = mailbox.replace_code(session, rt, opened)

    assert normalise_receipt_code(new_code) == new_code and new_code != old_code
    new = _receipt(session, case)
    assert new.handed_over is False
    # The old locator, verifier and wrap are gone from the table.
    assert session.scalar(select(func.count()).select_from(Receipt).where(
        (Receipt.locator == old_row[0]) | (Receipt.verifier == old_row[3])
        | (Receipt.private_key_ciphertext == old_row[4]))) == 0
    # An insider with the database, the pepper and the old code: no row opens.
    pepper = rt.keyring.receipt_pepper
    for receipt in session.scalars(select(Receipt)):
        kek = derive_receipt_secrets(old_code, pepper, receipt.salt,
                                     Argon2Params.from_json(receipt.kdf_params)).kek
        with pytest.raises(CryptoError):
            custody.open_reporter_key(receipt, case, kek)
    old_kek = derive_receipt_secrets(old_code, pepper, old_row[1],
                                     Argon2Params.from_json(old_row[2])).kek
    with pytest.raises(CryptoError):
        custody.open_reporter_key(new, case, old_kek)
    # And the old key pair's compartment wraps are gone: only the new public
    # key's fingerprint holds the reporter's wraps.
    holder = session.scalar(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                  KeyWrap.recipient == "reporter"))
    assert holder.key_fingerprint == fingerprint(new.public_key)
    assert open_mailbox(session, rt, old_code) is None
    with pytest.raises(mailbox.WrongCode):
        mailbox.sign_in(session, rt, old_code)
    # The new code opens the case key, and only once confirmed the mailbox.
    access = open_mailbox(session, rt, new_code)
    assert access is not None and access.key == opened.key and not access.handed_over
    still = mailbox.find_open_mailbox(session, cookie)
    assert still is not None and still.must_replace_code
    with pytest.raises(mailbox.NewCodeMismatch):
        mailbox.confirm_new_code(session, rt, still, old_code)
    mailbox.confirm_new_code(session, rt, still, new_code.lower().replace("-", " "))
    confirmed = mailbox.find_open_mailbox(session, cookie)
    assert confirmed is not None and not confirmed.must_replace_code
    assert mailbox.view_mailbox(session, rt, confirmed).report["what"] == "Fraude met declaraties"
    replaced = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "mailbox.code_replaced")).all()
    assert [(e.actor, e.object_id) for e in replaced] == [("reporter", case.number)]
    assert rt.audit.verify(session).ok


def test_replacing_the_code_closes_every_other_mailbox_the_old_code_opened(
        session, rt, make_staff, units):
    case, code = _register(session, rt, make_staff("intake"), units)
    staff_copy, staff_cookie = mailbox.sign_in(session, rt, code)
    reporter, reporter_cookie = mailbox.sign_in(session, rt, code)
    mailbox.replace_code(session, rt, reporter)
    assert mailbox.find_open_mailbox(session, staff_cookie) is None
    assert mailbox.find_open_mailbox(session, reporter_cookie) is not None
    assert session.scalar(select(func.count()).select_from(ReporterSession)) == 1
    assert staff_copy.row.id != reporter.row.id


def test_a_new_code_not_written_down_can_be_replaced_again_before_it_is_confirmed(
        session, rt, make_staff, units):
    case, code = _register(session, rt, make_staff("intake"), units)
    opened, cookie = mailbox.sign_in(session, rt, code)
    first = mailbox.replace_code(session, rt, opened)
    opened = mailbox.find_open_mailbox(session, cookie)
    second = mailbox.replace_code(session, rt, opened)
    assert first != second
    assert open_mailbox(session, rt, first) is None
    assert open_mailbox(session, rt, second) is not None
    opened = mailbox.find_open_mailbox(session, cookie)
    mailbox.confirm_new_code(session, rt, opened, second)
    with pytest.raises(mailbox.NotAllowed):
        mailbox.replace_code(session, rt, mailbox.find_open_mailbox(session, cookie))


# --- through the pages -------------------------------------------------------------

def _register_through_the_page(client: FlaskClient, staff, units) -> tuple[str, str]:
    sign_in(client, staff)
    page = client.get("/medewerkers/zaken/registreren").get_data(as_text=True)
    response = client.post("/medewerkers/zaken/registreren", data={
        "csrf_token": csrf_from(page), "intake_channel": "letter",
        "unit_id": str(units["cibg"].id), "track": "report", "channel": "confidential",
        "category": "", "what": "Collega neemt geld aan van leveranciers",
        "name": "Bram Beller", "with_receipt": "y",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = html.split('class="receipt">')[1].split("<")[0].strip()
    return code, html


def _client(app, lang: str) -> FlaskClient:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def _new_code_from(html: str) -> str:
    match = re.search(r'<p class="receipt"[^>]*>(.*?)</p>', html, re.S)
    assert match, html[:3000]
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_reporter_replaces_the_code_intake_handed_over_at_the_first_sign_in(
        app, session, make_staff, units, lang):
    texts = {
        "en": {"staff": "will be asked to replace this code",
               "why": "made by the staff member",
               "shown": "Write this code down now",
               "mismatch": "This is not your new code",
               "mailbox": "Your mailbox",
               "wrong": "does not open a mailbox"},
        "nl": {"staff": "wordt gevraagd deze code te vervangen",
               "why": "gemaakt door de medewerker",
               "shown": "Schrijf deze code nu op",
               "mismatch": "Dit is niet je nieuwe code",
               "mailbox": "Je postbus",
               "wrong": "gaat geen postbus open"},
    }[lang]
    staff_client = _client(app, lang)
    old_code, staff_page = _register_through_the_page(staff_client, make_staff("intake"), units)
    assert texts["staff"] in staff_page

    reporter = _client(app, lang)
    assert sign_in_to_mailbox(reporter, old_code).status_code == 302
    explained = reporter.get("/postbus").get_data(as_text=True)
    assert texts["why"] in explained
    assert texts["mailbox"] not in explained and 'name="body"' not in explained
    # Nothing else of the mailbox opens: a message is refused.
    mailbox_post(reporter, "/postbus/bericht", {"body": "Hallo"})
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mailbox.message_sent")) == 0

    shown = mailbox_post(reporter, NEW_CODE_URL)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    new_code = _new_code_from(html)
    assert normalise_receipt_code(new_code) == new_code and new_code != old_code
    assert texts["shown"] in html and 'id="receipt-warning"' in html
    # Shown once: the page after it does not show the code again.
    assert new_code not in reporter.get("/postbus").get_data(as_text=True)

    refused = mailbox_post(reporter, CONFIRM_URL, {"code": old_code})
    assert refused.status_code == 400 and texts["mismatch"] in refused.get_data(as_text=True)
    confirmed = mailbox_post(reporter, CONFIRM_URL, {"code": new_code})
    assert confirmed.status_code == 302
    opened = reporter.get("/postbus").get_data(as_text=True)
    assert texts["mailbox"] in opened and 'name="body"' in opened
    mailbox_post(reporter, "/postbus/sluiten")

    # The old code fails like any wrong code; the new one opens the mailbox.
    again = _client(app, lang)
    wrong = sign_in_to_mailbox(again, old_code)
    assert wrong.status_code == 401 and texts["wrong"] in wrong.get_data(as_text=True)
    assert sign_in_to_mailbox(again, new_code).status_code == 302
    assert 'name="body"' in again.get("/postbus").get_data(as_text=True)
    receipt = session.scalar(select(Receipt))
    assert receipt is not None and receipt.handed_over is False


def test_a_reporter_who_sent_the_web_form_goes_straight_into_the_mailbox(client, units):
    code = receipt_code(send(client, report_fields(units)))
    assert sign_in_to_mailbox(client, code).status_code == 302
    html = client.get("/postbus").get_data(as_text=True)
    assert "Your mailbox" in html and 'name="body"' in html
    assert mailbox_post(client, NEW_CODE_URL).status_code == 302
    assert 'class="receipt"' not in client.get("/postbus").get_data(as_text=True)
    assert sign_in_to_mailbox(client, code).status_code == 302
