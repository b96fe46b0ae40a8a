"""Attachments from reporters: encrypted as they stream in, checked, cleaned.

Werkzeug spools large uploads to temporary files by default; that would put
plaintext on disk, and keeping them in memory would make memory grow with the
file. `StreamingUploadRequest` instead hands every file part, while the body
is parsed, to a PendingPart that encrypts it segment by segment under a fresh
file key into a *pending* file of the store (app/storage.py). Memory stays a
few segments per request, whatever the size; plaintext never touches disk.

On views marked with `accepts_uploads` the request may be somewhat larger
than the attachment budget: once the budget is spent, every pending file of
the request is deleted and the rest of the file data is read and dropped, so
the typed text survives and the page can say what was too large.

Accepted: pdf, jpg/jpeg, png, txt, docx, odt - by extension AND content (the
first bytes; for docx the zip directory, read back through the decrypting
stream). Pictures are decrypted back into Pillow, decoded and re-encoded from
their pixels only - which drops EXIF (GPS position, camera, time) and every
other metadata block - into a new pending file; the original is deleted.

A report or mailbox action that keeps the files attaches them in its own
transaction (content.attach_pending). Whatever is not attached - refused,
too large, the review step's "change" button, an error - is deleted when the
request ends; what a crashed worker left is removed by the next upload
request or `meldpunt retention run` (FileStore.remove_abandoned_pending).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, cast

from PIL import Image, ImageOps, UnidentifiedImageError

from app.cases.content import PendingFile
from app.cases.intake import Upload
from app.crypto.errors import CryptoError
from app.errors import Invalid
from app.storage import FileStore

MAX_FILES = 10
# Pixels, not bytes: a small file may decode to a huge image.
MAX_IMAGE_PIXELS = 40_000_000
# Pictures are decoded whole; a larger picture file is refused before that.
MAX_IMAGE_BYTES = 50 * 1024 * 1024
# What is kept of each file's first bytes for the content check.
HEAD = 64 * 1024
# A request to an upload view may exceed the attachment budget by this factor
# and still be parsed (the excess is discarded) so the typed text is kept.
PARSE_FACTOR = 3

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
ALLOWED_EXTENSIONS = tuple(sorted(CONTENT_TYPES))


class UploadRefused(Invalid, ValueError):
    """A file that is not accepted; str() is a reason code (see messages).
    The parameters of its text: the file's name and the limits."""

    area = "upload"

    def __init__(self, reason: str, filename: str) -> None:
        super().__init__(reason, name=filename, n=MAX_FILES,
                         mb=MAX_IMAGE_BYTES // (1024 * 1024),
                         types=", ".join(ext for ext in ALLOWED_EXTENSIONS if ext != "jpeg"))
        self.reason = reason
        self.filename = filename


class PartOwner(Protocol):
    """What a PendingPart needs from the request whose body it is part of:
    the shared attachment budget and the file store."""

    upload_bytes: int
    upload_overflow: bool
    upload_too_many: bool

    @property
    def upload_budget_bytes(self) -> int: ...

    def overflow(self) -> None: ...

    def file_store(self) -> FileStore: ...


class PendingPart(io.RawIOBase):
    """The stream Werkzeug writes one uploaded file part into while it parses
    the request body: each piece is encrypted straight into a pending file
    (app.cases.content.PendingFile). In memory: the first HEAD bytes (for the
    content check) and the encryptor's one open segment."""

    def __init__(self, request: PartOwner, filename: str | None) -> None:
        super().__init__()
        self._request = request
        self.filename = safe_name(filename) if filename else ""
        self.head = bytearray()
        self.file: PendingFile | None = None
        self.dropped = not self.filename  # no file chosen: an empty part

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        request = self._request
        request.upload_bytes += len(data)
        if request.upload_bytes > request.upload_budget_bytes:
            request.overflow()
        if self.dropped or request.upload_overflow or request.upload_too_many or not data:
            return len(data)
        if len(self.head) < HEAD:
            self.head += data[: HEAD - len(self.head)]
        if self.file is None:
            if _extension(self.filename) not in CONTENT_TYPES:
                self.dropped = True  # refused by its name: nothing to store
                return len(data)
            self.file = PendingFile(request.file_store())
        return self.file.write(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Werkzeug seeks to 0 when the part is complete: seal the last segment.
        if self.file is not None and not self.file.closed:
            self.file.finish()
        return 0

    def discard(self) -> None:
        if self.file is not None:
            self.file.discard()

    def close(self) -> None:
        # The request is over: whatever was not attached goes.
        self.discard()
        super().close()


@dataclass(frozen=True)
class CleanFile:
    """A checked (and for pictures cleaned) upload, still pending in the store."""

    filename: str
    content_type: str
    pending: PendingFile

    @property
    def size(self) -> int:
        return self.pending.size

    def as_upload(self) -> Upload:
        return Upload(filename=self.filename, content_type=self.content_type, chunks=(),
                      pending=self.pending)


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def safe_name(filename: str) -> str:
    """Keep the name readable but without any path or control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "bestand"
    if len(name) > 150:
        # Shorten the stem, not the extension: a cut-off extension would make
        # an acceptable file look like a refused type.
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            return stem[: 150 - len(extension) - 1] + "." + extension
    return name[:150]


def _is_plain_text(data: bytes) -> bool:
    sample = data[: 64 * 1024]
    allowed_controls = {9, 10, 12, 13}
    return not any(byte < 32 and byte not in allowed_controls for byte in sample)


def _zip_names(part: PendingPart) -> list[str] | None:
    """The archive's directory, read back through the decrypting stream."""
    assert part.file is not None
    try:
        with part.file.reader() as plain, zipfile.ZipFile(plain) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, CryptoError):
        return None


def _content_matches(extension: str, part: PendingPart) -> bool:
    head = bytes(part.head)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "txt":
        return _is_plain_text(head)
    if extension == "docx":
        names = _zip_names(part) if head.startswith(b"PK\x03\x04") else None
        return names is not None and "[Content_Types].xml" in names and any(
            name.startswith("word/") for name in names)
    if extension == "odt":
        if not head.startswith(b"PK\x03\x04"):
            return False
        # The ODF package starts with an uncompressed "mimetype" entry.
        return b"mimetypeapplication/vnd.oasis.opendocument.text" in head[:100]
    return False


def strip_image_metadata(source: BinaryIO, extension: str, target: BinaryIO) -> None:
    """Decode and re-encode from pixels only: no EXIF, GPS, XMP or comments.
    Memory is bounded by MAX_IMAGE_PIXELS (the decoded picture)."""
    try:
        with Image.open(source) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise UploadRefused("image_too_large", "")
            image.load()
            # Turn the picture the way the camera meant, before the EXIF
            # orientation tag is dropped with the rest.
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError,
            CryptoError) as exc:
        raise UploadRefused("damaged", "") from exc
    if extension == "png":
        if upright.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16"):
            upright = upright.convert("RGBA")
        target_format = "PNG"
    else:
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        target_format = "JPEG"
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    del upright
    options: dict[str, Any] = {"quality": 90} if target_format == "JPEG" else {}
    clean.save(target, target_format, **options)


class _EncryptingSink(io.RawIOBase):
    """Pillow writes the cleaned picture here; it goes straight into a new
    pending file."""

    def __init__(self, file: PendingFile) -> None:
        super().__init__()
        self._file = file

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self._file.write(bytes(data))


def _clean_image(part: PendingPart, extension: str) -> PendingFile:
    """Decrypt the pending original into Pillow, encrypt the re-encoded
    picture into a new pending file (fresh key and id), delete the original."""
    assert part.file is not None
    if part.file.size > MAX_IMAGE_BYTES:
        raise UploadRefused("image_file_too_large", part.filename)
    clean = PendingFile(part._request.file_store())
    try:
        with part.file.reader() as plain:
            # Pillow types its files as IO[bytes]; these raw streams have the
            # read/seek/write it calls, but typeshed's RawIOBase is no IO[bytes].
            strip_image_metadata(cast(BinaryIO, plain), extension,
                                 cast(BinaryIO, _EncryptingSink(clean)))
        clean.finish()
    except BaseException:
        clean.discard()
        raise
    part.file.discard()
    part.file = clean
    return clean


def check_part(part: PendingPart) -> CleanFile:
    name = part.filename
    extension = _extension(name)
    if extension not in CONTENT_TYPES:
        raise UploadRefused("type", name)
    if part.file is None or part.file.size == 0:
        raise UploadRefused("empty", name)
    part.file.finish()
    if not _content_matches(extension, part):
        raise UploadRefused("content", name)
    if extension in ("jpg", "jpeg", "png"):
        try:
            _clean_image(part, extension)
        except UploadRefused as exc:
            raise UploadRefused(exc.reason, name) from exc
    return CleanFile(filename=name, content_type=CONTENT_TYPES[extension], pending=part.file)


def check_parts(parts: list[PendingPart]) -> list[CleanFile]:
    """Check the chosen file parts of one request, in order."""
    if len(parts) > MAX_FILES:
        raise UploadRefused("too_many", "")
    return [check_part(part) for part in parts]
