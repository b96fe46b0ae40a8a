"""Uploads over HTTP - the reporter's and the bureau's: the request class
that hands every file part to an encrypting PendingPart while Werkzeug parses
the body (never spooled to a temporary file), the request-wide attachment
budget and picture budget. What is accepted and how files are cleaned is
domain code: app/cases/uploads.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cached_property
from typing import IO, Any, cast

from flask import Flask, Request, current_app, request

from app.cases.uploads import (
    MAX_FILES,
    PARSE_FACTOR,
    CleanFile,
    PendingPart,
    PictureLimits,
    UploadRefused,
    check_parts,
)
from app.config import Settings
from app.runtime import Runtime
from app.storage import FileStore


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose requests are parsed with the attachment budget."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def attachment_budget() -> int:
    settings: Settings = current_app.extensions["meldpunt.settings"]
    return settings.max_upload_mb * 1024 * 1024


class StreamingUploadRequest(Request):
    """On views marked with `accepts_uploads`, file parts are encrypted into
    the store as the body streams in (see PendingPart); never spooled to a
    temporary file. Other views keep parts in memory, bounded by
    MAX_CONTENT_LENGTH (they take no reporter files)."""

    upload_bytes: int = 0
    upload_overflow: bool = False
    upload_too_many: bool = False
    picture_pixels: int = 0

    def _upload_view(self) -> bool:
        if self.endpoint is None:
            return False
        view = current_app.view_functions.get(self.endpoint)
        return bool(getattr(view, "accepts_uploads", False))

    @cached_property
    def upload_budget_bytes(self) -> int:
        return attachment_budget()

    @cached_property
    def pending_parts(self) -> list[PendingPart]:
        return []

    def file_store(self) -> FileStore:
        runtime: Runtime = current_app.extensions["meldpunt.runtime"]
        return runtime.files

    def picture_limits(self) -> PictureLimits:
        runtime: Runtime = current_app.extensions["meldpunt.runtime"]
        settings = runtime.settings
        return PictureLimits.of(settings.image_max_megapixels, settings.image_request_megapixels,
                                runtime.picture_slots)

    @property
    def max_content_length(self) -> int | None:
        if self._upload_view():
            return attachment_budget() * PARSE_FACTOR + 1024 * 1024
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)  # type: ignore[attr-defined]

    def overflow(self) -> None:
        """Together the files are over the budget: keep nothing of them (the
        rest of the body is still read, so the typed text survives)."""
        if not self.upload_overflow:
            self.upload_overflow = True
            self.discard_pending()

    def discard_pending(self) -> None:
        for part in self.pending_parts:
            part.discard()

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        if not self._upload_view():
            return io.BytesIO()
        part = PendingPart(self, filename)
        if part.filename:
            named = sum(1 for p in self.pending_parts if p.filename) + 1
            if named > MAX_FILES and not self.upload_too_many:
                # Refused anyway: stop storing any of them.
                self.upload_too_many = True
                self.discard_pending()
        self.pending_parts.append(part)
        # Werkzeug writes the part and seeks it; it has those methods, but
        # typeshed's RawIOBase is no IO[bytes].
        return cast(IO[bytes], part)


def init_app(app: Flask) -> None:
    app.request_class = StreamingUploadRequest

    @app.teardown_request
    def _discard_unattached(_exc: BaseException | None) -> None:
        if not isinstance(request, StreamingUploadRequest) or request.method != "POST" or (
                not request._upload_view()):
            return
        # Refused, abandoned (the review step's "change" button) or failed:
        # pending files of this request that were not attached go now.
        request.discard_pending()
        # And whatever a crashed or killed worker left behind.
        request.file_store().remove_abandoned_pending()


def collect_files(storages: list[Any]) -> list[CleanFile]:
    """Check the uploaded parts of one request (werkzeug FileStorage objects
    whose streams are PendingParts). On a refusal every pending file of the
    request is deleted."""
    if isinstance(request, StreamingUploadRequest) and request.upload_too_many:
        raise UploadRefused("too_many", "")
    chosen = [s for s in storages if s is not None and s.filename]
    if len(chosen) > MAX_FILES:
        raise UploadRefused("too_many", "")
    parts = [s.stream for s in chosen]
    if not all(isinstance(p, PendingPart) for p in parts):
        raise TypeError("uploads must be parsed by StreamingUploadRequest")
    try:
        return check_parts(parts)
    except UploadRefused:
        # Nothing of a refused form is kept: delete its ciphertext right away.
        request.discard_pending()  # type: ignore[attr-defined]
        raise
