"""Audit append without a global lock (issue #26): an entry is written with a
number from a sequence and its own HMAC, no chain link and no lock; the
sealer links committed entries into the hash chain afterwards. Gaps that
rolled-back transactions leave are not deletions; an entry committed late is
sealed late; an entry edited or forged before sealing is detected and never
sealed; `audit verify` still detects every edit, deletion, insertion and
truncation of sealed entries."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as OrmSession

from app.audit.log import ChainBroken
from app.models import AuditEntry
from app.vocabulary import AuditAction
from tests.audit.test_audit_log import tamper
from tests.conftest import ON_POSTGRES, sign_in


def _record(session, rt, name: str) -> AuditEntry:  # type: ignore[no-untyped-def]
    return rt.audit.record(session, actor="system", action=AuditAction.CASE_OPEN,
                           object_type="case", object_id=name, origin="cli")


def _skip_numbers(session, count: int) -> None:  # type: ignore[no-untyped-def]
    """What rolled-back transactions leave behind: numbers never used."""
    if ON_POSTGRES:
        for _ in range(count):
            session.execute(text("SELECT nextval('audit_entry_seq_seq')"))
    else:
        session.execute(text(
            "UPDATE sqlite_sequence SET seq = seq + :n WHERE name = 'audit_entry'"), {"n": count})
    session.commit()


def _chain(session) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(AuditEntry.chain_pos, AuditEntry.seq, AuditEntry.object_id)
        .order_by(AuditEntry.seq)).all()]


def test_appending_leaves_entries_unsealed_and_sealing_chains_them_in_order(session, rt):
    for name in ("A", "B", "C"):
        _record(session, rt, name)
    session.commit()
    assert _chain(session) == [(None, 1, "A"), (None, 2, "B"), (None, 3, "C")]
    unsealed = rt.audit.verify(session)
    assert unsealed.ok and unsealed.checked == 0 and unsealed.unsealed == 3
    assert rt.audit.seal(session) == 3
    session.commit()
    assert _chain(session) == [(1, 1, "A"), (2, 2, "B"), (3, 3, "C")]
    sealed = rt.audit.verify(session)
    assert sealed.ok and sealed.checked == 3 and sealed.unsealed == 0
    assert rt.audit.seal(session) == 0  # nothing left to seal
    assert rt.audit.head(session)[0] == 3


def test_gaps_from_rolled_back_transactions_are_not_deletions(session, rt):
    _record(session, rt, "A")
    session.commit()
    _record(session, rt, "rolled back")
    session.rollback()
    _skip_numbers(session, 3)
    _record(session, rt, "B")
    session.commit()
    rt.audit.seal(session)
    session.commit()
    chain = _chain(session)
    assert [(pos, name) for pos, _seq, name in chain] == [(1, "A"), (2, "B")]
    assert chain[1][1] >= 5  # a gap in the numbers ...
    assert rt.audit.verify(session).ok  # ... is no gap in the chain


def test_deleting_a_sealed_entry_next_to_a_gap_is_detected(session, rt):
    _record(session, rt, "A")
    session.commit()
    _skip_numbers(session, 2)
    for name in ("B", "C"):
        _record(session, rt, name)
    session.commit()
    rt.audit.seal(session)
    session.commit()
    b_seq = next(seq for _pos, seq, name in _chain(session) if name == "B")
    tamper(session, "DELETE FROM audit_entry WHERE seq = :s", {"s": b_seq})
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 2 and "missing" in result.reason


def test_an_entry_that_commits_after_a_later_one_was_sealed_is_sealed_next(session, rt, app):
    """Two instances: one writes an entry and commits late; the other's later
    entry is sealed first. The late one takes the next place in the chain."""
    if not ON_POSTGRES:
        pytest.skip("two writers at once: PostgreSQL")
    engine = app.extensions["meldpunt.engine"]
    with OrmSession(engine) as slow:
        early = _record(slow, rt, "early number, late commit")
        slow.flush()
        _record(session, rt, "later number, committed first")
        session.commit()
        assert rt.audit.seal(session) == 1
        session.commit()
        slow.commit()
        early_seq = early.seq
    assert rt.audit.seal(session) == 1
    session.commit()
    chain = {name: (pos, seq) for pos, seq, name in _chain(session)}
    assert chain["later number, committed first"][0] == 1
    assert chain["early number, late commit"] == (2, early_seq)
    assert rt.audit.verify(session).ok


def test_the_seal_of_an_entry_covers_its_number_when_it_differs_from_its_place(session, rt):
    _skip_numbers(session, 4)
    _record(session, rt, "A")
    session.commit()
    rt.audit.seal(session)
    session.commit()
    (pos, seq, _name), = _chain(session)
    assert (pos, seq) == (1, 5)
    # Renumbering the entry (to move it in the timeline) breaks its hash.
    tamper(session, "UPDATE audit_entry SET seq = 3 WHERE seq = 5")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 1 and "hash" in result.reason


@pytest.mark.parametrize("column,value", [("actor", "user:999"), ("object_id", "MP-OTHER"),
                                          ("result", "denied")])
def test_an_entry_edited_before_sealing_is_detected_and_never_sealed(session, rt, column, value):
    for name in ("A", "B", "C"):
        _record(session, rt, name)
    session.commit()
    tamper(session, f"UPDATE audit_entry SET {column} = :v WHERE seq = 2", {"v": value})
    result = rt.audit.verify(session)
    assert not result.ok and "not yet sealed" in result.reason and result.first_broken_seq == 2
    with pytest.raises(ChainBroken):
        rt.audit.seal(session)
    session.rollback()
    # Nothing was laundered into the chain, not even the entry before it.
    assert [pos for pos, _seq, _name in _chain(session)] == [None, None, None]


def test_an_entry_forged_without_the_key_is_detected(session, rt):
    _record(session, rt, "A")
    session.commit()
    tamper(session, "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id,"
           " result, origin, row_mac) VALUES (40, '2026-11-30 10:00:00', 'user:1', 'case.open',"
           " 'case', 'MP-FORGED', 'ok', 'web', :m)", {"m": "0" * 64})
    result = rt.audit.verify(session)
    assert not result.ok and "not yet sealed" in result.reason and result.first_broken_seq == 40
    with pytest.raises(ChainBroken):
        rt.audit.seal(session)
    session.rollback()


def test_a_forged_seal_is_detected(session, rt):
    """Someone with database access seals an entry themselves (a place in the
    chain and hashes) to hide an edit; without the key the HMAC fails."""
    from app.audit.log import GENESIS, entry_hash

    _record(session, rt, "A")
    session.commit()
    entry = session.scalar(select(AuditEntry))
    entry.actor, entry.chain_pos = "user:666", 1
    digest = entry_hash(GENESIS, entry)
    session.rollback()
    tamper(session, "UPDATE audit_entry SET actor = 'user:666', chain_pos = 1, prev_hash = :g,"
           " entry_hash = :h, mac = :m WHERE seq = 1", {"g": GENESIS, "h": digest, "m": "0" * 64})
    result = rt.audit.verify(session)
    assert not result.ok and "HMAC" in result.reason and result.first_broken_seq == 1


def test_many_writers_at_once_get_distinct_numbers_and_one_chain(app, session, rt):
    engine = app.extensions["meldpunt.engine"]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with OrmSession(engine) as own:
                    _record(own, rt, f"T{n}-{i}")
                    own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8 if ON_POSTGRES else 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    total = (8 if ON_POSTGRES else 2) * 10
    assert session.scalar(select(func.count(func.distinct(AuditEntry.seq)))) == total
    rt.audit.seal(session)
    session.commit()
    result = rt.audit.verify(session)
    assert result.ok and result.checked == total


def test_entries_written_by_a_request_are_sealed_after_its_response(client, session, rt,
                                                                     make_staff):
    staff = make_staff("auditor")
    rt.audit.seal(session)
    session.commit()
    sign_in(client, staff)
    assert client.get("/medewerkers/audit/").status_code == 200
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.chain_pos.is_(None))) == 0
    viewed = session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.viewed"))
    assert viewed is not None and viewed.chain_pos is not None
    assert rt.audit.verify(session).ok


def test_the_seal_command_seals_and_verify_seals_first(app, session, rt):
    for name in ("A", "B"):
        _record(session, rt, name)
    session.commit()
    runner = app.test_cli_runner()
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0, sealed.output
    assert "2 entries sealed" in sealed.output
    _record(session, rt, "C")
    session.commit()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "3 entries verified" in verified.output
    _record(session, rt, "D")
    session.commit()
    checkpoint = runner.invoke(args=["audit", "checkpoint"]).output.strip()
    assert checkpoint.startswith("4:")


def test_the_seal_command_refuses_a_forged_entry(app, session, rt):
    _record(session, rt, "A")
    session.commit()
    tamper(session, "UPDATE audit_entry SET actor = 'user:1' WHERE seq = 1")
    for command in (["audit", "seal"], ["audit", "verify"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 1 and "entry 1" in result.output, result.output


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
def test_postgres_lets_through_only_sealing_and_only_once(session, rt):
    from sqlalchemy.exc import DBAPIError

    _record(session, rt, "A")
    session.commit()
    for statement in ("UPDATE audit_entry SET actor = 'x', chain_pos = 1",
                      "UPDATE audit_entry SET row_mac = 'x'",
                      "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    rt.audit.seal(session)
    session.commit()
    for statement in ("UPDATE audit_entry SET chain_pos = 2",
                      "UPDATE audit_entry SET entry_hash = 'x'"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    assert rt.audit.verify(session).ok
