"""Attachments, encrypted as they stream, in bounded memory.

Format: header (magic, version, 7-byte random nonce prefix), then segments of
SEGMENT_SIZE plaintext bytes, each AES-256-GCM with the nonce
prefix | 32-bit counter | last-flag. The counter detects reordering, the flag
truncation (the final segment must carry it), and the file id in the
associated data a file swapped for another.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

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


class DecryptingReader(io.RawIOBase):
    """A seekable, read-only view of the plaintext of an encrypted file.

    Decrypts one segment at a time (each verified, the final one with its
    last-flag), so a zip directory or a picture can be read back with one
    segment in memory. Used to check and clean uploads before they are kept.
    """

    def __init__(self, key: FileKey, handle: BinaryIO, *, file_id: str) -> None:
        super().__init__()
        self._handle = handle
        self._aead = AESGCM(key.raw)
        self._ad = _ad(file_id)
        handle.seek(0)
        header = _read_exactly(handle.read, HEADER_LEN)
        if len(header) != HEADER_LEN or not header.startswith(MAGIC):
            raise DecryptionError("not an encrypted file")
        self._prefix = header[len(MAGIC) :]
        body = handle.seek(0, io.SEEK_END) - HEADER_LEN
        full, rest = divmod(body, SEGMENT_SIZE + TAG_LEN)
        if rest and rest < TAG_LEN or body < TAG_LEN:
            raise StreamTruncated("encrypted file ends inside a segment")
        self._segments = full + (1 if rest else 0)
        self.size = body - self._segments * TAG_LEN
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()
        self._cached = None
        super().close()

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._handle.seek(HEADER_LEN + index * (SEGMENT_SIZE + TAG_LEN))
        sealed = _read_exactly(self._handle.read, SEGMENT_SIZE + TAG_LEN)
        last = index == self._segments - 1
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self._ad)
        except InvalidTag as exc:
            raise DecryptionError(f"segment {index} was altered or moved") from exc
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        # Fill the whole buffer (across segments): callers such as zipfile
        # and Pillow take a short read for a truncated file.
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self.size:
            index, start = divmod(self._pos, SEGMENT_SIZE)
            piece = self._segment(index)[start : start + len(out) - done]
            out[done : done + len(piece)] = piece
            done += len(piece)
            self._pos += len(piece)
        return done
