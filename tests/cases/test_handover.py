"""Never strand a case (issue #23): a holder hands a case to a colleague of
the right role with a reason (a wrap from their own key, logged), and loses
it; deactivating a holder first lists their open cases; the ICC sees the
stranded cases and asks for re-grants; a recovery-key ceremony re-grants
them all at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import service
from app.cases import custody, handover, mailbox
from app.cases.access import CaseNotFound, open_case
from app.cases.notes import add_note, read_notes
from app.cases.workflow import perform
from app.cli.regrants import regrant_requested_command
from app.crypto.compartments import CASEFILE, IDENTITY
from app.crypto.keys import unlock_private_key
from app.models import AuditEntry, CompartmentWrap, KeyWrap, RegrantRequest
from app.vocabulary import AuditAction, RegrantReason
from tests.cases.conftest import case_actions, key_of
from tests.conftest import RECOVERY_PASSPHRASE, post_form, sign_in


def _with_vp(session, rt, make_staff, new_case, vp):  # type: ignore[no-untyped-def]
    case, code = new_case(track="advice", identity={"name": "Anna Melder"})
    perform(session, rt, case, vp.user, key_of(vp), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, vp.user, key_of(vp), "route_to_vp", vp_id=str(vp.user.id))
    return case, code


def _audit(session, action):  # type: ignore[no-untyped-def]
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                           .order_by(AuditEntry.seq)).all()


# --- the handover ---------------------------------------------------------------------


def test_a_handover_moves_the_case_and_the_old_holder_loses_it(
        session, rt, make_staff, new_case):
    leaving, staying = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    case, _code = _with_vp(session, rt, make_staff, new_case, leaving)
    assert {u.id for u in handover.colleagues(session, case, leaving.user)} == {staying.user.id}

    handover.hand_over(session, rt, case, leaving.user, key_of(leaving), staying.user,
                       "Ik ga met pensioen.")

    opened = open_case(session, rt, staying.user, key_of(staying), case.number)
    assert opened.key.has(IDENTITY)  # a VP holds the name the reporter brought them
    notes = read_notes(session, case, opened.key, staying.user)
    assert notes[-1].body == f"[handover] {staying.user.display_name}: Ik ga met pensioen."
    with pytest.raises(CaseNotFound):
        open_case(session, rt, leaving.user, key_of(leaving), case.number)
    assert not custody.holds(session, case, leaving.user)
    assert case.counsellor_id == staying.user.id
    # Logged: the case, and the colleague it went to (the entry's target, #19).
    entries = _audit(session, AuditAction.CASE_HANDOVER)
    assert [(e.actor, e.object_type, e.object_id, e.target) for e in entries] == [
        (f"user:{leaving.user.id}", "case", case.number, f"user:{staying.user.id}")]
    assert handover.current_holders(session, case) == [staying.user]


def test_what_is_written_after_a_handover_is_under_keys_the_old_holder_never_had(
        session, rt, make_staff, new_case):
    leaving, staying = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    case, _code = _with_vp(session, rt, make_staff, new_case, leaving)
    before = custody.current_generation(session, case, CASEFILE)
    handover.hand_over(session, rt, case, leaving.user, key_of(leaving), staying.user, "Verlof.")
    assert custody.current_generation(session, case, CASEFILE) == before + 1
    assert session.scalars(select(CompartmentWrap).join(KeyWrap).where(
        KeyWrap.case_id == case.id, KeyWrap.user_id == leaving.user.id)).all() == []
    keys = open_case(session, rt, staying.user, key_of(staying), case.number).key
    note = add_note(session, rt, case, keys, staying.user, "Na de overdracht.")
    session.commit()
    assert note.body_ciphertext[1:5] == (before + 1).to_bytes(4, "big")


def test_a_handover_needs_a_reason_and_a_colleague_who_may_receive_the_case(
        session, rt, make_staff, new_case, units):
    vp, other_vp = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    ic = make_staff("integriteitscoordinator")
    case, _code = _with_vp(session, rt, make_staff, new_case, vp)

    def refused(target, reason="Reden.", actor=vp):  # type: ignore[no-untyped-def]
        with pytest.raises(handover.HandoverError) as error:
            handover.hand_over(session, rt, case, actor.user, key_of(actor), target.user, reason)
        return error.value.code

    assert refused(other_vp, reason="   ") == "no_reason"
    assert refused(vp) == "same_person"
    assert refused(ic) == "not_a_colleague"  # an advice case stays with the counsellors
    service.update_user(session, rt, make_staff("admin").user, other_vp.user,
                        display_name="Weg", unit=units["kerndepartement"],
                        roles={"vertrouwenspersoon"}, active=False)
    assert refused(other_vp) == "not_a_colleague"
    assert custody.holds(session, case, vp.user)
    # Someone who does not hold the case can not hand it over.
    with pytest.raises(custody.NoAccess):
        handover.hand_over(session, rt, case, ic.user, key_of(ic), vp.user, "Reden.")


def test_an_integrity_coordinator_hands_over_to_the_icc_but_not_to_another_units_ic(
        session, rt, make_staff, new_case):
    intake = make_staff("intake")
    ic, icc = make_staff("integriteitscoordinator"), make_staff("icc")
    elsewhere = make_staff("integriteitscoordinator", unit="rivm")
    case, _code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    assert elsewhere.user not in handover.colleagues(session, case, ic.user)
    with pytest.raises(handover.HandoverError):
        handover.hand_over(session, rt, case, ic.user, key_of(ic), elsewhere.user, "Drukte.")
    handover.hand_over(session, rt, case, ic.user, key_of(ic), icc.user, "Drukte.")
    assert open_case(session, rt, icc.user, key_of(icc), case.number).key.has(CASEFILE)
    assert not custody.holds(session, case, ic.user)


def test_the_case_page_hands_over_and_a_refused_handover_keeps_the_reason(
        client, session, rt, make_staff, new_case):
    leaving, staying = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    case, _code = _with_vp(session, rt, make_staff, new_case, leaving)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, leaving)
    page = f"/medewerkers/zaken/{case.number}"
    html = client.get(page).get_data(as_text=True)
    assert "Overdragen aan een collega" in html and staying.user.display_name in html

    refused = post_form(client, f"{page}/overdragen",
                        {"user_id": str(staying.user.id), "reason": "  "}, page=page)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Geef een reden voor de overdracht" in text
    assert 'id="handover" open' in text

    done = post_form(client, f"{page}/overdragen",
                     {"user_id": str(staying.user.id), "reason": "Ik vertrek."}, page=page)
    assert done.status_code == 302 and done.headers["Location"].endswith("/medewerkers/zaken/")
    queue = client.get("/medewerkers/zaken/").get_data(as_text=True)
    assert f"is overgedragen aan {staying.user.display_name}" in queue
    assert client.get(page).status_code == 404
    assert AuditAction.CASE_HANDOVER in case_actions(session, case.number)


# --- deactivating a holder ---------------------------------------------------------------


def test_deactivating_a_holder_with_open_cases_lists_them_and_asks_for_handover_first(
        client, session, rt, make_staff, new_case, units):
    vp = make_staff("vertrouwenspersoon")
    admin = make_staff("admin")
    case, _code = _with_vp(session, rt, make_staff, new_case, vp)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, admin)
    url = f"/medewerkers/beheer/gebruikers/{vp.user.id}"
    form = {"email": vp.email, "display_name": vp.user.display_name,
            "unit": str(units["kerndepartement"].id), "roles": "vertrouwenspersoon"}

    first = post_form(client, url, form)  # "active" not ticked
    assert first.status_code == 409
    html = first.get_data(as_text=True)
    assert case.number in html and "nog 1 open dossier" in html
    assert "Vraag" in html and "over te dragen" in html and "Mijn dossiers overdragen" in html
    session.refresh(vp.user)
    assert vp.user.active  # nothing changed yet

    second = post_form(client, url, {**form, "confirm_deactivate": "yes"})
    assert second.status_code == 302
    session.refresh(vp.user)
    assert not vp.user.active
    assert [s.case.number for s in handover.stranded_cases(session)] == [case.number]


# --- stranded cases and the ceremony ---------------------------------------------------------


def _strand(session, rt, make_staff, new_case, units, vp, count=1):  # type: ignore[no-untyped-def]
    cases = [_with_vp(session, rt, make_staff, new_case, vp)[0] for _ in range(count)]
    service.update_user(session, rt, make_staff("admin").user, vp.user,
                        display_name=vp.user.display_name, unit=units["kerndepartement"],
                        roles={"vertrouwenspersoon"}, active=False)
    return cases


def test_the_icc_sees_stranded_cases_and_requests_regrants(
        client, session, rt, make_staff, new_case, units):
    gone, successor = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    icc, ic = make_staff("icc"), make_staff("integriteitscoordinator")
    [case] = _strand(session, rt, make_staff, new_case, units, gone)
    assert handover.count_stranded(session) == 1
    [stranded] = handover.stranded_cases(session)
    assert stranded.former == [(gone.user.display_name, False)]
    assert handover.regrant_candidates(session, case) == [successor.user]

    with pytest.raises(handover.HandoverError):  # not the right desk
        handover.request_regrant(session, rt, icc.user, case, ic.user, "holder_left")
    with pytest.raises(handover.NotStranded):
        handover.request_regrant(session, rt, icc.user,
                                 _with_vp(session, rt, make_staff, new_case, successor)[0],
                                 successor.user, "holder_left")

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, icc)
    assert "Vastgelopen dossiers" in client.get("/medewerkers/").get_data(as_text=True)
    page = client.get("/medewerkers/zaken/vastgelopen").get_data(as_text=True)
    assert case.number in page and successor.user.display_name in page
    response = post_form(client, f"/medewerkers/zaken/vastgelopen/{case.number}",
                         {"user_id": str(successor.user.id), "reason": "holder_left"},
                         page="/medewerkers/zaken/vastgelopen")
    assert response.status_code == 302
    [request] = session.scalars(select(RegrantRequest)).all()
    assert (request.case_id, request.target_id, request.reason) == (
        case.id, successor.user.id, RegrantReason.HOLDER_LEFT)
    assert AuditAction.CASE_REGRANT_REQUESTED in case_actions(session, case.number)

    # Only the ICC.
    sign_in(client, ic)
    assert client.get("/medewerkers/zaken/vastgelopen").status_code == 403


def test_the_recovery_key_ceremony_regrants_every_requested_case_at_once(
        app, session, rt, make_staff, new_case, units, settings):
    gone, successor = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    icc = make_staff("icc")
    cases = _strand(session, rt, make_staff, new_case, units, gone, count=3)
    for case in cases:
        handover.request_regrant(session, rt, icc.user, case, successor.user, "holder_left")

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["keys", "regrant-requested"])
    assert listed.exit_code == 0 and all(c.number in listed.output for c in cases)
    assert "3 request(s) waiting" in listed.output
    assert handover.count_stranded(session) == 3

    result = runner.invoke(args=["keys", "regrant-requested", "--key-file",
                                 str(settings.instance_dir / "recovery.offline")],
                           input=RECOVERY_PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert "Re-granted 3 of 3" in result.output
    session.expire_all()
    assert handover.count_stranded(session) == 0
    for case in cases:
        keys = open_case(session, rt, successor.user, key_of(successor), case.number).key
        assert keys.has(IDENTITY) and keys.has(CASEFILE)
    assert len(_audit(session, AuditAction.KEYS_RECOVERY_REGRANT)) == 3
    assert handover.open_requests(session) == []
    assert "No re-grant requests" in runner.invoke(args=["keys", "regrant-requested"]).output


def test_a_request_for_a_colleague_who_left_meanwhile_stays_open(
        session, rt, make_staff, new_case, units):
    gone, successor = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    icc = make_staff("icc")
    [case] = _strand(session, rt, make_staff, new_case, units, gone)
    handover.request_regrant(session, rt, icc.user, case, successor.user, "holder_left")
    service.update_user(session, rt, make_staff("admin").user, successor.user,
                        display_name="Ook weg", unit=units["kerndepartement"],
                        roles={"vertrouwenspersoon"}, active=False)
    recovery = unlock_private_key((rt.settings.instance_dir / "recovery.offline").read_bytes(),
                                  RECOVERY_PASSPHRASE)
    [result] = handover.fulfil_requests(session, rt, recovery)
    assert result.refused == "not_a_colleague"
    assert len(handover.open_requests(session)) == 1


def test_the_ceremony_command_is_built_with_the_recovery_key_loader():
    command = regrant_requested_command(lambda path: pytest.fail("not called"))
    assert command.name == "regrant-requested"
    assert any(option.name == "key_file" for option in command.params)


def test_a_mailbox_reply_after_the_handover_tells_the_new_holder_only(
        session, rt, make_staff, new_case):
    from app.cases import notify

    leaving, staying = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    case, code = _with_vp(session, rt, make_staff, new_case, leaving)
    handover.hand_over(session, rt, case, leaving.user, key_of(leaving), staying.user, "Weg.")
    mailbox.send_message(session, rt, mailbox.sign_in(session, rt, str(code))[0], "Hallo?")
    assert [u.id for u in notify.holders_to_tell(session, case)] == [staying.user.id]


def test_a_leaver_hands_several_cases_over_at_once(client, session, rt, make_staff, new_case):
    leaving, staying = make_staff("vertrouwenspersoon"), make_staff("vertrouwenspersoon")
    first, _ = _with_vp(session, rt, make_staff, new_case, leaving)
    second, _ = _with_vp(session, rt, make_staff, new_case, leaving)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, leaving)
    url = "/medewerkers/zaken/overdragen"
    page = client.get(url).get_data(as_text=True)
    assert first.number in page and second.number in page and "alleen jij hebt het" in page

    refused = post_form(client, url, {"numbers": [first.number, second.number],
                                      "user_id": str(staying.user.id), "reason": ""})
    assert refused.status_code == 400
    assert f'value="{first.number}" checked' in refused.get_data(as_text=True)

    done = post_form(client, url, {"numbers": [first.number, second.number],
                                   "user_id": str(staying.user.id), "reason": "Ik vertrek."})
    assert done.status_code == 302
    assert "2 dossiers zijn overgedragen" in client.get(url).get_data(as_text=True)
    assert handover.open_cases_of(session, leaving.user) == []
    assert {h.case.number for h in handover.open_cases_of(session, staying.user)} == {
        first.number, second.number}
