"""Reports received by phone, e-mail, letter or in person; VP signals; reminders."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app.cases import custody
from app.cases.content import read_report
from app.cases.intake import open_mailbox
from app.cli.reminders import send_reminders
from app.models import Case, KeyWrap, utcnow
from tests.cases.conftest import case_actions, key_of
from tests.conftest import csrf_from, sign_in


def test_intake_registers_a_phone_report_with_a_receipt_code(client, session, rt, make_staff,
                                                             units):
    intake = make_staff("intake")
    sign_in(client, intake)
    page = client.get("/medewerkers/zaken/registreren").get_data(as_text=True)
    response = client.post("/medewerkers/zaken/registreren", data={
        "csrf_token": csrf_from(page), "intake_channel": "phone",
        "unit_id": str(units["cibg"].id), "track": "report", "channel": "confidential",
        "category": "", "what": "Collega neemt geld aan van leveranciers",
        "name": "Bram Beller", "with_receipt": "y",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    case = session.scalar(select(Case).where(Case.intake_channel == "phone"))
    assert case is not None and case.number in html and case.unit_id == units["cibg"].id
    # The code is shown once on this page; with it the reporter opens the mailbox.
    code = html.split('class="receipt">')[1].split("<")[0].strip()
    assert open_mailbox(session, rt, code) is not None
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    assert read_report(key, case)["what"] == "Collega neemt geld aan van leveranciers"
    assert "report.registered" in case_actions(session, case.number)


def test_a_report_the_vp_registers_stays_with_that_vp(client, session, rt, make_staff, units):
    make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    sign_in(client, vp)
    page = client.get("/medewerkers/zaken/registreren").get_data(as_text=True)
    client.post("/medewerkers/zaken/registreren", data={
        "csrf_token": csrf_from(page), "intake_channel": "in_person",
        "unit_id": str(units["kerndepartement"].id), "track": "advice", "channel": "anonymous",
        "what": "Gesprek over pesten",
    })
    case = session.scalar(select(Case).where(Case.intake_channel == "in_person"))
    assert case.state == "with_vp" and case.acknowledged_at is not None
    holders = set(session.scalars(select(KeyWrap.user_id).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None))))
    assert holders == {vp.user.id}


def test_a_vp_signal_takes_five_fields_and_is_closed_at_once(client, session, rt, make_staff,
                                                             units):
    vp = make_staff("vertrouwenspersoon")
    sign_in(client, vp)
    page = client.get("/medewerkers/zaken/signaal").get_data(as_text=True)
    day = (utcnow() - timedelta(days=2)).date()
    response = client.post("/medewerkers/zaken/signaal", data={
        "csrf_token": csrf_from(page), "kind": "ongewenste_omgangsvormen/pesten",
        "unit_id": str(units["rivm"].id), "on": day.isoformat(), "advice_given": "y",
        "referred_to": "company_doctor",
    })
    assert response.status_code == 302
    case = session.scalar(select(Case).where(Case.close_reason == "signal"))
    assert (case.state, case.track, case.outcome, case.referred_to) == (
        "closed", "advice", "referred", "company_doctor")
    assert (case.category, case.subcategory) == ("ongewenste_omgangsvormen", "pesten")
    assert case.received_at.date() == day and case.unit_id == units["rivm"].id
    assert case.report_ciphertext is not None  # an empty, encrypted report: no content


def test_a_signal_dated_in_the_future_is_refused(client, session, make_staff, units):
    vp = make_staff("vertrouwenspersoon")
    sign_in(client, vp)
    page = client.get("/medewerkers/zaken/signaal").get_data(as_text=True)
    response = client.post("/medewerkers/zaken/signaal", data={
        "csrf_token": csrf_from(page), "kind": "misbruik_positie",
        "unit_id": str(units["rivm"].id), "on": (utcnow() + timedelta(days=3)).date().isoformat(),
        "advice_given": "y",
    })
    assert response.status_code == 400
    assert session.scalar(select(Case.id)) is None


def test_reminders_count_due_cases_and_carry_no_case_content(session, rt, make_staff, new_case,
                                                            caplog):
    intake = make_staff("intake")
    make_staff("vertrouwenspersoon")
    due, _ = new_case()
    due.acknowledge_due_at = utcnow() + timedelta(days=2)
    session.commit()
    new_case()[0].acknowledge_due_at = utcnow() + timedelta(days=30)
    session.commit()
    outbox = []
    assert send_reminders(session, rt, outbox.append) == 1
    (message,) = outbox
    assert message["To"] == intake.email
    body = message.get_content()
    assert "1" in message["Subject"] and "/medewerkers/zaken/" in body
    assert due.number not in body and due.number not in message["Subject"]
    assert "Mijn leidinggevende" not in body

    from app.cases.reminders import log_sender

    with caplog.at_level(logging.INFO, logger="meldpunt.reminders"):
        send_reminders(session, rt, log_sender)
    assert f"user:{intake.user.id}" in caplog.text and intake.email not in caplog.text
