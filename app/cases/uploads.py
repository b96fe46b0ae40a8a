"""Attachments from reporters: encrypted as they stream in, checked, cleaned.

Werkzeug spools large uploads to temporary files by default; that would put
plaintext on disk, and keeping them in memory would make memory grow with the
file. `StreamingUploadRequest` instead hands every file part, while the body
is parsed, to a PendingPart that encrypts it segment by segment under a fresh
file key into a *pending* file of the store (app/storage/). Memory stays a
few segments per request, whatever the size; plaintext never touches disk.

On views marked with `accepts_uploads` the request may be somewhat larger
than the attachment budget: once the budget is spent, every pending file of
the request is deleted and the rest of the file data is read and dropped, so
the typed text survives and the page can say what was too large.

Accepted: pdf, jpg/jpeg, png, txt, docx, xlsx, pptx, odt - by extension AND
content (the first bytes; for the Office formats the zip directory, read
back through the decrypting stream). Pictures are decrypted back into
Pillow, decoded and re-encoded from their pixels only - which drops EXIF
(GPS position, camera, time) and every other metadata block - into a new
pending file; the original is deleted. Documents are rewritten the same way,
stream to stream, without their hidden data (author, last editor, company,
comments, revision history, custom properties, XMP: app/cases/documents.py);
what was removed is told to the reporter (CleanFile.removed).

Decoding is what costs memory (a 155 kB PNG can hold 40 million pixels, 160 MB
decoded), so it is bounded before it starts, from the size in the picture's
header (PictureLimits, from the settings): a JPEG larger than the per-picture
budget is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling; the full
picture is never in memory), a larger PNG is refused; the pictures of one
request together may decode at most the request's budget; and a worker process
cleans at most `image_workers` pictures and documents at a time (the others
wait for a slot; the PDF cleaner holds the whole document in memory). Peak
memory per picture: about twice its decoded size (the decoded picture and the
clean copy that is encoded), whatever the file.

A report or mailbox action that keeps the files attaches them in its own
transaction (content.attach_pending). Whatever is not attached - refused,
too large, the review step's "change" button, an error - is deleted when the
request ends; what a crashed worker left is removed by the next upload
request or `meldpunt retention run` (FileStore.remove_abandoned_pending).
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Protocol, cast

from PIL import Image, ImageOps, UnidentifiedImageError

from app.cases.content import PendingFile
from app.cases.documents import (
    ODF_EXTENSIONS,
    OOXML_EXTENSIONS,
    DocumentNotCleanable,
    clean_document,
)
from app.cases.intake import Upload
from app.crypto.errors import CryptoError
from app.errors import Invalid
from app.storage import FileStore

MAX_FILES = 10
# Pixels, not bytes: a small file may decode to a huge image. A picture whose
# header claims more is refused unread; below it, PictureLimits decide.
MAX_IMAGE_PIXELS = 150_000_000
# How long a picture waits for a free slot of its worker process.
SLOT_WAIT_SECONDS = 60.0
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
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
}
# The folder of an Office Open XML package's main part, per extension.
OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ALLOWED_EXTENSIONS = tuple(sorted(CONTENT_TYPES))
# Documents rewritten without their hidden data (app/cases/documents.py).
CLEANED_DOCUMENTS = ("pdf", *OOXML_EXTENSIONS, *ODF_EXTENSIONS)


class UploadRefused(Invalid, ValueError):
    """A file that is not accepted; str() is a reason code (see messages).
    The parameters of its text: the file's name and the limits."""

    area = "upload"

    def __init__(self, reason: str, filename: str, *, megapixels: int = 0) -> None:
        super().__init__(reason, name=filename, n=MAX_FILES,
                         mb=MAX_IMAGE_BYTES // (1024 * 1024), mp=megapixels,
                         types=", ".join(ext for ext in ALLOWED_EXTENSIONS if ext != "jpeg"))
        self.reason = reason
        self.filename = filename
        self.megapixels = megapixels


@dataclass(frozen=True)
class PictureLimits:
    """How much picture decoding one request may do: pixels per picture and
    per request (settings image_max_megapixels, image_request_megapixels),
    and the worker process's slots (Runtime.picture_slots)."""

    picture_pixels: int
    request_pixels: int
    slots: threading.BoundedSemaphore

    @classmethod
    def of(cls, picture_megapixels: int, request_megapixels: int,
           slots: threading.BoundedSemaphore) -> PictureLimits:
        return cls(picture_megapixels * 1_000_000, request_megapixels * 1_000_000, slots)


class PartOwner(Protocol):
    """What a PendingPart needs from the request whose body it is part of:
    the shared attachment budget and the file store."""

    upload_bytes: int
    upload_overflow: bool
    upload_too_many: bool
    # Pixels the request's pictures have decoded so far.
    picture_pixels: int

    @property
    def upload_budget_bytes(self) -> int: ...

    def overflow(self) -> None: ...

    def file_store(self) -> FileStore: ...

    def picture_limits(self) -> PictureLimits: ...


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
    # What the cleaning removed (app/cases/documents.py codes), to tell.
    removed: frozenset[str] = frozenset()

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
    if extension in OOXML_FOLDERS:
        names = _zip_names(part) if head.startswith(b"PK\x03\x04") else None
        return names is not None and "[Content_Types].xml" in names and any(
            name.startswith(OOXML_FOLDERS[extension]) for name in names)
    if extension == "odt":
        if not head.startswith(b"PK\x03\x04"):
            return False
        # The ODF package starts with an uncompressed "mimetype" entry.
        return b"mimetypeapplication/vnd.oasis.opendocument.text" in head[:100]
    return False


def _jpeg_scale(width: int, height: int, budget: int) -> int:
    """The smallest of libjpeg's scales 1, 2, 4, 8 that brings the picture
    within the budget (8 if none does; the caller checks)."""
    for scale in (1, 2, 4, 8):
        if -(-width // scale) * -(-height // scale) <= budget:
            return scale
    return 8


def strip_image_metadata(source: BinaryIO, extension: str, target: BinaryIO, *,
                         max_pixels: int, request_pixels: int | None = None) -> int:
    """Decode and re-encode from pixels only: no EXIF, GPS, XMP or comments.

    Nothing is decoded before the size in the header is checked: a JPEG over
    `max_pixels` is decoded at a reduced scale, any other picture over it is
    refused, and so is one that would take the decoded pixels past
    `request_pixels` (what is left of the request's budget). Peak memory is
    about twice the decoded picture. Returns the pixels decoded."""
    try:
        image = Image.open(source, formats=["PNG"] if extension == "png" else ["JPEG"])
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError,
            CryptoError) as exc:
        raise UploadRefused("damaged", "") from exc
    try:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise UploadRefused("image_too_large", "", megapixels=max_pixels // 1_000_000)
        if image.format == "JPEG" and width * height > max_pixels:
            scale = _jpeg_scale(width, height, max_pixels)
            image.draft(image.mode, (width // scale, height // scale))
        if image.width * image.height > max_pixels:
            raise UploadRefused("image_too_large", "", megapixels=max_pixels // 1_000_000)
        if request_pixels is not None and image.width * image.height > request_pixels:
            raise UploadRefused("pictures_too_large", "",
                                megapixels=request_pixels // 1_000_000)
        decoded = image.width * image.height
        image.load()
        # Turn the picture the way the camera meant, before the EXIF
        # orientation tag is dropped with the rest (in place: one copy at a
        # time).
        ImageOps.exif_transpose(image, in_place=True)
        picture: Image.Image = image
        if extension == "png":
            if picture.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16"):
                picture = picture.convert("RGBA")
            target_format = "PNG"
        else:
            if picture.mode not in ("L", "RGB", "CMYK"):
                picture = picture.convert("RGB")
            target_format = "JPEG"
        if picture is not image:
            image.close()  # frees the decoded original
    except UploadRefused:
        image.close()
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError,
            CryptoError, ValueError) as exc:
        image.close()
        raise UploadRefused("damaged", "") from exc
    # A new picture that has the pixels and nothing else of the file.
    clean = Image.new(picture.mode, picture.size)
    clean.paste(picture)
    picture.close()
    options: dict[str, Any] = {"quality": 90} if target_format == "JPEG" else {}
    try:
        clean.save(target, target_format, **options)
    finally:
        clean.close()
    return decoded


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
    picture into a new pending file (fresh key and id), delete the original.
    Waits for one of the worker process's picture slots."""
    assert part.file is not None
    if part.file.size > MAX_IMAGE_BYTES:
        raise UploadRefused("image_file_too_large", part.filename)
    request = part._request
    limits = request.picture_limits()
    if not limits.slots.acquire(timeout=SLOT_WAIT_SECONDS):
        raise UploadRefused("busy", part.filename)
    clean = PendingFile(request.file_store())
    try:
        with part.file.reader() as plain:
            # Pillow types its files as IO[bytes]; these raw streams have the
            # read/seek/write it calls, but typeshed's RawIOBase is no IO[bytes].
            request.picture_pixels += strip_image_metadata(
                cast(BinaryIO, plain), extension, cast(BinaryIO, _EncryptingSink(clean)),
                max_pixels=limits.picture_pixels,
                request_pixels=limits.request_pixels - request.picture_pixels)
        clean.finish()
    except UploadRefused as exc:
        clean.discard()
        if exc.reason == "pictures_too_large":  # the text names the whole budget
            raise UploadRefused(exc.reason, "",
                                megapixels=limits.request_pixels // 1_000_000) from exc
        raise
    except BaseException:
        clean.discard()
        raise
    finally:
        limits.slots.release()
    part.file.discard()
    part.file = clean
    return clean


def _clean_document(part: PendingPart, extension: str) -> frozenset[str]:
    """Decrypt the pending original into the document cleaner, encrypt the
    cleaned copy into a new pending file (fresh key and id), delete the
    original. Returns what was removed. Takes one of the worker's cleaning
    slots, as a picture does: the PDF cleaner (qpdf) holds the whole
    document, several times its size, in memory."""
    assert part.file is not None
    slots = part._request.picture_limits().slots
    if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
        raise UploadRefused("busy", part.filename)
    clean = PendingFile(part._request.file_store())
    try:
        with part.file.reader() as plain:
            removed = clean_document(extension, cast(BinaryIO, plain),
                                     cast(BinaryIO, _EncryptingSink(clean)))
        clean.finish()
    except DocumentNotCleanable as exc:
        clean.discard()
        raise UploadRefused("not_cleanable", part.filename) from exc
    except BaseException:
        clean.discard()
        raise
    finally:
        slots.release()
    part.file.discard()
    part.file = clean
    return removed


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
    removed: frozenset[str] = frozenset()
    if extension in ("jpg", "jpeg", "png"):
        try:
            _clean_image(part, extension)
        except UploadRefused as exc:
            raise UploadRefused(exc.reason, name, megapixels=exc.megapixels) from exc
    elif extension in CLEANED_DOCUMENTS:
        removed = _clean_document(part, extension)
    return CleanFile(filename=name, content_type=CONTENT_TYPES[extension], pending=part.file,
                     removed=removed)


# A neutral name instead of the file's own (issue #25): "IMG_2024_<name>.jpg"
# or "Klacht Jan de Vries.docx" can say who made it.
NEUTRAL_STEM = "bijlage"


def with_neutral_names(files: list[CleanFile], first: int = 1) -> list[CleanFile]:
    """The files renamed "bijlage-<n>.<extension>", numbered from `first`."""
    return [replace(clean, filename=f"{NEUTRAL_STEM}-{first + index}.{_extension(clean.filename)}")
            for index, clean in enumerate(files)]


def check_parts(parts: list[PendingPart]) -> list[CleanFile]:
    """Check the chosen file parts of one request, in order."""
    if len(parts) > MAX_FILES:
        raise UploadRefused("too_many", "")
    return [check_part(part) for part in parts]
