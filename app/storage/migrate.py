"""Moving the files of one store into another (`meldpunt files migrate-store`):
from the local directory into the database when several instances are to
share the files, or back. Ciphertext is copied as it is, chunk by chunk (no
key is needed or used); each file is written whole or not at all, checked
against the source, and only then, if asked, removed from the source. Safe
to interrupt and to run again: files the target already holds are checked,
not copied twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from app.storage.base import FileStore

BLOCK = 1024 * 1024


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class FilesDiffer(RuntimeError):
    """A file the target holds is not the source's file."""


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    while block := handle.read(BLOCK):
        yield block


def _same(source: FileStore, target: FileStore, file_id: str) -> bool:
    with source.open(file_id) as one, target.open(file_id) as other:
        while True:
            left, right = one.read(BLOCK), other.read(BLOCK)
            if left != right:
                return False
            if not left:
                return True


def copy_files(source: FileStore, target: FileStore, *,
               remove_source: bool = False) -> CopyReport:
    """Copy every kept file of `source` into `target` (pending uploads are
    left alone: their writers keep them). Raises FilesDiffer if a file in
    the target differs from the source's, and removes nothing then."""
    report = CopyReport()
    for file_id in list(source.file_ids()):
        if target.exists(file_id):
            report.already_there.append(file_id)
        else:
            with source.open(file_id) as handle:
                target.write(file_id, _blocks(handle))
            report.copied.append(file_id)
        if not _same(source, target, file_id):
            raise FilesDiffer(file_id)
        if remove_source:
            source.delete(file_id)
            report.removed.append(file_id)
    return report
