"""A new key for the blind index of persons concerned (`meldpunt keys
rotate-person-index`, issue #24): every entry is computed again from the
names, opened with the offline recovery key; the old key is gone from keys/,
the repeat signal and the exclusion of a named handler still work, an entry
computed under the old key no longer matches, and every step is logged."""

from __future__ import annotations

from sqlalchemy import select

from app.cases import persons
from app.cli.person_index import PENDING, pending_key
from app.crypto.blind_index import blind_index
from app.crypto.keys import unlock_private_key
from app.models import AuditEntry, PersonIndexEntry
from app.transactions import unit_of_work
from tests.cases.persons_support import concerned, keys, two_cases_naming_one_person
from tests.conftest import RECOVERY_PASSPHRASE

NAME = "Zoë van den Berg"


def _rotate(app, settings, key_file=None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=[
        "keys", "rotate-person-index", "--key-file",
        str(key_file or settings.instance_dir / "recovery.offline"),
    ], env={"MELDPUNT_RECOVERY_PASSPHRASE": RECOVERY_PASSPHRASE})


def _digests(session) -> set[bytes]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return set(session.scalars(select(PersonIndexEntry.digest)))


def test_rotating_the_index_key_recomputes_every_entry_and_the_old_key_is_gone(
        app, session, rt, settings, make_staff, new_case):
    (case_a, ic_a, a), (case_b, ic_b, b) = two_cases_naming_one_person(
        session, rt, make_staff, new_case)
    # A handler's name in case B: they are excluded, before and after.
    colleague = make_staff("integriteitscoordinator", unit="rivm")
    concerned(session, rt, case_b, ic_b, colleague.user.display_name)
    old_key = rt.keyring.person_index_key
    old_digest = blind_index(old_key, NAME)
    assert old_digest in _digests(session)

    result = _rotate(app, settings)
    assert result.exit_code == 0, result.output
    assert "Computed 3 index entries of 2 cases" in result.output

    new_key = (settings.keys_dir / "person_index.key").read_bytes()
    assert len(new_key) == 32 and new_key != old_key
    assert not (settings.keys_dir / PENDING).exists()
    # The old key is in no file of keys/ any more.
    assert all(old_key not in path.read_bytes()
               for path in settings.keys_dir.rglob("*") if path.is_file())
    # The running application indexes and looks up under the new key.
    assert rt.keyring.person_index_key == new_key
    assert _digests(session) == {blind_index(new_key, NAME),
                                 blind_index(new_key, colleague.user.display_name)}
    # An entry computed under the old key no longer matches.
    assert persons.digest_of(rt, NAME) != old_digest
    assert old_digest not in _digests(session)

    # The repeat signal still works, for both cases, and the exclusion holds.
    assert persons.lookup_repeats(session, rt, ic_a.user, case_a,
                                  keys(session, case_a, ic_a))[1] == {a.id: 1}
    assert persons.lookup_repeats(session, rt, ic_b.user, case_b,
                                  keys(session, case_b, ic_b))[1][b.id] == 1
    assert persons.is_named(session, rt, case_b, colleague.user)
    # A person recorded after the rotation is indexed under the new key.
    third = concerned(session, rt, case_a, ic_a, "Anna  Jansen")
    assert session.scalar(select(PersonIndexEntry.digest).where(
        PersonIndexEntry.person_id == third.id)) == blind_index(new_key, "anna jansen")

    logged = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "keys.person_index_rotated").order_by(AuditEntry.seq)).all()
    assert [(e.object_type, e.object_id, e.origin) for e in logged] == [
        ("case", case_a.number, "cli"), ("case", case_b.number, "cli"),
        ("key", "person_index", "cli")]


def test_a_key_file_that_is_not_the_recovery_key_changes_nothing(
        app, session, rt, settings, make_staff, new_case, tmp_path):
    from app.crypto.kdf import Argon2Params
    from app.crypto.keys import generate_keypair, protect_private_key

    two_cases_naming_one_person(session, rt, make_staff, new_case)
    before_key = (settings.keys_dir / "person_index.key").read_bytes()
    before = _digests(session)
    stranger = tmp_path / "stranger.offline"
    stranger.write_bytes(protect_private_key(generate_keypair(), RECOVERY_PASSPHRASE,
                                             Argon2Params(1, 1024, 1)))
    result = _rotate(app, settings, stranger)
    assert result.exit_code == 1
    assert (settings.keys_dir / "person_index.key").read_bytes() == before_key
    assert _digests(session) == before
    assert not (settings.keys_dir / PENDING).exists()


def test_an_interrupted_rotation_is_finished_by_running_it_again(
        app, session, rt, settings, make_staff, new_case):
    (case_a, ic_a, a), _second = two_cases_naming_one_person(session, rt, make_staff, new_case)
    recovery_private = unlock_private_key(
        (settings.instance_dir / "recovery.offline").read_bytes(), RECOVERY_PASSPHRASE)
    # A run that committed the new entries and stopped before replacing the key.
    pending = pending_key(settings.keys_dir)
    with unit_of_work(session):
        persons.reindex_all(session, rt, recovery_private, pending)
    assert persons.lookup_repeats(session, rt, ic_a.user, case_a,
                                  keys(session, case_a, ic_a))[1] == {a.id: 0}  # the gap

    result = _rotate(app, settings)
    assert result.exit_code == 0, result.output
    assert (settings.keys_dir / "person_index.key").read_bytes() == pending
    assert not (settings.keys_dir / PENDING).exists()
    assert _digests(session) == {blind_index(pending, NAME)}
    assert persons.lookup_repeats(session, rt, ic_a.user, case_a,
                                  keys(session, case_a, ic_a))[1] == {a.id: 1}
