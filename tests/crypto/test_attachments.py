"""Attachments in a case: stored encrypted under random names, and a file
on disk that was altered, cut off or swapped for another fails loudly."""

from __future__ import annotations

import os

import pytest

from app.cases import custody
from app.cases.content import (
    UploadTooLarge,
    list_attachments,
    open_attachment,
    store_attachment,
)
from app.cases.intake import NewReport, submit_report
from app.crypto.errors import DecryptionError
from app.crypto.keys import unlock_private_key
from app.crypto.streams import SEGMENT_SIZE
from tests.conftest import PASSWORD
from tests.file_store import file_store_kind, leftovers, read_raw, write_raw  # noqa: F401


@pytest.fixture()
def opened(session, rt, units, make_staff):  # type: ignore[no-untyped-def]
    intake = make_staff("intake")
    case, _ = submit_report(session, rt, NewReport(
        unit_id=units["cibg"].id, track="report", channel="anonymous", report={"what": "x"}))
    key = custody.open_case_key(session, case, intake.user,
                                unlock_private_key(intake.user.private_key_protected, PASSWORD))
    return case, key


def _store(session, rt, case, key, data: bytes, name: str = "bewijs.pdf"):  # type: ignore[no-untyped-def]
    attachment = store_attachment(session, rt, case, key, filename=name,
                                  content_type="application/pdf",
                                  chunks=[data[i : i + 50_000] for i in range(0, len(data), 50_000)]
                                  or [b""], uploaded_by_kind="reporter")
    session.commit()
    return attachment


def _read(rt, case, key, attachment) -> bytes:  # type: ignore[no-untyped-def]
    _view, chunks = open_attachment(rt, case, key, attachment)
    return b"".join(chunks)


def test_round_trip_with_encrypted_name_and_random_file_name(session, rt, opened):
    case, key = opened
    data = os.urandom(3 * SEGMENT_SIZE + 5)
    attachment = _store(session, rt, case, key, data, name="verslag van Jan.pdf")
    assert "verslag" not in " ".join(leftovers(rt))
    assert data[:1000] not in read_raw(rt, attachment.file_id)
    assert _read(rt, case, key, attachment) == data
    [view] = list_attachments(session, case, key)
    assert view.name == "verslag van Jan.pdf" and view.size == len(data)
    assert b"verslag" not in attachment.meta_ciphertext


def test_empty_attachment(session, rt, opened):
    case, key = opened
    attachment = _store(session, rt, case, key, b"")
    assert _read(rt, case, key, attachment) == b""


def test_altered_or_cut_off_file_on_disk_fails(session, rt, opened):
    case, key = opened
    attachment = _store(session, rt, case, key, os.urandom(2 * SEGMENT_SIZE + 100))
    original = read_raw(rt, attachment.file_id)
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 1
    write_raw(rt, attachment.file_id, bytes(changed))
    with pytest.raises(DecryptionError):
        _read(rt, case, key, attachment)
    write_raw(rt, attachment.file_id, original[: len(original) - 200])
    with pytest.raises(DecryptionError):
        _read(rt, case, key, attachment)


def test_files_swapped_on_disk_fail(session, rt, opened):
    case, key = opened
    first = _store(session, rt, case, key, b"first file " * 100)
    second = _store(session, rt, case, key, b"second file " * 100)
    data_one, data_two = read_raw(rt, first.file_id), read_raw(rt, second.file_id)
    write_raw(rt, first.file_id, data_two)
    write_raw(rt, second.file_id, data_one)
    for attachment in (first, second):
        with pytest.raises(DecryptionError):
            _read(rt, case, key, attachment)


def test_file_key_moved_to_another_attachment_fails(session, rt, opened):
    case, key = opened
    first = _store(session, rt, case, key, b"first file")
    second = _store(session, rt, case, key, b"second file")
    first.file_key_ciphertext, second.file_key_ciphertext = (
        second.file_key_ciphertext, first.file_key_ciphertext)
    with pytest.raises(DecryptionError):
        _read(rt, case, key, first)


def test_too_large_upload_leaves_no_file(session, rt, opened):
    case, key = opened
    with pytest.raises(UploadTooLarge):
        store_attachment(session, rt, case, key, filename="big.bin",
                         content_type="application/octet-stream",
                         chunks=[b"x" * 1000] * 20, uploaded_by_kind="reporter",
                         max_bytes=5000)
    assert list(rt.files.file_ids()) == []
    assert leftovers(rt) == []
