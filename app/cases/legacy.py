"""Moving a case from before compartments (one case key for everything) to
compartments.

The server alone can not do it: the old case key exists only wrapped to a
holder's public key, the recovery key or the reporter's code. So a case
moves when one of those is at hand:
- lazily, the first time a staff holder opens it (custody.open_case_key);
- in a ceremony with the offline recovery key, every case at once
  (`meldpunt keys upgrade-cases`, app/cases/recovery.py).
Either way every content field is decrypted with the old key and sealed
again in its compartment, every holder gets the compartments their role may
hold, and every staff and recovery wrap of the old key is deleted.

The reporter's receipt still holds the old key under the code. Until the
reporter next signs in, their compartment keys are kept for them sealed
under that old key (the "bridge" on the receipt); at that sign-in the
receipt gets a key pair, the reporter's compartments are wrapped to it and
the old wrap and the bridge are deleted (`upgrade_receipt`). Until then
anyone who kept the old case key could open the bridge: SECURITY.md says so.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import trust
from app.cases import custody, seals
from app.cases.content import encrypt_json, encrypt_text, note_context, note_field
from app.cases.minutes import _body_field, _correction_field
from app.crypto import secretbox
from app.crypto.compartments import (
    CASEFILE,
    CONVERSATION,
    IDENTITY,
    REPORT,
    CaseKeys,
    personal,
    referral,
    seal,
)
from app.crypto.envelope import (
    CaseKey,
    decrypt_field,
    unwrap_case_key,
    unwrap_case_key_symmetric,
)
from app.crypto.errors import CryptoError
from app.crypto.keys import PrivateKey
from app.crypto.tokens import b64, unb64
from app.models import (
    Attachment,
    Case,
    CaseNote,
    CaseRestriction,
    ExternalReferral,
    IdentityConsent,
    KeyWrap,
    Message,
    MinutesVersion,
    Receipt,
    User,
)
from app.runtime import Runtime
from app.vocabulary import AuditAction, AuthorKind, Role, Track

RECEIPT_RECIPIENT = "receipt"
_BRIDGE_AAD = b"meldpunt-legacy-bridge-v1\0"


def unwrap_legacy(wrap: KeyWrap, private_key: PrivateKey, case: Case) -> CaseKey:
    if wrap.wrapped_key is None:
        raise CryptoError("not a wrap of a case from before compartments")
    opened = seals.unseal(seals.day_keys_of(wrap), wrap.wrapped_key, kind=seals.CASE_KEY_WRAP,
                          day=wrap.seal_day)
    return unwrap_case_key(opened, private_key, case_id=case.number,
                           recipient=wrap.recipient, suite_id=wrap.suite_id)


def _receipt_value(receipt: Receipt, blob: bytes, kind: str) -> bytes:
    """One of the receipt's old values, unsealed from its ratchet day."""
    return seals.unseal(seals.day_keys_of(receipt), blob, kind=kind, day=receipt.seal_day)


def _seal_bridge(session: Session, rt: Runtime, case: Case, receipt: Receipt,
                 bridge: bytes) -> None:
    """The bridge goes on the receipt sealed to the receipt's day (a
    receipt not sealed yet gets its day now, its old wrap sealed too)."""
    days = seals.day_keys(rt)
    if receipt.seal_day is None:
        day = seals.day_for(session, rt, days, case)
        if receipt.wrapped_key is not None:
            receipt.wrapped_key = seals.seal(days, receipt.wrapped_key, kind=seals.RECEIPT_WRAP,
                                             day=day)
        if receipt.private_key_ciphertext is not None:
            receipt.private_key_ciphertext = seals.seal(
                days, receipt.private_key_ciphertext, kind=seals.RECEIPT_PRIVATE_KEY, day=day)
        receipt.seal_day = day
    receipt.bridge_ciphertext = seals.seal(days, bridge, kind=seals.RECEIPT_BRIDGE,
                                           day=receipt.seal_day)


def _old(legacy: CaseKey, case: Case, blob: bytes, field: str) -> bytes:
    return decrypt_field(legacy, blob, case_id=case.number, field=field)


def _note_compartment(note: CaseNote, latest_referral: int | None) -> str:
    if note.visibility == "personal" and note.author_id is not None:
        return personal(note.author_id)
    if note.visibility == "referral" and latest_referral is not None:
        return referral(latest_referral)
    return CASEFILE


def _attachment_compartment(row: Attachment, latest_referral: int | None) -> str:
    if row.uploaded_by_kind == AuthorKind.REPORTER:
        return REPORT
    if row.uploaded_by_kind == AuthorKind.EXTERNAL and latest_referral is not None:
        return referral(latest_referral)
    return CASEFILE


def upgrade_case(session: Session, rt: Runtime, case: Case, legacy: CaseKey) -> CaseKeys:
    """Re-seal every field of the case in its compartment and give every
    holder what their role may hold (see the module's docstring). Returns
    every compartment's keys. In the caller's transaction."""
    keys = custody.new_case_keys(case)
    referrals = list(session.scalars(select(ExternalReferral).where(
        ExternalReferral.case_id == case.id).order_by(ExternalReferral.id)))
    for row in referrals:
        keys.add(referral(row.id), 1, custody.new_compartment_key())
    latest = referrals[-1].id if referrals else None
    _consent_as_before(session, case, referrals)
    if case.report_ciphertext is not None:
        case.report_ciphertext = seal(keys, _old(legacy, case, case.report_ciphertext, "report"),
                                      compartment=REPORT, field="report")
    if case.identity_ciphertext is not None:
        case.identity_ciphertext = seal(
            keys, _old(legacy, case, case.identity_ciphertext, "identity"),
            compartment=IDENTITY, field="identity")
    if case.legal_hold_reason_ciphertext is not None:
        case.legal_hold_reason_ciphertext = seal(
            keys, _old(legacy, case, case.legal_hold_reason_ciphertext, "legal_hold_reason"),
            compartment=CASEFILE, field="legal_hold_reason")
    for message in session.scalars(select(Message).where(Message.case_id == case.id)):
        field = f"message:{message.id}"
        message.body_ciphertext = seal(
            keys, _old(legacy, case, message.body_ciphertext, field), compartment=CONVERSATION,
            field=field, context={"author_kind": message.author_kind,
                                  "author_id": message.author_id,
                                  "author_role": message.author_role})
    for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        note.compartment = _note_compartment(note, latest)
        if not keys.has(note.compartment):
            keys.add(note.compartment, 1, custody.new_compartment_key())
        text = _old(legacy, case, note.body_ciphertext, note_field(note.id)).decode()
        note.body_ciphertext = encrypt_text(keys, text, field=note_field(note.id),
                                            compartment=note.compartment,
                                            context=note_context(note))
    files: dict[str, dict] = {}
    for upload in session.scalars(select(Attachment).where(Attachment.case_id == case.id)):
        meta_field = f"attachment:{upload.file_id}:meta"
        key_field = f"attachment:{upload.file_id}:key"
        meta = json.loads(_old(legacy, case, upload.meta_ciphertext, meta_field))
        file_key = _old(legacy, case, upload.file_key_ciphertext, key_field)
        upload.compartment = _attachment_compartment(upload, latest)
        context = {"uploaded_by_kind": upload.uploaded_by_kind,
                   "uploaded_by_id": upload.uploaded_by_id}
        upload.meta_ciphertext = encrypt_json(keys, case, meta_field, meta,
                                              compartment=upload.compartment, context=context)
        upload.file_key_ciphertext = seal(keys, file_key, compartment=upload.compartment,
                                          field=key_field, context=context)
        files[str(upload.id)] = {**meta, "key": b64(file_key)}
    for version in session.scalars(select(MinutesVersion).where(
            MinutesVersion.case_id == case.id)):
        body_field = _body_field(version.minutes_id, version.version)
        version.body_ciphertext = encrypt_json(
            keys, case, body_field, json.loads(_old(legacy, case, version.body_ciphertext,
                                                    body_field)),
            compartment=CONVERSATION, context={"created_by_id": version.created_by_id})
        if version.correction_ciphertext is not None:
            correction_field = _correction_field(version.minutes_id, version.version)
            version.correction_ciphertext = seal(
                keys, _old(legacy, case, version.correction_ciphertext, correction_field),
                compartment=CONVERSATION, field=correction_field)
    for restriction in session.scalars(select(CaseRestriction).where(
            CaseRestriction.case_id == case.id,
            CaseRestriction.lift_reason_ciphertext.is_not(None))):
        field = f"restriction:{restriction.id}"
        assert restriction.lift_reason_ciphertext is not None
        restriction.lift_reason_ciphertext = seal(
            keys, _old(legacy, case, restriction.lift_reason_ciphertext, field),
            compartment=CASEFILE, field=field)
    for row in referrals:
        compartment = referral(row.id)
        package = json.loads(_old(legacy, case, row.package_ciphertext, compartment))
        package["files"] = {i: files[i] for i in row.attachment_ids.split(",") if i in files}
        row.package_ciphertext = encrypt_json(keys, case, compartment, package,
                                              compartment=compartment,
                                              context={"bureau_id": row.bureau_id})
    _rewrap_holders(session, rt, case, keys, referrals)
    receipt = session.scalar(select(Receipt).where(Receipt.case_id == case.id))
    if receipt is not None and receipt.wrapped_key is not None:
        reporter = keys.only(custody.REPORTER_COMPARTMENTS)
        _seal_bridge(session, rt, case, receipt, secretbox.seal(legacy.raw, json.dumps(
            [[c, g, b64(raw)] for c, g, raw in reporter.items()]).encode(),
            _BRIDGE_AAD + case.number.encode()))
    session.flush()
    return keys


def _consent_as_before(session: Session, case: Case,
                       referrals: list[ExternalReferral]) -> None:
    """Before compartments the integrity coordinators of a confidential or
    open report read the name, and a bureau got it when the reporter's one
    consent stood: recorded as consent that names them, so moving the case
    takes nothing away that was given (the reporter can withdraw it)."""
    wanted = set()
    if case.identity_ciphertext is not None and case.track == Track.REPORT:
        wanted.add("ic")
    wanted |= {custody.bureau_consent(r.bureau_id) for r in referrals if r.includes_identity}
    for recipient in sorted(wanted):
        if not custody.consent_stands(session, case, recipient):
            session.add(IdentityConsent(case_id=case.id, recipient=recipient))
    session.flush()


def _rewrap_holders(session: Session, rt: Runtime, case: Case, keys: CaseKeys,
                    referrals: list[ExternalReferral]) -> None:
    """Each staff holder gets what their role may hold; the recovery key
    everything; the old wraps go."""
    for holder in session.scalars(select(KeyWrap).where(KeyWrap.case_id == case.id)).all():
        user = session.get(User, holder.user_id) if holder.user_id else None
        if holder.recipient == custody.RECOVERY:
            continue
        role = custody.holding_role(user, case) if user is not None else None
        if user is None or user.public_key is None or (
                user.key_fingerprint != holder.key_fingerprint) or (
                role is not None and not trust.endorsed(session, rt, user, role)):
            # A stale wrap (key reset) or a key not endorsed (or revoked): a
            # colleague re-grants it later, to an endorsed key.
            holder.wrapped_key = None
            continue
        if role is Role.EXTERNAL:
            mine = [referral(r.id) for r in referrals
                    if r.bureau_id == user.unit_id and r.ended_at is None]
            custody.wrap_for_user(session, rt, case, keys, user, role=role, compartments=mine,
                                  log=False)
        elif role is not None:
            custody.wrap_for_user(session, rt, case, keys, user, role=role, log=False)
        holder.wrapped_key = None
    custody.wrap_for_recovery(session, rt, case, keys, rt.keyring.recovery_public)


def upgrade_receipt(session: Session, rt: Runtime, case: Case, receipt: Receipt,
                    kek: bytes) -> None:
    """A receipt from before compartments, at the reporter's sign-in: the old
    key opens the bridge (or, for a case no holder has opened since, moves
    the case first), the receipt gets a key pair and the old wrap and the
    bridge are deleted."""
    if receipt.wrapped_key is None:
        raise CryptoError("receipt has no old wrap")
    legacy = unwrap_case_key_symmetric(
        _receipt_value(receipt, receipt.wrapped_key, seals.RECEIPT_WRAP), kek,
        case_id=case.number, recipient=RECEIPT_RECIPIENT)
    if receipt.bridge_ciphertext is None:
        upgrade_case(session, rt, case, legacy)
    assert receipt.bridge_ciphertext is not None
    entries = json.loads(secretbox.open_sealed(
        legacy.raw, _receipt_value(receipt, receipt.bridge_ciphertext, seals.RECEIPT_BRIDGE),
        _BRIDGE_AAD + case.number.encode()))
    reporter = CaseKeys(case.number, {(c, g): unb64(raw) for c, g, raw in entries})
    custody.issue_reporter_keys(session, rt, case, receipt, kek, reporter)
    receipt.wrapped_key = None
    receipt.bridge_ciphertext = None
    session.flush()


def legacy_cases(session: Session) -> list[Case]:
    """Cases with a wrap of the single case key left (not moved yet)."""
    return list(session.scalars(select(Case).where(
        Case.shredded_at.is_(None),
        Case.id.in_(select(KeyWrap.case_id).where(KeyWrap.wrapped_key.is_not(None))),
    ).order_by(Case.id)))


def move_if_needed(session: Session, rt: Runtime, case: Case, user: User,
                   private_key: PrivateKey | None) -> bool:
    """A staff holder opens a case from before compartments: move it now
    with the case key their old wrap opens (audit-logged). True if it moved;
    a wrap that does not open leaves it as it is (custody then refuses)."""
    if private_key is None or case.shredded_at is not None:
        return False
    wrap = custody.current_wrap(session, case, user)
    if wrap is None or wrap.wrapped_key is None:
        return False
    try:
        upgrade_case(session, rt, case, unwrap_legacy(wrap, private_key, case))
    except CryptoError:
        session.rollback()
        return False
    rt.audit.record(session, actor=custody.recipient_for(user),
                    action=AuditAction.KEYS_CASE_UPGRADED, object_type="case",
                    object_id=case.number)
    session.commit()
    return True
