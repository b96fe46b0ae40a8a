"""Attachments: encrypted in segments as they stream; tampering, truncation,
reordering and swapping fail loudly; the file store writes atomically."""

from __future__ import annotations

import io
import os

import pytest

from app.crypto.errors import DecryptionError, StreamTruncated
from app.crypto.streams import (
    HEADER_LEN,
    SEGMENT_SIZE,
    TAG_LEN,
    StreamEncryptor,
    decrypt_stream,
    encrypted_size,
    new_file_key,
)
from app.storage import InvalidFileId, LocalFileStore

FILE_ID = "0123456789abcdef0123456789abcdef"
SEGMENT = SEGMENT_SIZE + TAG_LEN


def encrypt(data: bytes, key, file_id: str = FILE_ID, chunk: int = 10_000) -> bytes:  # type: ignore[no-untyped-def]
    encryptor = StreamEncryptor(key, file_id=file_id)
    out = [encryptor.update(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    out.append(encryptor.finalize())
    return b"".join(out)


def decrypt(blob: bytes, key, file_id: str = FILE_ID) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(decrypt_stream(key, io.BytesIO(blob).read, file_id=file_id))


def segments(blob: bytes) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER_LEN:]
    return blob[:HEADER_LEN], [body[i : i + SEGMENT] for i in range(0, len(body), SEGMENT)]


@pytest.mark.parametrize("size", [
    0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE,
    3 * SEGMENT_SIZE + 12345,
])
def test_round_trip(size: int):
    key = new_file_key()
    data = os.urandom(size)
    blob = encrypt(data, key)
    assert len(blob) == encrypted_size(size)
    assert decrypt(blob, key) == data
    expected_segments = max(1, -(-size // SEGMENT_SIZE))
    assert len(segments(blob)[1]) == expected_segments


def test_chunking_of_the_input_does_not_matter():
    key = new_file_key()
    data = os.urandom(2 * SEGMENT_SIZE + 7)
    for chunk in (1 << 20, SEGMENT_SIZE, 4096, 3):
        if chunk == 3:
            data = data[:5000]
        assert decrypt(encrypt(data, key, chunk=chunk), key) == data


def test_random_chunk_sizes_round_trip():
    import random

    rng = random.Random(20261123)
    key = new_file_key()
    for size in (0, 5, SEGMENT_SIZE, 2 * SEGMENT_SIZE, 2 * SEGMENT_SIZE + 1, 5 * SEGMENT_SIZE - 3):
        data = os.urandom(size)
        encryptor = StreamEncryptor(key, file_id=FILE_ID)
        out, position = [], 0
        while position < size:
            step = rng.choice([0, 1, 7, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1,
                               rng.randrange(3 * SEGMENT_SIZE)])
            out.append(encryptor.update(data[position : position + step]))
            position += step
        out.append(encryptor.update(b""))
        out.append(encryptor.finalize())
        blob = b"".join(out)
        assert len(blob) == encrypted_size(size)
        assert decrypt(blob, key) == data


def _multi() -> tuple[object, bytes]:
    key = new_file_key()
    return key, encrypt(os.urandom(3 * SEGMENT_SIZE + 100), key)


def test_a_tampered_byte_fails():
    key, blob = _multi()
    for index in (0, HEADER_LEN - 1, HEADER_LEN, HEADER_LEN + SEGMENT + 5, len(blob) - 1):
        changed = bytearray(blob)
        changed[index] ^= 0x80
        with pytest.raises(DecryptionError):
            decrypt(bytes(changed), key)


def test_dropping_the_last_segment_is_detected():
    key, blob = _multi()
    header, parts = segments(blob)
    with pytest.raises(StreamTruncated):
        decrypt(header + b"".join(parts[:-1]), key)
    with pytest.raises(StreamTruncated):
        decrypt(header + parts[0], key)
    with pytest.raises(DecryptionError):
        decrypt(header, key)
    with pytest.raises(DecryptionError):
        decrypt(blob[:-1], key)


def test_dropping_the_last_segment_of_an_exact_multiple_is_detected():
    key = new_file_key()
    blob = encrypt(os.urandom(2 * SEGMENT_SIZE), key)
    header, parts = segments(blob)
    assert len(parts) == 2
    with pytest.raises(StreamTruncated):
        decrypt(header + parts[0], key)


def test_reordered_segments_fail():
    key, blob = _multi()
    header, parts = segments(blob)
    swapped = [parts[1], parts[0], *parts[2:]]
    with pytest.raises(DecryptionError):
        decrypt(header + b"".join(swapped), key)
    duplicated = [parts[0], parts[0], *parts[2:]]
    with pytest.raises(DecryptionError):
        decrypt(header + b"".join(duplicated), key)


def test_appended_data_fails():
    key, blob = _multi()
    header, parts = segments(blob)
    with pytest.raises(DecryptionError):
        decrypt(blob + parts[0], key)
    with pytest.raises(DecryptionError):
        decrypt(blob + b"\0" * 10, key)


def test_a_file_swapped_for_another_fails():
    key = new_file_key()
    other_id = "f" * 32
    blob = encrypt(b"attachment of file one", key, file_id=FILE_ID)
    with pytest.raises(DecryptionError):
        decrypt(blob, key, file_id=other_id)
    with pytest.raises(DecryptionError):
        decrypt(blob, new_file_key())


def test_segments_of_two_files_under_one_key_do_not_mix():
    key = new_file_key()
    first = encrypt(os.urandom(2 * SEGMENT_SIZE + 1), key)
    second = encrypt(os.urandom(2 * SEGMENT_SIZE + 1), key)
    header, parts = segments(first)
    _header2, parts2 = segments(second)
    with pytest.raises(DecryptionError):
        decrypt(header + parts2[0] + b"".join(parts[1:]), key)


def test_finalised_encryptor_refuses_more():
    encryptor = StreamEncryptor(new_file_key(), file_id=FILE_ID)
    encryptor.finalize()
    with pytest.raises(ValueError):
        encryptor.update(b"x")
    with pytest.raises(ValueError):
        encryptor.finalize()


# --- the file store ------------------------------------------------------------


def test_file_store_checks_every_path(tmp_path):
    store = LocalFileStore(tmp_path / "store")
    for bad in ("../etc/passwd", "0123", FILE_ID.upper(), FILE_ID + "/..", "", None,
                "/" + FILE_ID[1:], FILE_ID[:-1] + "."):
        with pytest.raises(InvalidFileId):
            store.path(bad)  # type: ignore[arg-type]
    assert store.path(FILE_ID).parent.parent == (tmp_path / "store").resolve()


def test_file_store_write_is_atomic_and_cleans_up_on_failure(tmp_path):
    store = LocalFileStore(tmp_path / "store")
    store.ensure()
    file_id = store.new_file_id()
    assert len(file_id) == 32 and file_id != store.new_file_id()

    def failing():  # type: ignore[no-untyped-def]
        yield b"a" * 1000
        raise RuntimeError("upload broke off")

    with pytest.raises(RuntimeError):
        store.write(file_id, failing())
    assert not store.exists(file_id)
    assert list((tmp_path / "store").rglob("*.partial")) == []

    assert store.write(file_id, [b"abc", b"def"]) == 6
    with store.open(file_id) as handle:
        assert handle.read() == b"abcdef"
    assert list(store.file_ids()) == [file_id]
    assert oct(os.stat(store.path(file_id)).st_mode & 0o777) == "0o600"
    store.delete(file_id)
    assert not store.exists(file_id)
    store.delete(file_id)  # twice is fine


def test_leftover_partials_are_removed(tmp_path):
    store = LocalFileStore(tmp_path / "store")
    store.ensure()
    file_id = store.new_file_id()
    partial = store.path(file_id).with_name(file_id + ".partial")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half")
    assert store.remove_partials() == 1
    assert not partial.exists()


# --- the seekable decrypting reader (checks of uploads read back) -----------------------

def _reader(blob: bytes, key, file_id: str = FILE_ID):  # type: ignore[no-untyped-def]
    from app.crypto.streams import DecryptingReader

    return DecryptingReader(key, io.BytesIO(blob), file_id=file_id)


@pytest.mark.parametrize("size", [0, 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 777])
def test_the_reader_gives_the_plaintext_at_any_position(size: int):
    key, data = new_file_key(), os.urandom(size)
    reader = _reader(encrypt(data, key), key)
    assert reader.size == size and reader.read() == data
    for position in {0, size // 2, max(0, size - 5), max(0, size - SEGMENT_SIZE - 3)}:
        reader.seek(position)
        assert reader.read(70_000) == data[position : position + 70_000]
    if size >= 3:
        reader.seek(-3, io.SEEK_END)
        assert reader.read() == data[-3:]


def test_the_reader_refuses_tampered_cut_and_swapped_files():
    key, blob = _multi()
    header, parts = segments(blob)
    changed = bytearray(blob)
    changed[HEADER_LEN + SEGMENT + 5] ^= 1
    reader = _reader(bytes(changed), key)
    reader.read(SEGMENT_SIZE)  # the first segment is intact
    with pytest.raises(DecryptionError):
        reader.read(10)
    # Cut at a segment boundary: the new last segment lacks the last-flag.
    with pytest.raises(DecryptionError):
        _reader(header + b"".join(parts[:-1]), key).read()
    with pytest.raises(DecryptionError):
        _reader(blob[:-1], key).read()
    with pytest.raises(DecryptionError):
        _reader(blob, key, file_id="f" * 32).read()
