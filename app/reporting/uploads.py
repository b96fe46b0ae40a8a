"""Attachments from reporters: held in memory only, checked, cleaned.

Werkzeug spools large uploads to temporary files by default; that would put
plaintext on disk. `MemoryUploadRequest` keeps every uploaded part in memory,
bounded by the request size limit. On views marked with `accepts_uploads`
the request may be somewhat larger than the attachment budget: files beyond
the budget are discarded while the form is parsed, so the typed text survives
and the page can say what was too large.

Accepted: pdf, jpg/jpeg, png, txt, docx, odt — by extension AND content.
Images are decoded and re-encoded from their pixels only, which drops EXIF
(GPS position, camera, time) and every other metadata block.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Request, current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.reporting.service import Upload

MAX_FILES = 10
CHUNK = 64 * 1024
# Pixels, not bytes: a small file may decode to a huge image.
MAX_IMAGE_PIXELS = 40_000_000
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


class UploadRefused(ValueError):
    """A file that is not accepted; str() is a reason code (see messages)."""

    def __init__(self, reason: str, filename: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.filename = filename


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose requests are parsed with the attachment budget."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def attachment_budget() -> int:
    return current_app.extensions["meldpunt.settings"].max_upload_mb * 1024 * 1024


class _BudgetedBuffer(io.BytesIO):
    """One uploaded part, in memory; stops keeping data once the request's
    attachment budget is spent."""

    def __init__(self, request: MemoryUploadRequest) -> None:
        super().__init__()
        self._request = request

    def write(self, data: bytes) -> int:  # type: ignore[override]
        request = self._request
        if request.upload_budget is None:
            return super().write(data)
        request.upload_bytes += len(data)
        if request.upload_bytes > request.upload_budget:
            request.upload_overflow = True
            self.seek(0)
            self.truncate()
            return len(data)
        return super().write(data)


class MemoryUploadRequest(Request):
    upload_bytes: int = 0
    upload_overflow: bool = False

    def _upload_view(self) -> bool:
        if self.endpoint is None:
            return False
        view = current_app.view_functions.get(self.endpoint)
        return bool(getattr(view, "accepts_uploads", False))

    @property
    def upload_budget(self) -> int | None:
        return attachment_budget() if self._upload_view() else None

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._upload_view():
            return attachment_budget() * PARSE_FACTOR + 1024 * 1024
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)  # type: ignore[attr-defined]

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> io.BytesIO:
        # Never a temporary file: plaintext must not touch the disk.
        return _BudgetedBuffer(self)


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    data: bytes

    def as_upload(self) -> Upload:
        return Upload(filename=self.filename, content_type=self.content_type,
                      chunks=_chunks(self.data))


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


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


def _zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _content_matches(extension: str, data: bytes) -> bool:
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "txt":
        return _is_plain_text(data)
    if extension == "docx":
        names = data.startswith(b"PK\x03\x04") and _zip_names(data)
        return bool(names) and "[Content_Types].xml" in names and any(
            name.startswith("word/") for name in names)
    if extension == "odt":
        if not data.startswith(b"PK\x03\x04"):
            return False
        # The ODF package starts with an uncompressed "mimetype" entry.
        return b"mimetypeapplication/vnd.oasis.opendocument.text" in data[:100]
    return False


def strip_image_metadata(data: bytes, extension: str) -> bytes:
    """Decode and re-encode from pixels only: no EXIF, GPS, XMP or comments."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise UploadRefused("image_too_large", "")
            image.load()
            # Turn the picture the way the camera meant, before the EXIF
            # orientation tag is dropped with the rest.
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
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
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 90} if target_format == "JPEG" else {}
    clean.save(out, target_format, **options)
    return out.getvalue()


def check_file(filename: str, data: bytes) -> CleanFile:
    name = safe_name(filename)
    extension = _extension(name)
    if extension not in CONTENT_TYPES:
        raise UploadRefused("type", name)
    if not data:
        raise UploadRefused("empty", name)
    if not _content_matches(extension, data):
        raise UploadRefused("content", name)
    if extension in ("jpg", "jpeg", "png"):
        try:
            data = strip_image_metadata(data, extension)
        except UploadRefused as exc:
            raise UploadRefused(exc.reason, name) from exc
    return CleanFile(filename=name, content_type=CONTENT_TYPES[extension], data=data)


def collect_files(storages: list[Any]) -> list[CleanFile]:
    """Check the uploaded parts of one request (werkzeug FileStorage objects)."""
    chosen = [s for s in storages if s is not None and s.filename]
    if len(chosen) > MAX_FILES:
        raise UploadRefused("too_many", "")
    return [check_file(s.filename, s.stream.getvalue() if isinstance(s.stream, io.BytesIO)
                       else s.read()) for s in chosen]
