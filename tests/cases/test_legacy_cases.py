"""Issue #18: cases from before compartments (one case key for everything,
written as revision 0016 left them) move to compartments when a key for
them is at hand: a staff holder opening them, the reporter signing in, or
the recovery-key ceremony. Real legacy crypto, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from app.cases import custody, legacy, mailbox
from app.cases.access import open_case
from app.cases.content import read_identity, read_messages, read_report
from app.cases.notes import read_notes
from app.crypto.envelope import (
    encrypt_field,
    new_case_key,
    wrap_case_key,
    wrap_case_key_symmetric,
)
from app.crypto.keys import load_public_key
from app.crypto.receipts import (
    derive_receipt_secrets,
    generate_receipt_code,
    new_receipt_salt,
    receipt_locator,
)
from app.models import Case, CaseNote, CompartmentWrap, KeyWrap, Message, Receipt, utcnow
from tests.cases.conftest import key_of
from tests.conftest import RECOVERY_PASSPHRASE

REPORT = {"what": "Oude melding", "where": "Utrecht"}
NAME = {"name": "Oud Melder"}


def make_legacy_case(session, rt, units, holders, *, track="report"):  # type: ignore[no-untyped-def]
    """A case as revision 0016 wrote it: every field under one case key,
    wrapped whole to each holder, the recovery key and the receipt code."""
    key = new_case_key()
    now = utcnow()
    case = Case(number=f"MP-OLD{len(holders)}-{now.microsecond:04d}"[:14], unit_id=units[
        "kerndepartement"].id, track=track, channel="confidential", state="with_ic",
        received_at=now, acknowledge_due_at=now, feedback_due_at=now, acknowledged_at=now)
    session.add(case)
    session.flush()
    case.report_ciphertext = encrypt_field(key, json.dumps(REPORT).encode(),
                                           case_id=case.number, field="report")
    case.identity_ciphertext = encrypt_field(key, json.dumps(NAME).encode(),
                                             case_id=case.number, field="identity")
    message = Message(case_id=case.id, author_kind="staff", author_id=holders[0].user.id,
                      body_ciphertext=b"")
    note = CaseNote(case_id=case.id, author_id=holders[0].user.id, visibility="personal",
                    body_ciphertext=b"")
    session.add_all([message, note])
    session.flush()
    message.body_ciphertext = encrypt_field(key, b"Oud bericht", case_id=case.number,
                                            field=f"message:{message.id}")
    note.body_ciphertext = encrypt_field(key, b"Oude eigen notitie", case_id=case.number,
                                         field=f"note:{note.id}")
    for staff in holders:
        user = staff.user
        session.add(KeyWrap(case_id=case.id, recipient=f"user:{user.id}", user_id=user.id,
                            suite_id="hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM",
                            key_fingerprint=user.key_fingerprint, wrapped_key=wrap_case_key(
                                key, load_public_key(user.public_key), case_id=case.number,
                                recipient=f"user:{user.id}")))
    session.add(KeyWrap(case_id=case.id, recipient="recovery", user_id=None,
                        suite_id="hpke-v1:MLKEM768-X25519:HKDF-SHA256:AES-256-GCM",
                        key_fingerprint="old", wrapped_key=wrap_case_key(
                            key, load_public_key(rt.keyring.recovery_public),
                            case_id=case.number, recipient="recovery")))
    code = generate_receipt_code()
    salt = new_receipt_salt()
    params = rt.settings.receipt_derivation
    derived = derive_receipt_secrets(code, rt.keyring.receipt_pepper, salt, params)
    session.add(Receipt(case_id=case.id, locator=receipt_locator(code, rt.keyring.receipt_pepper),
                        salt=salt, kdf_params=params.to_json(), verifier=derived.verifier,
                        wrapped_key=wrap_case_key_symmetric(key, derived.kek,
                                                            case_id=case.number,
                                                            recipient="receipt")))
    session.commit()
    return case, code


def test_a_holder_opening_an_old_case_moves_it_and_keeps_every_promise(
        session, rt, make_staff, units):
    ic, intake = make_staff("integriteitscoordinator"), make_staff("intake")
    case, code = make_legacy_case(session, rt, units, [ic, intake])
    opened = open_case(session, rt, ic.user, key_of(ic), case.number)
    assert read_report(opened.key, case) == REPORT
    assert read_identity(opened.key, case) == NAME  # the form promised the IC the name
    assert [m.body for m in read_messages(session, case, opened.key)] == ["Oud bericht"]
    assert [n.body for n in read_notes(session, case, opened.key, ic.user)] == [
        "Oude eigen notitie"]
    # No wrap of the old single key is left with staff or the recovery key,
    # and every field is in the new format.
    assert session.scalars(select(KeyWrap.wrapped_key).where(
        KeyWrap.case_id == case.id, KeyWrap.wrapped_key.is_not(None))).all() == []
    assert case.report_ciphertext[0] == 2
    # Intake, an old holder too, gets what intake may hold: not the name,
    # not the IC's personal note.
    intake_key = custody.open_case_key(session, case, intake.user, key_of(intake))
    assert read_report(intake_key, case) == REPORT
    assert read_identity(intake_key, case) is None
    assert read_notes(session, case, intake_key, intake.user) == []

    # The reporter's old code still opens the mailbox; the receipt then gets
    # a key pair and the old wrap and the bridge are gone.
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    assert receipt.bridge_ciphertext is not None
    box, _ = mailbox.sign_in(session, rt, code)
    assert read_report(box.key, case) == REPORT and read_identity(box.key, case) == NAME
    session.refresh(receipt)
    assert receipt.wrapped_key is None and receipt.bridge_ciphertext is None
    assert receipt.public_key is not None
    assert mailbox.sign_in(session, rt, code)[0].case.id == case.id


def test_a_reporter_signing_in_first_moves_the_case(session, rt, make_staff, units):
    ic = make_staff("integriteitscoordinator")
    case, code = make_legacy_case(session, rt, units, [ic])
    box, _ = mailbox.sign_in(session, rt, code)
    assert read_report(box.key, case) == REPORT
    assert [m.body for m in read_messages(session, case, box.key, for_reporter=True)] == [
        "Oud bericht"]
    keys = custody.open_case_key(session, case, ic.user, key_of(ic))
    assert read_identity(keys, case) == NAME


def test_the_recovery_ceremony_moves_every_old_case(app, session, rt, make_staff, units,
                                                    tmp_path: Path, monkeypatch):
    vp = make_staff("vertrouwenspersoon")
    first, _ = make_legacy_case(session, rt, units, [vp], track="advice")
    second, _ = make_legacy_case(session, rt, units, [vp], track="advice")
    assert {c.id for c in legacy.legacy_cases(session)} == {first.id, second.id}
    monkeypatch.setenv("MELDPUNT_RECOVERY_PASSPHRASE", RECOVERY_PASSPHRASE)
    result = CliRunner().invoke(app.cli, ["keys", "upgrade-cases", "--key-file",
                                          str(tmp_path / "recovery.offline")],
                                catch_exceptions=False)
    assert "Moved 2 cases" in result.output
    session.expire_all()
    assert legacy.legacy_cases(session) == []
    assert session.scalar(select(CompartmentWrap.id).where(
        CompartmentWrap.case_id == first.id)) is not None
    keys = custody.open_case_key(session, first, vp.user, key_of(vp))
    assert read_identity(keys, first) == NAME
    # Safe to repeat.
    result = CliRunner().invoke(app.cli, ["keys", "upgrade-cases", "--key-file",
                                          str(tmp_path / "recovery.offline")])
    assert "Moved 0 cases" in result.output
