"""Every state change is a row of the one workflow table, and the case page's
action forms are the table's declared fields."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases import custody, workflow
from app.cases.content import read_messages
from app.cases.intake import Upload
from app.cases.registration import RegistrationError, Signal, register_signal
from app.cases.workflow import (
    APPLY,
    REPORTER,
    TRANSITIONS,
    TransitionNotAllowed,
    enter,
)
from app.models import Case, utcnow
from app.vocabulary import OPEN_STATES, Role, State
from app.web import labels
from app.web.staff.action_forms import standard_acknowledgement
from tests.cases.conftest import case_actions, key_of
from tests.conftest import PASSWORD, csrf_from, sign_in

APP = Path(__file__).resolve().parents[2] / "app"
WORKFLOW = APP / "cases" / "workflow.py"
STAFF_ACTIONS = [t for t in TRANSITIONS.values() if t.roles and not t.creates]


def _state_changes(path: Path) -> list[int]:
    """Lines of `path` that set a case's state: `x.state = ...`,
    `setattr(x, "state", ...)` or a bulk `.values(state=...)`."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "state"):
                lines.append(node.lineno)
            if (isinstance(func, ast.Attribute) and func.attr == "values"
                    and any(k.arg == "state" for k in node.keywords)):
                lines.append(node.lineno)
    return lines


def test_only_the_workflow_changes_a_case_s_state():
    found = {str(path.relative_to(APP)): lines for path in sorted(APP.rglob("*.py"))
             if path != WORKFLOW and (lines := _state_changes(path))}
    assert found == {}
    # The one place: `perform` and `enter` set the state the table says.
    assert len(_state_changes(WORKFLOW)) == 2


def test_a_new_case_starts_received_and_nothing_else_creates_one_in_another_state():
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "state":
                        assert isinstance(node.func, ast.Name) and node.func.id == "Case", path
                        assert ast.literal_eval(keyword.value) == State.RECEIVED, path


def test_the_withdrawal_and_the_registrations_are_rows_with_their_actors():
    withdraw = TRANSITIONS["withdraw"]
    assert withdraw.actors == {REPORTER} and not withdraw.roles
    assert withdraw.from_states == set(OPEN_STATES) and withdraw.to_state == State.CLOSED
    assert withdraw.audit_action == "mailbox.withdrawn"
    with_vp = TRANSITIONS["register_with_vp"]
    assert with_vp.creates and with_vp.actors == {Role.VP}
    assert with_vp.to_state == State.WITH_VP
    assert with_vp.audit_action == "case.registered_with_vp"
    signal = TRANSITIONS["register_signal"]
    assert signal.creates and signal.actors == {Role.VP}
    assert signal.to_state == State.CLOSED
    assert signal.audit_action == "case.signal_registered"
    listing = workflow.table_json()
    assert '"action": "withdraw"' in listing and '"reporter"' in listing


def test_no_staff_member_can_withdraw_and_the_reporter_only_an_open_case(
        session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    before = case_actions(session, case.number)
    with pytest.raises(TransitionNotAllowed) as error:
        enter(session, rt, case, "withdraw", intake.user)
    assert error.value.code == "role"
    # The staff's own path refuses it too: no role takes it.
    with pytest.raises(TransitionNotAllowed) as error:
        workflow.perform(session, rt, case, intake.user, key_of(intake), "withdraw")
    assert error.value.code == "role"
    assert "withdraw" not in {t.action for t in workflow.available_actions(case, intake.user)}
    case.state = State.CLOSED
    with pytest.raises(TransitionNotAllowed) as error:
        enter(session, rt, case, "withdraw", REPORTER)
    assert error.value.code == "state"
    session.rollback()
    assert case.state == State.RECEIVED
    assert case_actions(session, case.number) == before


def test_the_registrations_are_refused_for_another_role_and_for_an_existing_case(
        session, rt, make_staff, new_case, units):
    intake = make_staff("intake")
    vp = make_staff("vertrouwenspersoon")
    case, _ = new_case()
    for action in ("register_with_vp", "register_signal"):
        for actor in (intake.user, REPORTER):
            with pytest.raises(TransitionNotAllowed) as error:
                enter(session, rt, case, action, actor, creating=True)
            assert error.value.code == "role"
        # Only the case being created: never one that already has a state.
        with pytest.raises(TransitionNotAllowed) as error:
            enter(session, rt, case, action, vp.user)
        assert error.value.code == "state"
    with pytest.raises(TransitionNotAllowed) as error:
        enter(session, rt, case, "withdraw", REPORTER, creating=True)
    assert error.value.code == "state"
    # An action with effects is taken through `perform` only.
    with pytest.raises(TransitionNotAllowed) as error:
        enter(session, rt, case, "acknowledge", intake.user)
    assert error.value.code == "unknown_action"
    assert case.state == State.RECEIVED
    assert case_actions(session, case.number) == ["report.submitted"]
    # The registration asks the table who may register a signal.
    with pytest.raises(RegistrationError):
        register_signal(session, rt, intake.user, Signal(
            unit_id=units["kerndepartement"].id, category="overig", subcategory=None,
            on=utcnow().date(), advice_given=True, referred_to=None))


def _effect_params(action: str) -> set[str]:
    """The parameter names an action's effect reads (ctx.param, int_param,
    params.get, _choice, _message_to_reporter)."""
    tree = ast.parse(inspect.getsource(APPLY[action]))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads = (isinstance(func, ast.Attribute) and func.attr in ("param", "int_param", "get")
                 or isinstance(func, ast.Name) and func.id in ("_choice", "_message_to_reporter"))
        if not reads:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
                break
    return names


def test_every_parameter_an_action_reads_is_a_declared_field():
    assert {a for a in APPLY if _effect_params(a)} >= {"acknowledge", "refer_to_external"}
    for action in APPLY:
        declared = {f.name for f in TRANSITIONS[action].fields}
        assert _effect_params(action) <= declared, action


def test_every_staff_action_and_field_has_its_text_in_the_web_layer():
    assert set(labels.ACTION_LABELS) == {t.action for t in STAFF_ACTIONS}
    for transition in STAFF_ACTIONS:
        for field in transition.fields:
            assert labels.for_field(labels.FIELD_LABELS, transition.action, field.name), (
                transition.action, field.name)
            if field.needs_consent:
                assert field.name in labels.FIELD_WITHOUT_CONSENT


def _form_of(html: str, number: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="/medewerkers/zaken/{number}/actie/'
                      rf'{action}".*?</form>', html, re.S)
    assert match, f"no form for {action}"
    return match.group(0)


def test_the_case_page_renders_every_declared_field_of_every_action_one_may_take(
        app, client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    people = {role: make_staff(role) for role in (
        "vertrouwenspersoon", "integriteitscoordinator", "icc", "external_investigator")}
    people["intake"] = intake
    clients = {}
    for role, staff in people.items():
        clients[role] = app.test_client()  # isolated, as `client` is
        sign_in(clients[role], staff)
    for transition in STAFF_ACTIONS:
        role = sorted(transition.roles)[0]
        staff = people[role]
        case, _ = new_case(uploads=[Upload("bijlage.pdf", "application/pdf",
                                           [b"%PDF-1.4 bijlage"])])
        case.state = sorted(transition.from_states)[0]
        case.consent_given_at = utcnow()  # fields offered only with consent too
        key = custody.open_case_key(session, case, intake.user, key_of(intake))
        custody.wrap_for_user(session, rt, case, key, staff.user, granted_by=intake.user)
        session.commit()
        html = clients[role].get(f"/medewerkers/zaken/{case.number}",
                                 headers={"Accept-Language": "en"}).get_data(as_text=True)
        form = _form_of(html, case.number, transition.action)
        with force_locale("en"):
            assert f"<summary>{labels.ACTION_LABELS[transition.action]}</summary>" in html
            for field in transition.fields:
                assert f'name="{field.name}"' in form, (transition.action, field.name)
                label = str(labels.for_field(labels.FIELD_LABELS, transition.action, field.name))
                assert label in form, (transition.action, label)


def test_an_acknowledgement_without_text_sends_the_standard_one(
        app, client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    response = client.post(f"/medewerkers/zaken/{case.number}/actie/acknowledge", data={
        "csrf_token": csrf_from(html), "version": str(case.version), "text": "  "})
    assert response.status_code == 302
    with app.test_request_context():
        expected = standard_acknowledgement(rt.settings.default_locale)
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    assert [m.body for m in read_messages(session, case, key)] == [expected]

    # The CLI does the same.
    other, _ = new_case()
    result = app.test_cli_runner().invoke(args=[
        "case", "act", other.number, "acknowledge", "--as", intake.email,
        "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    session.expire_all()
    other = session.scalar(select(Case).where(Case.number == other.number))
    key = custody.open_case_key(session, other, intake.user, key_of(intake))
    assert [m.body for m in read_messages(session, other, key)] == [expected]
