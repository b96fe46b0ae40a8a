"""Retention: tallies first, then crypto-shredding; idempotent; holds; crash-safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cases import custody
from app.cases.intake import NewReport, Upload, submit_report
from app.config import FILE_STORES
from app.models import (
    Attachment,
    AuditEntry,
    Case,
    CaseTally,
    CompartmentWrap,
    KeyWrap,
    Message,
    Receipt,
    RetentionChange,
    utcnow,
)
from app.retention import sweep
from app.retention.hold import HoldNotAllowed, lift_legal_hold, set_legal_hold
from app.retention.policy import RetentionRuleRefused, load_policy, set_rule
from app.retention.sweep import run_sweep
from tests.file_store import age

MARKER = "RETENTION-PLAINTEXT-MARKER-7731"
LONG_AGO = datetime(2015, 3, 1, tzinfo=UTC)


def closed_case(session, rt, units, *, track="report", outcome="unfounded",
                closed_at=LONG_AGO, with_file=True):
    report = NewReport(
        unit_id=units["kerndepartement"].id, track=track, channel="confidential",
        category="financiele_schendingen", report={"what": MARKER},
        identity={"name": MARKER + " name"},
        uploads=[Upload("bewijs.txt", "text/plain", iter([MARKER.encode() * 100]))]
        if with_file else [],
    )
    case, _code = submit_report(session, rt, report)
    case.received_at = closed_at - timedelta(days=30)
    case.acknowledged_at = closed_at - timedelta(days=27)
    case.state = "closed"
    case.closed_at = closed_at
    case.outcome = outcome
    session.commit()
    return case


def count(session, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


@pytest.fixture()
def intake(make_staff):
    return make_staff("intake")


@pytest.mark.parametrize("file_store_kind", FILE_STORES)
def test_expired_case_is_tallied_then_shredded_and_a_second_run_does_nothing(
        session, rt, units, intake):
    case = closed_case(session, rt, units)
    case_id, number = case.id, case.number
    file_ids = list(session.scalars(
        select(Attachment.file_id).where(Attachment.case_id == case_id)))
    assert file_ids and all(rt.files.exists(f) for f in file_ids)

    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))

    assert report.deleted == [number]
    assert session.get(Case, case_id) is None
    for model in (KeyWrap, CompartmentWrap, Receipt, Attachment, Message):
        assert count(session, model, case_id=case_id) == 0
    assert not any(rt.files.exists(f) for f in file_ids)
    tally = session.scalars(select(CaseTally)).one()
    assert (tally.track, tally.outcome, tally.category) == ("report", "unfounded",
                                                             "financiele_schendingen")
    assert tally.days_to_close == 30 and tally.acknowledged_in_time is True
    deleted_entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "retention.case_deleted")).all()
    assert [e.object_id for e in deleted_entries] == [number]

    again = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert again.deleted == []
    assert count(session, CaseTally) == 1
    assert rt.audit.verify(session).ok


def test_no_ciphertext_or_plaintext_of_the_case_is_left_in_the_database_file(
        session, rt, units, intake, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("raw database file check is for SQLite; PostgreSQL is checked by queries")
    case = closed_case(session, rt, units)
    fragments = [case.report_ciphertext[-24:], case.identity_ciphertext[-24:]]
    fragments += [w.wrapped_key[-24:] for w in session.scalars(
        select(CompartmentWrap).where(CompartmentWrap.case_id == case.id))]
    run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    session.close()
    db_path = Path(settings.database_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert MARKER.encode() not in raw
    for fragment in fragments:
        assert fragment not in raw


def test_case_not_yet_expired_stays(session, rt, units, intake):
    case = closed_case(session, rt, units, closed_at=datetime(2026, 1, 1, tzinfo=UTC))
    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert report.deleted == []
    assert session.get(Case, case.id) is not None


def test_open_cases_are_never_deleted(session, rt, units, intake):
    case = closed_case(session, rt, units)
    case.closed_at, case.state, case.outcome = None, "with_ic", None
    session.commit()
    assert run_sweep(session, rt, now=datetime(2040, 1, 1, tzinfo=UTC)).deleted == []


def test_a_shorter_period_applies_only_to_cases_closed_after_it(session, rt, units, intake):
    """Issue #19: a period put in force (after a second person approved it)
    changes the sweep for cases closed from then on; a case closed before
    keeps the period it had when it closed."""
    before = closed_case(session, rt, units, closed_at=datetime(2026, 1, 1, tzinfo=UTC))
    set_rule(session, rt, "user:1", "report", "unfounded", 24)
    session.commit()
    changed = session.scalar(select(RetentionChange.effective_from))
    after = closed_case(session, rt, units, closed_at=changed.replace(tzinfo=UTC)
                        + timedelta(days=1))
    assert load_policy(session).months_for("report", "unfounded") == 24
    two_years_on = after.closed_at.replace(tzinfo=UTC) + timedelta(days=2 * 366)
    assert run_sweep(session, rt, now=two_years_on).deleted == [after.number]
    assert session.get(Case, before.id).shredded_at is None
    # The case closed before the change is deleted at its own, longer period.
    assert before.number in run_sweep(
        session, rt, now=datetime(2031, 1, 2, tzinfo=UTC)).deleted


def test_no_rule_goes_below_its_floor(session, rt):
    with pytest.raises(RetentionRuleRefused):
        set_rule(session, rt, "user:1", "report", "unfounded", 3)
    session.rollback()
    assert load_policy(session).months_for("report", "unfounded") == 60


def test_legal_hold_suspends_deletion_and_lifting_it_resumes(session, rt, units, make_staff):
    intake = make_staff("intake")
    ic = make_staff("integriteitscoordinator")
    case = closed_case(session, rt, units)
    key = custody.open_case_key(session, case, intake.user, _key(intake))
    with pytest.raises(HoldNotAllowed):
        set_legal_hold(session, rt, case, intake.user, key, "lopende procedure")
    set_legal_hold(session, rt, case, ic.user, key, "lopende procedure bij de rechter")
    session.commit()
    assert b"rechter" not in case.legal_hold_reason_ciphertext

    report = run_sweep(session, rt, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert report.deleted == [] and report.held == 1
    assert session.get(Case, case.id) is not None

    lift_legal_hold(session, rt, case, ic.user)
    session.commit()
    assert run_sweep(session, rt, now=datetime(2030, 1, 1, tzinfo=UTC)).deleted == [case.number]


def test_dry_run_lists_and_changes_nothing(session, rt, units, intake):
    case = closed_case(session, rt, units)
    entries_before = rt.audit.count(session)
    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC), dry_run=True)
    assert report.deleted == [case.number]
    assert session.get(Case, case.id) is not None
    assert count(session, CaseTally) == 0
    assert rt.audit.count(session) == entries_before


def _crash_on_second_batch(monkeypatch):
    original = sweep.shred_and_delete
    calls = {"n": 0}

    def crash(session_, rt_, cases, *, origin, now=None):
        calls["n"] += 1
        file_ids = original(session_, rt_, cases, origin=origin, now=now)
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return file_ids

    monkeypatch.setattr(sweep, "shred_and_delete", crash)


def _assert_intact(session, intake, rt, case_id):
    case = session.get(Case, case_id)
    assert case is not None
    # Fully intact: a holder still decrypts it, and its files are there.
    custody.open_case_key(session, case, intake.user, _key(intake))
    for file_id in session.scalars(select(Attachment.file_id).where(
            Attachment.case_id == case_id)):
        assert rt.files.exists(file_id)


def test_interrupted_run_leaves_each_case_intact_or_fully_gone(
        session, rt, units, intake, monkeypatch):
    cases = [closed_case(session, rt, units) for _ in range(3)]
    ids = [c.id for c in cases]
    _crash_on_second_batch(monkeypatch)
    with pytest.raises(RuntimeError):
        run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC), batch_size=1)
    monkeypatch.undo()

    session.expire_all()
    assert session.get(Case, ids[0]) is None
    for case_id in ids[1:]:
        _assert_intact(session, intake, rt, case_id)
    assert count(session, CaseTally) == 1

    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert len(report.deleted) == 2
    assert count(session, CaseTally) == 3
    assert count(session, Case) == 0
    assert rt.audit.verify(session).ok


def test_a_crash_inside_a_batch_rolls_the_whole_batch_back(session, rt, units, intake,
                                                           monkeypatch):
    cases = [closed_case(session, rt, units) for _ in range(4)]
    ids = [c.id for c in cases]
    _crash_on_second_batch(monkeypatch)
    with pytest.raises(RuntimeError):
        run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC), batch_size=2)
    monkeypatch.undo()
    session.expire_all()
    assert [session.get(Case, i) is None for i in ids] == [True, True, False, False]
    for case_id in ids[2:]:
        _assert_intact(session, intake, rt, case_id)
    assert count(session, CaseTally) == 2
    assert rt.audit.verify(session).ok


@pytest.mark.parametrize("file_store_kind", FILE_STORES)
def test_orphan_files_from_a_crash_are_removed(session, rt, units, intake):
    orphan = rt.files.new_file_id()
    rt.files.write(orphan, iter([b"ciphertext without a row"]))
    fresh = rt.files.new_file_id()
    rt.files.write(fresh, iter([b"an upload still in flight"]))
    age(rt, orphan, timedelta(days=2))
    report = run_sweep(session, rt, now=utcnow())
    assert report.orphan_files == 1
    assert not rt.files.exists(orphan)
    assert rt.files.exists(fresh)


def test_mailbox_of_a_long_closed_case_closes_before_the_case_goes(session, rt, units, intake):
    case = closed_case(session, rt, units, closed_at=datetime(2026, 1, 1, tzinfo=UTC))
    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert report.mailboxes_closed == [case.number]
    assert count(session, Receipt, case_id=case.id) == 0
    assert session.get(Case, case.id) is not None


def test_cli_dry_run_and_run(app, session, rt, units, intake):
    case = closed_case(session, rt, units)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run", "--now", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert case.number in result.output and "Would delete 1" in result.output
    result = runner.invoke(args=["retention", "run", "--now", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1" in result.output
    result = runner.invoke(args=["retention", "run", "--now", "not-a-date"])
    assert result.exit_code != 0


def _key(staff):
    """The staff member's private key, unlocked with their password."""
    from app.crypto.keys import unlock_private_key

    return unlock_private_key(staff.user.private_key_protected, staff.password)
