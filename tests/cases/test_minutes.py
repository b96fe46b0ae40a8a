"""Minutes of a meeting with the reporter (issue #4; Directive art. 9(2), 18):
the handler records and sends them, the reporter approves or corrects them in
the mailbox, a revision is a new version, and a reporter without a mailbox
approves on paper. Encrypted under the case key; shredding removes them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, select

from app.cases import custody, minutes
from app.cases.content import decrypt_json
from app.cases.registration import Registration, register_report
from app.crypto.errors import DecryptionError
from app.models import AuditEntry, KeyWrap, MeetingMinutes, MinutesVersion
from app.retention.sweep import run_sweep
from tests.cases.conftest import case_actions, key_of
from tests.conftest import IsolatedClient, csrf_from, post_form, sign_in

MINUTES_TEXT = "MINUTES-MARKER-4471 De melder vertelde over het teamoverleg van 3 maart."
PRESENT = "MINUTES-PRESENT-3310 J. de Vries (vertrouwenspersoon)"
CORRECTION = "MINUTES-CORRECTION-9902 Het was 4 maart, niet 3 maart."
REVISED = "MINUTES-REVISED-5523 De melder vertelde over het teamoverleg van 4 maart."


def _client(app, lang: str = "en"):  # type: ignore[no-untyped-def]
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def _staff_client(app, staff):  # type: ignore[no-untyped-def]
    client = _client(app)
    sign_in(client, staff)
    return client


def _reporter_client(app, code: str):  # type: ignore[no-untyped-def]
    client = _client(app)
    response = post_form(client, "/postbus", {"code": code})
    assert response.status_code == 302
    return client


def _case_url(case) -> str:  # type: ignore[no-untyped-def]
    return f"/medewerkers/zaken/{case.number}"


def _record(client, case, text: str = MINUTES_TEXT, on: str = "2026-11-20"):  # type: ignore[no-untyped-def]
    return post_form(client, f"{_case_url(case)}/verslagen",
                     {"minutes-meeting_on": on, "minutes-body": text,
                      "minutes-present": PRESENT}, page=_case_url(case))


def _only_minutes(session, case) -> MeetingMinutes:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(MeetingMinutes).where(MeetingMinutes.case_id == case.id)).one()


def _staff_post(client, case, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return post_form(client, f"{_case_url(case)}/verslagen/{path}", data or {},
                     page=_case_url(case))


def _mailbox_post(client, path: str, data: dict):  # type: ignore[no-untyped-def]
    return post_form(client, f"/postbus/verslag/{path}", data, page="/postbus")


def _status(page: str) -> str:
    match = re.search(r'<p class="status"><strong>[^<]*</strong>\s*(.*?)</p>', page, re.S)
    assert match, page[:2000]
    return match.group(1).strip()


def test_handler_records_and_sends_minutes_and_the_reporter_approves(app, session, rt,
                                                                     make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    staff = _staff_client(app, intake)

    assert _record(staff, case).status_code == 302
    row = _only_minutes(session, case)
    assert (row.status, row.current_version, row.meeting_on) == ("draft", 1, date(2026, 11, 20))
    page = staff.get(_case_url(case)).get_data(as_text=True)
    assert MINUTES_TEXT in page and PRESENT in page
    assert _status(page) == "not yet sent to the reporter"

    # Not in the mailbox before it is sent.
    reporter = _reporter_client(app, code)
    assert MINUTES_TEXT not in reporter.get("/postbus").get_data(as_text=True)

    assert _staff_post(staff, case, f"{row.id}/versturen").status_code == 302
    row = _only_minutes(session, case)
    assert (row.status, row.sent_version) == ("awaiting_reporter", 1)
    assert _status(staff.get(_case_url(case)).get_data(as_text=True)).startswith(
        "awaiting the reporter (version 1 sent on")

    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert "Record of the meeting of 20 Nov 2026" in mailbox
    assert MINUTES_TEXT in mailbox and PRESENT in mailbox
    assert "I agree" in mailbox and "Send corrections" in mailbox
    # The reporter never sees which handler wrote it.
    assert intake.user.display_name not in mailbox

    response = _mailbox_post(reporter, f"{row.id}/akkoord", {"version": "1"})
    assert response.status_code == 302
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert "You approved this record on" in mailbox and "I agree" not in mailbox

    row = _only_minutes(session, case)
    assert (row.status, row.approved_via) == ("approved", "mailbox")
    assert _status(staff.get(_case_url(case)).get_data(as_text=True)).startswith(
        "approved by the reporter on")
    actions = case_actions(session, case.number)
    for action in ("case.minutes_recorded", "case.minutes_sent", "mailbox.minutes_approved"):
        assert actions.count(action) == 1, action
    assert rt.audit.verify(session).ok


def test_dutch_mailbox_says_verslag_van_het_gesprek(app, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    reporter = _client(app, "nl")
    post_form(reporter, "/postbus", {"code": code})
    page = reporter.get("/postbus").get_data(as_text=True)
    assert "Verslag van het gesprek van 20 nov 2026" in page
    assert "Ik ga akkoord" in page


def test_corrections_then_a_revised_version_then_approval(app, session, rt, make_staff,
                                                          new_case):
    vp = make_staff("vertrouwenspersoon")
    intake = make_staff("intake")
    case, code = new_case()
    custody.grant(session, rt, case, intake.user, key_of(intake), vp.user)
    session.commit()
    staff = _staff_client(app, vp)
    _record(staff, case)
    row = _only_minutes(session, case)
    _staff_post(staff, case, f"{row.id}/versturen")
    reporter = _reporter_client(app, code)

    # An empty correction is refused with the form again; nothing changes.
    response = _mailbox_post(reporter, f"{row.id}/correcties",
                             {f"minutes{row.id}-corrections": "  ", "version": "1"})
    assert response.status_code == 400
    assert "Write what should be changed." in response.get_data(as_text=True)
    assert _only_minutes(session, case).status == "awaiting_reporter"

    response = _mailbox_post(reporter, f"{row.id}/correcties",
                             {f"minutes{row.id}-corrections": CORRECTION, "version": "1"})
    assert response.status_code == 302
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert "You sent corrections on" in mailbox and CORRECTION in mailbox
    assert "I agree" not in mailbox

    page = staff.get(_case_url(case)).get_data(as_text=True)
    assert _status(page).startswith("corrections received on")
    assert CORRECTION in page  # the handler reads the reporter's corrections

    response = _staff_post(staff, case, f"{row.id}/herzien",
                           {f"revise{row.id}-body": REVISED, f"revise{row.id}-present": ""})
    assert response.status_code == 302
    row = _only_minutes(session, case)
    assert (row.status, row.current_version, row.sent_version) == ("draft", 2, 1)
    page = staff.get(_case_url(case)).get_data(as_text=True)
    # Both versions are kept, with the correction to version 1.
    assert MINUTES_TEXT in page and REVISED in page and CORRECTION in page
    assert _status(page) == "version 2 not yet sent to the reporter"
    # Until it is sent, the reporter still sees version 1 with their corrections.
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert MINUTES_TEXT in mailbox and REVISED not in mailbox

    _staff_post(staff, case, f"{row.id}/versturen")
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert REVISED in mailbox and "I agree" in mailbox
    # An answer to the old version is stale now.
    response = _mailbox_post(reporter, f"{row.id}/akkoord", {"version": "1"})
    assert response.status_code == 409
    assert _only_minutes(session, case).status == "awaiting_reporter"

    assert _mailbox_post(reporter, f"{row.id}/akkoord", {"version": "2"}).status_code == 302
    row = _only_minutes(session, case)
    assert (row.status, row.current_version, row.approved_via) == ("approved", 2, "mailbox")
    actions = case_actions(session, case.number)
    assert actions.count("mailbox.minutes_corrected") == 1
    assert actions.count("case.minutes_revised") == 1
    assert actions.count("case.minutes_sent") == 2
    assert actions.count("mailbox.minutes_approved") == 1
    # Approved minutes can not be revised any more.
    response = _staff_post(staff, case, f"{row.id}/herzien", {f"revise{row.id}-body": "x"})
    assert response.status_code == 302
    assert _only_minutes(session, case).current_version == 2


def test_a_repeated_approval_is_refused_cleanly_and_logged_once(app, session, rt, make_staff,
                                                                new_case):
    intake = make_staff("intake")
    case, code = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    reporter = _reporter_client(app, code)
    page = reporter.get("/postbus").get_data(as_text=True)
    token = csrf_from(page)
    first = reporter.post(f"/postbus/verslag/{made.id}/akkoord",
                          data={"csrf_token": token, "version": "1"})
    assert first.status_code == 302
    # The same form again (a double click, a second tab), and a correction after it.
    again = reporter.post(f"/postbus/verslag/{made.id}/akkoord",
                          data={"csrf_token": token, "version": "1"})
    assert again.status_code == 409
    body = again.get_data(as_text=True)
    assert "You already answered this record" in body and "Traceback" not in body
    late = reporter.post(f"/postbus/verslag/{made.id}/correcties",
                         data={"csrf_token": token, "version": "1",
                               f"minutes{made.id}-corrections": CORRECTION})
    assert late.status_code == 409
    assert case_actions(session, case.number).count("mailbox.minutes_approved") == 1
    assert session.scalar(select(func.count()).select_from(MinutesVersion).where(
        MinutesVersion.correction_ciphertext.is_not(None))) == 0
    # Sending approved minutes again is refused too.
    try:
        minutes.send_minutes(session, rt, case, intake.user, made.id)
    except minutes.MinutesError as error:
        assert str(error) == "stale"
    else:
        raise AssertionError("approved minutes were sent again")


def test_the_reporter_of_case_a_can_not_answer_minutes_of_case_b(app, session, rt, make_staff,
                                                                 new_case):
    intake = make_staff("intake")
    case_a, code_a = new_case()
    case_b, _code_b = new_case()
    key_b = custody.open_case_key(session, case_b, intake.user, key_of(intake))
    made_b = minutes.record_minutes(session, rt, case_b, key_b, intake.user,
                                    meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    minutes.send_minutes(session, rt, case_b, intake.user, made_b.id)
    reporter_a = _reporter_client(app, code_a)
    assert MINUTES_TEXT not in reporter_a.get("/postbus").get_data(as_text=True)
    for path, data in ((f"{made_b.id}/akkoord", {"version": "1"}),
                       (f"{made_b.id}/correcties",
                        {"version": "1", f"minutes{made_b.id}-corrections": CORRECTION}),
                       ("999999/akkoord", {"version": "1"}),
                       (f"{'9' * 30}/akkoord", {"version": "1"})):
        response = _mailbox_post(reporter_a, path, data)
        assert response.status_code == 404, (path, response.status_code)
        assert MINUTES_TEXT not in response.get_data(as_text=True)
    row = _only_minutes(session, case_b)
    assert row.status == "awaiting_reporter"
    assert "mailbox.minutes_approved" not in case_actions(session, case_b.number)
    assert "mailbox.minutes_approved" not in case_actions(session, case_a.number)


def test_staff_without_the_key_can_not_read_or_post_minutes(app, session, rt, make_staff,
                                                            new_case):
    intake = make_staff("intake")
    case, _code = new_case()
    outsider = make_staff("integriteitscoordinator")  # holds no wrap for this case
    admin = make_staff("admin")
    auditor = make_staff("auditor")
    external = make_staff("external_investigator")
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    custody.grant(session, rt, case, intake.user, key_of(intake), external.user)
    session.commit()
    paths = ("verslagen", f"verslagen/{made.id}/herzien", f"verslagen/{made.id}/versturen",
             f"verslagen/{made.id}/op-papier")
    for staff, expected in ((outsider, 404), (admin, 403), (auditor, 403), (external, 403)):
        client = _staff_client(app, staff)
        page = client.get(_case_url(case))
        assert MINUTES_TEXT not in page.get_data(as_text=True)
        for path in paths:
            response = post_form(client, f"{_case_url(case)}/{path}",
                                 {"version": "1", "minutes-meeting_on": "2026-11-20",
                                  "minutes-body": "x", f"revise{made.id}-body": "x"},
                                 page="/medewerkers/")
            assert response.status_code == expected, (staff.user.roles, path,
                                                      response.status_code)
    row = _only_minutes(session, case)
    assert (row.status, row.current_version) == ("draft", 1)
    assert session.scalar(select(func.count()).select_from(MeetingMinutes)) == 1


def test_minutes_ids_of_another_case_are_not_found_for_a_holder_of_both(app, session, rt,
                                                                         make_staff, new_case):
    intake = make_staff("intake")
    case_a, _ = new_case()
    case_b, _ = new_case()
    key_b = custody.open_case_key(session, case_b, intake.user, key_of(intake))
    made_b = minutes.record_minutes(session, rt, case_b, key_b, intake.user,
                                    meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    client = _staff_client(app, intake)
    for path in (f"{made_b.id}/versturen", f"{made_b.id}/op-papier", f"{made_b.id}/herzien"):
        response = _staff_post(client, case_a, path,
                               {"version": "1", f"revise{made_b.id}-body": "x"})
        assert response.status_code == 404, path
    assert _only_minutes(session, case_b).status == "draft"


def test_without_a_csrf_token_nothing_is_recorded_sent_or_approved(app, session, rt,
                                                                   make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    staff = _staff_client(app, intake)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    for path, data in (("verslagen", {"minutes-meeting_on": "2026-11-20", "minutes-body": "x"}),
                       (f"verslagen/{made.id}/versturen", {}),
                       (f"verslagen/{made.id}/op-papier", {"version": "1"}),
                       (f"verslagen/{made.id}/herzien", {f"revise{made.id}-body": "x"})):
        assert staff.post(f"{_case_url(case)}/{path}", data=data).status_code == 400, path
    assert _only_minutes(session, case).status == "draft"
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    reporter = _reporter_client(app, code)
    for path in (f"{made.id}/akkoord", f"{made.id}/correcties"):
        response = reporter.post(f"/postbus/verslag/{path}",
                                 data={"version": "1",
                                       f"minutes{made.id}-corrections": CORRECTION})
        assert response.status_code == 400, path
    assert _only_minutes(session, case).status == "awaiting_reporter"
    session.expire_all()
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.seq > 0)
                                   .order_by(AuditEntry.seq)))[before:]
    assert not [a for a in actions if "minutes" in a and a != "case.minutes_sent"]


def test_offline_reporter_approves_on_paper(app, session, rt, make_staff):
    intake = make_staff("intake")
    case, code = register_report(session, rt, intake.user, Registration(
        unit_id=intake.user.unit_id, track="report", channel="confidential",
        intake_channel="phone", report={"what": "Telefonisch gemeld"},
        identity={"name": "Piet Melder"}, with_receipt=False))
    assert code is None
    staff = _staff_client(app, intake)
    _record(staff, case)
    row = _only_minutes(session, case)
    page = staff.get(_case_url(case)).get_data(as_text=True)
    assert "Send version 1 to the reporter" not in page
    assert "This reporter has no mailbox" in page
    # Sending is impossible without a mailbox; nothing changes.
    response = _staff_post(staff, case, f"{row.id}/versturen")
    assert response.status_code == 302
    assert _only_minutes(session, case).status == "draft"
    # A paper approval of a version that is not the current one is stale.
    assert _staff_post(staff, case, f"{row.id}/op-papier", {"version": "7"}).status_code == 302
    assert _only_minutes(session, case).status == "draft"
    assert _staff_post(staff, case, f"{row.id}/op-papier", {"version": "1"}).status_code == 302
    row = _only_minutes(session, case)
    assert (row.status, row.approved_via) == ("approved", "paper")
    page = staff.get(_case_url(case)).get_data(as_text=True)
    assert _status(page).startswith("approved by the reporter on paper")
    assert case_actions(session, case.number).count("case.minutes_approved_on_paper") == 1
    assert "case.minutes_sent" not in case_actions(session, case.number)


def test_a_date_in_the_future_or_an_empty_text_is_refused(app, session, rt, make_staff,
                                                          new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    staff = _staff_client(app, intake)
    response = _record(staff, case, on="2999-01-01")
    assert response.status_code == 302
    assert "can not be in the future" in staff.get(_case_url(case)).get_data(as_text=True)
    _record(staff, case, text="   ")
    _record(staff, case, on="not a date")
    assert session.scalar(select(func.count()).select_from(MeetingMinutes)) == 0
    assert "case.minutes_recorded" not in case_actions(session, case.number)


def test_ciphertext_is_bound_and_holds_no_plaintext(app, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    other, _ = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT,
                                  present=PRESENT)
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    reporter = _reporter_client(app, code)
    _mailbox_post(reporter, f"{made.id}/correcties",
                  {"version": "1", f"minutes{made.id}-corrections": CORRECTION})
    session.expire_all()
    row = session.scalars(select(MinutesVersion)).one()
    for marker in (MINUTES_TEXT, PRESENT, CORRECTION):
        for part in (marker.encode(), marker.split(" ")[0].encode()):
            assert part not in row.body_ciphertext
            assert part not in row.correction_ciphertext
    # Bound to case and version: moved to another case or version, it fails.
    original = row.body_ciphertext
    row.version = 2
    session.flush()
    try:
        minutes.read_minutes(session, case, key)
    except DecryptionError:
        pass
    else:
        raise AssertionError("a version number change went unnoticed")
    session.rollback()
    other_key = custody.open_case_key(session, other, intake.user, key_of(intake))
    try:
        decrypt_json(other_key, other, f"minutes:{made.id}:1", original,
                     compartment="conversation", context={"created_by_id": intake.user.id})
    except DecryptionError:
        pass
    else:
        raise AssertionError("ciphertext decrypted under another case")


def test_shredding_deletes_the_minutes(app, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    minutes.reporter_correct(session, rt, case, key, made.id, 1, CORRECTION)
    minutes.revise_minutes(session, rt, case, key, intake.user, made.id, text=REVISED)
    assert session.scalar(select(func.count()).select_from(MinutesVersion)) == 2
    custody.delete_files(rt, custody.shred_case(session, rt, case))
    session.commit()
    for model in (MinutesVersion, MeetingMinutes):
        assert session.scalar(select(func.count()).select_from(model)
                              .where(model.case_id == case.id)) == 0


def test_the_retention_sweep_deletes_the_minutes(app, session, rt, make_staff, new_case,
                                                 settings):
    from datetime import UTC, datetime, timedelta

    intake = make_staff("intake")
    case, _ = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    minutes.record_minutes(session, rt, case, key, intake.user,
                           meeting_on=date(2015, 2, 1), text=MINUTES_TEXT)
    long_ago = datetime(2015, 3, 1, tzinfo=UTC)
    case.received_at = long_ago - timedelta(days=30)
    case.state, case.closed_at, case.outcome = "closed", long_ago, "unfounded"
    session.commit()
    fragment = session.scalars(select(MinutesVersion.body_ciphertext)).one()[-24:]
    report = run_sweep(session, rt, now=datetime(2026, 11, 23, tzinfo=UTC))
    assert case.number in report.deleted
    for model in (MinutesVersion, MeetingMinutes):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    if settings.database_url.startswith("sqlite"):
        # Gone from the file too (secure_delete), not just from the table.
        session.close()
        db_path = Path(settings.database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
        assert fragment not in raw and MINUTES_TEXT.encode() not in raw


def test_a_handler_whose_wrap_was_removed_loses_the_minutes(app, session, rt, make_staff,
                                                            new_case):
    intake = make_staff("intake")
    case, _ = new_case()
    staff = _staff_client(app, intake)
    _record(staff, case)
    session.execute(delete(KeyWrap).where(KeyWrap.case_id == case.id,
                                          KeyWrap.user_id == intake.user.id))
    session.commit()
    assert staff.get(_case_url(case)).status_code == 404
    row = _only_minutes(session, case)
    assert _staff_post(staff, case, f"{row.id}/versturen").status_code == 404


def test_a_revision_while_awaiting_the_reporter_takes_the_old_version_back(app, session, rt,
                                                                          make_staff,
                                                                          new_case):
    intake = make_staff("intake")
    case, code = new_case()
    key = custody.open_case_key(session, case, intake.user, key_of(intake))
    made = minutes.record_minutes(session, rt, case, key, intake.user,
                                  meeting_on=date(2026, 11, 20), text=MINUTES_TEXT)
    minutes.send_minutes(session, rt, case, intake.user, made.id)
    reporter = _reporter_client(app, code)
    token = csrf_from(reporter.get("/postbus").get_data(as_text=True))
    minutes.revise_minutes(session, rt, case, key, intake.user, made.id, text=REVISED)
    mailbox = reporter.get("/postbus").get_data(as_text=True)
    assert "The handler is making a new version of this record." in mailbox
    assert "I agree" not in mailbox and REVISED not in mailbox
    # The form the reporter still had open answers a version that is gone.
    response = reporter.post(f"/postbus/verslag/{made.id}/akkoord",
                             data={"csrf_token": token, "version": "1"})
    assert response.status_code == 409
    assert _only_minutes(session, case).status == "draft"


def test_on_a_closed_case_the_mailbox_says_the_record_can_no_longer_be_answered(
        app, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, code = new_case()
    staff = _staff_client(app, intake)
    _record(staff, case)
    row = _only_minutes(session, case)
    _staff_post(staff, case, f"{row.id}/versturen")
    session.expire_all()
    stored = session.get(type(case), case.id)
    stored.state = "closed"
    session.commit()

    mailbox = _reporter_client(app, code).get("/postbus").get_data(as_text=True)
    assert "can no longer be approved or corrected" in mailbox
    assert "Please read it" not in mailbox and "I agree" not in mailbox
