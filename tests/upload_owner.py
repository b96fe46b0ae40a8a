"""A request stand-in for the upload checks (app/cases/uploads.py PartOwner):
a local file store in a folder, the production picture settings and the
worker's cleaning slots. Used in-process and by the fresh-process memory
measurements of tests/security/test_picture_memory.py."""

from __future__ import annotations

import threading
from pathlib import Path

from app.cases.uploads import PictureLimits
from app.config import Settings
from app.storage import LocalFileStore


class UploadOwner:
    upload_bytes = 0
    upload_overflow = False
    upload_too_many = False
    picture_pixels = 0
    upload_budget_bytes = 10**9

    def __init__(self, folder: Path, slots: threading.BoundedSemaphore | None = None) -> None:
        self.settings = Settings()
        self.store = LocalFileStore(folder / "store")
        self.slots = slots or threading.BoundedSemaphore(self.settings.image_workers)

    def overflow(self) -> None:
        raise AssertionError("over budget")

    def file_store(self) -> LocalFileStore:
        return self.store

    def picture_limits(self) -> PictureLimits:
        return PictureLimits.of(self.settings.image_max_megapixels,
                                self.settings.image_request_megapixels, self.slots)
