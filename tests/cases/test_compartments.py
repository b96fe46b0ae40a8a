"""Issue #18: compartments, attacked as an insider would — with a copy of the
database and one person's password, no web session.

`Insider.opens` tries every compartment key the insider can unwrap from the
database rows with their own private key against a ciphertext, with the
field and clear metadata its row names. What it can not open, no page can
show them either.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from app.cases import custody, mailbox, seals
from app.cases.casework import send_message_to_reporter, write_note
from app.cases.content import read_identity, read_report
from app.cases.intake import Upload
from app.cases.notes import read_notes
from app.cases.workflow import IdentityConsentMissing, perform
from app.crypto.compartments import IDENTITY, CaseKeys, CompartmentClosed, seal, unseal, unwrap_key
from app.crypto.errors import CryptoError, DecryptionError
from app.crypto.keys import PrivateKey, unlock_private_key
from app.errors import DomainError
from app.models import (
    Attachment,
    Case,
    CaseNote,
    CompartmentWrap,
    ExternalReferral,
    IdentityConsent,
    KeyWrap,
    Message,
    User,
)
from app.vocabulary import State
from tests.cases.conftest import key_of
from tests.conftest import PASSWORD

NAME = {"name": "Anna Melder", "email": "anna@example.test"}


class Insider:
    """What one person can decrypt with the database and their password."""

    def __init__(self, session, case: Case, user: User) -> None:  # type: ignore[no-untyped-def]
        self.session, self.case = session, case
        assert user.private_key_protected is not None
        self.private: PrivateKey = unlock_private_key(user.private_key_protected, PASSWORD)
        self.recipient = f"user:{user.id}"

    def keys(self) -> CaseKeys:
        """Every compartment key in the database that their key unwraps —
        trying every wrap of the case, not only the rows named for them
        (with the server's keys/: the erasure ratchet opens every seal)."""
        keys = CaseKeys(self.case.number)
        rows = self.session.execute(
            select(CompartmentWrap, KeyWrap.recipient).join(KeyWrap)
            .where(CompartmentWrap.case_id == self.case.id)).all()
        for wrapped, recipient in rows:
            for as_whom in {recipient, self.recipient}:
                try:
                    keys.add(wrapped.compartment, wrapped.generation, unwrap_key(
                        seals.unseal(seals.day_keys_of(wrapped), wrapped.wrapped_key,
                                     kind=seals.COMPARTMENT_WRAP, day=wrapped.seal_day),
                        self.private, case_id=self.case.number,
                        recipient=as_whom, compartment=wrapped.compartment,
                        generation=wrapped.generation))
                except CryptoError:
                    pass
        return keys

    def opens(self, blob: bytes | None, field: str, context: dict | None = None) -> bool:
        if blob is None:
            return False
        keys = self.keys()
        for compartment in keys.compartments():
            try:
                unseal(keys, blob, compartment=compartment, field=field, context=context)
                return True
            except CryptoError:
                continue
        return False

    def compartments(self) -> set[str]:
        return self.keys().compartments()


def _message_context(message: Message) -> dict:
    return {"author_kind": message.author_kind, "author_id": message.author_id,
            "author_role": message.author_role}


def _note_context(note: CaseNote) -> dict:
    return {"author_id": note.author_id, "visibility": note.visibility}


def _attachment_opens(insider: Insider, row: Attachment) -> bool:
    return insider.opens(row.meta_ciphertext, f"attachment:{row.file_id}:meta",
                         {"uploaded_by_kind": row.uploaded_by_kind,
                          "uploaded_by_id": row.uploaded_by_id})


@pytest.fixture()
def cast(make_staff):  # type: ignore[no-untyped-def]
    return {"intake": make_staff("intake"), "ic": make_staff("integriteitscoordinator"),
            "ic2": make_staff("integriteitscoordinator"),
            "investigator": make_staff("external_investigator")}


def _formal_case(session, rt, new_case, cast):  # type: ignore[no-untyped-def]
    """A confidential formal report with two files, routed to the IC, who
    has written notes and messages; the reporter has signed in (so the ICs,
    named by the form's consent, hold the identity)."""
    case, code = new_case(identity=NAME, uploads=[
        Upload("bewijs.txt", "text/plain", [b"referred evidence"]),
        Upload("dagboek.txt", "text/plain", [b"private diary"])])
    intake = cast["intake"]
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    mailbox.sign_in(session, rt, code)
    ic = cast["ic"]
    key = custody.open_case_key(session, case, ic.user, key_of(ic))
    write_note(session, rt, case, key, ic.user, "Interne notitie", "internal")
    write_note(session, rt, case, key, ic.user, "Alleen voor mij", "personal")
    send_message_to_reporter(session, rt, case, key, ic.user, "Een vraag aan de melder")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    return case, code


def _refer(session, rt, case, cast, units, **extra):  # type: ignore[no-untyped-def]
    first = session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                            .order_by(Attachment.id)).first()
    perform(session, rt, case, cast["ic"].user, key_of(cast["ic"]), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["what"],
            attachment_ids=[str(first.id)], **extra)
    return session.scalar(select(ExternalReferral).where(ExternalReferral.case_id == case.id))


def test_the_investigator_opens_only_the_referral_package(session, rt, new_case, cast, units):
    case, _ = _formal_case(session, rt, new_case, cast)
    referral = _refer(session, rt, case, cast, units)
    bureau = Insider(session, case, cast["investigator"].user)

    assert bureau.compartments() == {f"referral:{referral.id}"}
    package = json.loads(unseal(bureau.keys(), referral.package_ciphertext,
                                compartment=f"referral:{referral.id}",
                                field=f"referral:{referral.id}",
                                context={"bureau_id": referral.bureau_id}))
    assert package["report"] == {"what": "Mijn leidinggevende schreeuwt"}
    assert "identity" not in package
    referred, unreferred = session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)).all()
    assert list(package["files"]) == [str(referred.id)]
    # Not the identity, the report, any note or message, nor the other file.
    assert not bureau.opens(case.identity_ciphertext, "identity")
    assert not bureau.opens(case.report_ciphertext, "report")
    for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        assert not bureau.opens(note.body_ciphertext, f"note:{note.id}", _note_context(note))
    for message in session.scalars(select(Message).where(Message.case_id == case.id)):
        assert not bureau.opens(message.body_ciphertext, f"message:{message.id}",
                                _message_context(message))
    assert not _attachment_opens(bureau, unreferred)
    assert not _attachment_opens(bureau, referred)  # only the package's copy of its key

    # Delivery ends the referral: the bureau's wraps are gone and what the IC
    # writes for the bureau afterwards does not open with its old keys.
    old_keys = bureau.keys()
    perform(session, rt, case, cast["investigator"].user, key_of(cast["investigator"]),
            "deliver_external_report", findings="Gegrond.")
    assert session.scalar(select(KeyWrap).where(
        KeyWrap.case_id == case.id,
        KeyWrap.user_id == cast["investigator"].user.id)) is None
    ic_key = custody.open_case_key(session, case, cast["ic"].user, key_of(cast["ic"]))
    write_note(session, rt, case, ic_key, cast["ic"].user, "Na de levering", "referral")
    late = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                           .order_by(CaseNote.id.desc())).first()
    assert late.compartment == f"referral:{referral.id}"
    with pytest.raises(CompartmentClosed):
        unseal(old_keys, late.body_ciphertext, compartment=late.compartment,
               field=f"note:{late.id}", context=_note_context(late))
    assert not Insider(session, case, cast["investigator"].user).opens(
        late.body_ciphertext, f"note:{late.id}", _note_context(late))
    # The IC reads the findings and the late note.
    bodies = [n.body for n in read_notes(session, case, ic_key, cast["ic"].user)]
    assert "Gegrond." in bodies and "Na de levering" in bodies


def test_closing_ends_a_referral_and_a_note_at_reopening_stays_closed_to_the_bureau(
        session, rt, new_case, cast, units):
    case, _ = _formal_case(session, rt, new_case, cast)
    referral = _refer(session, rt, case, cast, units)
    ic = cast["ic"]
    # The IC decides and closes while the bureau never delivered.
    case.state = State.DECISION
    session.commit()
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="unfounded")
    perform(session, rt, case, ic.user, key_of(ic), "close", close_reason="handled")
    session.refresh(referral)
    assert referral.ended_at is not None
    assert not Insider(session, case, cast["investigator"].user).compartments()
    perform(session, rt, case, ic.user, key_of(ic), "reopen", reason="Nieuw feit")
    note = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                           .order_by(CaseNote.id.desc())).first()
    assert not Insider(session, case, cast["investigator"].user).opens(
        note.body_ciphertext, f"note:{note.id}", _note_context(note))


def test_the_bureau_gets_the_name_only_with_consent_that_names_it(
        session, rt, new_case, cast, units):
    case, code = _formal_case(session, rt, new_case, cast)
    # The old single consent ("pass it on") is no consent to give the name.
    case.consent_given_at = case.received_at
    session.commit()
    with pytest.raises(IdentityConsentMissing):
        _refer(session, rt, case, cast, units, include_identity="y")
    opened, _ = mailbox.sign_in(session, rt, code)
    bureau = f"bureau:{units['bureau-integriteit'].id}"
    mailbox.set_name_consent(session, rt, opened, bureau, True)
    referral = _refer(session, rt, case, cast, units, include_identity="y")
    keys = Insider(session, case, cast["investigator"].user).keys()
    package = json.loads(unseal(keys, referral.package_ciphertext,
                                compartment=f"referral:{referral.id}",
                                field=f"referral:{referral.id}",
                                context={"bureau_id": referral.bureau_id}))
    assert package["identity"] == NAME


def test_intake_opens_no_identity_and_no_request_for_a_vp(session, rt, new_case, cast,
                                                         make_staff, units):
    intake = Insider(session, new_case(identity=NAME)[0], cast["intake"].user)
    assert intake.opens(intake.case.report_ciphertext, "report")
    assert not intake.opens(intake.case.identity_ciphertext, "identity")
    assert IDENTITY not in intake.compartments()

    vp = make_staff("vertrouwenspersoon")
    advice, _ = new_case(track="advice", identity=NAME)
    to_vp = Insider(session, advice, cast["intake"].user)
    assert not to_vp.compartments()
    assert not to_vp.opens(advice.report_ciphertext, "report")
    # The VP it went to reads it, name included.
    keys = custody.open_case_key(session, advice, vp.user, key_of(vp))
    assert read_identity(keys, advice) == NAME
    assert read_report(keys, advice)["what"] == "Mijn leidinggevende schreeuwt"


def test_after_withdrawal_the_ic_opens_nothing_new_of_the_identity(
        client, session, rt, new_case, cast):
    case, code = _formal_case(session, rt, new_case, cast)
    ic = Insider(session, case, cast["ic"].user)
    assert ic.opens(case.identity_ciphertext, "identity")  # the form's consent
    opened, _ = mailbox.sign_in(session, rt, code)
    mailbox.set_name_consent(session, rt, opened, "ic", False)
    assert session.scalar(select(IdentityConsent.withdrawn_at).where(
        IdentityConsent.case_id == case.id)) is not None
    assert IDENTITY not in ic.compartments()
    # The identity moved on: what is sealed in it from now on (by the
    # reporter, who holds the new generation) does not open with any key
    # the IC ever had.
    opened, _ = mailbox.sign_in(session, rt, code)
    assert opened.key.current(IDENTITY) == 2
    newer = seal(opened.key, b'{"name": "Anna"}', compartment=IDENTITY, field="identity")
    assert not ic.opens(newer, "identity")
    keys_before = CaseKeys(case.number)
    with pytest.raises(CompartmentClosed):
        unseal(keys_before, newer, compartment=IDENTITY, field="identity")
    # A sign-in later passes nothing on while consent stays withdrawn.
    mailbox.sign_in(session, rt, code)
    assert IDENTITY not in Insider(session, case, cast["ic"].user).compartments()


def test_a_personal_note_opens_only_for_its_author(session, rt, new_case, cast):
    case, _ = _formal_case(session, rt, new_case, cast)
    note = session.scalar(select(CaseNote).where(CaseNote.case_id == case.id,
                                                 CaseNote.visibility == "personal"))
    field, context = f"note:{note.id}", _note_context(note)
    assert Insider(session, case, cast["ic"].user).opens(note.body_ciphertext, field, context)
    for other in ("ic2", "intake", "investigator"):
        assert not Insider(session, case, cast[other].user).opens(note.body_ciphertext, field,
                                                                   context)
    ic2_key = custody.open_case_key(session, case, cast["ic2"].user, key_of(cast["ic2"]))
    assert "Alleen voor mij" not in [n.body for n in read_notes(session, case, ic2_key,
                                                                cast["ic2"].user)]


@pytest.mark.parametrize("change", [
    ("note", "visibility", "personal"),
    ("note", "author_id", "other"),
    ("message", "author_kind", "reporter"),
    ("message", "author_role", "vertrouwenspersoon"),
    ("message", "author_id", "other"),
    ("attachment", "uploaded_by_kind", "staff"),
])
def test_relabelling_a_row_in_the_database_makes_it_fail(session, rt, new_case, cast, change):
    """Clear metadata is bound to the ciphertext: who wrote it, as what, for whom."""
    case, _ = _formal_case(session, rt, new_case, cast)
    ic = cast["ic"]
    kind, column, value = change
    if value == "other":
        value = cast["ic2"].user.id
    model, where = {
        "note": (CaseNote, CaseNote.visibility == "internal"),
        "message": (Message, Message.author_kind == "staff"),
        "attachment": (Attachment, Attachment.uploaded_by_kind == "reporter"),
    }[kind]
    row_id = session.scalars(select(model.id).where(model.case_id == case.id, where)).first()
    session.execute(update(model).where(model.id == row_id).values({column: value}))
    session.commit()
    session.expire_all()
    key = custody.open_case_key(session, case, ic.user, key_of(ic))
    row = session.get(model, row_id)
    with pytest.raises(DecryptionError):
        if kind == "note":
            unseal(key, row.body_ciphertext, compartment=row.compartment,
                   field=f"note:{row.id}", context=_note_context(row))
        elif kind == "message":
            unseal(key, row.body_ciphertext, compartment="conversation",
                   field=f"message:{row.id}", context=_message_context(row))
        else:
            unseal(key, row.meta_ciphertext, compartment=row.compartment,
                   field=f"attachment:{row.file_id}:meta",
                   context={"uploaded_by_kind": row.uploaded_by_kind,
                            "uploaded_by_id": row.uploaded_by_id})


def test_a_personal_note_relabelled_internal_opens_for_nobody_else(session, rt, new_case, cast):
    """Moving a personal note into the case file in the database: its key is
    still its author's, so colleagues can not read it."""
    case, _ = _formal_case(session, rt, new_case, cast)
    session.execute(update(CaseNote).where(CaseNote.case_id == case.id,
                                           CaseNote.visibility == "personal")
                    .values(visibility="internal", compartment="casefile"))
    session.commit()
    ic2 = cast["ic2"]
    key = custody.open_case_key(session, case, ic2.user, key_of(ic2))
    with pytest.raises(DecryptionError):
        read_notes(session, case, key, ic2.user)


def test_a_withdrawn_holder_can_not_write_under_an_old_generation(session, rt, new_case, cast):
    """Keys opened before the holder was removed write nothing afterwards."""
    case, _ = _formal_case(session, rt, new_case, cast)
    ic = cast["ic"]
    stale = custody.open_case_key(session, case, ic.user, key_of(ic))
    custody.remove_holders(session, rt, case, session.scalars(select(KeyWrap).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id == ic.user.id)).all())
    session.commit()
    with pytest.raises(DomainError):
        send_message_to_reporter(session, rt, case, stale, ic.user, "Nog even dit")


def test_a_request_for_a_chosen_vp_goes_to_that_vp_alone(session, rt, new_case, make_staff):
    chosen, other = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    case, _ = new_case(track="advice", identity=NAME, report={
        "what": "Ik wil met iemand praten", "preferred_counsellor_id": chosen.user.id})
    assert Insider(session, case, chosen.user).opens(case.identity_ciphertext, "identity")
    assert not Insider(session, case, other.user).compartments()
