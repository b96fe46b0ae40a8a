"""The erasure ratchet (app/crypto/ratchet.py): one-way day keys, a state
file that holds only today's secret, copies that agree without talking."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.crypto import ratchet
from app.crypto.errors import DecryptionError

DAY = date(2026, 12, 1)


def _keys_dir(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    keys.mkdir()
    assert ratchet.create_state(keys, DAY)
    return keys


def test_each_day_secret_is_the_hash_of_the_day_before(tmp_path):
    keys = _keys_dir(tmp_path)
    state = ratchet.read_state(keys)
    later = state.advanced_to(DAY + timedelta(days=2))
    once = hashlib.sha256(b"meldpunt-ratchet-step-v1\0" + state.secret).digest()
    assert later.secret == hashlib.sha256(b"meldpunt-ratchet-step-v1\0" + once).digest()


def test_an_advanced_copy_derives_every_later_day_and_no_earlier_one(tmp_path):
    keys = _keys_dir(tmp_path)
    before = ratchet.day_keys(keys)
    wanted = {DAY + timedelta(days=n): before.key(DAY + timedelta(days=n)) for n in range(40)}
    ratchet.advance_file(keys, DAY + timedelta(days=10))
    after = ratchet.day_keys(keys)
    for day, key in wanted.items():
        if day < DAY + timedelta(days=10):
            with pytest.raises(ratchet.DayPassed):
                after.key(day)
        else:
            assert after.key(day) == key
    # The file holds only the new day and its secret: no earlier secret.
    raw = (keys / "ratchet").read_bytes()
    assert before.start.secret.hex().encode() not in raw
    assert ratchet.read_state(keys).day == DAY + timedelta(days=10)


def test_the_ratchet_never_goes_back_and_writes_its_file_atomically(tmp_path):
    keys = _keys_dir(tmp_path)
    ratchet.advance_file(keys, DAY + timedelta(days=3))
    assert ratchet.advance_file(keys, DAY).day == DAY + timedelta(days=3)
    assert sorted(p.name for p in keys.iterdir()) == ["ratchet"]
    assert (keys / "ratchet").stat().st_mode & 0o777 == 0o600
    assert not ratchet.create_state(keys, DAY)  # never overwritten


def test_two_copies_of_keys_agree_on_every_day_without_talking(tmp_path):
    keys = _keys_dir(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(keys, other)
    ratchet.advance_file(keys, DAY + timedelta(days=7))
    mine, theirs = ratchet.day_keys(keys), ratchet.day_keys(other)
    for n in range(7, 60):
        day = DAY + timedelta(days=n)
        sealed = ratchet.seal(mine, b"wrap", kind="compartment_wrap", day=day)
        assert ratchet.unseal(theirs, sealed, kind="compartment_wrap", day=day) == b"wrap"


def test_a_seal_is_bound_to_its_day_and_kind(tmp_path):
    keys = ratchet.day_keys(_keys_dir(tmp_path))
    sealed = ratchet.seal(keys, b"wrap", kind="compartment_wrap", day=DAY + timedelta(days=5))
    with pytest.raises(DecryptionError):
        ratchet.unseal(keys, sealed, kind="compartment_wrap", day=DAY + timedelta(days=6))
    with pytest.raises(DecryptionError):
        ratchet.unseal(keys, sealed, kind="receipt_wrap", day=DAY + timedelta(days=5))


def test_no_ratchet_file_is_a_clear_error(tmp_path):
    with pytest.raises(ratchet.RatchetMissing, match="meldpunt init"):
        ratchet.day_keys(tmp_path)
