"""Issue #20: every key wrap sealed to a day of the erasure ratchet; the
sweep re-seals live cases before their lease runs out and the ratchet never
advances past a day a live wrap is sealed to."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from app.cases import custody, seals
from app.cases.intake import NewReport, submit_report
from app.cases.workflow import perform
from app.crypto import ratchet
from app.crypto.compartments import unwrap_key
from app.crypto.errors import CryptoError
from app.models import Case, CompartmentWrap, KeyWrap, Receipt, utcnow
from app.retention.hold import set_legal_hold
from app.retention.policy import load_policy
from app.retention.sweep import run_sweep
from app.runtime import Runtime
from app.vocabulary import Role
from tests.cases.conftest import key_of


def file_report(session, rt, units):
    """A confidential formal report with a receipt code: (case, code)."""
    return submit_report(session, rt, NewReport(
        unit_id=units["kerndepartement"].id, track="report", channel="confidential",
        report={"what": "Mijn leidinggevende schreeuwt"}, identity={"name": "Anna Melder"}))


@pytest.fixture()
def filed(session, rt, units, make_staff):
    """An intake officer and a report they hold, committed."""
    intake = make_staff("intake")
    case, _code = file_report(session, rt, units)
    session.commit()
    return intake, case


def _seal_days(session, case):
    days = set(session.scalars(select(CompartmentWrap.seal_day)
                               .where(CompartmentWrap.case_id == case.id)))
    days |= set(session.scalars(select(Receipt.seal_day).where(Receipt.case_id == case.id)))
    return days


def _today():
    return utcnow().date()


def test_every_wrap_of_a_new_case_is_sealed_to_a_day_a_lease_ahead(session, rt, filed):
    intake, case = filed
    assert _seal_days(session, case) == {_today() + timedelta(days=30)}
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    assert receipt.private_key_ciphertext is not None
    # The stored wrap does not open with the holder's key alone: it is
    # sealed; through custody (with keys/ratchet) it does.
    holder = session.scalar(select(KeyWrap).where(KeyWrap.case_id == case.id,
                                                  KeyWrap.user_id == intake.user.id))
    row = holder.keys[0]
    with pytest.raises(CryptoError):
        unwrap_key(row.wrapped_key, key_of(intake), case_id=case.number,
                   recipient=holder.recipient, compartment=row.compartment,
                   generation=row.generation)
    assert custody.open_case_key(session, case, intake.user, key_of(intake)).compartments()


def test_a_live_case_survives_a_sweep_outage_longer_than_its_lease(session, rt, filed):
    intake, case = filed
    later = utcnow() + timedelta(days=45)
    # No sweep for 45 days: this instance may not move its ratchet past the
    # case's seal day, and says why.
    with pytest.raises(seals.RatchetHeld, match=case.number):
        seals.advance(session, rt, later.date())
    assert ratchet.read_state(rt.keyring.keys_dir).day == _today()
    # The next sweep re-seals first, then advances.
    report = run_sweep(session, rt, now=later)
    assert report.resealed == 1 and report.ratchet_held is None
    assert report.ratchet_day == later.date()
    assert _seal_days(session, case) == {later.date() + timedelta(days=30)}
    session.expire_all()
    assert custody.open_case_key(session, session.get(Case, case.id), intake.user,
                                 key_of(intake)).compartments()


def _close_near_expiry(session, rt, case, days_left):
    """Close the case so that it expires in `days_left` days."""
    policy = load_policy(session)
    months = policy.months_for(case.track, "unfounded")
    now = utcnow()
    closed = now
    while True:  # step back until the expiry is days_left away
        expires = policy.expires_at(replace_case(case, closed, months), rt.settings.zone)
        if expires <= now + timedelta(days=days_left):
            break
        closed -= timedelta(days=1)
    case.state = "closed"
    case.outcome = "unfounded"
    case.closed_at = closed
    seals.reseal_case(session, rt, case)
    session.commit()
    return policy.expires_at(case, rt.settings.zone)


def replace_case(case, closed, _months):
    class Row:  # the columns expires_at reads
        track, outcome, closed_at = case.track, "unfounded", closed
    return Row


def test_a_closed_case_is_never_sealed_past_its_expiry_day(session, rt, units, make_staff):
    make_staff("intake")
    case, _code = file_report(session, rt, units)
    expires = _close_near_expiry(session, rt, case, 10)
    assert _seal_days(session, case) == {expires.astimezone(UTC).date()}
    # The dry run says what becomes unrecoverable, and when.
    report = run_sweep(session, rt, dry_run=True)
    assert (case.number, expires.astimezone(UTC).date()) in report.ending


@pytest.fixture()
def closing(session, rt, filed, make_staff):
    """A case an integrity coordinator holds, closed so that it expires in
    5 days: (ic, its keys, case, expiry)."""
    intake, case = filed
    ic = make_staff("integriteitscoordinator")
    keys = custody.open_case_key(session, case, intake.user, key_of(intake))
    custody.wrap_for_user(session, rt, case, keys, ic.user, role=Role.IC)
    return ic, keys, case, _close_near_expiry(session, rt, case, 5)


def test_legal_hold_keeps_a_case_alive_past_its_original_expiry(session, rt, closing):
    ic, keys, case, expires = closing
    set_legal_hold(session, rt, case, ic.user, keys, "procedure bij de rechter")
    session.commit()
    past = expires + timedelta(days=40)
    report = run_sweep(session, rt, now=past)
    assert report.held == 1 and report.deleted == [] and report.ratchet_held is None
    assert ratchet.read_state(rt.keyring.keys_dir).day == past.astimezone(UTC).date()
    session.expire_all()
    assert custody.open_case_key(session, session.get(Case, case.id), ic.user,
                                 key_of(ic)).compartments()


def test_reopening_keeps_a_case_alive_past_its_original_expiry(session, rt, closing):
    ic, _keys, case, expires = closing
    assert _seal_days(session, case) == {expires.astimezone(UTC).date()}
    perform(session, rt, case, ic.user, key_of(ic), "reopen", reason="nieuw feit gemeld")
    assert _seal_days(session, case) == {_today() + timedelta(days=30)}
    past = expires + timedelta(days=20)
    report = run_sweep(session, rt, now=past)
    assert report.deleted == [] and report.ratchet_held is None
    session.expire_all()
    assert custody.open_case_key(session, session.get(Case, case.id), ic.user,
                                 key_of(ic)).compartments()


def test_two_instances_with_their_own_keys_copies_agree_on_every_seal(
        session, rt, app, units, make_staff, tmp_path):
    intake = make_staff("intake")
    first, _code = file_report(session, rt, units)
    session.commit()
    other_dir = tmp_path / "other-keys"
    shutil.copytree(rt.keyring.keys_dir, other_dir)
    other = Runtime.load(replace(rt.settings, keys_dir=other_dir))
    # This instance moves on a week; the other does not.
    seals.advance(session, rt, _today() + timedelta(days=7))
    engine = app.extensions["meldpunt.engine"]
    with OrmSession(engine, info={ratchet.KEYS_DIR_INFO: other_dir}) as theirs:
        # The other instance opens what this one sealed, and seals new cases
        # to the same day this one computes.
        assert custody.open_case_key(theirs, theirs.get(Case, first.id),
                                     theirs.get(type(intake.user), intake.user.id),
                                     key_of(intake)).compartments()
        second, _code = submit_report(theirs, other, NewReport(
            unit_id=first.unit_id, track="report", channel="confidential",
            report={"what": "x"}, identity={"name": "y"}))
        theirs.commit()
        second_id = second.id
    second = session.get(Case, second_id)
    assert _seal_days(session, second) == _seal_days(session, first) == {
        seals.day_for(session, rt, seals.day_keys(rt), second)}
    assert custody.open_case_key(session, second, intake.user, key_of(intake)).compartments()


def test_a_wrap_sealed_to_a_day_the_ratchet_passed_opens_for_nobody(session, rt, filed):
    intake, case = filed
    day = next(iter(_seal_days(session, case)))
    # Forced past (as an attacker's old copy would be): the holder's own
    # key no longer opens the case.
    ratchet.advance_file(rt.keyring.keys_dir, day + timedelta(days=1))
    session.expire_all()
    with pytest.raises(custody.NoAccess):
        custody.open_case_key(session, session.get(Case, case.id), intake.user, key_of(intake))


def test_the_retention_run_says_when_the_ratchet_is_held(session, rt, app, units,
                                                         make_staff, monkeypatch):
    make_staff("intake")
    case, _code = file_report(session, rt, units)
    session.commit()
    # A re-seal that could not run (a crash): the ratchet stays and says why.
    monkeypatch.setattr(seals, "reseal_due", lambda *a, **k: seals.ResealReport())
    later = (utcnow() + timedelta(days=45)).date().isoformat()
    result = app.test_cli_runner().invoke(args=["retention", "run", "--now", later])
    assert result.exit_code == 1
    assert "ratchet NOT advanced" in result.output and case.number in result.output
    assert ratchet.read_state(rt.keyring.keys_dir).day == _today()


def test_a_keys_backup_is_dated_encrypted_to_the_recovery_key_and_rotated(
        session, rt, app, settings, tmp_path):
    from app.crypto.keys import unlock_private_key
    from app.retention import keys_backup
    from tests.conftest import RECOVERY_PASSPHRASE

    out = tmp_path / "keys-backups"
    old = keys_backup.write_backup(rt.keyring.keys_dir, out, _today() - timedelta(days=9))
    result = app.test_cli_runner().invoke(args=["keys", "backup", "--out", str(out),
                                                "--keep-days", "7"])
    assert result.exit_code == 0, result.output
    assert f"Deleted {old.name}" in result.output and not old.exists()
    [backup] = keys_backup.backups(out)
    assert backup.day == _today()
    raw = backup.path.read_bytes()
    secret = ratchet.read_state(rt.keyring.keys_dir).secret
    assert secret not in raw and secret.hex().encode() not in raw
    assert backup.path.stat().st_mode & 0o777 == 0o600
    recovery = unlock_private_key((settings.instance_dir / "recovery.offline").read_bytes(),
                                  RECOVERY_PASSPHRASE)
    files = keys_backup.read_backup(backup.path, recovery)
    assert ratchet.RatchetState.from_bytes(files["ratchet"]).secret == secret
    assert files["receipt_pepper"] == rt.keyring.receipt_pepper
    # Inside keys/ is refused: a backup there would travel with what it protects.
    refused = app.test_cli_runner().invoke(args=["keys", "backup", "--out",
                                                 str(rt.keyring.keys_dir / "b")])
    assert refused.exit_code != 0


def test_a_row_from_before_the_ratchet_is_sealed_by_init(session, rt, app, units, make_staff):
    intake = make_staff("intake")
    case, _code = file_report(session, rt, units)
    session.commit()
    # As migration 0026 left it without keys/: unsealed, no seal day.
    days = seals.day_keys(rt)
    for row in session.scalars(select(CompartmentWrap).where(CompartmentWrap.case_id == case.id)):
        row.wrapped_key = seals.unseal(days, row.wrapped_key, kind=seals.COMPARTMENT_WRAP,
                                       day=row.seal_day)
        row.seal_day = None
    session.commit()
    assert seals.unsealed_count(session) > 0
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Sealed" in result.output
    assert seals.unsealed_count(session) == 0
    session.expire_all()
    assert custody.open_case_key(session, session.get(Case, case.id), intake.user,
                                 key_of(intake)).compartments()


def test_a_removed_holders_old_wrap_stops_opening_a_lease_later_while_the_case_lives(
        session, rt, closing, make_staff):
    ic, keys, case, _expires = closing
    perform(session, rt, case, ic.user, key_of(ic), "reopen", reason="nieuw feit gemeld")
    intake_holder = session.scalar(select(KeyWrap).where(
        KeyWrap.case_id == case.id, KeyWrap.recipient.like("user:%"),
        KeyWrap.user_id != ic.user.id))
    # What an old copy of the database (WAL, a backup) keeps of the holder.
    old = [(row.wrapped_key, row.seal_day) for row in intake_holder.keys]
    custody.remove_holders(session, rt, case, [intake_holder])
    session.commit()
    for day in (20, 40):  # two daily sweeps, each re-sealing what lives
        report = run_sweep(session, rt, now=utcnow() + timedelta(days=day))
        assert report.ratchet_held is None
    now_keys = seals.day_keys(rt)
    for blob, day in old:
        with pytest.raises(CryptoError):
            seals.unseal(now_keys, blob, kind=seals.COMPARTMENT_WRAP, day=day)
    session.expire_all()
    assert custody.open_case_key(session, session.get(Case, case.id), ic.user,
                                 key_of(ic)).compartments()


def test_a_sweep_that_can_not_write_keys_ratchet_says_so(
        session, rt, filed, monkeypatch):
    def read_only(*_args, **_kwargs):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(ratchet, "advance_file", read_only)
    report = run_sweep(session, rt, now=utcnow() + timedelta(days=1))
    assert report.ratchet_held == "keys/ratchet can not be replaced here (Read-only file system)"
    assert report.resealed == 0 and ratchet.read_state(rt.keyring.keys_dir).day == _today()
