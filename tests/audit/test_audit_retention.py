"""Audit entries have their own retention period: pruning removes the oldest
entries, leaves an HMAC'd anchor, and the log stays verifiable from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.audit.log import (
    GENESIS,
    AuditLog,
    ChainBroken,
    _canonical,
    _hash,
    _hash_text,
)
from app.crypto.mac import prepared_hmac_sha256
from app.models import AuditAnchor, AuditEntry
from app.vocabulary import AuditAction
from tests.audit.test_audit_log import tamper
from tests.conftest import ON_POSTGRES

OLD = datetime(2010, 3, 1, 12, 0, tzinfo=UTC)


def _append(session, rt, n, *, at=None, prefix="E"):
    for i in range(n):
        rt.audit.record(session, actor="system", action=AuditAction.CASE_OPEN, object_type="case",
                        object_id=f"{prefix}-{i}", origin="cli")
    session.commit()
    # Appending takes no lock; the sealer links the entries into the chain
    # (after a web response, or `meldpunt audit seal`): these are sealed.
    rt.audit.seal(session)
    session.commit()
    if at is not None:
        # Entries written long ago: move their time back and re-sign them,
        # as the log would have written them then.
        _rewrite_times(session, rt, at)


def _rewrite_times(session, rt, at):
    """Move the OLD entries back in time and re-sign the whole chain, as the
    log would have written it then (plain rows: the ORM must not flush)."""
    rows = session.execute(select(
        AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
        AuditEntry.object_type, AuditEntry.object_id, AuditEntry.result, AuditEntry.origin,
    ).order_by(AuditEntry.seq)).all()
    session.rollback()
    prev = GENESIS
    for seq, moment, actor, action, object_type, object_id, result, origin in rows:
        if action == AuditAction.CASE_OPEN and object_id.startswith("OLD"):
            moment = at + timedelta(minutes=seq)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        digest = _hash(prev, seq, moment, actor, action, object_type, object_id, result, origin)
        tamper(session, "UPDATE audit_entry SET at = :at, prev_hash = :p, entry_hash = :h, "
               "mac = :m WHERE seq = :s",
               {"at": moment.replace(tzinfo=None), "p": prev, "h": digest,
                "m": rt.audit._mac(digest), "s": seq})
        prev = digest
    session.expire_all()


@pytest.fixture()
def aged_log(session, rt):
    """Five entries from 2010, then three recent ones."""
    _append(session, rt, 5, prefix="OLD")
    _append(session, rt, 3, prefix="NEW")
    _rewrite_times(session, rt, OLD)
    assert rt.audit.verify(session).ok
    return session


def test_fast_paths_give_the_same_bytes_as_the_general_ones(rt):
    at = datetime(2026, 11, 23, 20, 1, 2, 345678, tzinfo=UTC)
    cases = [
        ("user:7", "case.opened", "case", "MP-2026-0001"),
        ("user:7", "case.opened", "case", "Zaak één — ü"),          # non-ASCII
        ("system", "x" * 130, "case", "y" * 200),                   # prefixes ≥ 128
        ("", "", "", ""),
    ]
    for actor, action, object_type, object_id in cases:
        general = _hash(GENESIS, 42, at, actor, action, object_type, object_id, "ok", "web")
        fast = _hash_text(GENESIS, "42", at.isoformat(timespec="microseconds"), actor, action,
                          object_type, object_id, "ok", "web")
        assert fast == general
        assert _canonical(42, at, actor, action, object_type, object_id, "ok", "web")
    key = b"\x01" * 32
    for long_key in (key, b"\x02" * 100):
        assert prepared_hmac_sha256(long_key)("ab" * 32) == AuditLog(long_key)._mac("ab" * 32)


def test_pruning_removes_old_entries_and_the_log_still_verifies(aged_log, rt):
    session = aged_log
    result = rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    assert (result.pruned, result.through_seq) == (5, 5)
    seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == [6, 7, 8, 9]  # 9: the pruning itself
    pruned_entry = session.get(AuditEntry, 9)
    assert (pruned_entry.action, pruned_entry.object_id) == ("audit.pruned", "1-5")
    anchor = session.scalar(select(AuditAnchor))
    assert anchor.seq == 5 and anchor.entry_hash == session.get(AuditEntry, 6).prev_hash
    verified = rt.audit.verify(session)
    assert verified.ok and verified.checked == 4 and verified.start_seq == 5
    # Idempotent: nothing more is old enough.
    assert rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC)).pruned == 0
    session.commit()
    assert rt.audit.verify(session).ok


def test_a_dry_run_prunes_nothing(aged_log, rt):
    session = aged_log
    result = rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC), dry_run=True)
    session.commit()
    assert result.pruned == 5 and result.dry_run
    assert rt.audit.count(session) == 8 and session.scalar(select(AuditAnchor)) is None


def test_pruning_stops_at_the_first_recent_entry(session, rt):
    """Only a prefix goes: an old entry after a recent one stays (it can not be
    cut out of the middle of the chain)."""
    _append(session, rt, 2, prefix="OLD")
    _append(session, rt, 1, prefix="NEW")
    _append(session, rt, 2, prefix="OLD")
    _rewrite_times(session, rt, OLD)
    assert rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC)).through_seq == 2
    session.commit()
    assert rt.audit.verify(session).ok


def test_tampering_after_pruning_is_still_detected(aged_log, rt):
    session = aged_log
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    tamper(session, "UPDATE audit_entry SET actor = 'user:666' WHERE seq = 7")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 7


def test_deleting_the_first_entry_after_the_anchor_is_detected(aged_log, rt):
    session = aged_log
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    tamper(session, "DELETE FROM audit_entry WHERE seq = 6")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 6 and "missing" in result.reason


def test_removing_the_anchor_is_detected(aged_log, rt):
    session = aged_log
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    tamper(session, "DELETE FROM audit_anchor")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 1


def test_a_forged_anchor_does_not_hide_deleted_entries(aged_log, rt):
    """Someone with database access deletes recent entries and writes an
    anchor past them; without the audit key its HMAC gives it away."""
    session = aged_log
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    seven = session.get(AuditEntry, 7)
    forged_mac = AuditLog(b"\x00" * 32).anchor_mac(7, seven.entry_hash, seven.at)
    tamper(session, "INSERT INTO audit_anchor (seq, entry_hash, entry_at, pruned_at, mac) "
           "VALUES (7, :h, :at, :at, :m)",
           {"h": seven.entry_hash, "at": seven.at, "m": forged_mac})
    tamper(session, "DELETE FROM audit_entry WHERE seq IN (6, 7)")
    result = rt.audit.verify(session)
    assert not result.ok and result.first_broken_seq == 7 and "anchor" in result.reason


def test_truncation_after_a_checkpoint_is_detected_after_pruning(aged_log, rt):
    session = aged_log
    old_checkpoint = rt.audit.head(session)  # seq 8: recent, kept
    early_checkpoint = (3, session.get(AuditEntry, 3).entry_hash)
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    # A checkpoint from before the anchor is vouched for by the anchor.
    assert rt.audit.verify(session, early_checkpoint).ok
    assert rt.audit.verify(session, old_checkpoint).ok
    tamper(session, "DELETE FROM audit_entry WHERE seq >= 8")
    result = rt.audit.verify(session, old_checkpoint)
    assert not result.ok and "truncated" in result.reason


def test_a_broken_chain_is_never_pruned(aged_log, rt):
    session = aged_log
    tamper(session, "UPDATE audit_entry SET object_id = 'OLD-x' WHERE seq = 2")
    with pytest.raises(ChainBroken) as raised:
        rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.rollback()
    assert raised.value.result.first_broken_seq == 2
    assert rt.audit.count(session) == 8 and session.scalar(select(AuditAnchor)) is None


def test_retention_run_prunes_audit_entries_past_their_period(app, aged_log, rt):
    session = aged_log
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would remove 5 audit entries" in result.output
    session.expire_all()
    assert rt.audit.count(session) == 8

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "Removed 5 audit entries" in result.output
    again = runner.invoke(args=["retention", "run"])
    assert "Removed 0 audit entries" in again.output
    session.expire_all()
    assert rt.audit.verify(session).ok
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "pruned" in verified.output


def test_retention_run_refuses_to_prune_a_broken_chain(app, aged_log, rt):
    session = aged_log
    tamper(session, "UPDATE audit_entry SET actor = 'user:1' WHERE seq = 4")
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 1 and "NOT pruned" in result.output
    session.expire_all()
    assert session.scalar(select(AuditAnchor)) is None
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "audit.prune_refused", AuditEntry.result == "failed")) is not None


def test_recent_entries_are_kept_for_the_audit_period(session, rt):
    """Nothing younger than the period (15 years by default, never shorter than
    the longest case period plus two years) goes."""
    from app.retention.policy import load_policy

    _append(session, rt, 3)
    policy = load_policy(session)
    cutoff = policy.audit_cutoff(datetime.now(UTC))
    assert cutoff < datetime.now(UTC) - timedelta(days=365 * 12)
    assert rt.audit.prune(session, before=cutoff).pruned == 0


def test_the_admin_can_not_set_the_audit_period_below_the_minimum(client, session, rt,
                                                                   make_staff):
    from tests.conftest import post_form, sign_in

    admin = make_staff("admin")
    sign_in(client, admin)
    page = "/medewerkers/bewaren/termijnen"
    response = post_form(client, page, {"months-audit": "60"})
    assert "at least 144" in response.get_data(as_text=True) or \
        "minstens 144" in response.get_data(as_text=True)
    from app.retention.policy import load_policy

    assert load_policy(session).audit_months == 180
    post_form(client, page, {"months-audit": "200"})
    session.expire_all()
    assert load_policy(session).audit_months == 200
    assert session.scalar(select(AuditEntry).where(
        AuditEntry.action == "admin.retention_rule_set",
        AuditEntry.object_id == "audit/*=200")) is not None


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
def test_postgres_lets_through_only_pruning_under_an_anchor(aged_log, rt):
    from sqlalchemy.exc import DBAPIError

    session = aged_log
    # Without an anchor: refused.
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_entry WHERE seq = 1"))
    session.rollback()
    rt.audit.prune(session, before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    # Entries after the anchor stay protected; so do anchors and updates.
    for statement in ("DELETE FROM audit_entry WHERE seq = 6",
                      "UPDATE audit_entry SET actor = 'x' WHERE seq = 7",
                      "TRUNCATE audit_entry",
                      "DELETE FROM audit_anchor",
                      "UPDATE audit_anchor SET seq = 8",
                      "TRUNCATE audit_anchor"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    assert rt.audit.verify(session).ok


def test_the_prefetching_reader_stops_with_its_caller_and_passes_errors_on():
    import threading

    from app.audit.log import _prefetched

    class Result:
        def __init__(self, fail_at=None):
            self.calls, self.fail_at = 0, fail_at

        def fetchmany(self, size):
            self.calls += 1
            if self.fail_at and self.calls == self.fail_at:
                raise RuntimeError("connection lost")
            return [self.calls] * size if self.calls <= 1000 else []

    result = Result()
    rows = _prefetched(result, size=3)
    assert [next(rows) for _ in range(4)] == [1, 1, 1, 2]
    rows.close()  # a broken entry: the caller stops early
    assert not any(t.name == "audit-verify-fetch" for t in threading.enumerate())
    assert result.calls < 10

    assert list(_prefetched(Result(), size=1))[-1] == 1000
    with pytest.raises(RuntimeError, match="connection lost"):
        list(_prefetched(Result(fail_at=3), size=2))
