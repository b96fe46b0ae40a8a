"""The reporter can tell who writes (issue #21, defect 6): each message from
staff shows the role its writer acted in on this case — the reporting
office (meldpunt) for intake, the confidential counsellor, the integrity
coordinator — never a name, unless the handler chose to sign; a signature
is part of the encrypted text, not clear metadata."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import custody
from app.cases.casework import send_message_to_reporter
from app.cases.content import add_message, writer_role
from app.cases.workflow import perform
from app.models import Case, Message, Unit
from app.runtime import Runtime
from app.vocabulary import HANDLER_ROLES, Role, State, Track
from app.web import labels
from tests.cases.conftest import key_of
from tests.conftest import Staff, csrf_from, sign_in
from tests.reporting.conftest import open_mailbox, receipt_code, report_fields, send

MakeStaff = Callable[..., Staff]
WHO_RE = re.compile(r'<p class="who">(.*?)·', re.S)


def _writers(client: FlaskClient) -> list[str]:
    html = client.get("/postbus").get_data(as_text=True)
    return [re.sub(r"\s+", " ", w).strip() for w in WHO_RE.findall(html)]


def _only_case(session: Session) -> Case:
    session.expire_all()
    return session.scalars(select(Case)).one()


def _reported(client: FlaskClient, session: Session, units: dict[str, Unit], track: str = "report"
              ) -> tuple[str, Case]:
    code = receipt_code(send(client, report_fields(units, track=track)))
    return code, _only_case(session)


def _message(session: Session, rt: Runtime, case: Case, staff: Staff, body: str,
             sign: bool = False) -> None:
    key = custody.open_case_key(session, case, staff.user, key_of(staff))
    send_message_to_reporter(session, rt, case, key, staff.user, body, sign=sign)


def test_intake_counsellor_and_coordinator_each_show_their_role(client, session, rt, units,
                                                                make_staff):
    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    code, case = _reported(client, session, units)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge",
            text="We hebben je melding ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_vp", vp_id=str(vp.user.id))
    _message(session, rt, case, vp, "Wil je een gesprek?")

    open_mailbox(client, code)
    writers = _writers(client)
    assert writers == ["Reporting office", "Confidential counsellor"]
    html = client.get("/postbus").get_data(as_text=True)
    for person in (intake, vp):
        assert person.user.display_name not in html


def test_the_integrity_coordinator_shows_as_such(client, session, rt, units, make_staff):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    code, case = _reported(client, session, units)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    _message(session, rt, case, ic, "Mag ik je bellen?")
    open_mailbox(client, code)
    assert _writers(client) == ["Reporting office", "Integrity coordinator"]


def test_the_roles_show_in_dutch(app: Flask, session, rt, units, make_staff):
    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    dutch = app.test_client()
    code, case = _reported(dutch, session, units)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_vp", vp_id=str(vp.user.id))
    _message(session, rt, case, vp, "Wil je een gesprek?")
    open_mailbox(dutch, code)
    assert _writers(dutch) == ["Meldpunt", "Vertrouwenspersoon"]


def test_a_message_from_a_writer_whose_role_is_unknown_shows_the_neutral_label(
        client, session, rt, units, make_staff):
    intake = make_staff("intake")
    code, case = _reported(client, session, units)
    # A staff message without a role, as revision 0016 left those whose
    # writer's role could not be derived (the role is bound to the text, so
    # it is written that way, not changed afterwards).
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    add_message(session, case, key, "Ontvangen.", author_kind="staff", author=intake.user)
    session.commit()
    open_mailbox(client, code)
    assert _writers(client) == ["The handler"]


def test_every_handler_role_has_a_writer_label_and_others_show_the_neutral_one(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for role in HANDLER_ROLES:
            assert labels.writer_label(role) not in ("The handler", role)
        assert labels.writer_label(Role.ICC) == labels.writer_label(Role.IC)
        assert labels.writer_label(None) == "The handler"
        assert labels.writer_label(Role.ADMIN) == "The handler"


def test_the_role_is_the_one_acted_in_on_this_case_for_someone_with_several():
    both = frozenset({Role.INTAKE, Role.IC})
    assert writer_role(State.RECEIVED, Track.REPORT, both) is Role.INTAKE
    assert writer_role(State.ACKNOWLEDGED, Track.REPORT, both) is Role.INTAKE
    assert writer_role(State.WITH_IC, Track.REPORT, both) is Role.IC
    assert writer_role(State.INQUIRY, Track.REPORT, both) is Role.IC
    vp_and_ic = frozenset({Role.VP, Role.IC})
    assert writer_role(State.WITH_VP, Track.ADVICE, vp_and_ic) is Role.VP
    assert writer_role(State.CLOSED, Track.ADVICE, vp_and_ic) is Role.VP
    assert writer_role(State.CLOSED, Track.REPORT, vp_and_ic) is Role.IC
    assert writer_role(State.DECISION, Track.REPORT, frozenset({Role.ICC})) is Role.ICC
    # Only the roles the transition allows count: a VP-and-IC refers a case
    # with the IC in the IC's role.
    assert writer_role(State.WITH_IC, Track.REPORT, frozenset({Role.VP, Role.IC}),
                       allowed=frozenset({Role.INTAKE, Role.VP, Role.IC})) is Role.IC
    assert writer_role(State.WITH_IC, Track.REPORT, frozenset({Role.ADMIN})) is None


def test_the_role_is_stored_with_the_message_and_no_name(client, session, rt, units,
                                                         make_staff):
    intake = make_staff("intake", "integriteitscoordinator")
    _code, case = _reported(client, session, units)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    _message(session, rt, case, intake, "Een vraag.")
    roles = session.scalars(select(Message.author_role).order_by(Message.id)).all()
    assert roles == [Role.INTAKE, Role.IC]


def test_a_handler_may_sign_with_their_name_inside_the_encrypted_text(client, session, rt,
                                                                     units, make_staff):
    intake = make_staff("intake")
    code, case = _reported(client, session, units)
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    staff = client.application.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(staff, intake)
    page = f"/medewerkers/zaken/{case.number}"
    html = staff.get(page).get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="sign"[^>]*>', html)
    assert checkbox is not None and "checked" not in checkbox.group(0)  # off by default
    staff.post(f"{page}/berichten", data={"csrf_token": csrf_from(html),
                                          "body": "Niet ondertekend."})
    staff.post(f"{page}/berichten", data={"csrf_token": csrf_from(html), "body": "Ondertekend.",
                                          "sign": "y"})
    name = intake.user.display_name
    rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert len(rows) == 3
    for row in rows:
        assert name.encode() not in row.body_ciphertext  # encrypted, not clear
    assert set(Message.__table__.columns.keys()) == {
        "id", "case_id", "author_kind", "author_id", "author_role", "created_at",
        "body_ciphertext"}

    open_mailbox(client, code)
    mailbox = client.get("/postbus").get_data(as_text=True)
    assert mailbox.count(name) == 1
    signed = re.search(r"Ondertekend\.\s*\n\s*\n\s*— " + re.escape(name), mailbox)
    assert signed, mailbox
    assert _writers(client) == ["Reporting office"] * 3
