"""Retention pages: the admin sets periods; the IC sets and lifts legal holds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.intake import NewReport, submit_report
from app.models import AuditEntry, Case, RetentionChange
from app.retention.policy import RetentionRuleRefused, decide_change, load_policy
from tests.conftest import csrf_from, post_form, sign_in


def _set(client, fields):  # type: ignore[no-untyped-def]
    html = client.get("/medewerkers/bewaren/termijnen").get_data(as_text=True)
    return client.post("/medewerkers/bewaren/termijnen",
                       data={"csrf_token": csrf_from(html), **fields})


def test_admin_lengthens_a_period_at_once_and_it_is_logged(client, session, make_staff):
    admin = make_staff("admin")
    sign_in(client, admin)
    assert client.get("/medewerkers/bewaren/termijnen").status_code == 200
    assert _set(client, {"months-report-founded": "144"}).status_code == 302
    session.expire_all()
    assert load_policy(session).months_for("report", "founded") == 144
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.retention_rule_set")) is not None


def test_one_admin_alone_can_not_shorten_a_period(app, client, session, make_staff):
    """Issue #19: a shorter period waits for a second person; the admin who
    proposed it can not approve it; the ICC (or a second admin) can."""
    admin = make_staff("admin")
    sign_in(client, admin)
    assert _set(client, {"months-report-founded": "96"}).status_code == 302
    session.expire_all()
    assert load_policy(session).months_for("report", "founded") == 120
    change = session.scalar(select(RetentionChange).where(RetentionChange.status == "pending"))
    assert (change.months, change.previous_months) == (96, 120)
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.retention_proposed")) is not None
    # The proposer can not approve it, through the page or directly.
    post_form(client, f"/medewerkers/bewaren/wijzigingen/{change.id}",
              {"decision": "approve"}, page="/medewerkers/bewaren/termijnen")
    with pytest.raises(RetentionRuleRefused):
        decide_change(session, app.extensions["meldpunt.runtime"], admin.user, change.id, True)
    session.expire_all()
    assert load_policy(session).months_for("report", "founded") == 120
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.retention_approved", AuditEntry.result == "denied"))
    # Below the floor is refused outright, for anyone.
    assert _set(client, {"months-report-founded": "12"}).status_code == 200
    session.expire_all()
    assert session.scalar(select(RetentionChange).where(RetentionChange.months == 12)) is None
    # The ICC approves.
    icc_client = app.test_client()
    sign_in(icc_client, make_staff("icc"))
    page = icc_client.get("/medewerkers/bewaren/wijzigingen").get_data(as_text=True)
    assert f"/medewerkers/bewaren/wijzigingen/{change.id}" in page
    post_form(icc_client, f"/medewerkers/bewaren/wijzigingen/{change.id}",
              {"decision": "approve"}, page="/medewerkers/bewaren/wijzigingen")
    session.expire_all()
    assert load_policy(session).months_for("report", "founded") == 96
    assert session.get(RetentionChange, change.id).status == "approved"


def test_invalid_period_saves_nothing(client, session, make_staff):
    sign_in(client, make_staff("admin"))
    response = post_form(client, "/medewerkers/bewaren/termijnen",
                         {"months-report-founded": "0", "months-advice-*": "12"})
    assert response.status_code == 200
    assert "Nothing has been saved" in response.get_data(as_text=True) or \
        "Er is niets opgeslagen" in response.get_data(as_text=True)
    assert load_policy(session).months_for("advice", "x") == 24


def test_a_refused_save_keeps_what_was_typed(client, session, make_staff):
    sign_in(client, make_staff("admin"))
    response = post_form(client, "/medewerkers/bewaren/termijnen",
                         {"months-report-founded": "0", "months-advice-*": "30",
                          "months-audit": "9999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="months-report-founded" inputmode="numeric" size="4" value="0"' in html
    assert 'value="30"' in html and 'value="9999"' in html
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
    custody.wrap_for_user(session, rt, case, key, target.user)
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
