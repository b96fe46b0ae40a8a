"""Attachments, encrypted as they stream, in bounded memory.

Format: header (magic, version, 7-byte random nonce prefix), then segments of
SEGMENT_SIZE plaintext bytes, each AES-256-GCM with the nonce
prefix | 32-bit counter | last-flag. The counter detects reordering, the flag
truncation (the final segment must carry it), and the file id in the
associated data a file swapped for another.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DecryptionError, StreamTruncated

MAGIC = b"MPF1"
PREFIX_LEN = 7
HEADER_LEN = len(MAGIC) + PREFIX_LEN
SEGMENT_SIZE = 64 * 1024
TAG_LEN = 16
MAX_SEGMENTS = 2**32 - 1


class FileKey:
    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise ValueError("a file key is 32 bytes")
        self._raw = bytes(raw)

    @property
    def raw(self) -> bytes:
        return self._raw

    def __repr__(self) -> str:
        return "<FileKey>"


def new_file_key() -> FileKey:
    return FileKey(os.urandom(32))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _ad(file_id: str) -> bytes:
    return b"meldpunt-file-v1\0" + file_id.encode()


class StreamEncryptor:
    """Feed plaintext with update(); finalize() returns the last segment."""

    def __init__(self, key: FileKey, *, file_id: str) -> None:
        self._aead = AESGCM(key.raw)
        self._prefix = os.urandom(PREFIX_LEN)
        self._ad = _ad(file_id)
        self._counter = 0
        self._buffer = bytearray()
        self._header_sent = False
        self._done = False

    def _header(self) -> bytes:
        if self._header_sent:
            return b""
        self._header_sent = True
        return MAGIC + self._prefix

    def _seal(self, data: bytes | memoryview, last: bool) -> bytes:
        if self._counter >= MAX_SEGMENTS:
            raise ValueError("file too large for one stream")
        out = self._aead.encrypt(_nonce(self._prefix, self._counter, last), data, self._ad)
        self._counter += 1
        return out

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise ValueError("stream already finalised")
        out = [self._header()]
        view = memoryview(data)
        # Keep at least one byte back unless finalising: the last segment
        # must be sealed with the last-flag, so never emit a full buffer eagerly.
        if self._buffer:
            take = min(SEGMENT_SIZE - len(self._buffer), len(view))
            self._buffer += view[:take]
            view = view[take:]
            if len(view) and len(self._buffer) == SEGMENT_SIZE:
                out.append(self._seal(bytes(self._buffer), last=False))
                self._buffer.clear()
        # Whole segments are sealed straight from the input, without copying
        # them through the buffer first.
        while len(view) > SEGMENT_SIZE:
            out.append(self._seal(view[:SEGMENT_SIZE], last=False))
            view = view[SEGMENT_SIZE:]
        self._buffer += view
        return b"".join(out)

    def finalize(self) -> bytes:
        if self._done:
            raise ValueError("stream already finalised")
        self._done = True
        out = self._header() + self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        return out


def encrypted_size(plain_size: int) -> int:
    segments = max(1, -(-plain_size // SEGMENT_SIZE))
    if plain_size and plain_size % SEGMENT_SIZE == 0:
        segments = plain_size // SEGMENT_SIZE
    return HEADER_LEN + plain_size + segments * TAG_LEN


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    parts, missing = [], size
    while missing:
        chunk = read(missing)
        if not chunk:
            break
        parts.append(chunk)
        missing -= len(chunk)
    return b"".join(parts)


def decrypt_stream(key: FileKey, read: Callable[[int], bytes], *, file_id: str) -> Iterator[bytes]:
    """Yield verified plaintext segments; raise if anything was altered,
    reordered, swapped or cut off."""
    header = _read_exactly(read, HEADER_LEN)
    if len(header) != HEADER_LEN or not header.startswith(MAGIC):
        raise DecryptionError("not an encrypted file")
    prefix = header[len(MAGIC) :]
    aead = AESGCM(key.raw)
    ad = _ad(file_id)
    counter = 0
    current = _read_exactly(read, SEGMENT_SIZE + TAG_LEN)
    while True:
        if len(current) < TAG_LEN:
            raise StreamTruncated("encrypted file ends before its final segment")
        following = _read_exactly(read, SEGMENT_SIZE + TAG_LEN) if (
            len(current) == SEGMENT_SIZE + TAG_LEN) else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), current, ad)
        except InvalidTag as exc:
            if last:
                raise StreamTruncated("encrypted file was cut off or altered") from exc
            raise DecryptionError(f"segment {counter} was altered or moved") from exc
        counter += 1
        yield plain
        if last:
            return
        current = following
