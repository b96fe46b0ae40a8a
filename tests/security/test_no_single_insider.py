"""Issue #19: no single insider adds a recipient of a case.

Each test attacks as an insider would: the functional admin with their own
pages, a DBA with write access to every table (but not keys/), a forger of
signed statements. What the attack tries to gain is a wrap: a case key
encrypted to a key of the attacker's choosing.
"""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from app.accounts import service, trust
from app.cases import custody, workflow
from app.cases.intake import NewReport, submit_report
from app.crypto import signing
from app.crypto.keys import fingerprint, generate_keypair, public_key_bytes, unlock_private_key
from app.models import AuditEntry, Case, KeyEndorsement, KeyRevocation, KeyWrap, User, UserRole
from app.vocabulary import Role
from tests.conftest import PASSWORD, anchor_seed, post_form, sign_in


def _report(session, rt, units, unit="kerndepartement"):  # type: ignore[no-untyped-def]
    case, _code = submit_report(session, rt, NewReport(
        unit_id=units[unit].id, track="report", channel="confidential",
        report={"what": "insider test"}, identity={"name": "R. Porter"}))
    return case


def _holders(session, case) -> set[int]:  # type: ignore[no-untyped-def]
    return set(session.scalars(select(KeyWrap.user_id).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id.is_not(None))))


def _key(staff):  # type: ignore[no-untyped-def]
    return unlock_private_key(staff.user.private_key_protected, PASSWORD)


# --- the functional admin ----------------------------------------------------------


def test_an_account_the_admin_made_receives_nothing_and_the_admin_can_not_endorse_it(
        app, client, session, rt, units, make_staff):
    intake = make_staff("intake")
    admin = make_staff("admin")
    ic = make_staff("integriteitscoordinator")
    earlier = _report(session, rt, units)  # filed before the puppet exists
    # The admin makes an intake officer and an IC of their own, who enrol
    # (they know the initial passwords, so they can finish the enrolment).
    puppet = make_staff("intake", endorse=False)
    puppet_ic = make_staff("integriteitscoordinator", endorse=False)
    later = _report(session, rt, units)
    assert _holders(session, later) == {intake.user.id}
    assert puppet.user.id not in _holders(session, earlier)
    refused = session.scalars(select(AuditEntry.target).where(
        AuditEntry.action == "keys.wrap_refused", AuditEntry.object_id == later.number)).all()
    assert f"user:{puppet.user.id}" in refused

    # The admin can not endorse: not on the page (no handler role) ...
    sign_in(client, admin)
    code = trust.key_code(puppet.user)
    assert client.get("/medewerkers/sleutels/").status_code == 403
    response = post_form(client, f"/medewerkers/sleutels/{puppet.user.id}/intake",
                         {"code": code}, page="/medewerkers/")
    assert response.status_code == 403
    # ... nor directly with their own key.
    with pytest.raises(trust.EndorsementRefused):
        trust.endorse(session, rt, admin.user, _key(admin), puppet.user, "intake", code)
    session.rollback()
    # Nor can the puppets vouch for each other.
    with pytest.raises(trust.EndorsementRefused):
        trust.endorse(session, rt, puppet_ic.user, _key(puppet_ic), puppet.user, "intake", code)
    session.rollback()
    assert not trust.endorsed(session, rt, puppet.user, "intake")

    # Routing an earlier case to the puppet IC is refused: the unit has no IC
    # with an endorsed key except the real one, who gets it.
    key = custody.open_case_key(session, earlier, intake.user, _key(intake))
    assert key is not None
    workflow.perform(session, rt, earlier, intake.user, _key(intake), "acknowledge", text="x")
    workflow.perform(session, rt, earlier, intake.user, _key(intake), "route_to_ic")
    assert puppet_ic.user.id not in _holders(session, earlier)
    assert ic.user.id in _holders(session, earlier)


def test_an_admin_who_deactivates_the_real_ic_leaves_the_puppet_without_the_case(
        session, rt, units, make_staff):
    intake = make_staff("intake")
    admin = make_staff("admin")
    real_ic = make_staff("integriteitscoordinator")
    make_staff("integriteitscoordinator", endorse=False)  # the puppet
    case = _report(session, rt, units)
    service.update_user(session, rt, admin.user, real_ic.user,
                        display_name=real_ic.user.display_name, unit=real_ic.user.unit,
                        roles=real_ic.user.roles, active=False)
    workflow.perform(session, rt, case, intake.user, _key(intake), "acknowledge", text="x")
    with pytest.raises(workflow.RequirementMissing) as error:
        workflow.perform(session, rt, case, intake.user, _key(intake), "route_to_ic")
    assert error.value.code == "no_ic_for_unit"
    session.rollback()
    assert _holders(session, session.get(Case, case.id)) == {intake.user.id}


def test_duplicate_names_within_a_role_are_refused(session, rt, units, make_staff):
    make_staff("vertrouwenspersoon")
    taken = session.scalar(select(User.display_name).join(UserRole).where(
        UserRole.role == Role.VP))
    with pytest.raises(service.AccountError) as error:
        service.create_user(session, rt, email="tweede@example.test",
                            display_name=f"  {taken.upper()} ", unit=units["kerndepartement"],
                            roles={"vertrouwenspersoon"})
    assert error.value.code == "duplicate_name"
    # Another role may share the name (it never appears in the same list).
    service.create_user(session, rt, email="derde@example.test", display_name=taken,
                        unit=units["kerndepartement"], roles={"auditor"})


# --- a DBA with write access to the database -------------------------------------------


def _insert_handler(session, role: str, public: bytes) -> int:  # type: ignore[no-untyped-def]
    """What a DBA (or an SQL injection) can do: a user row with a key of
    their own and a handler role."""
    user_id = session.execute(text(
        "INSERT INTO user_account (email, display_name, unit_id, active, created_at,"
        " password_hash, password_changed_at, must_change_password, failed_logins,"
        " failed_second_factors, public_key, key_fingerprint, signing_public)"
        " SELECT 'dba@example.test', 'Dirk DBA', id, true, '2026-01-01', 'x', '2026-01-01',"
        " false, 0, 0, :pub, :fp, :sp FROM unit WHERE code = 'kerndepartement'"
        " RETURNING id"),
        {"pub": public, "fp": fingerprint(public), "sp": "00" * 32}).scalar_one()
    session.execute(text("INSERT INTO user_role (user_id, role) VALUES (:id, :role)"),
                    {"id": user_id, "role": role})
    session.commit()
    return int(user_id)


def test_a_user_row_written_into_the_database_receives_no_report_and_can_not_be_routed_to(
        session, rt, units, make_staff):
    intake = make_staff("intake")
    make_staff("vertrouwenspersoon")
    attacker = generate_keypair()
    intake_id = _insert_handler(session, "intake", public_key_bytes(attacker))
    case = _report(session, rt, units)
    assert intake_id not in _holders(session, case)
    assert _holders(session, case) == {intake.user.id}
    # A forged endorsement row helps no more: its signer is not the anchor
    # and has no endorsement of its own.
    forger = Ed25519PrivateKey.generate()
    data = signing.statement({"kind": "endorse", "v": 1, "user": intake_id,
                              "email": "dba@example.test", "role": "intake",
                              "key": fingerprint(public_key_bytes(attacker)),
                              "signing": "00" * 32, "signer": None,
                              "signer_key": signing.public_bytes(forger).hex(),
                              "at": "2026-01-01T00:00:00.000000+00:00"})
    session.add(KeyEndorsement(user_id=intake_id, role="intake", statement=data,
                               signature=signing.sign(forger, data)))
    session.commit()
    second = _report(session, rt, units)
    assert intake_id not in _holders(session, second)
    # Routing to a VP row written the same way is refused.
    vp_id = session.execute(text(
        "UPDATE user_role SET role = 'vertrouwenspersoon' WHERE user_id = :id RETURNING id"),
        {"id": intake_id}).scalar_one()
    assert vp_id
    session.commit()
    workflow.perform(session, rt, case, intake.user, _key(intake), "acknowledge", text="x")
    with pytest.raises(workflow.RequirementMissing) as error:
        workflow.perform(session, rt, case, intake.user, _key(intake), "route_to_vp",
                         vp_id=intake_id)
    assert error.value.code == "not_endorsed"
    session.rollback()
    assert intake_id not in _holders(session, session.get(Case, case.id))


def test_forged_endorsements_are_refused(session, rt, units, make_staff):
    alice = make_staff("intake")
    mallory = make_staff("intake", endorse=False)
    good = session.scalar(select(KeyEndorsement).where(KeyEndorsement.user_id == alice.user.id))
    assert trust.endorsed(session, rt, alice.user, "intake")

    # Replayed for another user: Alice's signed statement on Mallory's row.
    session.add(KeyEndorsement(user_id=mallory.user.id, role="intake",
                               statement=good.statement,
                               signature=good.signature))
    session.commit()
    assert not trust.endorsed(session, rt, mallory.user, "intake")

    # Altered: Mallory's id written into Alice's statement (signature breaks).
    fields = signing.read_statement(good.statement)
    altered = signing.statement({**fields, "user": mallory.user.id,
                                 "key": fingerprint(mallory.user.public_key),
                                 "email": mallory.user.email})
    session.add(KeyEndorsement(user_id=mallory.user.id, role="intake",
                               statement=altered,
                               signature=good.signature))
    session.commit()
    assert not trust.endorsed(session, rt, mallory.user, "intake")

    # Wrong signer: a statement for Mallory signed by a key that is not the anchor.
    stranger = Ed25519PrivateKey.generate()
    own = signing.statement({**fields, "user": mallory.user.id,
                             "key": fingerprint(mallory.user.public_key),
                             "email": mallory.user.email,
                             "signer_key": signing.public_bytes(stranger).hex()})
    session.add(KeyEndorsement(user_id=mallory.user.id, role="intake", statement=own,
                               signature=signing.sign(stranger, own)))
    session.commit()
    assert not trust.endorsed(session, rt, mallory.user, "intake")

    # Wrong key: a DBA swaps Alice's public key for one of their own; her
    # endorsement names the old key, so nothing is wrapped to the new one.
    attacker = generate_keypair()
    session.execute(text("UPDATE user_account SET public_key = :pub, key_fingerprint = :fp"
                         " WHERE id = :id"),
                    {"pub": public_key_bytes(attacker),
                     "fp": fingerprint(public_key_bytes(attacker)), "id": alice.user.id})
    session.commit()
    session.expire_all()
    assert not trust.endorsed(session, rt, session.get(User, alice.user.id), "intake")
    case = _report(session, rt, units)
    assert _holders(session, case) == set()
    # The anchor's endorsement of a key whose code does not match is refused.
    with pytest.raises(trust.EndorsementRefused):
        trust.endorse_with_anchor(session, rt, anchor_seed(rt), mallory.user, "intake",
                                  "AAAA-AAAA-AAAA-AAAA")


def test_after_deactivation_no_new_wrap_even_if_a_dba_reactivates_the_row(
        session, rt, units, make_staff):
    admin = make_staff("admin")
    leaver = make_staff("intake")
    stayer = make_staff("intake")
    held = _report(session, rt, units)
    service.update_user(session, rt, admin.user, leaver.user,
                        display_name=leaver.user.display_name, unit=leaver.user.unit,
                        roles=leaver.user.roles, active=False)
    revocation = session.scalar(select(AuditEntry).where(AuditEntry.action == "keys.revoked"))
    assert revocation.object_id == str(leaver.user.id)
    # The DBA flips the flag back and deletes the signed revocation row.
    session.execute(text("UPDATE user_account SET active = true WHERE id = :id"),
                    {"id": leaver.user.id})
    session.execute(text("DELETE FROM key_revocation"))
    session.commit()
    session.expire_all()
    assert session.scalar(select(KeyRevocation)) is None
    user = session.get(User, leaver.user.id)
    assert user.active and not trust.endorsed(session, rt, user, "intake")  # keys/revoked
    case = _report(session, rt, units)
    assert _holders(session, case) == {stayer.user.id}
    # A new generation of a case the leaver held is not wrapped to them either.
    keys = custody.open_case_key(session, held, stayer.user, _key(stayer))
    custody.rekey(session, rt, held, ["casefile"], keys)
    session.commit()
    generations = session.execute(text(
        "SELECT k.user_id, c.generation FROM compartment_wrap c JOIN key_wrap k"
        " ON k.id = c.key_wrap_id WHERE c.case_id = :id AND c.compartment = 'casefile'"),
        {"id": held.id}).all()
    newest = max(generation for _user, generation in generations)
    assert (leaver.user.id, newest) not in generations
    assert (stayer.user.id, newest) in generations


def test_a_revocation_row_signed_by_anyone_else_does_not_count(session, rt, units, make_staff):
    """A forged revocation (to lock a handler out) does not verify."""
    victim = make_staff("intake")
    stranger = Ed25519PrivateKey.generate()
    data = signing.statement({"kind": "revoke", "v": 1, "user": victim.user.id,
                              "key": fingerprint(victim.user.public_key), "role": "*",
                              "at": "2999-01-01T00:00:00.000000+00:00"})
    session.add(KeyRevocation(user_id=victim.user.id, statement=data,
                              signature=signing.sign(stranger, data)))
    session.commit()
    assert trust.endorsed(session, rt, victim.user, "intake")


# --- the ceremony and the chain ---------------------------------------------------------


def test_a_colleague_of_the_same_role_endorses_after_comparing_the_code(
        app, client, session, rt, units, make_staff):
    intake = make_staff("intake")
    vera = make_staff("vertrouwenspersoon")
    newcomer = make_staff("vertrouwenspersoon", endorse=False)
    theirs = app.test_client()
    sign_in(theirs, newcomer)
    page = theirs.get("/medewerkers/account").get_data(as_text=True)
    code = re.search(r'class="key-code"><code>([A-Z0-9-]+)</code>', page).group(1)
    assert code == trust.key_code(newcomer.user)
    sign_in(client, vera)
    listing = client.get("/medewerkers/sleutels/").get_data(as_text=True)
    assert newcomer.user.email in listing
    # A wrong code is refused and logged; nothing is endorsed.
    post_form(client, f"/medewerkers/sleutels/{newcomer.user.id}/vertrouwenspersoon",
              {"code": "2222-2222-2222-2222"}, page="/medewerkers/sleutels/")
    assert not trust.endorsed(session, rt, newcomer.user, Role.VP)
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "keys.endorsed", AuditEntry.result == "denied"))
    # The code as read out (lower case, spaces) is accepted.
    post_form(client, f"/medewerkers/sleutels/{newcomer.user.id}/vertrouwenspersoon",
              {"code": code.lower().replace("-", " ")}, page="/medewerkers/sleutels/")
    session.expire_all()
    newcomer_user = session.get(User, newcomer.user.id)
    assert trust.endorsed(session, rt, newcomer_user, Role.VP)
    entry = session.scalar(select(AuditEntry).where(
        AuditEntry.action == "keys.endorsed", AuditEntry.result == "ok",
        AuditEntry.object_id == str(newcomer.user.id)))
    assert entry.actor == f"user:{vera.user.id}" and entry.target == "role:vertrouwenspersoon"
    # A VP can not endorse an intake officer (another role) ...
    other = make_staff("intake", endorse=False)
    with pytest.raises(trust.EndorsementRefused):
        trust.endorse(session, rt, vera.user, _key(vera), other.user, "intake",
                      trust.key_code(other.user))
    session.rollback()
    # ... and now the newcomer can be routed to, by name, e-mail and unit.
    case = _report(session, rt, units)
    workflow.perform(session, rt, case, intake.user, _key(intake), "acknowledge", text="x")
    workflow.perform(session, rt, case, intake.user, _key(intake), "route_to_vp",
                     vp_id=newcomer.user.id)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "case.route_to_vp"))
    assert entry.target == f"user:{newcomer.user.id}"


def test_an_endorsement_by_a_revoked_colleague_made_before_stays_after_does_not(
        session, rt, units, make_staff):
    admin = make_staff("admin")
    icc = make_staff("icc")
    first = make_staff("intake", endorse=False)
    trust.endorse(session, rt, icc.user, _key(icc), first.user, "intake",
                  trust.key_code(first.user))
    session.commit()
    service.update_user(session, rt, admin.user, icc.user, display_name=icc.user.display_name,
                        unit=icc.user.unit, roles=icc.user.roles, active=False)
    # What the ICC endorsed before leaving stands (the chain is not torn up) ...
    assert trust.endorsed(session, rt, first.user, "intake")
    # ... but the ICC's key vouches for nobody any more.
    second = make_staff("intake", endorse=False)
    session.expire_all()
    with pytest.raises(trust.EndorsementRefused):
        trust.endorse(session, rt, session.get(User, icc.user.id), _key(icc),
                      session.get(User, second.user.id), "intake", trust.key_code(second.user))
    session.rollback()
    assert not trust.endorsed(session, rt, session.get(User, second.user.id), "intake")


def test_every_grant_and_exclusion_names_its_target(app, client, session, rt, units,
                                                    make_staff):
    intake = make_staff("intake")
    colleague = make_staff("intake")
    case = _report(session, rt, units)
    from app.cases import conflicts

    conflicts.exclude(session, rt, case, intake.user, colleague.user)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "case.excluded"))
    assert entry.target == f"user:{colleague.user.id}"
    # Holders see on the case page whom an action concerned.
    sign_in(client, intake)
    page = client.get(f"/medewerkers/zaken/{case.number}",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert colleague.user.display_name in page


def test_the_start_page_says_when_a_key_is_unconfirmed_and_when_reports_reach_nobody(
        app, client, session, rt, units, make_staff):
    admin = make_staff("admin")
    newcomer = make_staff("intake", endorse=False)
    sign_in(client, admin)
    home = client.get("/medewerkers/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "new reports reach nobody but the recovery key" in home
    theirs = app.test_client()
    sign_in(theirs, newcomer)
    home = theirs.get("/medewerkers/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your key has not been confirmed yet" in home
    make_staff("intake")  # a confirmed intake officer
    home = client.get("/medewerkers/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "reach nobody" not in home
