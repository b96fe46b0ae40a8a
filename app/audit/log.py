"""Append-only, hash-chained and HMAC'd audit log, appended without a lock.

An entry is written in the caller's transaction, so an action and its entry
commit or roll back together. Writing takes no lock: the entry gets its
number (`seq`) from a database sequence (SQLite: AUTOINCREMENT) and an HMAC
of its own fields and number (`row_mac`) under keys/audit_hmac.key, and is
not yet in the chain. Rolled-back transactions leave gaps in `seq`; that is
expected and says nothing.

**Sealing** (`AuditLog.seal`; one sealer at a time, under a PostgreSQL
advisory lock that appenders never take) links the committed entries that
are not yet in the chain, in `seq` order, at the chain's next positions
(`chain_pos` 1, 2, 3, … with no gaps): each sealed entry's hash covers the
previous entry's hash, its position (and its `seq` when that differs) and
its fields, with an HMAC over that hash — so an attacker with write access
to the database alone can not rebuild a consistent chain after editing,
deleting or inserting a sealed row. An entry whose transaction commits after
a later one was sealed simply gets the next free position in the next seal.
The sealer refuses to seal an entry whose `row_mac` does not verify (edited
or forged before sealing): it never launders a forgery into the chain.
Sealing runs after a web response that wrote entries (without waiting for a
sealer that is busy), in `meldpunt audit seal`, `audit verify` and
`audit checkpoint`, and before pruning.

Until it is sealed an entry is protected by its own HMAC only: an edit or a
forged insert is detected, a deletion is not (it looks like a rolled-back
transaction's gap). Sealing soon after the response keeps that window short.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.crypto.mac import prepared_hmac_sha256
from app.daytime import reporter_zone
from app.localtime import day_start, is_day_start
from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import utcnow
from app.vocabulary import AuditAction

GENESIS = "0" * 64
REPORTER_ACTOR = "reporter"
_UTC_ZONE = ZoneInfo("UTC")
RESULTS = ("ok", "denied", "failed")
ORIGINS = ("web", "cli", "job")
ANCHOR_DOMAIN = "meldpunt-audit-anchor-v1"
ROW_DOMAIN = "meldpunt-audit-row-v1"
# One sealer (or pruner) at a time; appenders never take it.
SEAL_LOCK = 7310001
UNSEALED_ALTERED = "entry not yet sealed, altered or forged (HMAC mismatch)"
# Set on a session that appended entries: the web seals them after the response.
APPENDED = "meldpunt.audit_appended"


class ChainBroken(Exception):
    """The chain does not verify; pruning refuses to destroy the evidence."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(f"audit log broken at entry {result.first_broken_seq}: {result.reason}")
        self.result = result


TARGET_SEPARATOR = "\x1f"


def hashed_object(object_id: str, target: str) -> str:
    """The object field as the hash and HMAC see it: with the target (whom a
    grant, exclusion or endorsement concerns) after a unit separator. An
    entry without a target hashes as entries always did."""
    return f"{object_id}{TARGET_SEPARATOR}{target}" if target else object_id


def _action(action: object) -> AuditAction:
    """The recorded action as a member of the vocabulary; anything else is
    refused, so no misspelt action ever reaches the log."""
    try:
        if not isinstance(action, str):
            raise ValueError(action)
        return AuditAction(action)
    except ValueError:
        raise ValueError(f"not an audit action: {action!r}") from None


def position_field(chain_pos: int, seq: int) -> str:
    """What an entry's hash says about where it is: its chain position, and
    its number too when the two differ. Entries written before sealing
    existed have equal ones, so their hashes are what they always were."""
    return str(chain_pos) if chain_pos == seq else f"{chain_pos}:{seq}"


def _canonical(seq: int | str, at: datetime, actor: str, action: str, object_type: str,
               object_id: str, result: str, origin: str) -> bytes:
    return _length_prefixed((str(seq), at.isoformat(timespec="microseconds"), actor, action,
                             object_type, object_id, result, origin))


def _length_prefixed(parts: Iterable[str]) -> bytes:
    # Length-prefixed so no two different entries serialise alike.
    out = bytearray()
    for part in parts:
        data = part.encode()
        out += len(data).to_bytes(4, "big")
        out += data
    return bytes(out)


def _hash(prev_hash: str, seq: int | str, at: datetime, actor: str, action: str, object_type: str,
          object_id: str, result: str, origin: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(
        seq, at, actor, action, object_type, object_id, result, origin)).hexdigest()


def _hash_text(prev_hash: str, seq: str, at: str, actor: str, action: str, object_type: str,
               object_id: str, result: str, origin: str) -> str:
    """`_hash` for fields already rendered as text, a few times faster: when
    every field is ASCII and shorter than 128 characters (the columns are far
    shorter), each 4-byte length prefix is three NULs and one ASCII character,
    so the whole canonical form can be built as one string. Anything else
    takes the general path; both give the same bytes (tested)."""
    joined = (f"{prev_hash}\0\0\0{chr(len(seq))}{seq}\0\0\0{chr(len(at))}{at}"
              f"\0\0\0{chr(len(actor))}{actor}\0\0\0{chr(len(action))}{action}"
              f"\0\0\0{chr(len(object_type))}{object_type}"
              f"\0\0\0{chr(len(object_id))}{object_id}"
              f"\0\0\0{chr(len(result))}{result}\0\0\0{chr(len(origin))}{origin}")
    if joined.isascii():
        return hashlib.sha256(joined.encode()).hexdigest()
    return hashlib.sha256(prev_hash.encode() + _length_prefixed(
        (seq, at, actor, action, object_type, object_id, result, origin))).hexdigest()


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """The chain hash of a sealed entry (its `chain_pos` is set)."""
    position = entry.chain_pos if entry.chain_pos is not None else entry.seq
    return _hash(prev_hash, position_field(position, entry.seq), entry.at, entry.actor,
                 entry.action, entry.object_type, hashed_object(entry.object_id, entry.target),
                 entry.result, entry.origin)


def _row_message(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
                 result: str, origin: str) -> bytes:
    return ROW_DOMAIN.encode() + _length_prefixed(
        (str(seq), at, actor, action, object_type, object_id, result, origin))


class AuditLog:
    def __init__(self, key: bytes, zone: ZoneInfo = _UTC_ZONE) -> None:
        self._key = key
        # The organisation's zone: an entry of the reporter's keeps only the
        # start of its local day (`day_only`).
        self.zone = zone

    def __repr__(self) -> str:
        return "<AuditLog>"

    def _mac(self, digest: str) -> str:
        return hmac.digest(self._key, digest.encode(), "sha256").hex()

    def anchor_mac(self, seq: int, entry_hash: str, entry_at: datetime) -> str:
        message = f"{ANCHOR_DOMAIN}|{seq}|{entry_hash}|{_iso(entry_at)}"
        return hmac.digest(self._key, message.encode(), "sha256").hex()

    def row_mac(self, seq: int, at: datetime | str, actor: str, action: str, object_type: str,
                object_id: str, result: str, origin: str) -> str:
        """The HMAC an entry carries from its insertion until it is sealed."""
        return hmac.digest(self._key, _row_message(seq, _iso(at), actor, action, object_type,
                                                   object_id, result, origin), "sha256").hex()

    def _anchor_intact(self, anchor: AuditAnchor) -> bool:
        return hmac.compare_digest(
            self.anchor_mac(anchor.seq, anchor.entry_hash, anchor.entry_at), anchor.mac)

    @staticmethod
    def _lock(session: Session, *, wait: bool = True) -> bool:
        """The sealer's lock (PostgreSQL; SQLite has one writer anyway).
        Without `wait`: False when another sealer holds it."""
        if session.get_bind().dialect.name != "postgresql":
            return True
        if wait:
            session.execute(text(f"SELECT pg_advisory_xact_lock({SEAL_LOCK})"))
            return True
        return bool(session.scalar(text(f"SELECT pg_try_advisory_xact_lock({SEAL_LOCK})")))

    def record(
        self,
        session: Session,
        *,
        actor: str,
        action: AuditAction,
        object_type: str = "",
        object_id: str | int = "",
        result: str = "ok",
        origin: str = "web",
        target: str = "",
    ) -> AuditEntry:
        return self.record_many(session, [dict(
            actor=actor, action=action, object_type=object_type, object_id=object_id,
            result=result, origin=origin, target=target)])[0]

    def record_many(self, session: Session, events: list[dict[str, object]]) -> list[AuditEntry]:
        """Append several entries in one go (one head read, one insert).
        An action that is not an `AuditAction` raises ValueError."""
        for event in events:
            _action(event["action"])
            if (event.get("result", "ok") not in RESULTS
                    or event.get("origin", "web") not in ORIGINS):
                raise ValueError("unknown audit result or origin")
        now = utcnow()
        # A reporter's action, or anything written while a session acts for
        # the reporter (app/daytime.py), keeps the day only; the order of
        # entries stays exact in their numbers.
        acting_for_reporter = reporter_zone(session) is not None
        day = day_start(now, self.zone)
        entries = [AuditEntry(
            at=day if acting_for_reporter or event["actor"] == REPORTER_ACTOR else now,
            actor=str(event["actor"]), action=_action(event["action"]).value,
            object_type=str(event.get("object_type", "")),
            object_id=str(event.get("object_id", "")),
            result=str(event.get("result", "ok")), origin=str(event.get("origin", "web")),
            target=str(event.get("target", "")),
        ) for event in events]
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            # Numbers from the sequence: no lock, no head read; the HMAC that
            # covers the number goes in with the row (no UPDATE).
            numbers = session.scalars(text(
                "SELECT nextval('audit_entry_seq_seq') FROM generate_series(1, :n)"),
                {"n": len(entries)}).all()
            for entry, number in zip(entries, numbers, strict=True):
                entry.seq = int(number)
        session.add_all(entries)
        if not postgres:
            session.flush()  # SQLite's AUTOINCREMENT numbers them
        for entry in entries:
            entry.row_mac = self.row_mac(entry.seq, entry.at, entry.actor, entry.action,
                                         entry.object_type,
                                         hashed_object(entry.object_id, entry.target),
                                         entry.result, entry.origin)
        session.flush()
        session.info[APPENDED] = True
        return entries

    def seal(self, session: Session, *, wait: bool = True) -> int | None:
        """Link every committed entry that is not yet in the chain into it, in
        `seq` order, in the caller's transaction; the number sealed. Without
        `wait`, None when another sealer is at work (it or the next one seals
        these). Raises ChainBroken (sealing nothing) when an entry to seal
        does not carry its own valid HMAC."""
        if not self._lock(session, wait=wait):
            return None
        return self._seal_locked(session)

    def _seal_locked(self, session: Session) -> int:
        position, prev = self.head(session)
        rows = session.execute(select(
            AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
            AuditEntry.object_type, AuditEntry.object_id, AuditEntry.result, AuditEntry.origin,
            AuditEntry.row_mac, AuditEntry.target,
        ).where(AuditEntry.chain_pos.is_(None)).order_by(AuditEntry.seq)).all()
        changes: list[dict[str, object]] = []
        for seq, at, actor, action, object_type, plain_id, result, origin, stored, target in rows:
            moment = _iso(at)
            object_id = hashed_object(plain_id, target)
            if not hmac.compare_digest(
                    self.row_mac(seq, moment, actor, action, object_type, object_id, result,
                                 origin), stored or ""):
                raise ChainBroken(VerifyResult(False, 0, seq, UNSEALED_ALTERED))
            position += 1
            digest = _hash_text(prev, position_field(position, seq), moment, actor, action,
                                object_type, object_id, result, origin)
            changes.append({"seq": seq, "chain_pos": position, "prev_hash": prev,
                            "entry_hash": digest, "mac": self._mac(digest)})
            prev = digest
        if changes:
            session.execute(update(AuditEntry), changes)
            for entry in list(session.identity_map.values()):
                if isinstance(entry, AuditEntry):
                    session.expire(entry)
        return len(changes)

    def verify(self, session: Session, checkpoint: tuple[int, str] | None = None) -> VerifyResult:
        """Check every anchor's HMAC, then the chain from the newest anchor
        (or from the first entry when nothing was ever pruned) to the head,
        then the own HMAC of every entry not yet sealed. Reads only: seal
        first to bring every committed entry into the chain."""
        anchors = session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq)).all()
        for anchor in anchors:
            if not self._anchor_intact(anchor):
                return VerifyResult(False, 0, anchor.seq, "pruning anchor altered (HMAC mismatch)")
        start = (anchors[-1].seq, anchors[-1].entry_hash) if anchors else (0, GENESIS)
        result = _verify_rows(_entry_rows(session, after=start[0]),
                              prepared_hmac_sha256(self._key), checkpoint, start)
        if not result.ok:
            return result
        unsealed = 0
        for seq, at, actor, action, object_type, object_id, outcome, origin, stored, target in \
                session.execute(select(
                    AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                    AuditEntry.object_type, AuditEntry.object_id, AuditEntry.result,
                    AuditEntry.origin, AuditEntry.row_mac, AuditEntry.target,
                ).where(AuditEntry.chain_pos.is_(None)).order_by(AuditEntry.seq)):
            if not hmac.compare_digest(self.row_mac(seq, at, actor, action, object_type,
                                                    hashed_object(object_id, target), outcome,
                                                    origin), stored or ""):
                return VerifyResult(False, result.checked, seq, UNSEALED_ALTERED,
                                    result.start_seq)
            unsealed += 1
        return VerifyResult(True, result.checked, start_seq=result.start_seq, unsealed=unsealed)

    def start(self, session: Session) -> tuple[int, str]:
        """Where verification starts: the newest anchor, or the genesis."""
        row = session.execute(select(AuditAnchor).order_by(AuditAnchor.seq.desc()).limit(1)
                              ).scalar_one_or_none()
        if row is None:
            return 0, GENESIS
        if not self._anchor_intact(row):
            raise ChainBroken(VerifyResult(False, 0, row.seq,
                                           "pruning anchor altered (HMAC mismatch)"))
        return row.seq, row.entry_hash

    def prune(self, session: Session, *, before: datetime, actor: str = "system",
              origin: str = "job", dry_run: bool = False) -> PruneResult:
        """Delete the oldest entries, all older than `before`, keeping the
        chain verifiable: the part to go is verified first (a broken chain is
        evidence and is never pruned), an audit entry records the pruning, and
        an HMAC'd anchor with the last pruned entry's hash becomes the new
        starting point, all in the caller's transaction."""
        self._lock(session)
        start_seq, start_hash = self.start(session)
        # Everything committed is in the chain first (an entry that fails its
        # own HMAC stops the pruning as a broken chain does).
        self._seal_locked(session)
        cutoff = _as_utc(before)
        first_kept = session.scalar(select(func.min(AuditEntry.chain_pos)).where(
            AuditEntry.chain_pos > start_seq, AuditEntry.at >= cutoff))
        last = first_kept - 1 if first_kept is not None else self.head(session)[0]
        if last <= start_seq:
            return PruneResult(0, start_seq, dry_run)
        result = _verify_rows(_entry_rows(session, after=start_seq, through=last), self._mac,
                              None, (start_seq, start_hash))
        if result.ok and result.checked != last - start_seq:  # rows missing at the end
            result = VerifyResult(False, result.checked, start_seq + result.checked + 1,
                                  "entry missing (gap in sequence)", start_seq)
        if not result.ok:
            raise ChainBroken(result)
        if dry_run:
            return PruneResult(last - start_seq, last, True)
        # Recorded and sealed before the deletion, so the newest entry (the
        # head) stays.
        self.record(session, actor=actor, action=AuditAction.AUDIT_PRUNED, object_type="audit_log",
                    object_id=f"{start_seq + 1}-{last}", origin=origin)
        self._seal_locked(session)
        last_entry = session.scalar(select(AuditEntry).where(AuditEntry.chain_pos == last))
        # Verified just above: sealed, with its hash.
        assert last_entry is not None and last_entry.entry_hash is not None  # noqa: S101
        session.add(AuditAnchor(
            seq=last, entry_hash=last_entry.entry_hash, entry_at=last_entry.at,
            pruned_at=utcnow(),
            mac=self.anchor_mac(last, last_entry.entry_hash, last_entry.at)))
        session.flush()  # the PostgreSQL trigger lets a deletion through only under an anchor
        session.execute(delete(AuditEntry).where(AuditEntry.chain_pos <= last)
                        .execution_options(synchronize_session=False))
        session.expunge(last_entry)
        return PruneResult(last - start_seq, last, False)

    def day_only(self, entry: AuditEntry) -> date | None:
        """The local day an entry is shown with instead of its time: every
        entry of the reporter (also one written before times were cut to the
        day, whose hashed time stays as it was) and every entry kept to the
        day. None: show the time."""
        if entry.actor == REPORTER_ACTOR or is_day_start(_as_utc(entry.at), self.zone):
            return _as_utc(entry.at).astimezone(self.zone).date()
        return None

    @staticmethod
    def head(session: Session) -> tuple[int, str]:
        """The chain's last position and hash (sealed entries only)."""
        row = session.execute(
            select(AuditEntry.chain_pos, AuditEntry.entry_hash)
            .where(AuditEntry.chain_pos.is_not(None))
            .order_by(AuditEntry.chain_pos.desc()).limit(1)
        ).first()
        if row and row[0] is not None and row[1] is not None:
            return row[0], row[1]
        anchor = session.execute(select(AuditAnchor.seq, AuditAnchor.entry_hash)
                                 .order_by(AuditAnchor.seq.desc()).limit(1)).first()
        return (anchor[0], anchor[1]) if anchor else (0, GENESIS)

    @staticmethod
    def count(session: Session) -> int:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    # The chain position of the first broken sealed entry (its number too
    # unless rolled-back transactions left gaps before it), or the number of
    # an entry not yet sealed that fails its own HMAC.
    first_broken_seq: int | None = None
    reason: str = ""
    # Entries up to this chain position were pruned (0: none ever were).
    start_seq: int = 0
    # Entries written but not yet sealed into the chain (each checked by its
    # own HMAC).
    unsealed: int = 0


@dataclass(frozen=True)
class PruneResult:
    pruned: int
    through_seq: int
    dry_run: bool


def verify_chain(entries: Iterable[AuditEntry], mac: Callable[[str], str],
                 checkpoint: tuple[int, str] | None = None) -> VerifyResult:
    return _verify_rows(
        ((e.chain_pos, e.seq, _iso(e.at), e.actor, e.action, e.object_type,
          hashed_object(e.object_id, e.target),
          e.result, e.origin, e.prev_hash, e.entry_hash, e.mac) for e in entries
         if e.chain_pos is not None), mac, checkpoint)


def _as_utc(value: datetime | str) -> datetime:
    # SQLite hands the stored text back; PostgreSQL a naive timestamp.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _iso(value: datetime | str) -> str:
    return _as_utc(value).isoformat(timespec="microseconds")


_PG_ROWS = (
    "SELECT chain_pos, seq, to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00', actor,"
    " action, object_type, object_id || CASE WHEN target <> '' THEN chr(31) || target"
    " ELSE '' END, result, origin, prev_hash, entry_hash, mac"
    " FROM audit_entry WHERE chain_pos > %(after)s AND chain_pos <= %(through)s"
    " ORDER BY chain_pos")
_SQLITE_ROWS = (
    "SELECT chain_pos, seq, at, actor, action, object_type, object_id || CASE WHEN"
    " target <> '' THEN char(31) || target ELSE '' END, result, origin,"
    " prev_hash, entry_hash, mac FROM audit_entry WHERE chain_pos > :after"
    " AND chain_pos <= :through ORDER BY chain_pos")


def _entry_rows(session: Session, *, after: int,
                through: int | None = None) -> Iterator[Sequence[Any]]:
    """(chain position, seq, time as the hash saw it, ...) sealed rows in
    chain order, streamed as plain
    driver rows. PostgreSQL renders the time itself, which moves that work to
    the database server's core."""
    connection = session.connection()
    params = {"after": after, "through": through if through is not None else 2**62}
    options = {"stream_results": True, "yield_per": 20_000}
    if connection.dialect.name == "postgresql":
        return _prefetched(connection.exec_driver_sql(_PG_ROWS, params, execution_options=options))
    rows = connection.exec_driver_sql(_SQLITE_ROWS, params, execution_options=options)
    return ((pos, seq, _iso(at), *rest) for pos, seq, at, *rest in rows)


def _prefetched(result: CursorResult[Any], size: int = 20_000) -> Iterator[Sequence[Any]]:
    """Rows of `result`, the next batch fetched by a thread while this one is
    checked: the server and the hashing overlap instead of taking turns
    (a quarter less wall time for a million entries). Stops the thread when
    the caller stops early, at a broken entry."""
    batches: queue.Queue[Sequence[Any] | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: Sequence[Any] | BaseException) -> None:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def fetch() -> None:
        try:
            while not stop.is_set():
                batch = result.fetchmany(size)
                put(batch)
                if not batch:
                    return
        except BaseException as exc:  # handed to the caller's thread
            put(exc)

    thread = threading.Thread(target=fetch, name="audit-verify-fetch", daemon=True)
    thread.start()
    try:
        while True:
            batch = batches.get()
            if isinstance(batch, BaseException):
                raise batch
            if not batch:
                return
            yield from batch
    finally:
        stop.set()
        thread.join()


def _verify_rows(rows: Iterable[Sequence[Any]], mac: Callable[[str], str],
                 checkpoint: tuple[int, str] | None = None,
                 start: tuple[int, str] = (0, GENESIS)) -> VerifyResult:
    start_seq, prev = start
    expected_seq = start_seq + 1
    checked = 0
    seen_checkpoint = True
    if checkpoint and checkpoint[0] > start_seq:
        seen_checkpoint = False
    elif checkpoint and checkpoint[0] == start_seq and checkpoint[1] != prev:
        return VerifyResult(False, 0, start_seq, "differs from checkpoint", start_seq)
    # A checkpoint older than the newest anchor was pruned away; the anchor,
    # whose HMAC was checked, vouches for everything before it.
    check_seq, check_hash = checkpoint if checkpoint else (-1, "")
    compare = hmac.compare_digest
    hash_text = _hash_text
    # `seq` below is the chain position (the name of the log's first form,
    # where the two were the same); `number` is the entry's own number.
    for seq, number, at, actor, action, object_type, object_id, result, origin, prev_hash, \
            stored_hash, stored_mac in rows:
        if seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "entry missing (gap in sequence)",
                                start_seq)
        if prev_hash != prev:
            return VerifyResult(False, checked, seq, "link to previous entry broken", start_seq)
        digest = hash_text(prev, str(seq) if seq == number else f"{seq}:{number}", at, actor,
                           action, object_type, object_id, result, origin)
        if not compare(digest, stored_hash or ""):
            return VerifyResult(False, checked, seq, "entry altered (hash mismatch)", start_seq)
        if not compare(mac(digest), stored_mac or ""):
            return VerifyResult(False, checked, seq, "entry altered (HMAC mismatch)", start_seq)
        if seq == check_seq:
            if stored_hash != check_hash:
                return VerifyResult(False, checked, seq, "differs from checkpoint", start_seq)
            seen_checkpoint = True
        prev = stored_hash
        expected_seq += 1
        checked += 1
    if not seen_checkpoint:
        return VerifyResult(False, checked, expected_seq,
                            "log ends before the checkpoint (truncated)", start_seq)
    return VerifyResult(True, checked, start_seq=start_seq)
