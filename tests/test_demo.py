"""`meldpunt demo` holds a realistic year and more (#17): some forty cases in
every state, track, channel and outcome, signals of internal, external and
central vertrouwenspersonen, minutes, a legal hold and closed cases past
retention — every one made through the domain, so the audit log verifies,
the queues and figures show them and the mailbox opens with a printed code."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli.demo import DEMO_PASSWORD, USERS, DemoSeed, demo_email, seed_demo
from app.cli.demo_year import SIGNALS, STORIES, narrative_year
from app.models import (
    AuditEntry,
    Case,
    CounsellorNarrative,
    KeyWrap,
    MeetingMinutes,
    Unit,
    User,
    utcnow,
)
from app.retention.sweep import run_sweep
from app.runtime import Runtime
from app.stats.vp_report import build_counsellor_report
from app.vocabulary import (
    Channel,
    CloseReason,
    IntakeChannel,
    Outcome,
    State,
    Track,
    UnitKind,
)
from tests.conftest import post_form


@pytest.fixture()
def seeded(session: Session, rt: Runtime) -> DemoSeed:
    return seed_demo(session, rt)


def _cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case)))


def test_the_story_table_is_in_order_and_in_the_past():
    for story in STORIES:
        days = [step.day for step in story.steps]
        assert days == sorted(days), story.what
        assert all(0 <= day <= story.days_ago for day in days), story.what
    assert all(signal.days_ago >= 0 for signal in SIGNALS)


def test_the_demo_seeds_a_year_in_every_state_track_channel_and_outcome(session, seeded):
    cases = _cases(session)
    assert len(cases) >= 35
    assert seeded.year is not None and seeded.year.cases == len(cases)
    assert {c.state for c in cases} == set(State)
    assert {c.track for c in cases} == set(Track)
    assert {c.channel for c in cases} == set(Channel)
    assert {c.outcome for c in cases if c.outcome} == set(Outcome)
    assert {c.intake_channel for c in cases} >= {IntakeChannel.WEB, IntakeChannel.PHONE,
                                                 IntakeChannel.LETTER, IntakeChannel.IN_PERSON}
    assert len({c.unit_id for c in cases}) >= 4
    assert len({c.measure for c in cases if c.measure}) >= 3
    assert len({c.subcategory for c in cases if c.subcategory}) >= 4
    # Advice cases passed on to the integrity coordinator with consent.
    escalated = [c for c in cases if c.escalated_at is not None]
    assert escalated and all(c.track == Track.REPORT and c.consent_given_at for c in escalated)
    # Spread over the last fifteen months, received up to today.
    now = utcnow()
    recent = [c for c in cases if (now - c.received_at).days <= 460]
    assert len(recent) >= 35 and min((now - c.received_at).days for c in cases) <= 3


def test_the_demo_figures_are_not_all_in_time_and_the_queues_have_conversations(
        session, seeded):
    cases = _cases(session)
    reports = [c for c in cases if c.track == Track.REPORT]
    assert any(c.acknowledged_at and c.acknowledged_at > c.acknowledge_due_at for c in reports)
    assert any(c.acknowledged_at and c.acknowledged_at <= c.acknowledge_due_at for c in reports)
    assert any(c.feedback_given_at and c.feedback_given_at > c.feedback_due_at for c in reports)
    assert any(c.feedback_given_at and c.feedback_given_at <= c.feedback_due_at for c in reports)
    open_cases = [c for c in cases if c.state != State.CLOSED]
    # Waiting for the reporter, and a reporter's reply not answered yet.
    assert {"staff", "reporter"} <= {c.last_author_kind for c in open_cases}
    # Every date the demo moved is in the past and in order.
    now = utcnow()
    for case in cases:
        assert case.received_at <= now
        assert case.acknowledged_at is None or case.acknowledged_at >= case.received_at
        assert case.closed_at is None or case.closed_at >= case.received_at


def test_the_demo_has_signals_of_internal_external_and_central_vps(session, seeded):
    kinds = set(session.scalars(
        select(Unit.kind).select_from(Case)
        .join(KeyWrap, KeyWrap.case_id == Case.id).join(User, User.id == KeyWrap.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(Case.close_reason == CloseReason.SIGNAL)))
    assert kinds == {UnitKind.UNIT, UnitKind.EXTERNAL, UnitKind.CENTRAL}
    central = session.scalar(select(User).where(User.email == demo_email("vp-centraal")))
    assert central is not None and central.unit.kind == UnitKind.CENTRAL


def test_the_demo_has_minutes_a_legal_hold_and_cases_the_sweep_shreds(session, rt, seeded):
    minutes_on = set(session.scalars(
        select(Case.track).join(MeetingMinutes, MeetingMinutes.case_id == Case.id)))
    assert Track.ADVICE in minutes_on
    assert set(session.scalars(select(MeetingMinutes.status))) >= {"approved",
                                                                  "awaiting_reporter"}
    held = session.scalars(select(Case).where(Case.legal_hold)).all()
    assert len(held) == 1 and held[0].state == State.CLOSED

    dry = run_sweep(session, rt, dry_run=True)
    assert dry.deleted and dry.held == 1
    before = session.scalar(select(func.count()).select_from(Case))
    done = run_sweep(session, rt)
    assert sorted(done.deleted) == sorted(dry.deleted)
    assert session.scalar(select(func.count()).select_from(Case)) == before - len(done.deleted)
    assert session.get(Case, held[0].id) is not None
    assert rt.audit.verify(session).ok


def test_the_audit_log_verifies_after_the_demo_and_a_second_run_adds_nothing(app: Flask,
                                                                            session, rt):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Seeded" in first.output
    counts = (session.scalar(select(func.count()).select_from(Case)),
              session.scalar(select(func.count()).select_from(AuditEntry)),
              session.scalar(select(func.count()).select_from(User)))
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "OK" in verified.output

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "Seeded" not in again.output
    assert (session.scalar(select(func.count()).select_from(Case)),
            session.scalar(select(func.count()).select_from(AuditEntry)),
            session.scalar(select(func.count()).select_from(User))) == counts
    assert counts[2] == len(USERS)
    assert rt.audit.verify(session).ok


def _sign_in(client: FlaskClient, seeded: DemoSeed, local: str) -> None:
    email = demo_email(local)
    secret = next(s for e, _roles, s in seeded.accounts if e == email)
    post_form(client, "/medewerkers/inloggen", {"email": email, "password": DEMO_PASSWORD})
    response = post_form(client, "/medewerkers/inloggen/code",
                         {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_the_staff_queues_and_statistics_render_with_the_demo(app, client, session, seeded):
    for local in ("intake", "vp", "vp-extern", "vp-centraal", "ic", "ic-rivm", "icc"):
        staff = app.test_client()  # one browser per account (IsolatedClient, see `client`)
        _sign_in(staff, seeded, local)
        for tab in ("all", "new", "due_soon", "overdue", "mine", "waiting"):
            response = staff.get(f"/medewerkers/zaken/?tab={tab}")
            assert response.status_code == 200, (local, tab)
        listed = staff.get("/medewerkers/zaken/").get_data(as_text=True)
        assert re.search(r"MP-[A-Z0-9]{4}-[A-Z0-9]{4}", listed), f"{local} sees no cases"
        # A case the user holds opens: its back-dated content still decrypts.
        # (The ICC lists every formal report but holds none.)
        user = session.scalar(select(User).where(User.email == demo_email(local)))
        for number in session.scalars(select(Case.number).join(KeyWrap,
                                                               KeyWrap.case_id == Case.id)
                                      .where(KeyWrap.user_id == user.id)):
            assert staff.get(f"/medewerkers/zaken/{number}").status_code == 200, (local, number)
        if local != "intake":
            this_year = utcnow().year
            for year in (this_year - 1, this_year):
                # An external or central VP is sent on to their VP annual report.
                page = staff.get(f"/medewerkers/statistiek/?jaar={year}", follow_redirects=True)
                assert page.status_code == 200, (local, year)


def test_every_vp_and_the_icc_see_the_vp_report_with_its_account(app, client, session, rt,
                                                                 seeded):
    """A newcomer sees a VP annual report on first start, with each
    counsellor's account of the year, and the ICC's integrated report."""
    year = narrative_year(utcnow(), rt)
    narratives = session.scalars(select(CounsellorNarrative).where(
        CounsellorNarrative.year == year)).all()
    assert len(narratives) == 3
    for local in ("vp", "vp-extern", "vp-centraal"):
        staff = app.test_client()
        _sign_in(staff, seeded, local)
        html = staff.get(f"/medewerkers/vp-jaarverslag/mijn?jaar={year}").get_data(
            as_text=True)
        user = session.scalar(select(User).where(User.email == demo_email(local)))
        mine = next(n for n in narratives if n.counsellor_id == user.id)
        assert mine.body[:40] in html, local
        # Their figures of that year are not empty: the account has numbers.
        report = build_counsellor_report(session, year, rt.settings.stats_threshold,
                                         user.id, zone=rt.settings.zone)
        by_unit = report.tables["vp_by_unit"]
        assert by_unit.grid[by_unit.rows][by_unit.cols] >= 3, local
    icc = app.test_client()
    _sign_in(icc, seeded, "icc")
    html = icc.get(f"/medewerkers/vp-jaarverslag/?jaar={year}").get_data(as_text=True)
    for narrative in narratives:
        assert narrative.body[:40] in html


def test_a_printed_receipt_code_opens_the_mailbox_with_the_conversation(app, client, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    codes = re.findall(r"^\s+([A-Z0-9]{4}(?:-[A-Z0-9]{4}){4})\s+(MP-\S+):", result.output,
                       re.MULTILINE)
    assert len(codes) >= 2, result.output
    code, _number = codes[0]
    response = post_form(client, "/postbus", {"code": code})
    assert response.status_code == 302
    page = client.get("/postbus").get_data(as_text=True)
    assert "Bewaar de berichten" in page  # the VP's message
    assert "zonder dat het hele team het weet" in page  # the reporter's reply
