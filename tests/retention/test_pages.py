"""Retention pages: the admin sets periods; the IC sets and lifts legal holds."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.models import AuditEntry, Case
from app.retention.policy import load_policy
from tests.conftest import csrf_from, post_form, sign_in


def test_admin_changes_a_period_and_it_is_logged(client, session, make_staff):
    admin = make_staff("admin")
    sign_in(client, admin)
    page = client.get("/medewerkers/bewaren/termijnen")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    fields = {"months-report-founded": "96"}
    response = client.post("/medewerkers/bewaren/termijnen",
                           data={"csrf_token": csrf_from(html), **fields})
    assert response.status_code == 302
    session.expire_all()
    assert load_policy(session).months_for("report", "founded") == 96
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.retention_rule_set")) is not None


def test_invalid_period_saves_nothing(client, session, make_staff):
    sign_in(client, make_staff("admin"))
    response = post_form(client, "/medewerkers/bewaren/termijnen",
                         {"months-report-founded": "0", "months-advice-*": "12"})
    assert response.status_code == 200
    assert "Nothing has been saved" in response.get_data(as_text=True) or \
        "Er is niets opgeslagen" in response.get_data(as_text=True)
    assert load_policy(session).months_for("advice", "x") == 24


def test_only_the_admin_sets_periods(client, make_staff):
    sign_in(client, make_staff("integriteitscoordinator"))
    assert client.get("/medewerkers/bewaren/termijnen").status_code == 403


def _case(session, rt, units):
    case, _code = submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="anonymous",
        report={"what": "x"}))
    return case


def _grant(session, rt, case, holder, target):
    from app.cases import custody
    from app.crypto.keys import unlock_private_key

    key = custody.open_case_key(session, case, holder.user,
                                unlock_private_key(holder.user.private_key_protected,
                                                   holder.password))
    custody.wrap_for_user(session, case, key, target.user)
    session.commit()


def test_ic_holder_sets_and_lifts_a_legal_hold(client, session, rt, units, make_staff):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case = _case(session, rt, units)
    _grant(session, rt, case, intake, ic)
    sign_in(client, ic)
    token = csrf_from(client.get("/medewerkers/").get_data(as_text=True))
    url = f"/medewerkers/bewaren/{case.number}/bewaarplicht"
    assert client.post(url, data={"csrf_token": token, "reason": "procedure"}).status_code == 302
    session.expire_all()
    assert session.get(Case, case.id).legal_hold is True
    assert client.post(url, data={"csrf_token": token, "lift": "1"}).status_code == 302
    session.expire_all()
    assert session.get(Case, case.id).legal_hold is False


def test_legal_hold_needs_the_ic_role_and_a_wrap(client, session, rt, units, make_staff):
    intake = make_staff("intake")
    other_ic = make_staff("integriteitscoordinator")
    case = _case(session, rt, units)
    url = f"/medewerkers/bewaren/{case.number}/bewaarplicht"
    sign_in(client, intake)
    token = csrf_from(client.get("/medewerkers/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 403
    client.post("/medewerkers/uitloggen", data={"csrf_token": token})
    sign_in(client, other_ic)  # an IC who holds no wrap for this case
    token = csrf_from(client.get("/medewerkers/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 404
    session.expire_all()
    assert session.get(Case, case.id).legal_hold is False
