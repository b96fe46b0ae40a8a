"""The reporter's journeys of issue 4, through the Flask test client."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select, text

from app.cases import content, custody
from app.cases import intake as mailbox
from app.crypto.keys import unlock_private_key
from app.models import AuditEntry, Base, Case
from tests.conftest import PASSWORD
from tests.reporting.conftest import (
    PDF,
    TXT,
    mailbox_post,
    open_mailbox,
    receipt_code,
    report_fields,
    send,
)


def runtime_of(client):  # type: ignore[no-untyped-def]
    return client.application.extensions["meldpunt.runtime"]


def handler_key(session, staff, case):  # type: ignore[no-untyped-def]
    private = unlock_private_key(staff.user.private_key_protected, PASSWORD)
    return custody.open_case_key(session, case, staff.user, private)


def only_case(session) -> Case:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(Case)).one()


def test_anonymous_report_with_two_attachments_to_withdrawal(client, session, rt, units,
                                                             make_staff):
    intake = make_staff("intake")

    sent = send(client, report_fields(units), files=[(PDF, "verslag.pdf"), (TXT, "notities.txt")])
    assert sent.status_code == 200
    code = receipt_code(sent)
    page = sent.get_data(as_text=True)
    assert "can not be recovered" in page or "kan niet worden hersteld" in page
    assert code not in page.split("<title>")[1].split("</title>")[0]
    assert "no-store" in sent.headers["Cache-Control"]

    case = only_case(session)
    assert case.state == "received" and case.channel == "anonymous"
    assert case.identity_ciphertext is None
    assert case.category == "ongewenste_omgangsvormen" and case.subcategory == "pesten"
    key = handler_key(session, intake, case)
    assert content.read_report(key, case)["what"].startswith("Mijn leidinggevende")
    assert sorted(a.name for a in content.list_attachments(session, case, key)) == [
        "notities.txt", "verslag.pdf"]

    # The mailbox opens with the code and shows the report's state and files.
    opened = open_mailbox(client, code)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/postbus")
    assert code not in opened.headers["Location"]
    box = client.get("/postbus").get_data(as_text=True)
    assert "verslag.pdf" in box and "notities.txt" in box
    assert case.acknowledge_due_at.strftime("%Y") in box

    # A handler's reply, inserted through the service layer, appears.
    content.add_message(session, case, key, "Dank voor uw melding. Wanneer is dit begonnen?",
                        author_kind="staff", author=intake.user)
    session.commit()
    box = client.get("/postbus").get_data(as_text=True)
    assert "Wanneer is dit begonnen?" in box
    assert intake.user.display_name not in box

    # The reporter replies and adds a file.
    replied = mailbox_post(client, "/postbus/bericht", {"body": "Het begon in maart."})
    assert replied.status_code == 302
    added = mailbox_post(client, "/postbus/bestanden",
                         {"attachments": [(io.BytesIO(PDF), "mail.pdf")]},
                         content_type="multipart/form-data")
    assert added.status_code == 302, added.get_data(as_text=True)[:2000]
    case = only_case(session)
    bodies = [m.body for m in content.read_messages(session, case, key)]
    assert bodies[-1] == "Het begon in maart."
    assert len(content.list_attachments(session, case, key)) == 3

    # The reporter withdraws.
    withdrawn = mailbox_post(client, "/postbus/intrekken", {"confirm": "yes"})
    assert withdrawn.status_code == 302
    case = only_case(session)
    assert (case.state, case.close_reason, case.outcome) == ("closed", "withdrawn", "withdrawn")
    assert case.closed_at is not None
    assert "withdrawn" in client.get("/postbus").get_data(as_text=True) or \
        "ingetrokken" in client.get("/postbus").get_data(as_text=True)

    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor == "reporter")).all()
    for action in ("report.submitted", "mailbox.opened", "mailbox.read", "mailbox.message_sent",
                   "mailbox.files_added", "mailbox.withdrawn"):
        assert action in actions
    # Reporter entries name the case at most: never a code, address or session.
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.actor == "reporter")):
        assert entry.object_id in ("", case.number)


def _all_row_bytes(session) -> bytes:  # type: ignore[no-untyped-def]
    chunks = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
            for value in row:
                if isinstance(value, bytes | bytearray | memoryview):
                    chunks.append(bytes(value))
                elif value is not None:
                    chunks.append(str(value).encode())
    return b"\0".join(chunks)


def test_confidential_report_stores_identity_encrypted_for_holders_only(client, session, units,
                                                                        make_staff):
    intake = make_staff("intake")
    fields = report_fields(units, identity="confidential", name="Jolanda Vermeulen-Pietersz",
                           email="jolanda.vp@example.test", phone="0612345678")
    code = receipt_code(send(client, fields))
    case = only_case(session)
    assert case.channel == "confidential"
    assert case.identity_ciphertext is not None

    raw = _all_row_bytes(session)
    assert b"Jolanda" not in raw and b"jolanda.vp@example.test" not in raw
    assert b"0612345678" not in raw

    # Intake reads the report but holds no key of the identity (issue #18);
    # the reporter's own keys open it.
    key = handler_key(session, intake, case)
    assert content.read_identity(key, case) is None
    # The identity is not part of the report content that may be referred on.
    assert "name" not in content.read_report(key, case)
    reporter = mailbox.open_mailbox(session, runtime_of(client), code)
    assert content.read_identity(reporter.key, case) == {
        "name": "Jolanda Vermeulen-Pietersz", "email": "jolanda.vp@example.test",
        "phone": "0612345678"}


def test_anonymous_reporter_can_disclose_identity_later(client, session, units, make_staff):
    intake = make_staff("intake")
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    response = mailbox_post(client, "/postbus/identiteit", {
        "channel": "confidential", "name": "Piet Later", "email": "piet@example.test"})
    assert response.status_code == 302
    case = only_case(session)
    assert case.channel == "confidential"
    assert content.read_identity(handler_key(session, intake, case), case) is None
    reporter = mailbox.open_mailbox(session, runtime_of(client), code)
    assert content.read_identity(reporter.key, case)["name"] == "Piet Later"


def test_consent_for_the_counsellor_is_clear_metadata(client, session, units):
    code = receipt_code(send(client, report_fields(units, track="advice")))
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/toestemming", {"consent": "give", "confirm": "yes"})
    case = only_case(session)
    assert case.consent_given_at is not None and case.consent_withdrawn_at is None
    mailbox_post(client, "/postbus/toestemming", {"consent": "withdraw", "confirm": "yes"})
    case = only_case(session)
    assert case.consent_given_at is None and case.consent_withdrawn_at is not None


def test_meeting_request_reaches_the_handler(client, session, units, make_staff):
    intake = make_staff("intake")
    code = receipt_code(send(client, report_fields(units)))
    open_mailbox(client, code)
    mailbox_post(client, "/postbus/gesprek", {"note": "Liefst dinsdagmiddag."})
    case = only_case(session)
    messages = content.read_messages(session, case, handler_key(session, intake, case))
    assert messages[-1].author_kind == "reporter"
    assert "Liefst dinsdagmiddag." in messages[-1].body
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "mailbox.meeting_requested" in actions


def test_validation_errors_keep_everything_typed(client, units):
    from tests.reporting.conftest import review

    fields = report_fields(units, identity="confidential", name="",
                           what="Een lang verhaal dat bewaard moet blijven.")
    response = review(client, fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Een lang verhaal dat bewaard moet blijven." in html
    assert "Sinds maart" in html
    assert 'aria-invalid="true"' in html


def test_review_step_shows_values_and_carries_them_in_the_body(client, units):
    from tests.reporting.conftest import review

    response = review(client, report_fields(units))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Teamoverleg, kamer 4.12" in html
    assert 'type="hidden" name="what"' in html
    assert 'enctype="multipart/form-data"' in html
    assert response.request.path == "/melden" and not response.request.query_string


def test_route_preselected_from_the_decision_aid(client):
    html = client.get("/melden?route=advice").get_data(as_text=True)
    radio = re.search(r'<input[^>]*value="advice"[^>]*>', html).group(0)
    assert "checked" in radio


def test_report_is_stored_as_json_with_the_report_fields(client, session, units, make_staff):
    intake = make_staff("intake")
    send(client, report_fields(units, category="ongewenste_omgangsvormen",
                               subcategory="discriminatie_racisme", ground="ras"))
    case = only_case(session)
    report = content.read_report(handler_key(session, intake, case), case)
    assert report["ground"] == "ras"
    assert case.subcategory == "discriminatie_racisme"
    assert json.dumps(report)


def test_a_specific_counsellor_can_be_chosen_from_a_list(client, session, units, make_staff):
    intake = make_staff("intake")
    inside = make_staff("vertrouwenspersoon")
    outside = make_staff("vertrouwenspersoon", unit="extern")
    html = client.get("/melden").get_data(as_text=True)
    assert f"{inside.user.display_name} – Kerndepartement (internal)" in html
    assert f"{outside.user.display_name} – Externe vertrouwenspersonen (external)" in html
    send(client, report_fields(units, track="advice",
                               preferred_counsellor=str(outside.user.id)))
    case = only_case(session)
    # The request goes to the chosen VP alone (issue #18): not to intake.
    assert not custody.holds(session, case, intake.user)
    assert not custody.holds(session, case, inside.user)
    report = content.read_report(handler_key(session, outside, case), case)
    assert report["preferred_counsellor_id"] == outside.user.id
    assert outside.user.display_name in report["preferred_counsellor"]
