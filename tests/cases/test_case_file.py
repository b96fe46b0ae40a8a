"""The case page v2 and the case file (issue #23).

The case page: the summary, the deadlines and the actions that apply now
at the top; the detail below, folded where it is long; messages and the
timeline in words.

The case file: a printable, complete view of what the user may see —
report, messages, notes, minutes, decision, file list, timeline — with a
print stylesheet, nothing written to the server's disk, audit-logged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.cases.access import open_case
from app.cases.casework import send_message_to_reporter, write_note
from app.cases.intake import Upload
from app.cases.minutes import record_minutes
from app.cases.workflow import perform
from app.localtime import local_date
from app.models import AuditEntry, utcnow
from app.vocabulary import AuditAction
from tests.cases.conftest import key_of
from tests.conftest import sign_in

REPORT = "Mijn leidinggevende schreeuwt tijdens het werkoverleg"
NOTE = "Interne notitie over getuige Jansen"
MINUTES = "Verslag: de melder vertelde over drie voorvallen"
MESSAGE = "Dank voor je melding; kun je de data noemen?"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _full_case(session, rt, make_staff, new_case, units):  # type: ignore[no-untyped-def]
    """A formal report with a message, a note, minutes, a file and a decision."""
    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    case, _code = new_case(report={"what": REPORT, "where": "Den Haag"},
                           identity={"name": "Anna Melder"})
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    perform(session, rt, case, intake.user, key_of(intake), "route_to_ic")
    keys = open_case(session, rt, ic.user, key_of(ic), case.number).key
    send_message_to_reporter(session, rt, case, keys, ic.user, MESSAGE)
    write_note(session, rt, case, keys, ic.user, NOTE, "internal")
    record_minutes(session, rt, case, keys, ic.user,
                   meeting_on=local_date(utcnow(), rt.settings.zone), text=MINUTES)
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "record_decision", outcome="founded",
            measure="warning", feedback="Je melding is gegrond.")
    return case, intake, ic


def _files_under(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in root.rglob("*") if p.is_file()}


def test_the_case_file_holds_everything_the_user_may_see_and_is_audit_logged(
        client, session, rt, make_staff, new_case, units, settings):
    case, _intake, ic = _full_case(session, rt, make_staff, new_case, units)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, ic)
    before = _files_under(settings.instance_dir)
    response = client.get(f"/medewerkers/zaken/{case.number}/dossier")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (REPORT, "Den Haag", MESSAGE, "Je melding is gegrond.", NOTE, MINUTES,
                  "Gegrond", "Berichten met de melder", "Tijdlijn", "Notities",
                  "Verslagen van gesprekken met de melder", "Bestanden", "Vertrouwelijk."):
        assert shown in html, shown
    # The integrity coordinator holds no name without consent naming them.
    assert "Anna Melder" not in html
    # Printed from the browser with the print rules; nothing cached.
    assert "meldpunt.css" in html and 'class="case-file"' in html
    assert response.headers["Cache-Control"].startswith("no-store")
    # Nothing written to the server's disk (the database file aside).
    after = _files_under(settings.instance_dir)
    changed = {p for p in after if before.get(p) != after[p]}
    assert {Path(p).name for p in changed} <= {"meldpunt.db", "meldpunt.db-journal",
                                                "meldpunt.db-wal", "meldpunt.db-shm"}
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action == AuditAction.CASE_FILE_EXPORTED)).all()
    assert [(e.actor, e.object_id, e.result) for e in entries] == [
        (f"user:{ic.user.id}", case.number, "ok")]


def test_the_case_file_lists_files_without_their_content(
        client, session, rt, make_staff, new_case, units):
    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    case, _ = new_case(uploads=[Upload("bewijs.pdf", "application/pdf", [PDF])])
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    sign_in(client, ic)
    html = client.get(f"/medewerkers/zaken/{case.number}/dossier").get_data(as_text=True)
    assert "bewijs.pdf" in html and "de melder" in html
    assert "%PDF" not in html and "/bijlagen/" not in html


def test_a_non_holder_gets_no_case_file_and_the_refusal_is_logged(
        client, session, rt, make_staff, new_case, units):
    case, _intake, _ic = _full_case(session, rt, make_staff, new_case, units)
    stranger = make_staff("vertrouwenspersoon")
    sign_in(client, stranger)
    assert client.get(f"/medewerkers/zaken/{case.number}/dossier").status_code == 404
    [entry] = session.scalars(select(AuditEntry).where(
        AuditEntry.action == AuditAction.CASE_FILE_EXPORTED)).all()
    assert (entry.actor, entry.result) == (f"user:{stranger.user.id}", "denied")


def test_the_bureaus_case_file_holds_only_what_was_referred(
        client, session, rt, make_staff, new_case, units):
    intake, ic = make_staff("intake"), make_staff("integriteitscoordinator")
    investigator = make_staff("external_investigator")
    case, _ = new_case(report={"what": "Fraude met declaraties", "where": "Utrecht"})
    for action in ("acknowledge", "route_to_ic"):
        perform(session, rt, case, intake.user, key_of(intake), action, text="Ontvangen.")
    keys = open_case(session, rt, ic.user, key_of(ic), case.number).key
    write_note(session, rt, case, keys, ic.user, NOTE, "internal")
    perform(session, rt, case, ic.user, key_of(ic), "start_inquiry")
    perform(session, rt, case, ic.user, key_of(ic), "refer_to_external",
            bureau_id=str(units["bureau-integriteit"].id), fields=["where"])
    sign_in(client, investigator)
    html = client.get(f"/medewerkers/zaken/{case.number}/dossier").get_data(as_text=True)
    assert "Utrecht" in html
    for never in ("Fraude met declaraties", "Anna Melder", NOTE, "Ontvangen."):
        assert never not in html, never


def test_the_case_page_puts_summary_deadlines_and_actions_before_the_detail(
        client, session, rt, make_staff, new_case):
    intake = make_staff("intake")
    case, _ = new_case(report={"what": REPORT})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    order = [html.index(marker) for marker in (
        "Samenvatting", "Termijnen", "Wat je nu kunt doen", "/actie/acknowledge",
        "Dossier afdrukken of bewaren", "Berichten met de melder", REPORT, "Tijdlijn")]
    assert order == sorted(order)
    # The deadline in words: by when, and how many days are left.
    assert "Ontvangstbevestiging:" in html and "uiterlijk" in html and "nog 7 dagen" in html
    # Long detail folded: notes, timeline, conflict of interest.
    for folded in ('id="notes"', 'id="timeline"', 'id="conflict"'):
        tag = html[html.index(folded) - 40:html.index(folded) + 30]
        assert "<details" in tag and " open" not in tag, tag


def test_messages_and_the_timeline_read_in_words(client, session, rt, make_staff, new_case):
    from app.cases import mailbox

    intake = make_staff("intake")
    case, code = new_case()
    perform(session, rt, case, intake.user, key_of(intake), "acknowledge", text="Ontvangen.")
    mailbox.send_message(session, rt, mailbox.sign_in(session, rt, str(code))[0], "Dank!")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, intake)
    html = client.get(f"/medewerkers/zaken/{case.number}").get_data(as_text=True)
    name = intake.user.display_name
    assert f"{name} (Meldpunt) schreef op" in html
    assert "De melder schreef op" in html
    # The timeline: who (name and role, or the reporter) and what, in words.
    assert f"{name}, Intakemedewerker: Ontvangst bevestigd" in html
    assert "De melder: Melding ingediend door de melder" in html
    assert "case.acknowledge" not in html and "user:" not in html


def test_a_print_stylesheet_hides_the_page_chrome_of_the_case_file():
    css = (Path(__file__).resolve().parents[2] / "app" / "static" / "meldpunt.css").read_text()
    block = css[css.index("/* === Staff side v2 (#23)"):]
    assert "@media print" in block and ".case-file" in block
